import Foundation

/// Text-safety helpers shared by the renderers. Everything a department or the caller wrote is untrusted as far as
/// markup goes: it must reach the reader as text, whatever it contains.
enum Escape {
  /// Whether XML 1.0 allows the scalar at all; Word refuses to open a package whose XML contains, e.g., U+0001.
  static func isLegalXML(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
    default: return false
    }
  }

  /// Escapes `&`, `<`, `>`, `"` and `'` and drops characters XML 1.0 forbids; safe in element content and in
  /// attribute values of both XML and HTML.
  static func xml(_ text: String) -> String {
    // Most text needs nothing: when a scan of its bytes finds no special character, no control character and no
    // 0xEF lead byte (U+FFFE and U+FFFF start with it), it is returned as it is instead of being rebuilt scalar by
    // scalar, which was a third of assembling a Word document.
    let needsWork = text.utf8.contains { byte in
      switch byte {
      case 0x26, 0x3C, 0x3E, 0x22, 0x27, 0xEF: return true
      case 0x09, 0x0A, 0x0D: return false
      default: return byte < 0x20
      }
    }
    if !needsWork { return text }
    var out = String.UnicodeScalarView()
    out.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out.append(contentsOf: "&amp;".unicodeScalars)
      case "<": out.append(contentsOf: "&lt;".unicodeScalars)
      case ">": out.append(contentsOf: "&gt;".unicodeScalars)
      case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
      case "'": out.append(contentsOf: "&#39;".unicodeScalars)
      default: if isLegalXML(scalar) { out.append(scalar) }
      }
    }
    return String(out)
  }

  /// HTML text and attribute escaping is the same as XML's here: one function, no room for a forgotten case.
  static func html(_ text: String) -> String { xml(text) }

  /// `html(text)` for element content, with each invisible or bidirectional control character (see
  /// ``InvisibleCharacters``) shown as a marked, visible `⟨U+202E⟩` instead of acting on the text around it.
  /// Not for attribute values or `<title>`, which cannot hold markup.
  static func htmlText(_ text: String) -> String {
    guard InvisibleCharacters.contains(text) else { return html(text) }
    var out = ""
    var run = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      guard InvisibleCharacters.isInvisible(scalar) else {
        run.append(scalar)
        continue
      }
      out += html(String(run))
      run = String.UnicodeScalarView()
      let code = InvisibleCharacters.codePoint(scalar)
      let title = html(InvisibleCharacters.describe(scalar))
      out += "<span class=\"invisible-char\" title=\"\(title)\">⟨\(code)⟩</span>"
    }
    return out + html(String(run))
  }

  /// The URL schemes a rendered link may carry. Anything else (`javascript:`, `data:`, `vbscript:`, `file:`) is dropped
  /// and the link text is shown without a link.
  static let allowedSchemes: Set<String> = ["http", "https", "mailto"]

  /// Decides whether `url` may become a link target. Browsers ignore tabs and newlines inside URLs and leading
  /// controls/spaces, so the scheme is read the way a browser would read it ("java\tscript:" is `javascript:`).
  static func isSafeLink(_ url: String) -> Bool {
    let cleaned = String(
      String.UnicodeScalarView(url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" })
        .drop(while: { $0.value <= 0x20 }))
    guard let colon = cleaned.firstIndex(of: ":") else { return true }
    let beforeColon = cleaned[..<colon]
    // A "/", "?" or "#" before the first colon means the colon is part of a relative path, query or fragment.
    if beforeColon.contains(where: { "/?#".contains($0) }) { return true }
    return allowedSchemes.contains(beforeColon.lowercased())
  }

  /// Percent-encodes what is not allowed in a URI (spaces, non-ASCII, quotes, braces) and leaves existing `%XX`
  /// escapes alone. Word refuses a package whose hyperlink target is not a valid URI, and browsers are happier too.
  static func uri(_ url: String) -> String {
    let allowed = CharacterSet(
      charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%")
    return url.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
  }

  /// Whether `url` is an absolute link Word can follow on its own (relative links have nothing to point at in a DOCX).
  static func isAbsoluteWebLink(_ url: String) -> Bool {
    guard isSafeLink(url), let colon = url.firstIndex(of: ":") else { return false }
    return allowedSchemes.contains(url[..<colon].lowercased())
  }

  /// Backslash-escapes CommonMark punctuation so that titles, marks and table cells read back as the same text and
  /// cannot start emphasis, links, raw HTML, table columns or a closing heading sequence. Newlines become spaces
  /// because every place this text goes is a single line.
  static func markdownInline(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "#", "!", "$":
        out.append("\\")
        out.append(character)
      case "\n", "\r", "\r\n", "\t":
        out.append(" ")
      default:
        if character.unicodeScalars.allSatisfy({ isLegalXML($0) }) { out.append(character) }
      }
    }
    return out
  }

  /// GitHub's heading anchor (as also produced by pandoc's `gfm_auto_identifiers`): lower-cased, punctuation other than
  /// `-` and `_` removed, spaces turned into `-`. Duplicates get `-1`, `-2`, … via `SlugRegistry`.
  static func githubSlug(_ text: String) -> String {
    var out = ""
    for character in text.lowercased() {
      if character.isLetter || character.isNumber || character == "_" || character == "-" {
        out.append(character)
      } else if character.isWhitespace {
        out.append("-")
      } else if character.unicodeScalars.contains(where: {
        [.nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation].contains($0.properties.generalCategory)
      }) {
        out.append(character)
      }
    }
    return out
  }

  /// An HTML id / URL fragment made from a section id: ASCII only so it survives copy-paste into mail and chat, with
  /// the Danish letters spelled out so "beskæftigelse" stays recognisable.
  static func anchor(_ text: String) -> String {
    var out = ""
    for character in text.lowercased() {
      switch character {
      case "æ": out += "ae"
      case "ø": out += "oe"
      case "å": out += "aa"
      case "a"..."z", "0"..."9", "_", "-", ".": out.append(character)
      default: if !out.hasSuffix("-") { out.append("-") }
      }
    }
    let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-."))
    return trimmed.isEmpty ? "section" : trimmed
  }
}

/// Hands out unique identifiers in document order the way GitHub and pandoc de-duplicate heading anchors: the first
/// use keeps the base, later ones get the first free `-n` suffix.
struct SlugRegistry {
  private var used: Set<String> = []

  mutating func unique(_ base: String, firstSuffix: Int = 1) -> String {
    if used.insert(base).inserted { return base }
    var suffix = firstSuffix
    while !used.insert("\(base)-\(suffix)").inserted { suffix += 1 }
    return "\(base)-\(suffix)"
  }
}
