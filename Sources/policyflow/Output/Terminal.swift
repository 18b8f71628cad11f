import Foundation
import PolicyFlow

#if canImport(Glibc)
  import Glibc
#endif

/// Output helpers: messages to stderr, colour only on a terminal (and never with NO_COLOR).
enum Terminal {
  static var colourOut: Bool {
    isatty(STDOUT_FILENO) != 0 && ProcessEnvironment.current["NO_COLOR"] == nil
      && ProcessEnvironment.current["TERM"] != "dumb"
  }

  /// Bytes to standard output through the same stdio buffer as `print`, so the two never reorder.
  static func writeStandardOutput(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, stdout) }
  }

  /// User text made harmless for a terminal: control characters (escape sequences could clear the
  /// screen or fake output) are shown as their visible Unicode control pictures.
  static func safe(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x0A, 0x09: result.append(scalar)
      case 0x00..<0x20: result.append(Unicode.Scalar(0x2400 + scalar.value)!)
      case 0x7F: result.append(Unicode.Scalar(0x2421)!)
      case 0x80...0x9F: result.append(Unicode.Scalar(0xFFFD)!)
      default: result.append(scalar)
      }
    }
    return String(result)
  }

  /// A local time to the minute, as a person reads it in a terminal.
  static func timestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.string(from: date)
  }

  static func error(_ message: String) {
    FileHandle.standardError.write(Data("policyflow: error: \(safe(message))\n".utf8))
  }

  static func warning(_ message: String) {
    FileHandle.standardError.write(Data("policyflow: warning: \(safe(message))\n".utf8))
  }

  static func note(_ message: String) {
    FileHandle.standardError.write(Data("policyflow: \(message)\n".utf8))
  }

  static func paint(_ text: String, _ code: String) -> String {
    colourOut ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  /// Stable JSON: sorted keys, ISO 8601 dates, pretty-printed, no escaped slashes.
  static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// A left-aligned table sized to its content (display width counts characters, not bytes).
  static func table(_ header: [String], _ rows: [[String]]) -> String {
    let rows = rows.map { $0.map { safe($0).replacingOccurrences(of: "\n", with: " ") } }
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
      }.joined(separator: "  ")
    }
    return ([paint(line(header), "1")] + rows.map(line)).joined(separator: "\n")
  }
}

/// Opens $VISUAL / $EDITOR on a temporary file, as `git commit` does, for a comment's text.
enum Editor {
  static func compose(hint: String) throws -> String {
    let environment = ProcessEnvironment.current
    guard let editor = environment["VISUAL"] ?? environment["EDITOR"], !editor.isEmpty else {
      throw PolicyFlowError(.usage, "give the text with -m TEXT or --file F (or set $EDITOR to write it there).")
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("policyflow-\(UUID().uuidString).txt")
    let template = "\n# \(hint)\n# Lines starting with '#' are ignored; an empty text cancels.\n"
    try template.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "\(editor) \"$1\"", "sh", url.path]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw PolicyFlowError(.usage, "the editor exited with status \(process.terminationStatus); nothing was recorded.")
    }
    let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    return text.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("#") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
