import Foundation
import Testing

/// `verify` against a workspace tampered with from outside, the way a careless admin or an attacker would:
/// with git plumbing and sqlite3, bypassing policyflow (and its triggers). Each tampering gets its own workspace.
@Suite("verify detects tampering with git objects, refs, sign-offs and the event log")
struct VerifyTests {
  /// A copy of a workspace with some of everything: an approval on main (forord), a revision under review with
  /// a sign-off, a comment and a requirement link (kultur-og-fritid). Ends with a comment, so the last event is
  /// not a state change. The history is made once through the binary and copied for each test.
  static func activeWorkspace() throws -> TemplateWorkspace {
    let prepared = try preparedWorkspace.get()
    let w = try TemplateWorkspace()
    try w.replaceContents(withCopyOf: prepared.root)
    #expect(try w.fingerprint() == prepared.fingerprint)
    return w
  }

  /// Made once per test process; removed when the process exits.
  static let preparedWorkspace: Result<(root: URL, fingerprint: String), Error> = Result {
    let w = try makeActiveWorkspace()
    let kept = FileManager.default.temporaryDirectory.appendingPathComponent("pf-verify-prepared-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: w.root, to: kept)
    preparedPath = kept.path
    atexit { if let path = VerifyTests.preparedPath { try? FileManager.default.removeItem(atPath: path) } }
    return (kept, try w.fingerprint())
  }
  nonisolated(unsafe) static var preparedPath: String?

  static func makeActiveWorkspace() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    let forord = try w.templateText("forord") + "\nEt nyt afsnit i forordet.\n"
    try expectSuccess(w.pf(["submit", "forord", w.scratch.file("forord.md", forord).path, "-m", "Forord"], as: "anne-bif"))
    for person in ["soren-biu", "hanne-biu", "ase-biu"] { try expectSuccess(w.pf(["approve", "forord"], as: person)) }
    let kultur = try w.templateText("kultur-og-fritid") + "\nBibliotekerne holder åbent.\n"
    try expectSuccess(
      w.pf(["submit", "kultur-og-fritid", w.scratch.file("kultur.md", kultur).path, "-m", "Udkast"], as: "karen-kff"))
    try expectSuccess(w.pf(["approve", "kultur-og-fritid", "-m", "fint"], as: "rasmus-kfu"))
    try expectSuccess(w.pf(["req", "link", "WS-MED-03", "kultur-og-fritid", "-m", "Biblioteker"], as: "karen-kff"))
    try expectSuccess(w.pf(["comment", "kultur-og-fritid", "--line", "2", "-m", "Kilde?"], as: "maja-kfu"))
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='forord'") == "approved")
    return w
  }

  static func expectSuccess(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
  }

  /// Runs `verify --json` and `verify`; both must exit 1 on findings (0 when clean), and agree.
  static func findings(_ w: TemplateWorkspace) throws -> [VerifyFindingJSON] {
    let json = try w.pf(["verify", "--json"])
    let report = try JSONDecoder().decode(VerifyReportJSON.self, from: Data(json.stdout.utf8))
    let text = try w.pf(["verify"])
    #expect(json.status == (report.findings.isEmpty ? 0 : 1))
    #expect(text.status == json.status)
    if !report.findings.isEmpty { #expect(text.stdout.contains("verify: \(report.findings.count) finding(s)")) }
    return report.findings
  }

  @Test("an untouched workspace with approvals, sign-offs, comments and links is clean; verify changes nothing")
  func clean() throws {
    let w = try Self.activeWorkspace()
    let before = try w.fingerprint()
    let report = try JSONDecoder().decode(VerifyReportJSON.self, from: Data(try w.pf(["verify", "--json"]).stdout.utf8))
    #expect(report.findings.isEmpty, "\(report.findings)")
    #expect(report.sections == 12)
    #expect(report.approvals == 1)
    #expect(report.signoffs == 4)
    #expect(report.revisions == 14)
    #expect(try w.pf(["verify"]).stdout.contains("verify: clean"))
    #expect(try w.fingerprint() == before)
  }

  @Test("a deleted revision blob (loose object under .git/objects) is named with its section and revision")
  func deletedBlob() throws {
    let w = try Self.activeWorkspace()
    let blob = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    let object = w.root.appendingPathComponent(".git/objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
    #expect(FileManager.default.fileExists(atPath: object.path), "revision blob \(blob) is not a loose object")
    try FileManager.default.removeItem(at: object)
    let findings = try Self.findings(w)
    #expect(findings.contains {
      $0.check == "git-object" && $0.subject == "kultur-og-fritid revision 1" && $0.message.contains(blob)
    }, "\(findings)")
    #expect(findings.allSatisfy { $0.subject.hasPrefix("kultur-og-fritid") }, "\(findings)")
  }

  @Test("a sign-off row whose content hash was edited no longer binds to its revision")
  func editedSignoff() throws {
    let w = try Self.activeWorkspace()
    let id = try CLI.sqlite(w.root, "SELECT id FROM signoff WHERE sectionId='kultur-og-fritid' AND personId='rasmus-kfu'")
    _ = try CLI.sqlite(w.root, "UPDATE signoff SET contentHash='\(String(repeating: "ab", count: 32))' WHERE id=\(id)")
    let findings = try Self.findings(w)
    #expect(findings == [
      VerifyFindingJSON(
        check: "signoff", subject: "sign-off #\(id) on kultur-og-fritid revision 1",
        message: "its content hash does not match the revision's text")
    ])
  }

  @Test("a sign-off moved to another person's name (not in members.yaml) is reported")
  func forgedSignoffPerson() throws {
    let w = try Self.activeWorkspace()
    _ = try CLI.sqlite(w.root, "UPDATE signoff SET personId='mallory' WHERE personId='rasmus-kfu'")
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "signoff" && $0.message.contains("mallory") }, "\(findings)")
  }

  @Test("the event log refuses DELETE and UPDATE through SQL while its triggers stand")
  func triggersRefuse() throws {
    let w = try Self.activeWorkspace()
    let before = try w.fingerprint()
    let delete = try CLI.run("sqlite3", [w.root.appendingPathComponent(".policyflow/policy.sqlite").path, "DELETE FROM event WHERE id=3"])
    #expect(delete.status != 0)
    #expect(delete.stderr.contains("append-only"))
    let update = try CLI.run(
      "sqlite3", [w.root.appendingPathComponent(".policyflow/policy.sqlite").path, "UPDATE event SET detail='x' WHERE id=3"])
    #expect(update.status != 0)
    #expect(try w.fingerprint() == before)
    #expect(try Self.findings(w).isEmpty)
  }

  @Test("a deleted event in the middle of the log breaks the hash chain at the event after it")
  func deletedMiddleEvent() throws {
    let w = try Self.activeWorkspace()
    // A comment-free, state-free event in the middle: the link.
    let id = try #require(Int(try CLI.sqlite(w.root, "SELECT id FROM event WHERE action='req-link'")))
    let last = try #require(Int(try CLI.sqlite(w.root, "SELECT max(id) FROM event")))
    #expect(id < last)
    _ = try CLI.sqlite(w.root, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE id=\(id)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM event WHERE id=\(id)") == "0")
    let findings = try Self.findings(w)
    #expect(findings.contains {
      $0.check == "event-chain" && $0.subject == "event #\(id + 1)" && $0.message.contains("deleted or edited")
    }, "\(findings)")
  }

  @Test("a deleted last event (nothing after it to break the chain) is found by the log's sequence")
  func deletedLastEvent() throws {
    let w = try Self.activeWorkspace()
    let last = try #require(Int(try CLI.sqlite(w.root, "SELECT max(id) FROM event")))
    #expect(try CLI.sqlite(w.root, "SELECT action FROM event WHERE id=\(last)") == "comment")
    _ = try CLI.sqlite(w.root, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE id=\(last)")
    let findings = try Self.findings(w)
    #expect(findings == [
      VerifyFindingJSON(
        check: "event-chain", subject: "event log",
        message: "events after #\(last - 1) were deleted (the log counted up to #\(last))")
    ])
  }

  @Test("a deleted approval event leaves the section's state unexplained by its events")
  func deletedApprovalEvent() throws {
    let w = try Self.activeWorkspace()
    let id = try CLI.sqlite(w.root, "SELECT id FROM event WHERE action='approved' AND sectionId='forord'")
    _ = try CLI.sqlite(w.root, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE id=\(id)")
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "event-chain" }, "\(findings)")
    #expect(findings.contains { $0.check == "state" && $0.subject == "forord" }, "\(findings)")
  }

  @Test("an edited event row (detail changed after dropping the trigger) no longer matches its hash")
  func editedEvent() throws {
    let w = try Self.activeWorkspace()
    let id = try CLI.sqlite(w.root, "SELECT id FROM event WHERE action='signoff' AND actor='rasmus-kfu'")
    _ = try CLI.sqlite(w.root, "DROP TRIGGER event_no_update; UPDATE event SET detail='committee_chair KFU: fint' WHERE id=\(id)")
    let findings = try Self.findings(w)
    #expect(findings == [
      VerifyFindingJSON(
        check: "event-chain", subject: "event #\(id)", message: "its contents do not match its hash (edited event)")
    ])
  }

  @Test("an edited event whose hash was recomputed still breaks the chain at the next event")
  func editedEventWithRecomputedHash() throws {
    let w = try Self.activeWorkspace()
    let id = try CLI.sqlite(w.root, "SELECT id FROM event WHERE action='signoff' AND actor='rasmus-kfu'")
    // An attacker who cannot reproduce the hash format replaces it with something else that is unique.
    _ = try CLI.sqlite(
      w.root, "DROP TRIGGER event_no_update; UPDATE event SET detail='forged', hash='\(String(repeating: "0", count: 64))' WHERE id=\(id)")
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "event-chain" && $0.subject == "event #\(id)" }, "\(findings)")
    #expect(findings.contains { $0.check == "event-chain" && $0.subject == "event #\(Int(id)! + 1)" }, "\(findings)")
  }

  @Test("a section branch moved back to an earlier revision with git update-ref")
  func sectionRefMovedBack() throws {
    let w = try Self.activeWorkspace()
    let revision0 = try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='kultur-og-fritid' AND number=0")
    #expect(try CLI.git(["update-ref", "refs/heads/sections/kultur-og-fritid", revision0], in: w.root).status == 0)
    let findings = try Self.findings(w)
    #expect(findings.count == 1, "\(findings)")
    #expect(findings.first?.check == "reference")
    #expect(findings.first?.subject == "refs/heads/sections/kultur-og-fritid")
    #expect(findings.first?.message.contains(revision0) == true)
  }

  @Test("a section branch moved forward to a commit policyflow never recorded")
  func sectionRefMovedToForeignCommit() throws {
    let w = try Self.activeWorkspace()
    let tip = try CLI.git(["rev-parse", "sections/tilblivelsen"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let tree = try CLI.git(["rev-parse", "\(tip)^{tree}"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let foreign = try CLI.run(
      "git", ["-C", w.root.path, "-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-p", tip, "-m", "outside"])
    let commit = foreign.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try CLI.git(["update-ref", "refs/heads/sections/tilblivelsen", commit], in: w.root).status == 0)
    let findings = try Self.findings(w)
    #expect(findings.map(\.subject) == ["refs/heads/sections/tilblivelsen"], "\(findings)")
    #expect(findings.first?.check == "reference")
  }

  @Test("main moved back one commit (git update-ref refs/heads/main HEAD~1) loses the recorded approval")
  func mainMovedBack() throws {
    let w = try Self.activeWorkspace()
    let approval = try CLI.git(["rev-parse", "main"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try CLI.git(["update-ref", "refs/heads/main", "HEAD~1"], in: w.root).status == 0)
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "approval" && $0.subject == "approval of forord revision 1" && $0.message.contains(approval) }, "\(findings)")
    #expect(findings.contains { $0.check == "approval" && $0.subject == "forord" }, "\(findings)")
  }

  @Test("a commit on main made outside policyflow: fine if it leaves section text alone, a finding if it changes it")
  func mainMovedToForeignCommit() throws {
    let w = try Self.activeWorkspace()
    let git = ["-C", w.root.path, "-c", "user.name=x", "-c", "user.email=x@x"]
    // Plain git on main that touches only the definition (e.g. a new member) is how such files change.
    let harmless = try CLI.run("git", git + ["commit", "-q", "--allow-empty", "-m", "outside, no section text"])
    #expect(harmless.status == 0)
    #expect(try Self.findings(w).isEmpty)
    // Approved text changed behind policyflow's back is reported, naming the commit.
    try "Forfalsket tekst.\n".write(
      to: w.root.appendingPathComponent("sections/forord.md"), atomically: true, encoding: .utf8)
    #expect(try CLI.run("git", git + ["commit", "-q", "-am", "outside, rewrites approved text"]).status == 0)
    let commit = try CLI.git(["rev-parse", "main"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "reference" && $0.subject == "refs/heads/main" && $0.message.contains(commit) }, "\(findings)")
    #expect(findings.contains { $0.check == "approval" && $0.subject == "forord" }, "\(findings)")
  }

  @Test("a revision's text replaced in git (the branch rewritten to other bytes) fails the content hash")
  func revisionRowPointsAtOtherBlob() throws {
    let w = try Self.activeWorkspace()
    let other = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=0")
    _ = try CLI.sqlite(w.root, "UPDATE revision SET blobId='\(other)' WHERE sectionId='kultur-og-fritid' AND number=1")
    let findings = try Self.findings(w)
    #expect(findings.contains { $0.check == "content-hash" && $0.subject == "kultur-og-fritid revision 1" }, "\(findings)")
    #expect(findings.contains { $0.check == "revision" && $0.subject == "kultur-og-fritid revision 1" }, "\(findings)")
  }

  @Test("headings recorded for a revision that are not its text's headings (a guard fooled through SQL)")
  func recordedHeadingsEdited() throws {
    let w = try Self.activeWorkspace()
    let recorded = try CLI.sqlite(w.root, "SELECT headings FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    #expect(!recorded.isEmpty, "submit records the text's headings")
    _ = try CLI.sqlite(
      w.root, "UPDATE revision SET headings = headings || char(10) || 'Forfalsket' WHERE sectionId='kultur-og-fritid' AND number=1")
    let findings = try Self.findings(w)
    #expect(findings.map(\.subject) == ["kultur-og-fritid revision 1"], "\(findings)")
    #expect(findings.first?.message.contains("recorded headings") == true, "\(findings)")
  }

  @Test("revisions recorded before headings were (NULL) read their text instead: same status, verify clean")
  func revisionsWithoutRecordedHeadings() throws {
    let w = try Self.activeWorkspace()
    let before = try w.pf(["status", "--json"])
    _ = try CLI.sqlite(w.root, "UPDATE revision SET headings = NULL")
    let after = try w.pf(["status", "--json"])
    #expect(before.status == 0 && after.status == 0)
    #expect(after.stdout == before.stdout)
    #expect(try Self.findings(w).isEmpty)
  }
}

/// The stable JSON of `verify --json`, decoded independently of the app's own types.
struct VerifyReportJSON: Decodable {
  let sections: Int
  let revisions: Int
  let signoffs: Int
  let events: Int
  let approvals: Int
  let findings: [VerifyFindingJSON]
}

struct VerifyFindingJSON: Decodable, Equatable, CustomStringConvertible {
  let check: String
  let subject: String
  let message: String
  var description: String { "\(check) | \(subject) | \(message)" }
}
