import Foundation

/// Which writing system a department or committee code uses, and what it looks like to a reader.
///
/// Codes are typed by people and compared by machines: Latin `BIF` and `ВІF` (Cyrillic В and І) are different
/// strings that nobody can tell apart on screen, so a manifest that accepts both has two departments a reviewer
/// sees as one. Following Unicode's security mechanisms (UTS #39, "single script" and "confusable skeleton"),
/// a code must use the letters of one script, and no two codes may look alike. Digits, `-` and `_` belong to every
/// script; combining marks take the script of the letter they sit on (NFC has already joined most of them).
enum CodeScripts {
  /// The script of a letter, by the Unicode blocks that matter for codes; `nil` for digits, `-`, `_` and marks.
  /// A letter outside these blocks is named by its block's first code point, so that it never counts as Latin.
  static func script(of scalar: Unicode.Scalar) -> String? {
    let value = scalar.value
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark: return nil
    case .decimalNumber where value < 0x80: return nil
    default: break
    }
    if value < 0x80 { return (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) ? "Latin" : nil }
    switch value {
    case 0xAA, 0xBA, 0xC0...0x24F, 0x250...0x2AF, 0x1D00...0x1D7F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF,
      0xAB30...0xAB6F, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
      return "Latin"
    case 0x370...0x3FF, 0x1F00...0x1FFF: return "Greek"
    case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return "Cyrillic"
    case 0x530...0x58F: return "Armenian"
    case 0x590...0x5FF, 0xFB1D...0xFB4F: return "Hebrew"
    case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: return "Arabic"
    case 0x10A0...0x10FF, 0x1C90...0x1CBF: return "Georgian"
    // Chinese, Japanese and Korean text mixes Han with kana or Hangul as a matter of course (UTS #39 allows it).
    case 0x1100...0x11FF, 0x3040...0x30FF, 0x3130...0x318F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF,
      0xF900...0xFAFF, 0x20000...0x3FFFF:
      return "Han/Kana/Hangul"
    default: return "U+\(String(format: "%04X", value & ~0x7F)) block"
    }
  }

  /// Letters by script, in order of first appearance: `[("Cyrillic", ["В", "І"]), ("Latin", ["F"])]`.
  static func scripts(of code: String) -> [(script: String, letters: [String])] {
    var result: [(script: String, letters: [String])] = []
    for scalar in code.unicodeScalars {
      guard let script = script(of: scalar) else { continue }
      let letter = String(scalar)
      if let index = result.firstIndex(where: { $0.script == script }) {
        if !result[index].letters.contains(letter) { result[index].letters.append(letter) }
      } else {
        result.append((script, [letter]))
      }
    }
    return result
  }

  /// Why `code` is refused, or `nil` when it uses one script and no compatibility forms.
  static func problem(with code: String) -> String? {
    let compatible = code.precomposedStringWithCompatibilityMapping
    if compatible != code {
      let odd = code.unicodeScalars.filter { String($0).precomposedStringWithCompatibilityMapping != String($0) }
      return "it contains compatibility characters (\(odd.map { describe($0) }.joined(separator: ", "))) that look "
        + "like ordinary ones; type it as `\(compatible)`"
    }
    let scripts = scripts(of: code)
    guard scripts.count > 1 else { return nil }
    let parts = scripts.map { "\($0.script) \($0.letters.joined(separator: ", "))" }
    return "it mixes letters of different scripts (\(parts.joined(separator: "; "))), which look alike but are "
      + "different characters; type the whole code in one script, e.g. on a Danish keyboard (like `ØKF`)"
  }

  /// Letters of other scripts that look like Latin capitals, after upper-casing; from Unicode's confusables
  /// (confusables.txt), the ones a code in capitals can contain. Digits 0 and 1 read as O and I in many fonts.
  private static let lookalikes: [Unicode.Scalar: Unicode.Scalar] = [
    // Cyrillic
    "\u{0410}": "A", "\u{0412}": "B", "\u{0415}": "E", "\u{0405}": "S", "\u{0406}": "I", "\u{0408}": "J",
    "\u{041A}": "K", "\u{041C}": "M", "\u{041D}": "H", "\u{041E}": "O", "\u{0420}": "P", "\u{0421}": "C",
    "\u{0422}": "T", "\u{0423}": "Y", "\u{0425}": "X", "\u{04AE}": "Y", "\u{04BA}": "H", "\u{04C0}": "I",
    "\u{051A}": "Q", "\u{051C}": "W", "\u{0474}": "V", "\u{0500}": "D",
    // Greek
    "\u{0391}": "A", "\u{0392}": "B", "\u{0395}": "E", "\u{0396}": "Z", "\u{0397}": "H", "\u{0399}": "I",
    "\u{039A}": "K", "\u{039C}": "M", "\u{039D}": "N", "\u{039F}": "O", "\u{03A1}": "P", "\u{03A4}": "T",
    "\u{03A5}": "Y", "\u{03A7}": "X",
    // Digits
    "0": "O", "1": "I",
  ]

  /// What `code` looks like: compatibility forms folded, capitals, and look-alike letters of other scripts
  /// replaced by the Latin ones (accents kept: `Ё` looks like `Ë`, not `E`). Two codes with the same skeleton
  /// cannot be told apart by a reader.
  static func skeleton(_ code: String) -> String {
    let folded = code.precomposedStringWithCompatibilityMapping.uppercased().decomposedStringWithCanonicalMapping
    var result = String.UnicodeScalarView()
    for scalar in folded.unicodeScalars { result.append(lookalikes[scalar] ?? scalar) }
    return String(result).precomposedStringWithCanonicalMapping
  }

  /// `В (U+0412 CYRILLIC CAPITAL LETTER VE)`.
  static func describe(_ scalar: Unicode.Scalar) -> String {
    let name = scalar.properties.name.map { " \($0)" } ?? ""
    return "\(scalar) (U+\(String(format: "%04X", scalar.value))\(name))"
  }

  /// The letters in which two look-alike codes differ, described: what a reader needs to find the odd one.
  static func differences(_ code: String, _ other: String) -> String {
    let mine = Array(code.uppercased().unicodeScalars)
    let theirs = Array(other.uppercased().unicodeScalars)
    var parts: [String] = []
    for (index, scalar) in mine.enumerated() where index >= theirs.count || theirs[index] != scalar {
      parts.append(describe(scalar))
    }
    return parts.joined(separator: ", ")
  }
}
