import Foundation

/// Characters that change what a reader sees without being seen themselves: bidirectional controls (U+202E makes
/// "gnissap" read "passing"), zero-width characters, and every other format character (Unicode category Cf), plus
/// the blank Hangul fillers and the line and paragraph separators, which show as nothing or as a break that is not
/// in the text. A committee must not approve text that reads differently from what it says, so `show`, `diff` and
/// the assembled HTML name them instead of passing them on.
public enum InvisibleCharacters {
  public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    // Plain text is nearly all below U+00AD; one comparison decides it.
    case 0..<0xAD: return false
    case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2028, 0x2029: return true
    default: return scalar.properties.generalCategory == .format
    }
  }

  /// `U+202E`.
  public static func codePoint(_ scalar: Unicode.Scalar) -> String {
    "U+\(String(format: "%04X", scalar.value))"
  }

  /// `U+202E RIGHT-TO-LEFT OVERRIDE`.
  public static func describe(_ scalar: Unicode.Scalar) -> String {
    codePoint(scalar) + (scalar.properties.name.map { " \($0)" } ?? "")
  }

  /// Whether `text` has any; a scan of the UTF-8 bytes, since nearly all text is free of them.
  public static func contains(_ text: String) -> Bool {
    // Every candidate is at U+00AD or above, so its UTF-8 form starts with a byte of 0xC2 or more.
    guard text.utf8.contains(where: { $0 >= 0xC2 }) else { return false }
    return text.unicodeScalars.contains(where: isInvisible)
  }

  /// `text` with each such character replaced by `<U+202E>`: what a terminal shows instead of obeying it.
  public static func markedForTerminal(_ text: String) -> String {
    guard contains(text) else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if isInvisible(scalar) {
        result.append(contentsOf: "<\(codePoint(scalar))>".unicodeScalars)
      } else {
        result.append(scalar)
      }
    }
    return String(result)
  }
}
