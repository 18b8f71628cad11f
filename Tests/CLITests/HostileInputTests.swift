import Foundation
import PolicyFlow
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 15's hostile and faulty cases through the binary: each refusal has its code and a message that names the
/// thing and what to do, changes nothing, and leaves `verify` and `git fsck --strict` clean.
@Suite("hostile input and faults (issue 15)")
struct HostileInputTests {
  /// Cyrillic В (U+0412) and І (U+0406) with a Latin F: reads as `BIF`.
  static let cyrillicBIF = "\u{0412}\u{0406}F"

  static func expectClean(_ w: TemplateWorkspace, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(try w.verifyFindings().isEmpty, sourceLocation: sourceLocation)
    let fsck = try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root)
    #expect(fsck.status == 0, "git fsck: \(fsck.stderr)", sourceLocation: sourceLocation)
  }

  /// `init` from `template` must be refused with 65 naming each of `parts`, and create nothing.
  static func expectInitRefused(
    _ template: EditableTemplate, _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let target = template.scratch.url.appendingPathComponent("politik")
    let run = try CLI.policyflow(["init", target.path, "--template", template.url.path])
    #expect(run.status == 65, "init: exit \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("policyflow: error: "), "\(run.stderr)", sourceLocation: sourceLocation)
    for part in parts {
      #expect(run.stderr.contains(part), "stderr lacks \"\(part)\": \(run.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!FileManager.default.fileExists(atPath: target.path), "init left \(target.path)", sourceLocation: sourceLocation)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: template.scratch.url.path).filter { $0 != "template" }
    #expect(leftovers.isEmpty, "init left \(leftovers)", sourceLocation: sourceLocation)
  }

  /// The 1-based line of the unique `line` in a file of the embedded template.
  static func templateLine(_ file: String, _ line: String) throws -> Int {
    let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent("repo-template/\(file)"), encoding: .utf8)
    let lines = text.components(separatedBy: "\n")
    #expect(lines.filter { $0 == line }.count == 1, "\(line) is not unique in \(file)")
    return try #require(lines.firstIndex(of: line)) + 1
  }

  // MARK: - 1. Confusable codes

  @Test("init refuses a department code mixing Cyrillic and Latin letters (ВІF next to BIF), naming file, line, letters")
  func confusableCodeAtInit() throws {
    let template = try EditableTemplate()
    let line = try Self.templateLine("policy.yaml", "  - code: TMF")
    try template.replace(
      in: "policy.yaml", "  - code: TMF\n",
      with: "  - code: \(Self.cyrillicBIF)\n    name: Falsk forvaltning\n    committee: BIU\n  - code: TMF\n")
    try Self.expectInitRefused(template, [
      "policy.yaml:\(line): departments[1].code: the department code `\(Self.cyrillicBIF)` is refused",
      "Cyrillic \u{0412}, \u{0406}; Latin F", "type the whole code in one script",
    ])
  }

  @Test("a look-alike code committed to main stops every command with 65; ØKF keeps working")
  func confusableCodeOnMain() throws {
    let w = try TemplateWorkspace()
    // ØKF, Danish letters in a Latin code, works before and after.
    let danish = try w.pf(["status", "--department", "ØKF"])
    #expect(danish.status == 0, "\(danish.stderr)")
    let url = w.root.appendingPathComponent("policy.yaml")
    let original = try String(contentsOf: url, encoding: .utf8)
    // An all-Cyrillic code is one script, but it looks exactly like the Latin BIF's neighbour: refused as a look-alike.
    let lookalike = "\u{0412}\u{0406}\u{0415}"
    let edited = original.replacingOccurrences(
      of: "  - code: TMF\n", with: "  - code: BIE\n    name: Ny forvaltning\n    committee: BIU\n"
        + "  - code: \(lookalike)\n    name: Falsk forvaltning\n    committee: BIU\n  - code: TMF\n")
    #expect(edited != original)
    try BadInputTests.commitDefinition(w, "policy.yaml", edited, message: "Look-alike")
    let before = try w.fingerprint()
    for (arguments, person) in BadInputTests.someCommands {
      let run = try w.pf(arguments, as: person)
      #expect(run.status == 65, "\(arguments): exit \(run.status) \(run.stderr)")
      #expect(run.stderr.contains("the department code `\(lookalike)` looks the same as `BIE`"), "\(run.stderr)")
      #expect(run.stderr.contains("U+0412 CYRILLIC CAPITAL LETTER VE"), "\(run.stderr)")
    }
    #expect(try w.fingerprint() == before)
    try BadInputTests.commitDefinition(w, "policy.yaml", original, message: "Restored")
    #expect(try w.pf(["status", "--department", "ØKF"]).stdout == danish.stdout)
    try Self.expectClean(w)
  }

  // MARK: - 2. Names and e-mail addresses that break git's author line

  @Test("a member name with < > or an e-mail with a line break, committed to main: submit is 65, not 70", arguments: [
    ("    name: Anne Eksempel", "    name: Anne <Eksempel>", "the name `Anne <Eksempel>` contains `<`"),
    ("    name: Anne Eksempel", "    name: \"Anne\\nEksempel\"", "the name `Anne<U+000A>Eksempel` contains a line break"),
    ("    email: anne.eksempel@example.invalid", "    email: \"anne.eksempel@example.invalid\\nX-Hack: 1\"",
     "contains a line break (U+000A)"),
    ("    email: anne.eksempel@example.invalid", "    email: \"anne.eksempel@example.invalid>\"", "contains `>`"),
  ])
  func unsafeMember(_ line: String, _ replacement: String, _ message: String) throws {
    let w = try TemplateWorkspace()
    let url = w.root.appendingPathComponent("members.yaml")
    let original = try String(contentsOf: url, encoding: .utf8)
    // The workspace's members.yaml (with the generated keys), not the template's, gives the line number.
    let number = try #require(original.components(separatedBy: "\n").firstIndex(of: line)) + 1
    try BadInputTests.commitDefinition(
      w, "members.yaml", original.replacingOccurrences(of: line + "\n", with: replacement + "\n"), message: "Navn")
    let before = try w.fingerprint()
    let file = try w.scratch.file("forord.md", try w.templateText("forord") + "\nMere.\n")
    for (arguments, person) in [(["submit", "forord", file.path], "anne-bif"), (["comment", "forord", "-m", "Hej"], "soren-biu")] {
      let run = try w.pf(arguments, as: person)
      #expect(run.status == 65, "\(arguments): exit \(run.status) \(run.stderr)")
      #expect(run.stderr.contains("members.yaml:\(number): members[2]."), "\(run.stderr)")
      #expect(run.stderr.contains(message), "\(run.stderr)")
      #expect(run.stderr.contains("author line"), "\(run.stderr)")
    }
    #expect(try w.fingerprint() == before)
    try BadInputTests.commitDefinition(w, "members.yaml", original, message: "Restored")
    #expect(try w.pf(["submit", "forord", file.path], as: "anne-bif").status == 0)
    try Self.expectClean(w)
  }

  // MARK: - 3. Section id length

  @Test("init refuses a 252-character section id with 65 naming it; a 100-character id works end to end")
  func sectionIDLength() throws {
    let long = String(repeating: "a", count: 252)
    let refused = try EditableTemplate()
    try refused.replace(in: "policy.yaml", "  - id: forord\n", with: "  - id: \(long)\n")
    let line = try Self.templateLine("policy.yaml", "  - id: forord")
    try Self.expectInitRefused(refused, [
      "policy.yaml:\(line): sections[0].id: the section id `\(long.prefix(40))…` is 252 characters long",
      "at most 100", "git branch names",
    ])

    let hundred = String(repeating: "l", count: 96) + "-100"
    let template = try EditableTemplate()
    try template.replace(in: "policy.yaml", "  - id: forord\n", with: "  - id: \(hundred)\n")
    try FileManager.default.moveItem(
      at: template.url.appendingPathComponent("sections/forord.md"),
      to: template.url.appendingPathComponent("sections/\(hundred).md"))
    let w = try CustomWorkspace(template)
    let text = try String(contentsOf: template.url.appendingPathComponent("sections/\(hundred).md"), encoding: .utf8)
    let submitted = try w.pf(["submit", hundred, try w.scratch.file("x.md", text + "\nMere.\n").path], as: "anne-bif")
    #expect(submitted.status == 0, "\(submitted.stderr)")
    #expect(try CLI.git(["rev-parse", "--verify", "-q", "refs/heads/sections/\(hundred)"], in: w.root).status == 0)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
    let verify = try w.pf(["verify"])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
  }

  // MARK: - 4. Release names

  @Test("release names git refuses or that confuse are 64 before anything is written; no refs/tags/HEAD", arguments: [
    ("HEAD", "git's own names"), ("x.lock", "ends in '.lock'"), ("a.", "ends in '.'"), ("-x", "starts with '-'"),
    ("a..b", "contains '..'"), ("FETCH_HEAD", "git's own names"),
  ])
  func releaseNames(_ name: String, _ reason: String) throws {
    let w = try TemplateWorkspace()
    let out = w.scratch.url.appendingPathComponent("out")
    try BadInputTests.expectRefused(
      w, ["assemble", "--release=\(name)", "--out", out.path], as: "pernille-sekretariat", code: 64,
      message: ["release name `\(name)` is not allowed: it", reason, "Nothing was written."])
    #expect(!FileManager.default.fileExists(atPath: out.path))
    #expect(try CLI.git(["show-ref"], in: w.root).stdout.contains("refs/tags/") == false)
    try Self.expectClean(w)
  }

  // MARK: - 5. Invisible and bidirectional characters

  @Test("show and diff warn about bidi and zero-width characters and display them; the HTML marks them")
  func invisibleCharacters() throws {
    let w = try TemplateWorkspace()
    let template = try w.templateText("kultur-og-fritid")
    let lineNumber = SectionText.lines(template).count + 2
    let text = template + "\nTilskud: \u{202E}00001\u{202C} kr. pr.\u{200B}forening.\n"
    let submitted = try w.pf(["submit", "kultur-og-fritid", w.scratch.file("bidi.md", text).path], as: "karen-kff")
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let stored = try CLI.git(["show", "sections/kultur-og-fritid:sections/kultur-og-fritid.md"], in: w.root).stdout
    #expect(stored == text, "stored as given")

    let show = try w.pf(["show", "kultur-og-fritid"])
    #expect(show.status == 0)
    #expect(show.stderr.hasPrefix("policyflow: warning: section kultur-og-fritid revision 1 contains 3 invisible"))
    #expect(show.stderr.contains("line \(lineNumber), column 10: U+202E RIGHT-TO-LEFT OVERRIDE"), "\(show.stderr)")
    #expect(show.stderr.contains("line \(lineNumber), column 16: U+202C"), "\(show.stderr)")
    #expect(show.stderr.contains("U+200B ZERO WIDTH SPACE"), "\(show.stderr)")
    #expect(show.stdout.contains("Tilskud: <U+202E>00001<U+202C> kr. pr.<U+200B>forening."))
    #expect(!show.stdout.contains("\u{202E}") && !show.stderr.contains("\u{202E}"))
    let numbered = try w.pf(["show", "kultur-og-fritid", "--line-numbers"])
    #expect(numbered.stdout.contains("\(lineNumber) │ Tilskud: <U+202E>00001"), "\(numbered.stdout)")
    let raw = try w.pf(["show", "kultur-og-fritid", "--raw"])
    #expect(raw.stdout == stored)
    #expect(raw.stderr.contains("U+202E") && !raw.stderr.contains("shown as"))

    let diff = try w.pf(["diff", "kultur-og-fritid"])
    #expect(diff.status == 0)
    #expect(diff.stdout.contains("+Tilskud: <U+202E>00001<U+202C> kr. pr.<U+200B>forening."), "\(diff.stdout)")
    #expect(!diff.stdout.contains("\u{202E}"))
    #expect(diff.stderr.contains("section kultur-og-fritid revision 1 contains 3"), "\(diff.stderr)")
    #expect(!diff.stderr.contains("revision 0"), "revision 0 has none: \(diff.stderr)")
    // A section without any: no warning.
    #expect(try w.pf(["show", "forord"]).stderr.isEmpty)

    let out = w.scratch.url.appendingPathComponent("out")
    let assembled = try w.pf(["assemble", "--draft", "--format", "html", "--out", out.path], as: "pernille-sekretariat")
    #expect(assembled.status == 0, "\(assembled.stderr)")
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    #expect(!html.contains("\u{202E}") && !html.contains("\u{200B}"))
    #expect(html.contains("<span class=\"invisible-char\" title=\"U+202E RIGHT-TO-LEFT OVERRIDE\">⟨U+202E⟩</span>00001"))
    try Self.expectClean(w)
  }

  // MARK: - 6. Required headings read from the document

  @Test("a required heading that exists only inside a code fence, an HTML block or indented code is missing (65)",
    arguments: [
      "```\n## Det gør vi allerede\n```\n", "<details>\n## Det gør vi allerede\n</details>\n",
      "    ## Det gør vi allerede\n", "<!--\n## Det gør vi allerede\n-->\n",
    ])
  func hiddenHeadings(_ hidden: String) throws {
    let w = try TemplateWorkspace()
    let text = "## Situationen i København\n\nTekst.\n\n\(hidden)\n## Det vil vi arbejde for fremadrettet\n\nMere.\n"
    try BadInputTests.expectRefused(
      w, ["submit", "kultur-og-fritid", w.scratch.file("skjult.md", text).path], as: "karen-kff", code: 65,
      message: ["section kultur-og-fritid", "Det gør vi allerede"])
    #expect(try w.pf(["show", "kultur-og-fritid", "--raw"]).stdout == (try w.templateText("kultur-og-fritid")))
    // The same text with the heading outside the fence is accepted.
    let fixed = text + "\n## Det gør vi allerede\n\nNu synlig.\n"
    #expect(try w.pf(["submit", "kultur-og-fritid", w.scratch.file("synlig.md", fixed).path], as: "karen-kff").status == 0)
    try Self.expectClean(w)
  }

  // MARK: - 7. Template texts (revision 0)

  @Test(
    "init refuses a template whose section text is a symlink, holds NUL or ESC (65), and creates nothing",
    arguments: ["symlink", "nul", "esc"])
  func badTemplateText(_ kind: String) throws {
    let template = try EditableTemplate()
    let file = template.url.appendingPathComponent("sections/forord.md")
    switch kind {
    case "symlink":
      try FileManager.default.removeItem(at: file)
      try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: "/etc/passwd")
      try Self.expectInitRefused(template, ["section forord", "sections/forord.md", "symbolic link"])
    case "nul":
      try Data("## Forord\nA\u{0}B\n".utf8).write(to: file)
      try Self.expectInitRefused(template, ["section forord", "sections/forord.md", "NUL byte"])
    default:
      try Data("## Forord\n\u{1B}[2JRyddet\n".utf8).write(to: file)
      try Self.expectInitRefused(template, ["section forord", "sections/forord.md", "control character U+001B"])
    }
  }

  // MARK: - 8. A held workspace lock

  /// Starts `policyflow verify` holding the workspace lock for `seconds` (fault point `hold-lock`), and waits until
  /// it has recorded itself in the lock file.
  static func startHolder(_ w: TemplateWorkspace, seconds: Int) throws -> Process {
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = ["verify"]
    var environment = ProcessInfo.processInfo.environment
    environment["POLICYFLOW_WORKSPACE"] = w.root.path
    environment["POLICYFLOW_FAULT"] = "hold-lock:\(seconds)"
    environment["HOME"] = FileManager.default.temporaryDirectory.path
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let lock = w.root.appendingPathComponent(".policyflow/lock")
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      if let text = try? String(contentsOf: lock, encoding: .utf8), text.hasPrefix("pid: \(process.processIdentifier)\n") {
        return process
      }
      usleep(20_000)
    }
    process.terminate()
    Issue.record("the holder never took the lock")
    return process
  }

  @Test("a write that finds the lock held says whom it waits for, gives up after POLICYFLOW_LOCK_TIMEOUT with 75")
  func heldByPolicyflow() throws {
    let w = try TemplateWorkspace()
    let holder = try Self.startHolder(w, seconds: 60)
    defer {
      if holder.isRunning { holder.terminate() }
      holder.waitUntilExit()
    }
    let before = try w.fingerprint()
    let started = Date()
    let run = try w.pf(["comment", "forord", "-m", "Hej"], as: "soren-biu", environment: ["POLICYFLOW_LOCK_TIMEOUT": "2"])
    let waited = Date().timeIntervalSince(started)
    #expect(run.status == 75, "exit \(run.status): \(run.stderr)")
    #expect(waited >= 2 && waited < 15, "waited \(waited) s")
    let pid = holder.processIdentifier
    #expect(run.stderr.hasPrefix("policyflow: waiting for the workspace lock, held by pid \(pid): policyflow verify, user "),
      "\(run.stderr)")
    #expect(run.stderr.contains("giving up after 2 s (POLICYFLOW_LOCK_TIMEOUT)"))
    #expect(run.stderr.contains(
      "policyflow: error: the workspace is busy: another policyflow command (pid \(pid): policyflow verify"), "\(run.stderr)")
    #expect(run.stderr.contains("for more than 2 s; gave up waiting, nothing was changed. Try again"))
    #expect(try w.fingerprint() == before)
    // A timeout that is not a number is a usage error, before any waiting.
    let bad = try w.pf(["comment", "forord", "-m", "Hej"], as: "soren-biu", environment: ["POLICYFLOW_LOCK_TIMEOUT": "snart"])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("POLICYFLOW_LOCK_TIMEOUT=snart is not a number of seconds"))

    holder.terminate()
    holder.waitUntilExit()
    let after = try w.pf(["comment", "forord", "-m", "Hej"], as: "soren-biu")
    #expect(after.status == 0, "\(after.stderr)")
    #expect(after.stderr.isEmpty, "no waiting once the holder is gone: \(after.stderr)")
    try Self.expectClean(w)
  }

  @Test("verify waits on a lock held by another program (flock), reports it unnamed, and gives up with 75")
  func heldByAnotherProgram() throws {
    let w = try TemplateWorkspace()
    let lock = w.root.appendingPathComponent(".policyflow/lock")
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = ["flock", "--no-fork", lock.path, "sleep", "60"]
    holder.standardInput = FileHandle.nullDevice
    try holder.run()
    defer {
      if holder.isRunning { holder.terminate() }
      holder.waitUntilExit()
    }
    // Held once a non-blocking attempt fails.
    let deadline = Date().addingTimeInterval(10)
    while try CLI.run("flock", ["--nonblock", lock.path, "true"]).status == 0 && Date() < deadline { usleep(20_000) }
    let run = try w.pf(["verify"], as: nil, environment: ["POLICYFLOW_LOCK_TIMEOUT": "1.5"])
    #expect(run.status == 75, "exit \(run.status): \(run.stderr)")
    #expect(run.stderr.contains("held by another process (it recorded no details)"), "\(run.stderr)")
    #expect(run.stderr.contains("another process has held its lock \(lock.path) for more than 1.5 s"), "\(run.stderr)")
    holder.terminate()
    holder.waitUntilExit()
    try Self.expectClean(w)
  }

  // MARK: - 9. Another OS user

  /// Whether this test process may switch to `nobody` and that user can run the binary (root, with setpriv).
  static let canRunAsNobody: Bool = {
    guard getuid() == 0, let check = try? CLI.run(
      "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "test", "-x", CLI.binary.path])
    else { return false }
    return check.status == 0
  }()

  @Test(
    "another OS user gets what, why and the safe.directory command, not a GitError dump",
    .enabled(if: canRunAsNobody, "needs root and setpriv to run the binary as nobody"))
  func anotherUser() throws {
    let w = try TemplateWorkspace()
    // Both forms libgit2 1.5 reports: no safe.directory configured at all, and one that names another path.
    let home = w.scratch.url.appendingPathComponent("home-nobody")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    try "[safe]\n\tdirectory = /srv/anden-politik\n".write(
      to: home.appendingPathComponent(".gitconfig"), atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: home.path)
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o644], ofItemAtPath: home.appendingPathComponent(".gitconfig").path)
    let before = try w.fingerprint()
    for homeDirectory in ["/nonexistent", home.path] {
      let run = try CLI.run(
        "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "status"],
        environment: ["POLICYFLOW_WORKSPACE": w.root.path, "HOME": homeDirectory])
      #expect(run.status == 77, "exit \(run.status): \(run.stderr)")
      #expect(run.stderr.contains("the git repository \(w.root.path) belongs to another user of this computer"), "\(run.stderr)")
      #expect(run.stderr.contains("\n    git config --global --add safe.directory \(w.root.path)\n"), "\(run.stderr)")
      #expect(!run.stderr.contains("GitError("), "\(run.stderr)")
      #expect(!run.stderr.contains("was not found"), "\(run.stderr)")
    }
    #expect(try w.fingerprint() == before)
    try Self.expectClean(w)
  }
}
