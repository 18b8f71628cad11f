import Foundation
import PolicyYAML
import Testing

/// PolicyYAML has no test target of its own; its public API (the one PolicyWorkflow and PolicyManifest use)
/// is exercised here.
@Suite("PolicyYAML loader and reader")
struct YAMLLoaderTests {
  /// Parses `text` and returns the root with the diagnostics it reported.
  func parse(_ text: String, file: String = "test.yaml") -> (YAMLNode?, [YAMLError]) {
    let diagnostics = YAMLDiagnostics()
    let root = YAMLLoader.parse(text, file: file, diagnostics: diagnostics)
    return (root, diagnostics.issues)
  }

  @Test("description is file:line: path: message, leaving out what is unknown")
  func descriptionFormat() {
    #expect(
      YAMLError(file: "policy.yaml", line: 14, path: "sections[3].owners[1]", message: "unknown department `XYZ`")
        .description == "policy.yaml:14: sections[3].owners[1]: unknown department `XYZ`")
    #expect(YAMLError(file: "policy.yaml", line: 2, path: "", message: "oops").description == "policy.yaml:2: oops")
    #expect(YAMLError(file: "policy.yaml", line: nil, path: "", message: "file not found").description
      == "policy.yaml: file not found")
    #expect(YAMLError(file: "a.yaml", line: 1, path: "x", message: "m").errorDescription == "a.yaml:1: x: m")
  }

  @Test("malformed YAML is reported with the line Yams gives")
  func malformed() {
    let (root, issues) = parse("title: ok\nlist: [a, b\nother: x\n")
    #expect(root == nil)
    let issue = issues.first
    #expect(issues.count == 1)
    #expect(issue?.kind == .syntax)
    #expect(issue?.line == 3)
    #expect(issue?.description.hasPrefix("test.yaml:3: malformed YAML at column ") == true)
    #expect(issue?.message.contains("did not find expected ',' or ']'") == true)
  }

  @Test("a bad indentation is reported on its line")
  func badIndentation() {
    let (_, issues) = parse("a:\n  b: 1\n c: 2\n")
    #expect(issues.map(\.line) == [3])
    #expect(issues.first?.kind == .syntax)
  }

  @Test("a duplicate key is reported at its first occurrence")
  func duplicateKey() {
    let (_, issues) = parse("name: a\nlabel: b\nname: c\n")
    #expect(
      issues.map(\.description) == [
        "test.yaml:1: key `name` appears more than once in this mapping (first here); each key may appear only once"
      ])
  }

  @Test("input over 1 MiB is refused before parsing")
  func tooLarge() {
    let text = "text: " + String(repeating: "x", count: YAMLLimits.maximumFileSize) + "\n"
    let (root, issues) = parse(text)
    #expect(root == nil)
    #expect(issues.first?.kind == .limitExceeded)
    #expect(issues.first?.description.hasPrefix("test.yaml: the file is 1048583 bytes, more than the limit") == true)
  }

  @Test("a file over 1 MiB is refused without being read")
  func tooLargeFile() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("big.yaml")
    try Data(repeating: UInt8(ascii: "a"), count: YAMLLimits.maximumFileSize + 1).write(to: url)
    let diagnostics = YAMLDiagnostics()
    #expect(YAMLLoader.load(contentsOf: url, file: "big.yaml", diagnostics: diagnostics) == nil)
    #expect(diagnostics.issues.map(\.kind) == [.limitExceeded])
  }

  @Test("a missing file is reported as such")
  func missingFile() {
    let diagnostics = YAMLDiagnostics()
    let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString).yaml")
    #expect(YAMLLoader.load(contentsOf: url, file: "policy.yaml", diagnostics: diagnostics) == nil)
    #expect(diagnostics.issues.map(\.description) == ["policy.yaml: file not found"])
    #expect(diagnostics.issues.first?.kind == .fileNotFound)
  }

  @Test("invalid UTF-8 is refused with the line of the bad byte")
  func invalidUTF8() {
    var data = Data("title: ok\nname: K".utf8)
    data.append(0xF8)  // never valid in UTF-8
    data.append(contentsOf: Array("benhavn\n".utf8))
    let diagnostics = YAMLDiagnostics()
    #expect(YAMLLoader.parse(data: data, file: "policy.yaml", diagnostics: diagnostics) == nil)
    #expect(
      diagnostics.issues.map(\.description) == [
        "policy.yaml:2: the file is not valid UTF-8 (bad byte at offset 17); save it as UTF-8"
      ])
    #expect(diagnostics.issues.first?.kind == .invalidEncoding)
  }

  @Test("a byte-order mark and non-ASCII text are accepted")
  func bomAndDanish() {
    let data = Data([0xEF, 0xBB, 0xBF] + Array("titel: Københavns Kommune – æøå\n".utf8))
    let diagnostics = YAMLDiagnostics()
    let root = YAMLLoader.parse(data: data, file: "x.yaml", diagnostics: diagnostics)
    #expect(diagnostics.isEmpty)
    #expect(root?.mapping(allowedKeys: ["titel"])?.requiredString("titel") == "Københavns Kommune – æøå")
  }

  @Test("an alias bomb (billion laughs) is refused quickly with a clear message")
  func billionLaughs() {
    // Nine levels of nine aliases each expand to 9^9 ≈ 387 million nodes.
    var lines = ["a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
    for level in 1..<names.count {
      let previous = "*" + names[level - 1]
      let list = Array(repeating: previous, count: 9).joined(separator: ", ")
      lines.append("\(names[level]): &\(names[level]) [\(list)]")
    }
    let start = Date()
    let (root, issues) = parse(lines.joined(separator: "\n") + "\n")
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(root == nil)
    #expect(issues.first?.kind == .limitExceeded)
    #expect(
      issues.first?.description
        == "test.yaml: the document expands to more than 100000 values, most likely through anchors and aliases "
        + "(`&name`, `*name`); policyflow refuses to read it. Write the values out instead of aliasing them.")
  }

  @Test("an alias used as a mapping key is refused before Yams hashes it")
  func aliasAsKey() {
    var lines = ["a: &a [x, x, x, x, x, x, x, x]"]
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
    for level in 1..<names.count {
      let list = Array(repeating: "*" + names[level - 1], count: 8).joined(separator: ", ")
      lines.append("\(names[level]): &\(names[level]) [\(list)]")
    }
    lines.append("boom: {*l : 1}")
    let start = Date()
    let (root, issues) = parse(lines.joined(separator: "\n") + "\n")
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(root == nil)
    #expect(
      issues.map(\.description) == [
        "test.yaml:13: an alias (`*l`) cannot be used as a mapping key; keys must be plain text"
      ])
  }

  @Test("explicit keys and list keys are refused", arguments: [
    ("a: 1\n? [x, y]\n: 2\n", 2, "explicit mapping keys (`? key`) are not supported; write `key: value` instead"),
    ("a: 1\n[x, y]: 2\n", 2, "a list or mapping cannot be used as a mapping key; keys must be plain text"),
    ("a:\n  - {b: 1, {c: 2}: 3}\n", 2, "a list or mapping cannot be used as a mapping key; keys must be plain text"),
    ("a: &x 1\n*x : 2\n", 2, "an alias (`*x`) cannot be used as a mapping key; keys must be plain text"),
  ])
  func complexKeys(text: String, line: Int, message: String) {
    let (_, issues) = parse(text)
    #expect(issues.map(\.line) == [line])
    #expect(issues.map(\.message) == [message])
  }

  @Test("question marks, stars and brackets in text, quotes, comments and block scalars are fine")
  func keyGuardFalseAlarms() {
    let text = """
      title: "Hvad? *x: [a]: b"   # comment ? *y: [c]: d
      other: 'it''s [x]: *y: ok'
      guidance: |
        ? ikke en nøgle
        *fremhævet*: tekst
        [note]: med kolon
      plain: Hvem? *alle*
      """
    let guardResult = parse(text)
    #expect(guardResult.1.isEmpty)
    let mapping = guardResult.0?.mapping(allowedKeys: ["title", "other", "guidance", "plain"])
    #expect(mapping?.requiredString("guidance") == "? ikke en nøgle\n*fremhævet*: tekst\n[note]: med kolon\n")
    #expect(mapping?.requiredString("plain") == "Hvem? *alle*")
  }

  @Test("aliases in value position within the limit are accepted")
  func modestAliases() {
    let (root, issues) = parse("base: &reviewers [committee_reviewer, committee_chair]\nby: *reviewers\n")
    #expect(issues.isEmpty)
    #expect(root?.mapping(allowedKeys: ["base", "by"])?.requiredStringList("by") == ["committee_reviewer", "committee_chair"])
  }

  @Test("unknown keys are reported with a suggestion or the known keys")
  func unknownKeys() {
    let (root, _) = parse("states:\n  - id: draft\n    lable: Kladde\n    colour: red\n")
    let diagnostics = root!.diagnostics
    let state = root?.mapping(allowedKeys: ["states"])?.requiredSequence("states")?.first
    let mapping = state?.mapping(allowedKeys: ["id", "label", "final"])
    #expect(mapping?.requiredString("id") == "draft")
    #expect(
      diagnostics.issues.map(\.description) == [
        "test.yaml:3: states[0].lable: unknown key `lable` (did you mean `label`?)",
        "test.yaml:4: states[0].colour: unknown key `colour` (known: id, label, final)",
      ])
  }

  @Test("required keys, types and empty values are checked with their paths")
  func typedAccess() {
    let text = """
      name: ""
      count: many
      flag: maybe
      list: [a, [b], ~]
      nothing: ~
      sub:
        x: 1
      """
    let (root, _) = parse(text)
    let diagnostics = root!.diagnostics
    let mapping = root?.mapping(allowedKeys: ["name", "count", "flag", "list", "nothing", "sub", "missing"])
    #expect(mapping?.requiredString("name") == nil)
    #expect(mapping?.requiredInt("count") == nil)
    #expect(mapping?.optionalBool("flag") == nil)
    #expect(mapping?.requiredStringList("list") == ["a"])
    #expect(mapping?.requiredString("nothing") == nil)
    #expect(mapping?.optionalString("nothing") == nil)
    #expect(mapping?.requiredString("missing") == nil)
    #expect(mapping?.optionalString("missing") == nil)
    #expect(mapping?.requiredString("sub") == nil)
    #expect(mapping?.requiredMapping("sub", allowedKeys: ["x"])?.requiredInt("x") == 1)
    #expect(
      diagnostics.issues.map(\.description) == [
        "test.yaml:1: name: is empty; give it a value",
        "test.yaml:2: count: expected a whole number, found `many`",
        "test.yaml:3: flag: expected true or false, found `maybe`",
        "test.yaml:4: list[1]: expected text, found a list",
        "test.yaml:4: list[2]: expected text, found nothing",
        "test.yaml:5: nothing: is empty; give it a value",
        "test.yaml:1: missing required key `missing`",
        "test.yaml:7: sub: expected text, found a mapping",
      ])
  }

  @Test("scalars keep their text: NO stays NO and 2023-2026 stays a period")
  func scalarsAsText() {
    let (root, issues) = parse("code: NO\nperiod: 2023-2026\nyear: 2023\n")
    let mapping = root?.mapping(allowedKeys: ["code", "period", "year"])
    #expect(mapping?.requiredString("code") == "NO")
    #expect(mapping?.requiredString("period") == "2023-2026")
    #expect(mapping?.requiredString("year") == "2023")
    #expect(issues.isEmpty)
  }

  @Test("an empty document is a null root that readers report")
  func emptyDocument() {
    let (root, issues) = parse("# only a comment\n")
    #expect(issues.isEmpty)
    #expect(root?.isNull == true)
    #expect(root?.mapping(allowedKeys: ["a"]) == nil)
    #expect(root?.diagnostics.issues.map(\.description) == [
      "test.yaml:1: expected a mapping (`key: value` lines), found nothing"
    ])
  }

  @Test("identifier syntax follows the file-format spec")
  func identifiers() {
    #expect(IdentifierSyntax.isSlug("by-og-bolig"))
    #expect(IdentifierSyntax.isSlug("2-areas"))
    #expect(!IdentifierSyntax.isSlug("-x"))
    #expect(!IdentifierSyntax.isSlug("By"))
    #expect(!IdentifierSyntax.isSlug("børn"))
    #expect(!IdentifierSyntax.isSlug(""))
    #expect(IdentifierSyntax.isRequirementID("WS-UDD-01"))
    #expect(IdentifierSyntax.isRequirementID("PR-A"))
    #expect(!IdentifierSyntax.isRequirementID("ws-1"))
    #expect(IdentifierSyntax.isSnakeCase("committee_review"))
    #expect(!IdentifierSyntax.isSnakeCase("committee-review"))
    #expect(!IdentifierSyntax.isSnakeCase("1st"))
  }
}
