import Foundation
import Testing

/// Bad input through the binary: every refusal has its documented exit code (README: 64 usage, 65 bad data,
/// 66 missing, 77 not permitted), a message naming the thing and the rule, and leaves the workspace unchanged
/// and `verify` clean.
@Suite("bad input: refused with the documented code and a clear message, nothing changed")
struct BadInputTests {
  /// Runs a command that must be refused; checks code, message, that nothing changed and that verify is clean.
  static func expectRefused(
    _ w: TemplateWorkspace, _ arguments: [String], as person: String? = nil, code: Int32, message parts: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let before = try w.fingerprint()
    let run = try w.pf(arguments, as: person)
    #expect(run.status == code, "\(arguments.prefix(3)): exit \(run.status), stderr: \(run.stderr)", sourceLocation: sourceLocation)
    // Our own refusals say "policyflow: error:"; argument-parser's usage errors say "Error:".
    #expect(run.stderr.hasPrefix("policyflow: error: ") || run.stderr.hasPrefix("Error: "), "\(run.stderr)", sourceLocation: sourceLocation)
    for part in parts {
      #expect(run.stderr.contains(part), "\(arguments.prefix(3)): stderr lacks \"\(part)\": \(run.stderr)", sourceLocation: sourceLocation)
    }
    #expect(try w.fingerprint() == before, "\(arguments.prefix(3)) changed the workspace", sourceLocation: sourceLocation)
    #expect(try w.verifyFindings().isEmpty, sourceLocation: sourceLocation)
  }

  // MARK: - Section text files

  struct BadFile: CustomTestStringConvertible, Sendable {
    let name: String
    let data: Data
    let message: [String]
    var testDescription: String { name }
  }

  static let badFiles: [BadFile] = {
    let template = (try? String(
      contentsOf: CLI.packageRoot.appendingPathComponent("repo-template/sections/kultur-og-fritid.md"), encoding: .utf8)) ?? ""
    var invalidUTF8 = Data("## Situationen i København\nBøf".utf8)
    invalidUTF8[invalidUTF8.count - 2] = 0xF8  // "ø" in Latin-1: the first byte of "ø" replaced, its second left dangling
    let latin1 = "Kultur i København".data(using: .isoLatin1)!
    var withNUL = Data(template.utf8)
    withNUL.insert(0, at: 10)
    let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52])
    let utf16 = template.data(using: .utf16LittleEndian)!
    let huge = Data((template + String(repeating: "Fyldtekst om kultur og fritid i København.\n", count: 25_000)).utf8)
    return [
      BadFile(name: "invalid UTF-8 (Latin-1 byte inside)", data: invalidUTF8, message: ["not valid UTF-8", "offset"]),
      BadFile(name: "Latin-1 file", data: latin1, message: ["not valid UTF-8", "first bad byte at offset 10"]),
      BadFile(name: "NUL byte", data: withNUL, message: ["NUL byte at offset 10"]),
      BadFile(name: "empty file", data: Data(), message: ["is empty"]),
      BadFile(name: "only blank lines", data: Data("\n  \n\t\n".utf8), message: ["is empty"]),
      BadFile(name: "binary (PNG header)", data: png, message: ["NUL byte", "binary"]),
      BadFile(name: "UTF-16 text", data: utf16, message: ["NUL byte"]),
      BadFile(name: "over 1 MiB", data: huge, message: ["\(huge.count) bytes", "over the limit of 1048576 bytes"]),
    ]
  }()

  @Test("a section file that is not usable text is refused with 65 naming section, file and rule", arguments: badFiles)
  func badSectionFile(_ bad: BadFile) throws {
    let w = try TemplateWorkspace()
    let file = try w.scratch.file("afsnit.md", data: bad.data)
    try Self.expectRefused(
      w, ["submit", "kultur-og-fritid", file.path], as: "karen-kff", code: 65,
      message: ["section kultur-og-fritid", file.path] + bad.message)
  }

  @Test("a section of exactly 1 MiB is accepted; one byte more is refused")
  func sizeLimitBoundary() throws {
    let w = try TemplateWorkspace()
    var text = try w.templateText("kultur-og-fritid") + "\n"
    let line = "Fyldtekst om kultur og fritid i København.\n"
    while text.utf8.count + line.utf8.count <= 1 << 20 { text += line }
    text += String(repeating: "x", count: (1 << 20) - text.utf8.count - 1) + "\n"
    #expect(text.utf8.count == 1 << 20)
    let exact = try w.pf(["submit", "kultur-og-fritid", w.scratch.file("exact.md", text).path], as: "karen-kff")
    #expect(exact.status == 0, "\(exact.stderr)")
    let blob = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    #expect(try CLI.git(["cat-file", "-s", blob], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
    try Self.expectRefused(
      w, ["submit", "kultur-og-fritid", w.scratch.file("over.md", text + "y").path], as: "karen-kff", code: 65,
      message: ["1048577 bytes", "over the limit"])
  }

  @Test("a missing file is 66; a file without the required sub-headings is 65 naming them")
  func missingFileAndHeadings() throws {
    let w = try TemplateWorkspace()
    try Self.expectRefused(
      w, ["submit", "kultur-og-fritid", w.scratch.url.appendingPathComponent("findes-ikke.md").path], as: "karen-kff",
      code: 66, message: ["cannot read", "findes-ikke.md"])
    try Self.expectRefused(
      w, ["submit", "kultur-og-fritid", w.scratch.file("uden.md", "# Kultur\n\nKun tekst.\n").path], as: "karen-kff",
      code: 65, message: ["section kultur-og-fritid", "Situationen i København", "Det gør vi allerede"])
  }

  @Test("CRLF (and a BOM, and lone CRs) are accepted and stored as LF; git holds no CR")
  func crlfNormalised() throws {
    let w = try TemplateWorkspace()
    let lf = try w.templateText("kultur-og-fritid") + "\nEt nyt afsnit.\nOg en linje mere.\n"
    let crlf = "\u{FEFF}" + lf.replacingOccurrences(of: "\n", with: "\r\n")
    let run = try w.pf(["submit", "kultur-og-fritid", w.scratch.file("crlf.md", crlf).path], as: "karen-kff")
    #expect(run.status == 0, "\(run.stderr)")
    let blob = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    let stored = try CLI.git(["cat-file", "blob", blob], in: w.root).stdout
    #expect(!stored.contains("\r"))
    #expect(!stored.hasPrefix("\u{FEFF}"))
    #expect(stored == lf)
    // Old Mac line ends (lone CR) too.
    let cr = lf.replacingOccurrences(of: "\n", with: "\r") + "Tilføjet.\r"
    #expect(try w.pf(["submit", "kultur-og-fritid", w.scratch.file("cr.md", cr).path], as: "karen-kff").status == 0)
    #expect(try CLI.git(["show", "sections/kultur-og-fritid:sections/kultur-og-fritid.md"], in: w.root).stdout == lf + "Tilføjet.\n")
    // The same text as CRLF again is no new revision: it is identical once normalised.
    try Self.expectRefused(
      w, ["submit", "kultur-og-fritid", w.scratch.file("cr2.md", cr.replacingOccurrences(of: "\r", with: "\r\n")).path],
      as: "karen-kff", code: 65, message: ["identical to revision 2"])
    #expect(try w.verifyFindings().isEmpty)
  }

  // MARK: - Names that do not exist or try to escape

  @Test("section ids with ../ or absolute paths are unknown sections (66) and create nothing outside the workspace")
  func traversalSectionIds() throws {
    let w = try TemplateWorkspace()
    let file = try w.scratch.file("afsnit.md", try w.templateText("forord") + "\nMere.\n")
    let outside = w.scratch.url.appendingPathComponent("outside", isDirectory: true)
    try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
    let temporary = w.scratch.url.deletingLastPathComponent()
    /// Everything outside the workspace that a path built from these ids could reach.
    func listing() throws -> [String] {
      try FileManager.default.subpathsOfDirectory(atPath: w.scratch.url.path).filter { !$0.hasPrefix("policy/") }.sorted()
        + ["etc", "etc.md", "x.md", "passwd.md"].filter { FileManager.default.fileExists(atPath: temporary.appendingPathComponent($0).path) }
    }
    let before = try listing()
    let fingerprint = try w.fingerprint()
    let ids = ["../../etc", "/etc/passwd", "..", "../outside/x", "sections/../forord"]
    for id in ids {
      for (arguments, person) in [
        (["submit", id, file.path], "anne-bif"), (["show", id], nil), (["comment", id, "-m", "Hej"], "soren-biu"),
        (["approve", id], "soren-biu"), (["req", "link", "WS-MED-01", id, "-m", "x"], "anne-bif"),
      ] {
        let run = try w.pf(arguments, as: person)
        #expect(run.status == 66, "\(arguments): exit \(run.status) \(run.stderr)")
        #expect(run.stderr.contains("unknown section `\(id)`"), "\(run.stderr)")
      }
    }
    #expect(try w.fingerprint() == fingerprint)
    #expect(try w.verifyFindings().isEmpty)
    #expect(try listing() == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: "/etc/passwd.md"))
    // A release name is a path under releases/ and a tag: the same rule.
    try Self.expectRefused(
      w, ["assemble", "--release", "../../evil", "--out", w.scratch.url.appendingPathComponent("out").path],
      as: "pernille-sekretariat", code: 64, message: ["release name `../../evil` is not allowed"])
    #expect(!FileManager.default.fileExists(atPath: w.scratch.url.deletingLastPathComponent().appendingPathComponent("evil").path))
  }

  @Test("unknown section, person, requirement, comment and revision are 66 and name what is unknown")
  func unknownNames() throws {
    let w = try TemplateWorkspace()
    let file = try w.scratch.file("afsnit.md", try w.templateText("forord") + "\nMere.\n")
    try Self.expectRefused(w, ["submit", "forordet", file.path], as: "anne-bif", code: 66, message: ["unknown section `forordet`", "forord, indledning"])
    try Self.expectRefused(w, ["submit", "forord", file.path], as: "ukendt-person", code: 66, message: ["unknown person `ukendt-person`", "members.yaml"])
    try Self.expectRefused(w, ["comment", "forord", "-m", "Hej", "--as", "nobody@example.invalid"], code: 66, message: ["unknown person `nobody@example.invalid`"])
    try Self.expectRefused(w, ["req", "link", "WS-XXX-99", "forord", "-m", "x"], as: "anne-bif", code: 66, message: ["unknown requirement `WS-XXX-99`"])
    try Self.expectRefused(w, ["req", "waive", "PM-9", "forord", "-m", "x"], as: "pernille-sekretariat", code: 66, message: ["PM-9"])
    // Comment ids are hex prefixes of record commits: one that names no comment is unknown (66), one that is no
    // id at all (not hex, fewer than 4 characters) is a usage error (64).
    let made = try w.pf(["comment", "forord", "-m", "Findes"], as: "soren-biu")
    let existing = try #require(made.stdout.firstMatch(of: #/^comment ([0-9a-f]{10}) on forord/#), "\(made.stdout) \(made.stderr)")
    let unknown = existing.output.1.hasPrefix("4711") ? "4712" : "4711"
    try Self.expectRefused(w, ["resolve", unknown], as: "soren-biu", code: 66, message: ["there is no comment \(unknown)"])
    try Self.expectRefused(w, ["reopen", unknown], as: "soren-biu", code: 66, message: ["there is no comment \(unknown)"])
    try Self.expectRefused(w, ["comment", "forord", "--reply", unknown, "-m", "svar"], as: "soren-biu", code: 66, message: ["no comment \(unknown)"])
    for malformed in ["47", "abc", "xyz1", "4711-1", "#"] {
      try Self.expectRefused(w, ["resolve", malformed], as: "soren-biu", code: 64, message: ["is not a comment id"])
    }
    try Self.expectRefused(w, ["comment", "forord", "--reply", "ghij", "-m", "svar"], as: "soren-biu", code: 64, message: ["is not a comment id"])
    try Self.expectRefused(w, ["show", "forord", "--revision", "99"], code: 66, message: ["no revision 99"])
    try Self.expectRefused(w, ["comment", "forord", "--revision", "7", "-m", "x"], as: "soren-biu", code: 66, message: ["no revision 7"])
    try Self.expectRefused(w, ["status", "--department", "XYZ"], code: 66, message: ["unknown department `XYZ`"])
    try Self.expectRefused(w, ["comment", "forord", "--line", "999", "-m", "x"], as: "soren-biu", code: 64, message: ["outside"])
    try Self.expectRefused(w, ["comment", "forord", "--line", "5-2", "-m", "x"], as: "soren-biu", code: 64, message: ["line"])
    // And the workspace itself.
    let none = try CLI.policyflow(["status"], in: w.scratch.url, environment: ["POLICYFLOW_WORKSPACE": w.scratch.url.appendingPathComponent("ingen").path])
    #expect(none.status == 66)
    #expect(none.stderr.contains("not a policyflow workspace"))
  }

  // MARK: - Malformed YAML in the workspace's definition

  struct Corruption: CustomTestStringConvertible, Sendable {
    let file: String
    /// The (unique) line to replace, and its replacement.
    let line: String
    let replacement: String
    let message: String
    /// libyaml reports an unclosed bracket on the line where it gives up, and names the opening line too.
    var reportedOneLineLater = false
    var testDescription: String { "\(file): \(replacement.trimmingCharacters(in: .whitespaces)) → \(message)" }
  }

  static let corruptions: [Corruption] = [
    Corruption(file: "policy.yaml", line: "    title: Forord", replacement: "    title: Forord: \"uafsluttet", message: "malformed YAML"),
    Corruption(file: "policy.yaml", line: "secretariat: BIF", replacement: "   secretariat: BIF", message: "malformed YAML"),
    Corruption(file: "policy.yaml", line: "  - id: forord", replacement: "  - id: ../../forord", message: "not a valid section id"),
    Corruption(file: "members.yaml", line: "    name: Anne Eksempel", replacement: "\tname: Anne Eksempel", message: "malformed YAML"),
    Corruption(
      file: "members.yaml", line: "    name: Anne Eksempel", replacement: "    name: [Anne Eksempel", message: "malformed YAML",
      reportedOneLineLater: true),
    Corruption(
      file: "workflows/section-review.yaml", line: "    label: Kladde", replacement: "    label: Kladde: ny", message: "malformed YAML"),
    Corruption(
      file: "workflows/section-review.yaml", line: "initial: draft", replacement: "initial: udkast",
      message: "udkast"),
  ]

  /// Every command reads the definition, so every command must refuse it the same way; the first six stand for
  /// them all where a test repeats this for several files.
  static let everyCommand: [(arguments: [String], person: String?)] = [
    (["status"], nil), (["show", "forord"], nil), (["comment", "forord", "-m", "Hej"], "soren-biu"),
    (["approve", "forord"], "soren-biu"), (["verify"], nil),
    (["assemble", "--draft", "--format", "md", "--out", "/dev/null/x"], "pernille-sekretariat"),
    (["status", "--json"], nil), (["log", "forord"], nil), (["audit"], nil), (["comments", "forord"], nil),
    (["req", "list"], nil),
  ]
  static let someCommands = Array(everyCommand.prefix(6))

  /// The definition in force is the one committed on main and signed by the secretariat: write `text` to `file` and
  /// commit it with git, signed with the secretariat's key (what is tested here is the file, not the chain of trust).
  static func commitDefinition(_ w: TemplateWorkspace, _ file: String, _ text: String, message: String) throws {
    try text.write(to: w.root.appendingPathComponent(file), atomically: true, encoding: .utf8)
    let commit = try CLI.git(
      TestKeys.signing() + ["-c", "user.name=Pernille Protokol", "-c", "user.email=pernille.protokol@example.invalid",
       "commit", "-q", "-m", message, "--", file], in: w.root)
    #expect(commit.status == 0, "git commit: \(commit.stderr)")
  }

  @Test("malformed YAML committed to main: every command fails with 65 naming file and line", arguments: corruptions)
  func malformedDefinition(_ corruption: Corruption) throws {
    let w = try TemplateWorkspace()
    let url = w.root.appendingPathComponent(corruption.file)
    let original = try String(contentsOf: url, encoding: .utf8)
    var lines = original.components(separatedBy: "\n")
    let index = try #require(lines.firstIndex(of: corruption.line), "\(corruption.line) not in \(corruption.file)")
    #expect(lines.filter { $0 == corruption.line }.count == 1)
    lines[index] = corruption.replacement
    // An edit that is only in the work tree is not in force: commands go on working.
    try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    #expect(try w.pf(["status"]).status == 0)
    try Self.commitDefinition(w, corruption.file, lines.joined(separator: "\n"), message: "Broken")
    let before = try w.fingerprint()
    let file = try w.scratch.file("forord.md", try w.templateText("forord") + "\nMere.\n")
    // The first corruption goes through every command, the others through a representative few.
    let commands = corruption.replacement == Self.corruptions[0].replacement ? Self.everyCommand : Self.someCommands
    for (arguments, person) in commands + [(["submit", "forord", file.path], "anne-bif")] {
      let run = try w.pf(arguments, as: person)
      #expect(run.status == 65, "\(arguments): exit \(run.status) \(run.stderr)")
      #expect(
        run.stderr.contains("\(corruption.file):\(index + (corruption.reportedOneLineLater ? 2 : 1)):"), "\(arguments): \(run.stderr)")
      if corruption.reportedOneLineLater { #expect(run.stderr.contains("starts on line \(index + 1)")) }
      #expect(run.stderr.contains(corruption.message), "\(arguments): \(run.stderr)")
    }
    #expect(try w.fingerprint() == before)
    // Restored on main, everything works again and the refusals changed nothing.
    try Self.commitDefinition(w, corruption.file, original, message: "Restored")
    #expect(try w.pf(["status"]).status == 0)
    #expect(try w.verifyFindings().isEmpty)
    #expect(try w.fingerprint().split(separator: "\n").filter { !$0.hasPrefix("refs/heads/main ") }
      == before.split(separator: "\n").filter { !$0.hasPrefix("refs/heads/main ") })
    #expect(try w.pf(["submit", "forord", file.path], as: "anne-bif").status == 0)
  }

  @Test("an alias bomb in members.yaml is refused quickly (65), not expanded")
  func aliasBomb() throws {
    let w = try TemplateWorkspace()
    let url = w.root.appendingPathComponent("members.yaml")
    let original = try String(contentsOf: url, encoding: .utf8)
    var bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for (name, previous) in zip("bcdefghi", "abcdefgh") {
      bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
    }
    try Self.commitDefinition(w, "members.yaml", bomb + original, message: "Bomb")
    let before = try w.fingerprint()
    let started = Date()
    for (arguments, person) in Self.someCommands {
      let run = try w.pf(arguments, as: person)
      #expect(run.status == 65, "\(arguments): exit \(run.status) \(run.stderr)")
      #expect(run.stderr.contains("members.yaml"))
      #expect(run.stderr.contains("aliases"))
    }
    #expect(Date().timeIntervalSince(started) < 60)
    #expect(try w.fingerprint() == before)
    try Self.commitDefinition(w, "members.yaml", original, message: "Restored")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a workflow with an unreachable state is refused (65) naming file, line and state")
  func unreachableState() throws {
    let w = try TemplateWorkspace()
    let url = w.root.appendingPathComponent("workflows/section-review.yaml")
    let original = try String(contentsOf: url, encoding: .utf8)
    var lines = original.components(separatedBy: "\n")
    let index = try #require(lines.firstIndex(of: "  - id: withdrawn"))
    lines.insert(contentsOf: ["  - id: arkiveret", "    label: Arkiveret"], at: index)
    try Self.commitDefinition(w, "workflows/section-review.yaml", lines.joined(separator: "\n"), message: "Arkiv")
    let before = try w.fingerprint()
    for (arguments, person) in Self.someCommands {
      let run = try w.pf(arguments, as: person)
      #expect(run.status == 65, "\(arguments): exit \(run.status) \(run.stderr)")
      #expect(run.stderr.contains("workflows/section-review.yaml:\(index + 1)"), "\(run.stderr)")
      #expect(run.stderr.contains("`arkiveret` cannot be reached"), "\(run.stderr)")
    }
    #expect(try w.fingerprint() == before)
    try Self.commitDefinition(w, "workflows/section-review.yaml", original, message: "Restored")
    #expect(try w.verifyFindings().isEmpty)
  }

  // MARK: - Injection and odd text

  @Test("HTML and Markdown injection is stored as given and escaped in the assembled HTML and the citizens' report")
  func htmlInjection() throws {
    let w = try TemplateWorkspace()
    let injected = """
      <script>alert("afsnit")</script>

      Tekst med <img src=x onerror=alert(1)> og [klik](javascript:alert(2)) og ![b](javascript:alert(3)).

      <iframe src="https://evil.invalid"></iframe>
      """
    let text = try w.templateText("kultur-og-fritid") + "\n" + injected + "\n"
    #expect(try w.pf(["submit", "kultur-og-fritid", w.scratch.file("x.md", text).path], as: "karen-kff").status == 0)
    #expect(try CLI.git(["show", "sections/kultur-og-fritid:sections/kultur-og-fritid.md"], in: w.root).stdout == text)
    let comment = "<script>alert('kommentar')</script> **fed** [x](javascript:alert(4))\n# Falsk overskrift"
    let commented = try w.pf(["comment", "kultur-og-fritid", "--line", "2", "-m", comment], as: "rasmus-kfu")
    #expect(commented.status == 0)
    let commentId = try #require(commented.stdout.firstMatch(of: #/^comment ([0-9a-f]{10}) /#)).output.1
    #expect(try CLI.sqlite(w.root, "SELECT body FROM comment WHERE substr(recordId, 1, 10)='\(commentId)'") == comment)
    let note = "Se <b>fed</b> og\n# Falsk overskrift\n[klik](javascript:alert(5)) <script>x</script>"
    #expect(try w.pf(["req", "link", "WS-MED-03", "kultur-og-fritid", "-m", note], as: "karen-kff").status == 0)
    #expect(try w.pf(["comments", "kultur-og-fritid"]).stdout.contains("<script>alert('kommentar')</script>"))

    let out = w.scratch.url.appendingPathComponent("out")
    let assembled = try w.pf(["assemble", "--draft", "--format", "html", "--out", out.path], as: "pernille-sekretariat")
    #expect(assembled.status == 0, "\(assembled.stderr)")
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    let report = w.scratch.url.appendingPathComponent("tilbagemelding.html")
    #expect(try w.pf(["req", "report", "--format", "html", "--out", report.path], as: "pernille-sekretariat").status == 0)
    let reportHTML = try String(contentsOf: report, encoding: .utf8)
    for (name, document) in [("politik.html", html), ("tilbagemelding.html", reportHTML)] {
      let lower = document.lowercased()
      for raw in ["<script", "<img", "<iframe", "<b>", "href=\"javascript", "src=\"javascript", "<h1>falsk"] {
        #expect(!lower.contains(raw), "\(name) contains \(raw)")
      }
    }
    #expect(html.contains("&lt;script&gt;alert(&quot;afsnit&quot;)&lt;/script&gt;"))
    #expect(reportHTML.contains("&lt;b&gt;fed&lt;/b&gt;"))
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("comments: over 64 KiB, NUL, control characters, invalid UTF-8 are 65; empty is 64; exactly 64 KiB is accepted")
  func badComments() throws {
    let w = try TemplateWorkspace()
    let limit = 64 * 1024
    try Self.expectRefused(
      w, ["comment", "forord", "--file", w.scratch.file("lang.txt", String(repeating: "æ", count: limit / 2 + 1)).path],
      as: "soren-biu", code: 65, message: ["section forord", "\(limit + 2) bytes", "over the limit of \(limit)"])
    try Self.expectRefused(
      w, ["comment", "forord", "--file", w.scratch.file("meget-lang.txt", String(repeating: "Kommentar. ", count: 200_000)).path],
      as: "soren-biu", code: 65, message: ["over the limit"])
    try Self.expectRefused(
      w, ["comment", "forord", "--file", w.scratch.file("nul.txt", data: Data("Hej\u{0}med".utf8)).path], as: "soren-biu",
      code: 65, message: ["NUL"])
    try Self.expectRefused(
      w, ["comment", "forord", "--file", w.scratch.file("latin1.txt", data: "Bøf".data(using: .isoLatin1)!).path],
      as: "soren-biu", code: 65, message: ["not valid UTF-8"])
    try Self.expectRefused(w, ["comment", "forord", "-m", "  \n "], as: "soren-biu", code: 64, message: ["empty"])
    // Terminal escape sequences would run on every reader's terminal (`comments`, `log`): clear the screen, fake text.
    for control in ["Hej \u{1B}[2J\u{1B}[31mGODKENDT\u{1B}[0m", "Titel \u{1B}]0;hacked\u{07}", "C1 \u{9B}31m"] {
      try Self.expectRefused(w, ["comment", "forord", "-m", control], as: "soren-biu", code: 65, message: ["control character U+"])
    }
    let exact = String(repeating: "a", count: limit)
    let accepted = try w.pf(["comment", "forord", "--file", w.scratch.file("praecis.txt", exact).path], as: "soren-biu")
    #expect(accepted.status == 0, "\(accepted.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT length(body) FROM comment") == "\(limit)")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("ØKF in NFC and NFD, any case, names the same department; NFD text is stored as NFC")
  func unicodeNormalForms() throws {
    let w = try TemplateWorkspace()
    let nfc = "ØKF"
    // Ø has no canonical decomposition, so ØKF is the same bytes in NFC and NFD; what differs is the case
    // (økf) and, for ØU's Ø too, nothing else. Decomposable letters (å, é) are checked in the text below.
    let nfd = nfc.decomposedStringWithCanonicalMapping
    #expect(Array(nfd.utf8) == Array(nfc.utf8))
    let reference = try w.pf(["status", "--json", "--department", nfc])
    #expect(reference.status == 0)
    #expect(reference.stdout.contains("by-og-bolig"))
    #expect(!reference.stdout.contains("kultur-og-fritid"))
    for spelling in [nfd, "økf", "økf".decomposedStringWithCanonicalMapping, " ØKF "] {
      let run = try w.pf(["status", "--json", "--department", spelling])
      #expect(run.status == 0, "\(spelling.unicodeScalars.map(\.value)): \(run.stderr)")
      #expect(run.stdout == reference.stdout)
    }
    let committee = try w.pf(["status", "--json", "--committee", "ØU".decomposedStringWithCanonicalMapping])
    #expect(committee.status == 0)
    #expect(committee.stdout.contains("by-og-bolig"))

    // Text in NFD (as some Mac editors save it) is stored as NFC, so the same words compare equal.
    let text = (try w.templateText("by-og-bolig") + "\nØkonomiforvaltningen (ØKF) bidrager i Århus og på Amager Fælled; café.\n")
      .decomposedStringWithCanonicalMapping
    #expect(text.utf8.count > text.precomposedStringWithCanonicalMapping.utf8.count)
    #expect(try w.pf(["submit", "by-og-bolig", w.scratch.file("nfd.md", text).path], as: "ditte-okf").status == 0)
    let stored = try CLI.git(["show", "sections/by-og-bolig:sections/by-og-bolig.md"], in: w.root).stdout
    #expect(Array(stored.utf8) == Array(text.precomposedStringWithCanonicalMapping.utf8))
    #expect(try w.pf(["comment", "by-og-bolig", "-m", "Spørg ØKF om Århus".decomposedStringWithCanonicalMapping], as: "gitte-ou").status == 0)
    #expect(Array(try CLI.sqlite(w.root, "SELECT body FROM comment").utf8) == Array("Spørg ØKF om Århus".precomposedStringWithCanonicalMapping.utf8))
    #expect(try w.verifyFindings().isEmpty)
  }
}
