import Foundation

/// Checks and normalises text a drafter submits, before anything is written.
public enum SectionText {
  /// Larger files are refused: a section is prose read in committee, and the limit keeps one revision's
  /// memory and diff cost bounded.
  public static let maximumBytes = 1 << 20

  /// Returns the text with LF line endings and a final newline, or refuses with exit 65 naming the rule.
  public static func validate(_ data: Data, section: String, file: String) throws -> String {
    guard data.count <= maximumBytes else {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) is \(data.count) bytes, over the limit of \(maximumBytes) bytes (1 MiB) "
          + "for one section. Split the text or move large material into an appendix.")
    }
    if let nul = data.firstIndex(of: 0) {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) contains a NUL byte at offset \(nul - data.startIndex); it looks like a binary "
          + "file, not Markdown text. Save the section as plain UTF-8 text (.md) and submit that.")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw PolicyFlowError.badInput(invalidUTF8Message(data, section: section, file: file))
    }
    var normalized = withLineFeeds(text)
    if normalized.hasPrefix("\u{FEFF}") { normalized.removeFirst() }
    normalized = normalized.precomposedStringWithCanonicalMapping
    // Control characters (ESC and friends) have no place in prose and would act on reviewers' terminals.
    // One pass over the scalars, counting lines only to name the one at fault.
    var line = 1
    for scalar in normalized.unicodeScalars {
      if scalar == "\n" {
        line += 1
      } else if (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value) {
        throw PolicyFlowError.badInput(
          "section \(section): \(file) contains the control character U+\(String(format: "%04X", scalar.value)) on "
            + "line \(line); section text is plain UTF-8 Markdown. Remove it and submit again.")
      }
    }
    // Blank means what `.whitespacesAndNewlines` means: White_Space scalars and U+200B.
    guard normalized.unicodeScalars.contains(where: { !$0.properties.isWhitespace && $0 != "\u{200B}" }) else {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) is empty. Write the section's text (Markdown) in the file and submit again.")
    }
    if !normalized.hasSuffix("\n") { normalized += "\n" }
    return normalized
  }

  private static func invalidUTF8Message(_ data: Data, section: String, file: String) -> String {
    var offset = 0
    let bytes = [UInt8](data)
    var index = 0
    while index < bytes.count {
      let length = utf8SequenceLength(bytes, at: index)
      if length == 0 {
        offset = index
        break
      }
      index += length
    }
    return "section \(section): \(file) is not valid UTF-8 (first bad byte at offset \(offset)). "
      + "Save the file as UTF-8 (Word: \"Gem som\" → Almindelig tekst → Unicode (UTF-8)) and submit again."
  }

  private static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
    let lead = bytes[index]
    let length: Int
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return 0
    }
    guard index + length <= bytes.count else { return 0 }
    for continuation in bytes[(index + 1)..<(index + length)] where continuation & 0xC0 != 0x80 { return 0 }
    return length
  }

  /// CRLF and lone CR as LF: how every revision's text is stored (so no heading or line holds a CR).
  static func withLineFeeds(_ text: String) -> String {
    // Nearly every text has none: Foundation's replacing costs ~1,000 instructions a line even then.
    guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
    return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
  }

  /// ATX headings of a Markdown text, outside fenced code blocks, as (level, text).
  ///
  /// Lines are found on the UTF-8 bytes and only those whose first non-blank byte can open a heading or
  /// a fence are looked at as Characters: `status` runs this over every section's text, and splitting
  /// whole texts into Characters cost about a million instructions per section.
  public static func headings(in text: String) -> [(level: Int, text: String)] {
    var result: [(Int, String)] = []
    var fence: String?
    func visit(_ rawLine: Substring) {
      let line = rawLine.drop(while: { $0 == " " })
      if line.hasPrefix("```") || line.hasPrefix("~~~") {
        let marker = String(line.prefix(3))
        if fence == nil { fence = marker } else if fence == marker { fence = nil }
        return
      }
      if fence != nil { return }
      let hashes = line.prefix(while: { $0 == "#" })
      guard (1...6).contains(hashes.count) else { return }
      let rest = line.dropFirst(hashes.count)
      guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return }
      var title = trimmingBlanks(rest)
      while title.hasSuffix("#") { title.removeLast() }
      result.append((hashes.count, trimmingBlanks(Substring(title))))
    }
    // Byte ranges of the lines that may be headings or fences, found on the contiguous UTF-8 storage.
    var candidates: [Range<Int>] = []
    func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
      var lineStart = 0
      var candidate: Bool?  // whether the line's first non-blank byte is `#`, `` ` `` or `~`
      var previous: UInt8 = 0
      for index in 0..<bytes.count {
        let byte = bytes[index]
        // "\r\n" is one Character, so (as with Character splitting) it does not end a line.
        if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") {
          if candidate == true { candidates.append(lineStart..<index) }
          lineStart = index + 1
          candidate = nil
        } else if candidate == nil && byte != UInt8(ascii: " ") {
          candidate = byte == UInt8(ascii: "#") || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "~")
        }
        previous = byte
      }
      if candidate == true { candidates.append(lineStart..<bytes.count) }
    }
    if text.utf8.withContiguousStorageIfAvailable(scan) == nil { Array(text.utf8).withUnsafeBufferPointer(scan) }
    let utf8 = text.utf8
    for range in candidates {
      let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
      visit(text[start..<utf8.index(start, offsetBy: range.count)])
    }
    return result
  }

  /// `trimmingCharacters(in: .whitespaces)` (tab, Unicode space separators and U+200B) without the round
  /// trip through NSString that made it the most expensive step of reading a section's headings.
  static func trimmingBlanks(_ text: Substring) -> String {
    func isBlank(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
      default: return false
      }
    }
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !isBlank($0) }), let last = scalars.lastIndex(where: { !isBlank($0) })
    else { return "" }
    return String(Substring(scalars[first...last]))
  }

  /// The required sub-headings absent from `text`, compared case-insensitively and Unicode-normalised.
  public static func missingHeadings(_ required: [String], in text: String) -> [String] {
    guard !required.isEmpty else { return [] }
    return missingHeadings(required, among: headings(in: text).map(\.text))
  }

  /// The headings of `text` as a revision records them (`RevisionRecord.headings`): one per line.
  public static func recordedHeadings(of text: String) -> String {
    headings(in: text).map(\.text).joined(separator: "\n")
  }

  /// The required sub-headings absent from a revision's recorded headings (`recordedHeadings(of:)`).
  public static func missingHeadings(_ required: [String], recorded: String) -> [String] {
    guard !required.isEmpty else { return [] }
    // Split on the byte, not on Characters (where "\r\n" is one): stored texts have no CR, but the split
    // must not depend on that.
    let found = recorded.isEmpty
      ? [] : recorded.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    return missingHeadings(required, among: found)
  }

  static func missingHeadings(_ required: [String], among found: [String]) -> [String] {
    // Headings are nearly always written exactly as required; normalising (costly) only when one is not.
    let written = Set(found)
    guard required.contains(where: { !written.contains($0) }) else { return [] }
    let present = Set(found.map(comparable))
    return required.filter { !present.contains(comparable($0)) }
  }

  static func comparable(_ heading: String) -> String {
    heading.precomposedStringWithCanonicalMapping.lowercased()
      .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  /// Lines numbered from 1, as reviewers cite them.
  public static func lines(_ text: String) -> [String] {
    // Split on the UTF-8 bytes (a "\n" not preceded by "\r", as Character splitting does, since "\r\n" is one
    // Character): splitting a section into Characters cost ~1.8 M instructions, once per quoted link when
    // assembling.
    var lines: [String] = []
    let bytes = Array(text.utf8)
    var start = 0
    for index in bytes.indices where bytes[index] == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) {
      lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
      start = index + 1
    }
    lines.append(String(decoding: bytes[start...], as: UTF8.self))
    if lines.last == "" { lines.removeLast() }
    return lines
  }
}
