import Foundation
import Testing

/// Keeps the module boundaries of issue 12: the executables reach the library through PolicyFlow alone, and no
/// module re-exports another (an `@_exported import` hides which modules a file really uses). Package.swift lists
/// each module a target imports, so a lower module used directly shows up there.
@Suite("import rules")
struct ImportRuleTests {
  /// The repository root, found relative to this source file.
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// What the executables may import: the argument parser, the system, and PolicyFlow's public API.
  static let allowedInExecutables: Set<String> = ["ArgumentParser", "Foundation", "Glibc", "PolicyFlow"]

  /// The Swift files under `directory` (relative to the root), as (relative path, text), in path order.
  static func swiftFiles(under directory: String) throws -> [(path: String, text: String)] {
    let base = root.appendingPathComponent(directory)
    guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
    var files: [(String, String)] = []
    for case let url as URL in walker where url.pathExtension == "swift" {
      let relative = directory + url.path.dropFirst(base.path.count)
      files.append((relative, try String(contentsOf: url, encoding: .utf8)))
    }
    return files.sorted { $0.0 < $1.0 }
  }

  /// The modules a file imports, with their line numbers: `import M`, `@testable import M`,
  /// `import struct M.T`, `@_exported import M`, indented or not (inside `#if`); comments are skipped.
  static func imports(in text: String) -> [(line: Int, module: String)] {
    let kinds: Set<String> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]
    var found: [(Int, String)] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
      guard words.first == "import", words.count >= 2 else { continue }
      var path = words[1]
      if kinds.contains(path), words.count >= 3 { path = words[2] }
      found.append((index + 1, String(path.split(separator: ".")[0])))
    }
    return found
  }

  @Test("policyflow and policyflow-gen import only ArgumentParser, Foundation, Glibc and PolicyFlow")
  func executablesImportOnlyPolicyFlow() throws {
    for directory in ["Sources/policyflow", "Sources/policyflow-gen"] {
      let files = try Self.swiftFiles(under: directory)
      #expect(!files.isEmpty, "no Swift files under \(directory)")
      for file in files {
        for (line, module) in Self.imports(in: file.text) where !Self.allowedInExecutables.contains(module) {
          let advice = "add a use case to PolicyFlow, or a documented typealias in Sources/PolicyFlow/PublicTypes.swift"
          Issue.record("\(file.path):\(line) imports \(module); the executables use PolicyFlow's API only (\(advice))")
        }
      }
    }
  }

  @Test("no module re-exports another with @_exported")
  func noReexports() throws {
    for directory in ["Sources", "Tests"] {
      for file in try Self.swiftFiles(under: directory) where file.path != "Tests/PolicyFlowTests/ImportRuleTests.swift" {
        for (index, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("@_exported") {
          Issue.record("\(file.path):\(index + 1) uses @_exported; import the module where it is used instead")
        }
      }
    }
  }

  @Test("the import reader sees every form of import")
  func readsImports() {
    let text = """
      import Foundation
      // import Commented
      #if canImport(Glibc)
        import Glibc
      #endif
      @testable import PolicyFlow
      @_exported import PolicyYAML
      import struct PolicyManifest.Member
      let important = 1
      """
    #expect(Self.imports(in: text).map(\.module) == ["Foundation", "Glibc", "PolicyFlow", "PolicyYAML", "PolicyManifest"])
    #expect(Self.imports(in: text).map(\.line) == [1, 4, 6, 7, 8])
  }
}
