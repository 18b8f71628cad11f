import Foundation
import Testing

/// `verify` against a workspace tampered with from outside, the way a careless admin or an attacker would:
/// with git plumbing and sqlite3, bypassing policyflow. The SQLite index is only a copy of the record in git:
/// verify rebuilds it from git and reports every row that differs, and `reindex` undoes such edits. Each
/// tampering gets its own workspace. (RecordTamperTests edits the record in git itself.)
@Suite("verify detects tampering with git objects, refs and the index")
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

  /// Other commands read objects as git does, without hashing them again; `verify` hashes every object it reads.
  @Test("a revision blob whose file holds another object's content is a finding, though other commands read it")
  func swappedBlob() throws {
    let w = try Self.activeWorkspace()
    let blob = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    let other = try CLI.sqlite(w.root, "SELECT blobId FROM revision WHERE sectionId='forord' ORDER BY number DESC LIMIT 1")
    func path(_ id: String) -> URL { w.root.appendingPathComponent(".git/objects/\(id.prefix(2))/\(id.dropFirst(2))") }
    #expect(blob != other && FileManager.default.fileExists(atPath: path(other).path), "\(other) is not a loose object")
    try FileManager.default.removeItem(at: path(blob))
    try FileManager.default.copyItem(at: path(other), to: path(blob))
    let findings = try Self.findings(w)
    #expect(findings.contains {
      $0.check == "git-object" && $0.subject == "kultur-og-fritid revision 1" && $0.message.contains(blob)
    }, "\(findings)")
    // git's own check agrees.
    #expect(try CLI.git(["fsck", "--no-dangling"], in: w.root).status != 0)
  }

  /// Every row of the index, table by table in a fixed order, read with sqlite3: what a rebuild from git must
  /// reproduce exactly.
  static func indexDump(_ w: TemplateWorkspace) throws -> String {
    let tables = [
      ("section", "id"), ("revision", "sectionId, number"), ("signoff", "id"), ("comment", "id"),
      ("requirement", "id"), ("requirementLink", "requirementId, sectionId"), ("event", "id"),
      ("record", "sequence, commitId"), ("recordTip", "ref"),
    ]
    return try tables.map { table, order in
      "\(table):\n" + (try CLI.sqlite(w.root, "SELECT * FROM \(table) ORDER BY \(order)"))
    }.joined(separator: "\n")
  }

  /// An edit of the index made with sqlite3, bypassing policyflow: the table it changes, and how.
  struct IndexTamper: CustomTestStringConvertible, Sendable {
    enum Kind: String, Sendable { case edited, deleted, inserted }
    let name: String
    let table: String
    let kind: Kind
    let sql: String
    var testDescription: String { "\(kind.rawValue) \(table): \(name)" }
  }

  static let tampers: [IndexTamper] = [
    // Sign-offs.
    IndexTamper(
      name: "content hash no longer the revision's", table: "signoff", kind: .edited,
      sql: "UPDATE signoff SET contentHash='\(String(repeating: "ab", count: 32))' WHERE personId='rasmus-kfu'"),
    IndexTamper(
      name: "moved to a person not in members.yaml", table: "signoff", kind: .edited,
      sql: "UPDATE signoff SET personId='mallory' WHERE personId='rasmus-kfu'"),
    IndexTamper(
      name: "a sign-off removed", table: "signoff", kind: .deleted,
      sql: "DELETE FROM signoff WHERE personId='rasmus-kfu'"),
    IndexTamper(
      name: "a sign-off nobody gave", table: "signoff", kind: .inserted,
      sql: """
        INSERT INTO signoff (sectionId, revisionNumber, contentHash, personId, capacity, groupCode, decision, message, createdAt)
        SELECT sectionId, revisionNumber, contentHash, 'kirsten-kfu', 'committee_chair', 'KFU', 'approve', '', createdAt
        FROM signoff WHERE personId='rasmus-kfu'
        """),
    // Events.
    IndexTamper(
      name: "detail changed", table: "event", kind: .edited,
      sql: "UPDATE event SET detail='committee_chair KFU: fint' WHERE action='signoff' AND actor='rasmus-kfu'"),
    IndexTamper(
      name: "detail changed and the hash replaced", table: "event", kind: .edited,
      sql: """
        UPDATE event SET detail='forged', hash='\(String(repeating: "0", count: 64))' WHERE action='signoff' AND actor='rasmus-kfu'
        """),
    IndexTamper(
      name: "one in the middle", table: "event", kind: .deleted, sql: "DELETE FROM event WHERE action='req-link'"),
    IndexTamper(
      name: "the last one", table: "event", kind: .deleted,
      sql: "DELETE FROM event WHERE id=(SELECT max(id) FROM event)"),
    IndexTamper(
      name: "the approval of forord", table: "event", kind: .deleted,
      sql: "DELETE FROM event WHERE action='approved' AND sectionId='forord'"),
    IndexTamper(
      name: "an approval that never happened", table: "event", kind: .inserted,
      sql: """
        INSERT INTO event (at, actor, action, sectionId, fromState, toState, revision, commitId, detail, prevHash, hash)
        VALUES ('2026-01-01 00:00:00.000', 'kirsten-kfu', 'approved', 'kultur-og-fritid', 'committee_review', 'approved',
        1, NULL, 'forged', '', 'forged')
        """),
    // Comments.
    IndexTamper(
      name: "resolved behind the record's back", table: "comment", kind: .edited,
      sql: "UPDATE comment SET status='resolved', resolvedBy='karen-kff' WHERE authorId='maja-kfu'"),
    IndexTamper(
      name: "body rewritten", table: "comment", kind: .edited,
      sql: "UPDATE comment SET body='Alt er fint' WHERE authorId='maja-kfu'"),
    IndexTamper(
      name: "a comment removed", table: "comment", kind: .deleted, sql: "DELETE FROM comment WHERE authorId='maja-kfu'"),
    IndexTamper(
      name: "a comment nobody made", table: "comment", kind: .inserted,
      sql: """
        INSERT INTO comment (recordId, sectionId, revisionNumber, anchorRevision, authorId, body, blocking, status, outdated, createdAt)
        VALUES ('\(String(repeating: "d", count: 40))', 'kultur-og-fritid', 1, 1, 'rasmus-kfu', 'Forfalsket', 1, 'open', 0,
        '2026-01-01 00:00:00.000')
        """),
    // Revisions.
    IndexTamper(
      name: "blob of another revision", table: "revision", kind: .edited,
      sql: """
        UPDATE revision SET blobId=(SELECT blobId FROM revision WHERE sectionId='kultur-og-fritid' AND number=0)
        WHERE sectionId='kultur-og-fritid' AND number=1
        """),
    IndexTamper(
      name: "recorded headings not the text's (a guard fooled)", table: "revision", kind: .edited,
      sql: """
        UPDATE revision SET headings = headings || char(10) || 'Forfalsket' WHERE sectionId='kultur-og-fritid' AND number=1
        """),
    IndexTamper(
      name: "recorded headings removed", table: "revision", kind: .edited, sql: "UPDATE revision SET headings = NULL"),
    IndexTamper(
      name: "the revision under review removed", table: "revision", kind: .deleted,
      sql: "DELETE FROM revision WHERE sectionId='kultur-og-fritid' AND number=1"),
    IndexTamper(
      name: "a revision nobody submitted", table: "revision", kind: .inserted,
      sql: """
        INSERT INTO revision (sectionId, number, commitId, blobId, contentHash, authorId, message, createdAt, headings)
        SELECT sectionId, 2, commitId, blobId, contentHash, authorId, 'forfalsket', createdAt, headings
        FROM revision WHERE sectionId='kultur-og-fritid' AND number=1
        """),
    // Sections.
    IndexTamper(
      name: "approved without sign-offs", table: "section", kind: .edited,
      sql: "UPDATE section SET state='approved', approvedRevision=1 WHERE id='kultur-og-fritid'"),
    IndexTamper(
      name: "a section removed", table: "section", kind: .deleted, sql: "DELETE FROM section WHERE id='social'"),
    IndexTamper(
      name: "a section the policy does not name", table: "section", kind: .inserted,
      sql: """
        INSERT INTO section (id, position, state, latestRevision, updatedAt)
        VALUES ('forsvundet', 99, 'approved', 0, '2026-01-01 00:00:00.000')
        """),
  ]

  @Test("each edit of the index with sqlite3 is a finding naming the table; reindex undoes it", arguments: tampers)
  func indexTampered(_ tamper: IndexTamper) throws {
    let w = try Self.activeWorkspace()
    let before = try Self.indexDump(w)
    let status = try w.pf(["status", "--json"])
    #expect(status.status == 0, "\(status.stderr)")

    let edit = try CLI.run("sqlite3", [w.root.appendingPathComponent(".policyflow/policy.sqlite").path, tamper.sql])
    #expect(edit.status == 0, "\(edit.stderr)")
    let tampered = try Self.indexDump(w)
    #expect(tampered != before, "the edit changed nothing")

    // `findings` checks that verify exits 1 (text and JSON alike) when it finds something.
    let findings = try Self.findings(w)
    let ours = findings.filter { $0.check == "index" && $0.subject == tamper.table }
    let extra = ours.filter { $0.message.hasPrefix("the index has a row that the record in git does not give (edited or inserted)") }
    let missing = ours.filter { $0.message.hasPrefix("the index lacks a row that the record in git gives (deleted or edited)") }
    switch tamper.kind {
    case .edited: #expect(!extra.isEmpty && !missing.isEmpty, "\(findings)")
    case .deleted: #expect(extra.isEmpty && !missing.isEmpty, "\(findings)")
    case .inserted: #expect(!extra.isEmpty && missing.isEmpty, "\(findings)")
    }
    // Nothing but the index (and SQLite's own check of the references the edit broke) is reported.
    #expect(findings.allSatisfy { $0.check == "index" || $0.check == "sqlite" }, "\(findings)")
    #expect(findings.filter { $0.check == "index" }.allSatisfy { $0.subject == tamper.table }, "\(findings)")
    // verify reports, it does not repair.
    #expect(try Self.indexDump(w) == tampered)

    let reindexed = try w.pf(["reindex"])
    #expect(reindexed.status == 0, "\(reindexed.stderr)")
    #expect(reindexed.stdout.hasPrefix("reindexed "), "\(reindexed.stdout)")
    #expect(try Self.findings(w).isEmpty)
    #expect(try Self.indexDump(w) == before, "reindex did not restore the index row by row")
    #expect(try w.pf(["status", "--json"]).stdout == status.stdout)
  }

  @Test("an untouched index is what a rebuild gives: reindex changes no row")
  func reindexOfCleanIndex() throws {
    let w = try Self.activeWorkspace()
    let before = try Self.indexDump(w)
    let fingerprint = try w.fingerprint()
    let reindexed = try w.pf(["reindex"])
    #expect(reindexed.status == 0, "\(reindexed.stderr)")
    #expect(reindexed.stdout.contains("from the record"), "\(reindexed.stdout)")
    #expect(!reindexed.stdout.contains("refused"), "\(reindexed.stdout)")
    #expect(try Self.indexDump(w) == before)
    #expect(try w.fingerprint() == fingerprint)
    #expect(try Self.findings(w).isEmpty)
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
    #expect(try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='approved' AND sectionId='forord'") == approval)
    #expect(try CLI.git(["update-ref", "refs/heads/main", "HEAD~1"], in: w.root).status == 0)
    let findings = try Self.findings(w)
    #expect(findings.contains {
      $0.check == "approval" && $0.subject == approval && $0.message.contains("not on main's history")
    }, "\(findings)")
    #expect(findings.contains {
      $0.check == "approval" && $0.subject == "forord" && $0.message.contains("lacks the approved text")
    }, "\(findings)")
    #expect(findings.allSatisfy { $0.check == "approval" }, "\(findings)")
  }

  @Test("a commit on main made outside policyflow: fine if it leaves section text alone, a finding if it changes it")
  func mainMovedToForeignCommit() throws {
    let w = try Self.activeWorkspace()
    let git = ["-C", w.root.path, "-c", "user.name=x", "-c", "user.email=x@x"]
    // Plain git on main that touches only the definition (e.g. a new member) is how such files change.
    let harmless = try CLI.run("git", git + ["commit", "-q", "--allow-empty", "-m", "outside, no section text"])
    #expect(harmless.status == 0)
    #expect(try Self.findings(w).isEmpty)
    // Approved text changed behind policyflow's back is reported for the section.
    try "Forfalsket tekst.\n".write(
      to: w.root.appendingPathComponent("sections/forord.md"), atomically: true, encoding: .utf8)
    #expect(try CLI.run("git", git + ["commit", "-q", "-am", "outside, rewrites approved text"]).status == 0)
    let findings = try Self.findings(w)
    #expect(findings.map { "\($0.check) \($0.subject)" } == ["approval forord"], "\(findings)")
    #expect(findings.first?.message.contains("approved revision 1") == true, "\(findings)")
    // The index is not at fault: reindex does not make it go away.
    #expect(try w.pf(["reindex"]).status == 0)
    #expect(try Self.findings(w).map(\.check) == ["approval"])
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
