import Foundation
import Testing

/// The record is in git: losing `.policyflow/` loses nothing, and a clone is a workspace with the same outputs.
@Suite("record in git: the index is rebuilt byte for byte; a clone shows the same policy")
struct RecordCloneTests {
  /// A review round with every kind of action: submissions, a blocking comment and a reply, a change request,
  /// a resubmission, links and waivers, sign-offs to approval on main, a requirement added, a withdrawal.
  static func playRound(_ w: TemplateWorkspace) throws -> String {
    try w.approveSection("forord")
    let section = "kultur-og-fritid"
    let text = Roster.areaText(section)
    try w.ok(["submit", section, w.scratch.file("k1.md", text).path, "-m", "Første udkast"], as: "karen-kff")
    let made = try w.ok(["comment", section, "--line", "2-3", "--blocking", "-m", "Kilde?"], as: "rasmus-kfu")
    let id = try #require(made.stdout.split(separator: " ").dropFirst().first.map(String.init))
    try w.ok(["comment", section, "--reply", id, "-m", "Danmarks Statistik."], as: "karen-kff")
    try w.ok(["request-changes", section, "-m", "Tilføj kilden i teksten"], as: "maja-kfu")
    try w.ok(["submit", section, w.scratch.file("k2.md", text + "\nKilde: Danmarks Statistik.\n").path], as: "karen-kff")
    try w.waiveTargets(of: section)
    try w.ok(["approve", section, "-m", "Fint"], as: "maja-kfu")
    try w.ok(["approve", section], as: "rasmus-kfu")
    try w.ok(["approve", section], as: "kirsten-kfu")
    #expect(try w.state(section) == "committee_review", "the blocking comment holds the approval back")
    try w.ok(["resolve", id, "-m", "Tak"], as: "rasmus-kfu")
    #expect(try w.state(section) == "approved")
    try w.ok(
      ["req", "add", "WS-MED-99", "--file", "requirements/workshop-2022.yaml", "--theme", "Medborgerskab", "--text",
       "Flere frivillige", "--targets", "social"], as: "pernille-sekretariat")
    try w.ok(["withdraw", "sundhed-og-omsorg", "-m", "Udskydes"], as: "pernille-sekretariat")
    return id
  }

  /// The four outputs the issue names, byte for byte.
  static func outputs(_ run: ([String]) throws -> Run) throws -> [String] {
    var result = [try run(["status", "--json"]).stdout, try run(["audit", "--json"]).stdout,
      try run(["req", "coverage", "--json"]).stdout]
    for section in Roster.sections.map(\.id) { result.append(try run(["comments", section, "--json"]).stdout) }
    #expect(result.allSatisfy { !$0.isEmpty })
    return result
  }

  @Test("rm -rf .policyflow: status, audit, comments and coverage print byte for byte what they printed before")
  func losingTheIndexLosesNothing() throws {
    let w = try TemplateWorkspace()
    _ = try Self.playRound(w)
    let before = try Self.outputs { try w.ok($0) }
    try FileManager.default.removeItem(at: w.root.appendingPathComponent(".policyflow"))
    let after = try Self.outputs { try w.ok($0) }
    #expect(before == after)
    try w.ok(["reindex"])
    #expect(try Self.outputs { try w.ok($0) } == before)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("git clone --mirror, then a plain git clone of it: reindex fetches the record from origin; the same outputs")
  func plainCloneOfAMirror() throws {
    let w = try TemplateWorkspace()
    _ = try Self.playRound(w)
    let before = try Self.outputs { try w.ok($0) }
    let mirror = w.scratch.url.appendingPathComponent("mirror.git")
    #expect(try CLI.run("git", ["clone", "-q", "--mirror", w.root.path, mirror.path]).status == 0)
    let clone = w.scratch.url.appendingPathComponent("clone")
    #expect(try CLI.run("git", ["clone", "-q", mirror.path, clone.path]).status == 0)
    let env = ["POLICYFLOW_WORKSPACE": clone.path]
    let refused = try CLI.policyflow(["status"], environment: env)
    #expect(refused.status == 66)
    #expect(refused.stderr.contains("refs/policyflow/*"), "\(refused.stderr)")
    // reindex fetches the record refs and section branches from origin itself.
    let reindex = try CLI.policyflow(["reindex"], environment: env)
    #expect(reindex.status == 0, "\(reindex.stderr)")
    let after = try Self.outputs { try CLI.policyflow($0, environment: env) }
    #expect(after == before)
    let verify = try CLI.policyflow(["verify"], environment: env)
    #expect(verify.status == 0, "\(verify.stdout)")
  }

  @Test("git log on a section's record ref reads as its review history, with trailers git itself parses")
  func recordReadsWithPlainGit() throws {
    let w = try TemplateWorkspace()
    let id = try Self.playRound(w)
    let ref = "refs/policyflow/sections/kultur-og-fritid"
    let log = try CLI.git(["log", "--reverse", "--format=%an|%(trailers:key=Policyflow-Action,valueonly,separator=)", ref], in: w.root)
    let lines = log.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "Pernille Protokol|create", "\(lines)")
    #expect(lines.contains("Karen Kladde|submit"), "\(lines)")
    #expect(lines.contains("Rasmus Rollespil|comment"), "\(lines)")
    #expect(lines.contains("Maja Mellemrum|request-changes"), "\(lines)")
    #expect(lines.last == "Rasmus Rollespil|resolve", "\(lines)")
    // The comment's id is its record commit's.
    let commentCommit = try CLI.git(["rev-parse", id], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let message = try CLI.git(["log", "-1", "--format=%B", commentCommit], in: w.root).stdout
    #expect(message.contains("Kilde?\n\nPolicyflow-Action: comment\n"), "\(message)")
    let parsed = try CLI.run(
      "git", ["-C", w.root.path, "interpret-trailers", "--parse"], stdin: Data(message.utf8)).stdout
    #expect(parsed.contains("Policyflow-Lines: 2-3") && parsed.contains("Policyflow-Blocking: true"), "\(parsed)")
    // The resolve names the approval it completed, which is on main.
    let resolve = try CLI.git(["log", "-1", "--format=%(trailers:key=Policyflow-Approval-Commit,valueonly)", ref], in: w.root)
      .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try CLI.git(["merge-base", "--is-ancestor", resolve, "main"], in: w.root).status == 0)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).stdout.isEmpty)
  }

  @Test("policyflow clone of a bare copy gives the same outputs and a clean verify; a non-policy repository is refused")
  func policyflowClone() throws {
    let w = try TemplateWorkspace()
    _ = try Self.playRound(w)
    let before = try Self.outputs { try w.ok($0) }
    let bare = w.scratch.url.appendingPathComponent("shared/policy.git")
    #expect(try CLI.run("git", ["clone", "-q", "--mirror", w.root.path, bare.path]).status == 0)
    for (index, url) in [bare.path, "file://" + bare.path].enumerated() {
      let copy = w.scratch.url.appendingPathComponent("copy\(index)")
      let cloned = try CLI.policyflow(["clone", url, copy.path])
      #expect(cloned.status == 0, "\(cloned.stderr)")
      let env = ["POLICYFLOW_WORKSPACE": copy.path]
      #expect(try Self.outputs { try CLI.policyflow($0, environment: env) } == before)
      #expect(try CLI.policyflow(["verify"], environment: env).status == 0)
    }
    let plain = w.scratch.url.appendingPathComponent("plain")
    #expect(try CLI.run("git", ["init", "-q", plain.path]).status == 0)
    #expect(try CLI.run("git", ["-C", plain.path, "-c", "user.name=X", "-c", "user.email=x@example.invalid", "commit", "-q",
      "--allow-empty", "-m", "x"]).status == 0)
    let refused = try CLI.policyflow(["clone", plain.path, w.scratch.url.appendingPathComponent("nothing").path])
    #expect(refused.status == 66, "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: w.scratch.url.appendingPathComponent("nothing").path))
  }

  @Test("a workspace of the first release (branches, no record refs) is refused with a clear message")
  func firstReleaseRefused() throws {
    let w = try TemplateWorkspace()
    for ref in try CLI.git(["for-each-ref", "--format=%(refname)", "refs/policyflow/"], in: w.root).stdout.split(separator: "\n") {
      #expect(try CLI.git(["update-ref", "-d", String(ref)], in: w.root).status == 0)
    }
    let result = try w.pf(["status"])
    #expect(result.status == 77)
    #expect(result.stderr.contains("first release") && result.stderr.contains("no upgrade path"), "\(result.stderr)")
  }
}
