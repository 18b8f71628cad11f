import Foundation
import Testing

/// Runs the independent readers (pandoc, unzip) on rendered bytes. They are real programs, not this module, so a
/// passing test means another implementation understood the output.
enum External {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func locate(_ tool: String) -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return paths.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Writes `input` to a temporary file named `*.extension` and runs `tool arguments… file`.
  static func run(_ tool: String, _ arguments: [String], input: Data, extension ext: String) throws -> Data {
    guard let executable = locate(tool) else {
      throw Failure(description: "\(tool) is required by the PolicyAssembly tests (apt-get install \(tool))")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policyassembly-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("input.\(ext)")
    try input.write(to: file)
    let output = directory.appendingPathComponent("stdout")
    let errors = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments + [file.path]
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
      throw Failure(description: "\(tool) \(arguments) exited \(process.terminationStatus): \(message)")
    }
    return try Data(contentsOf: output)
  }

  static func pandoc(_ input: Data, from: String, to: String) throws -> String {
    let ext = from == "gfm" ? "md" : from
    return String(
      decoding: try run("pandoc", ["-f", from, "-t", to, "--wrap=none"], input: input, extension: ext), as: UTF8.self)
  }

  struct Heading: Equatable, CustomStringConvertible {
    var level: Int
    var text: String
    var description: String { "h\(level) \(text)" }
  }

  /// Headings as pandoc understands them, from its JSON AST, in document order.
  static func pandocHeadings(_ input: Data, from: String) throws -> [(heading: Heading, id: String)] {
    let json = try pandoc(input, from: from, to: "json")
    let root = try JSONSerialization.jsonObject(with: Data(json.utf8))
    var found: [(Heading, String)] = []
    func walk(_ value: Any) {
      if let object = value as? [String: Any] {
        if object["t"] as? String == "Header", let content = object["c"] as? [Any], content.count == 3,
          let level = content[0] as? Int, let attributes = content[1] as? [Any], let inlines = content[2] as? [Any]
        {
          found.append((Heading(level: level, text: stringify(inlines)), attributes.first as? String ?? ""))
          return
        }
        for key in object.keys.sorted() where key != "meta" { walk(object[key]!) }
      } else if let array = value as? [Any] {
        array.forEach(walk)
      }
    }
    walk((root as? [String: Any])?["blocks"] ?? [])
    return found
  }

  static func stringify(_ inlines: [Any]) -> String {
    var text = ""
    for case let inline as [String: Any] in inlines {
      let content = inline["c"]
      switch inline["t"] as? String {
      case "Str": text += content as? String ?? ""
      case "Space", "SoftBreak", "LineBreak": text += " "
      case "Code", "RawInline": text += (content as? [Any])?.last as? String ?? ""
      case "Link", "Image", "Span", "Quoted", "Cite":
        text += stringify((content as? [Any]).flatMap { $0.count > 1 ? $0[1] as? [Any] : nil } ?? [])
      default: text += stringify(content as? [Any] ?? [])
      }
    }
    return text
  }

  /// Names in a ZIP file as `unzip` lists them.
  static func zipEntries(_ data: Data) throws -> [String] {
    String(decoding: try run("unzip", ["-Z1"], input: data, extension: "zip"), as: UTF8.self)
      .split(separator: "\n").map(String.init)
  }

  static func zipPart(_ data: Data, _ name: String) throws -> String {
    // unzip treats [ ] in names as wildcards; -p with the name escaped keeps [Content_Types].xml reachable.
    let pattern = name.replacingOccurrences(of: "[", with: "[[]")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policyassembly-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("doc.docx")
    try data.write(to: file)
    let process = Process()
    let pipe = Pipe()
    guard let unzip = locate("unzip") else { throw Failure(description: "unzip is required (apt-get install unzip)") }
    process.executableURL = URL(fileURLWithPath: unzip)
    process.arguments = ["-p", file.path, pattern]
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw Failure(description: "unzip -p \(name) failed") }
    return String(decoding: output, as: UTF8.self)
  }
}

extension String {
  /// Number of non-overlapping occurrences of `needle`.
  func occurrences(of needle: String) -> Int {
    components(separatedBy: needle).count - 1
  }
}
