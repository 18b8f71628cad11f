import Foundation
import PolicyAssembly

#if canImport(Glibc)
  import Glibc
#endif

/// Checks and normalises text a drafter submits, before anything is written.
public enum SectionText {
  /// Larger files are refused: a section is prose read in committee, and the limit keeps one revision's
  /// memory and diff cost bounded.
  public static let maximumBytes = 1 << 20

  /// Returns the text with LF line endings and a final newline, or refuses with exit 65 naming the rule.
  public static func validate(_ data: Data, section: String, file: String) throws -> String {
    try checked(data, section: section, file: file, origin: .submission)
  }

  /// Where a text comes from, for the advice at the end of a refusal.
  enum Origin {
    case submission
    case template

    var retry: String {
      switch self {
      case .submission: return "submit again"
      case .template: return "run `policyflow init` again (the template is input like a submitted text)"
      }
    }
  }

  /// The checks every stored text passes, a submission's or a template's revision 0; only a submission must
  /// have content (a template may leave a section empty for its drafters).
  static func checked(_ data: Data, section: String, file: String, origin: Origin) throws -> String {
    guard data.count <= maximumBytes else {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) is \(data.count) bytes, over the limit of \(maximumBytes) bytes (1 MiB) "
          + "for one section. Split the text or move large material into an appendix"
          + (origin == .template ? ", then \(origin.retry)." : "."))
    }
    if let nul = data.firstIndex(of: 0) {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) contains a NUL byte at offset \(nul - data.startIndex); it looks like a binary "
          + "file, not Markdown text. Save the section as plain UTF-8 text (.md) and \(origin.retry).")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw PolicyFlowError.badInput(invalidUTF8Message(data, section: section, file: file, origin: origin))
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
            + "line \(line); section text is plain UTF-8 Markdown. Remove it and \(origin.retry).")
      }
    }
    if origin == .template && normalized.isEmpty { return "" }
    // Blank means what `.whitespacesAndNewlines` means: White_Space scalars and U+200B.
    let blank = !normalized.unicodeScalars.contains(where: { !$0.properties.isWhitespace && $0 != "\u{200B}" })
    guard origin == .template || !blank else {
      throw PolicyFlowError.badInput(
        "section \(section): \(file) is empty. Write the section's text (Markdown) in the file and submit again.")
    }
    if !normalized.hasSuffix("\n") { normalized += "\n" }
    return normalized
  }

  private static func invalidUTF8Message(_ data: Data, section: String, file: String, origin: Origin) -> String {
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
      + "Save the file as UTF-8 (Word: \"Gem som\" → Almindelig tekst → Unicode (UTF-8)) and \(origin.retry)."
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

  /// The section's own headings as CommonMark (cmark-gfm, the parser every edition is rendered from) reads them,
  /// as (level, text): ATX and setext headings at the top level of the document, in order.
  ///
  /// A `## …` line inside fenced or indented code, an HTML block, a block quote or a list item is not a heading of
  /// the section, so it does not satisfy the required-headings guard: the guard must see what a reader of the
  /// assembled policy sees. The text is the heading's visible text (`## Det *gør* vi` → `Det gør vi`).
  public static func headings(in text: String) -> [(level: Int, text: String)] {
    MarkdownHeadings.topLevel(in: text).map { ($0.level, trimmingBlanks(Substring($0.text))) }
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

// MARK: - Invisible and bidirectional characters

/// One invisible or bidirectional control character in a text (see `InvisibleCharacters`), where a reader
/// would look for it.
public struct InvisibleCharacter: Equatable, Sendable, CustomStringConvertible {
  /// 1-based, as `show --line-numbers` and comments count lines.
  public let line: Int
  /// 1-based, counted in Unicode scalars (code points) from the start of the line.
  public let column: Int
  public let scalar: Unicode.Scalar

  /// `U+202E`.
  public var codePoint: String { InvisibleCharacters.codePoint(scalar) }

  /// `line 3, column 5: U+202E RIGHT-TO-LEFT OVERRIDE`.
  public var description: String { "line \(line), column \(column): \(InvisibleCharacters.describe(scalar))" }
}

extension SectionText {
  /// Every invisible or bidirectional control character in `text`, in order: the bidi embeddings, overrides and
  /// isolates (U+202A–U+202E, U+2066–U+2069), zero-width and direction marks (U+200B–U+200F), the word joiner
  /// (U+2060), U+FEFF inside the text, every other format character (category Cf) and the blank fillers.
  ///
  /// Such text is accepted (a ZERO WIDTH JOINER belongs in some emoji, a soft hyphen in long Danish words), but it
  /// can read differently from what it says, so `show` and `diff` warn and display them, and so should `submit`.
  public static func invisibleCharacters(in text: String) -> [InvisibleCharacter] {
    guard InvisibleCharacters.contains(text) else { return [] }
    var found: [InvisibleCharacter] = []
    var line = 1
    var column = 0
    for scalar in text.unicodeScalars {
      if scalar == "\n" {
        line += 1
        column = 0
        continue
      }
      column += 1
      if InvisibleCharacters.isInvisible(scalar) {
        found.append(InvisibleCharacter(line: line, column: column, scalar: scalar))
      }
    }
    return found
  }

  /// `text` with each invisible or bidirectional control character written as `<U+202E>`, for a terminal.
  public static func showingInvisibleCharacters(_ text: String) -> String {
    InvisibleCharacters.markedForTerminal(text)
  }

  /// A warning naming where the characters are (the first `limit` of them) and how they are shown, or `nil` when
  /// there are none: one text for `show`, `diff` and `submit`.
  public static func invisibleCharacterWarning(
    _ found: [InvisibleCharacter], subject: String, shownAs: Bool = true, limit: Int = 10
  ) -> String? {
    guard !found.isEmpty else { return nil }
    let count = found.count == 1
      ? "an invisible or bidirectional control character"
      : "\(found.count) invisible or bidirectional control characters"
    var list = found.prefix(limit).map(\.description).joined(separator: "; ")
    if found.count > limit { list += "; and \(found.count - limit) more" }
    return "\(subject) contains \(count), which can make the text read differently from what it says: \(list)."
      + (shownAs ? " They are shown as <U+XXXX>." : "")
      + " Remove them unless they are meant, and check the text around them."
  }

  // MARK: - Template texts

  /// Reads and checks a template's text for a section (its revision 0), exactly as a submitted text is checked:
  /// at most 1 MiB, UTF-8, no NUL, ESC or other control characters; normalised the same way (LF, NFC, no BOM,
  /// a final newline). A template is input like any other: it may come from anyone.
  ///
  /// A symbolic link is refused, not followed (it could pull `/etc/passwd` into the policy's history), and so is
  /// anything but a regular file (a FIFO would block `init`). A missing file is an empty revision 0, as before.
  ///
  /// - Returns: the text to commit as revision 0, `""` when the template has no file for the section.
  /// - Throws: `PolicyFlowError.badInput` (65) naming the section, the file and the rule.
  public static func validateTemplateText(url: URL, section: String) throws -> String {
    let path = url.path
    func refuse(_ reason: String) -> PolicyFlowError {
      PolicyFlowError.badInput(
        "section \(section): the template file \(path) \(reason). Correct the template and run `policyflow init` "
          + "again; nothing was created.")
    }
    var status = stat()
    // The folder too: a `sections` link to elsewhere would pull in whatever files it holds under these names.
    let folder = url.deletingLastPathComponent().path
    if lstat(folder, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK {
      throw refuse("is in \(folder), which is a symbolic link; the template's sections/ must be a real folder")
    }
    guard lstat(path, &status) == 0 else {
      if errno == ENOENT { return "" }
      throw refuse("cannot be read (\(String(cString: strerror(errno))))")
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFLNK:
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to \($0)" } ?? ""
      throw refuse("is a symbolic link\(target); a template's section texts must be ordinary files, not links")
    case S_IFDIR: throw refuse("is a folder, not a text file")
    default: throw refuse("is not an ordinary file (a device, FIFO or socket)")
    }
    if Int(status.st_size) > maximumBytes {
      throw refuse("is \(status.st_size) bytes, over the limit of \(maximumBytes) bytes (1 MiB) for one section")
    }
    // O_NOFOLLOW: a link swapped in after the check is refused by the kernel; O_NONBLOCK: a FIFO cannot block us.
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      if errno == ELOOP { throw refuse("is a symbolic link; a template's section texts must be ordinary files") }
      throw refuse("cannot be read (\(String(cString: strerror(errno))))")
    }
    defer { close(descriptor) }
    var opened = stat()
    guard fstat(descriptor, &opened) == 0, (opened.st_mode & S_IFMT) == S_IFREG else {
      throw refuse("is not an ordinary file")
    }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while data.count <= maximumBytes {
      let count = buffer.withUnsafeMutableBufferPointer { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw refuse("cannot be read (\(String(cString: strerror(errno))))")
      }
      if count == 0 { break }
      data.append(contentsOf: buffer[0..<count])
    }
    return try checked(data, section: section, file: path, origin: .template)
  }
}
