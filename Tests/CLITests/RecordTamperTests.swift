import Foundation
import Testing

/// Edits of the record in git and of the index in SQLite, made around policyflow with the `git` and `sqlite3`
/// clients: each must be a `verify` finding, and a clean workspace must be clean.
@Suite("tamper: verify reports every edit of the record in git or of the index")
struct RecordTamperTests {
  /// One history shared by the cases (copied per test): forord approved on main; kultur-og-fritid in review with
  /// a blocking comment, a waiver and one sign-off.
  static let prepared: URL = {
    let w = try! TemplateWorkspace()
    try! w.approveSection("forord")
    let section = "kultur-og-fritid"
    try! w.ok(["submit", section, w.scratch.file("k.md", Roster.areaText(section)).path, "-m", "Udkast"], as: "karen-kff")
    try! w.ok(["comment", section, "--line", "1", "--blocking", "-m", "Kilde?"], as: "rasmus-kfu")
    try! w.ok(["comment", section, "-m", "Fint."], as: "maja-kfu")
    try! w.ok(["req", "waive", "WS-MED-06", section, "-m", "Besvares andetsteds"], as: "pernille-sekretariat")
    try! w.ok(["approve", section, "-m", "Enig"], as: "maja-kfu")
    let keep = FileManager.default.temporaryDirectory.appendingPathComponent("pf-tamper-\(UUID().uuidString)")
    try! FileManager.default.copyItem(at: w.root, to: keep)
    return keep
  }()

  /// A fresh copy of the prepared history.
  static func copy() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    try w.replaceContents(withCopyOf: prepared)
    return w
  }

  static func git(_ w: TemplateWorkspace, _ arguments: [String]) throws -> String {
    let run = try CLI.git(arguments, in: w.root)
    #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Writes a copy of commit `id` with `transform` applied to its raw text; returns the new id.
  static func rewrite(_ w: TemplateWorkspace, _ id: String, _ transform: (String) -> String) throws -> String {
    let raw = try CLI.git(["cat-file", "commit", id], in: w.root).stdout
    let changed = transform(raw)
    #expect(changed != raw, "the rewrite changed nothing")
    let run = try CLI.run("git", ["-C", w.root.path, "hash-object", "-t", "commit", "-w", "--stdin"], stdin: Data(changed.utf8))
    #expect(run.status == 0, "\(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static let ref = "refs/policyflow/sections/kultur-og-fritid"

  /// The commit on the record ref whose action trailer is `action` (the latest one).
  static func record(_ w: TemplateWorkspace, action: String) throws -> String {
    let log = try git(w, ["log", "--format=%H %(trailers:key=Policyflow-Action,valueonly,separator=)", ref])
    return try #require(log.split(separator: "\n").first { $0.hasSuffix(" \(action)") }.map { String($0.prefix(40)) })
  }

  static func expectFindings(
    _ w: TemplateWorkspace, _ checks: Set<String>, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let findings = try w.verifyFindings()
    #expect(!findings.isEmpty, "\(what): verify found nothing", sourceLocation: sourceLocation)
    let found = Set(findings.map(\.check))
    #expect(!found.isDisjoint(with: checks), "\(what): expected \(checks), found \(findings)", sourceLocation: sourceLocation)
  }

  @Test("the prepared history is clean, and stays clean after reindex")
  func cleanIsClean() throws {
    let w = try Self.copy()
    #expect(try w.verifyFindings().isEmpty)
    try w.ok(["reindex"])
    #expect(try w.verifyFindings().isEmpty)
    #expect(try Self.git(w, ["fsck", "--strict", "--no-dangling"]).isEmpty)
  }

  // MARK: - The index edited with sqlite3 (the cases of the issue)

  @Test(
    "an edited, inserted or deleted index row is a finding; reindex restores the record's state",
    arguments: [
      ("sign-off re-attributed", "UPDATE signoff SET personId='rasmus-kfu' WHERE personId='maja-kfu'"),
      ("sign-off inserted", """
        INSERT INTO signoff (sectionId, revisionNumber, contentHash, personId, capacity, groupCode, decision, message, createdAt)
        SELECT sectionId, revisionNumber, contentHash, 'kirsten-kfu', 'committee_chair', 'KFU', 'approve', '', createdAt
        FROM signoff WHERE personId='maja-kfu'
        """),
      ("blocking comment resolved", "UPDATE comment SET status='resolved', resolvedBy='rasmus-kfu' WHERE blocking=1"),
      ("waiver inserted", """
        INSERT INTO requirementLink (requirementId, sectionId, kind, note, revisionNumber, linkedTextHash, requirementHash, createdBy, createdAt)
        SELECT id, 'kultur-og-fritid', 'waived', 'x', 1, '', textHash, 'pernille-sekretariat', '2026-01-01' FROM requirement WHERE id='WS-MED-09'
        """),
      ("revision author changed", "UPDATE revision SET authorId='rasmus-kfu' WHERE sectionId='kultur-og-fritid' AND number=1"),
      ("approved revision nulled", "UPDATE section SET approvedRevision=NULL WHERE id='forord'"),
      ("event deleted", "DELETE FROM event WHERE id=(SELECT max(id) FROM event)"),
      ("state changed", "UPDATE section SET state='approved' WHERE id='kultur-og-fritid'"),
      // The rules ask this table which requirements a section must answer: a row taken out lets it pass unanswered.
      ("requirement target deleted", "DELETE FROM requirementTarget WHERE requirementId='WS-MED-09'"),
    ])
  func indexEdits(_ case_: (String, String)) throws {
    let w = try Self.copy()
    let status = try w.ok(["status", "--json"]).stdout
    _ = try CLI.sqlite(w.root, case_.1)
    try Self.expectFindings(w, ["index"], case_.0)
    try w.ok(["reindex"])
    #expect(try w.verifyFindings().isEmpty, "\(case_.0): not clean after reindex")
    #expect(try w.ok(["status", "--json"]).stdout == status, "\(case_.0): reindex did not restore the state")
  }

  /// Another workspace, made from the template with one edit and opened once (so its caches are written): where a
  /// forged cache comes from.
  static func workspace(editing path: String, _ old: String, to new: String) throws -> (Scratch, URL) {
    let template = try EditableTemplate()
    try template.replace(in: path, old, with: new)
    let other = try Scratch("pf-forged")
    let root = other.url.appendingPathComponent("policy")
    let made = try CLI.policyflow([
      "init", root.path, "--template", template.url.path, "--generate-keys", try TestKeys.link(in: other).path,
    ])
    try #require(made.status == 0, "\(made.stderr)")
    _ = try CLI.policyflow(["status"], environment: ["POLICYFLOW_WORKSPACE": root.path])
    return (other, root)
  }

  @Test("a forged definition cache that grants chair rights is a finding; the forged rights do not survive a rebuild")
  func forgedCache() throws {
    // A second workspace whose members.yaml makes Rasmus (a reviewer) chair of KFU too.
    let (other, otherRoot) = try Self.workspace(
      editing: "members.yaml", "    committees: [KFU]\n    roles: [reviewer]\n  - id: maja-kfu",
      to: "    committees: [KFU]\n    roles: [reviewer, chair]\n  - id: maja-kfu")
    defer { withExtendedLifetime(other) {} }

    let w = try Self.copy()
    _ = try w.ok(["status"])
    let mine = w.root.appendingPathComponent(".policyflow/definition.cache")
    var forged = [UInt8](try Data(contentsOf: otherRoot.appendingPathComponent(".policyflow/definition.cache")))
    let key = [UInt8](try Data(contentsOf: mine))[8..<40]
    forged.replaceSubrange(8..<40, with: key)
    try Data(forged).write(to: mine)
    try Self.expectFindings(w, ["definition-cache"], "forged cache")
  }

  @Test("a forged workflow cache that lowers the sign-offs needed is a finding; a damaged one is ignored and replaced")
  func forgedWorkflowCache() throws {
    // A second workspace whose workflow needs one committee reviewer instead of two.
    let (other, otherRoot) = try Self.workspace(
      editing: "workflows/section-review.yaml", "capacity: committee_reviewer, count: 2,",
      to: "capacity: committee_reviewer, count: 1,")
    defer { withExtendedLifetime(other) {} }

    let w = try Self.copy()
    let status = try w.ok(["status", "--json"]).stdout
    let mine = w.root.appendingPathComponent(".policyflow/workflow.cache")
    let written = try Data(contentsOf: mine)
    #expect(written.starts(with: Data("PFWFL".utf8)), "the first command wrote the workflow cache")

    // Damaged: ignored and replaced, nothing reported.
    try Data(written.prefix(written.count / 2)).write(to: mine)
    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(try Data(contentsOf: mine) == written, "the damaged cache was replaced by a sound one")
    #expect(try w.verifyFindings().isEmpty)

    // Forged: well-formed, with this workspace's key, but another workflow.
    var forged = [UInt8](try Data(contentsOf: otherRoot.appendingPathComponent(".policyflow/workflow.cache")))
    forged.replaceSubrange(8..<40, with: [UInt8](written)[8..<40])
    #expect(Data(forged) != written)
    try Data(forged).write(to: mine)
    try Self.expectFindings(w, ["definition-cache"], "forged workflow cache")
  }

  // MARK: - The record in git edited with plain git

  @Test("an edited trailer (the actor of a sign-off changed, the author left) is refused and reported")
  func editedTrailer() throws {
    let w = try Self.copy()
    let signoff = try Self.record(w, action: "signoff")
    #expect(signoff == (try Self.git(w, ["rev-parse", Self.ref])), "the sign-off is the tip")
    let forged = try Self.rewrite(w, signoff) {
      $0.replacingOccurrences(of: "Policyflow-Actor: maja-kfu", with: "Policyflow-Actor: kirsten-kfu")
    }
    _ = try Self.git(w, ["update-ref", Self.ref, forged, signoff])
    try Self.expectFindings(w, ["record", "index"], "edited trailer")
    try w.ok(["reindex"])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "record" && $0.message.contains("author") }, "\(findings)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='kirsten-kfu'") == "0")
  }

  @Test("the approval commit on main re-authored by another person is reported")
  func approvalReauthored() throws {
    let w = try Self.copy()
    let approval = try Self.git(w, ["rev-parse", "main"])
    let forged = try Self.rewrite(w, approval) {
      $0.replacingOccurrences(
        of: "(?m)^author [^<]*<[^>]*>", with: "author Kirsten Kultur <kirsten@example.invalid>", options: .regularExpression)
    }
    _ = try Self.git(w, ["update-ref", "refs/heads/main", forged, approval])
    try Self.expectFindings(w, ["approval"], "re-authored approval")
  }

  @Test("a record ref rewound by two actions is reported while the index still knows them")
  func rewound() throws {
    let w = try Self.copy()
    _ = try w.ok(["status"])
    _ = try Self.git(w, ["update-ref", Self.ref, "\(Self.ref)~2"])
    let findings = try w.verifyFindings()
    #expect(!findings.isEmpty)
    // Catch-up noticed the ref moved back and rebuilt: the two actions are gone from the index...
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='maja-kfu'") == "0")
  }

  @Test("a record commit deleted from the middle of the chain is reported")
  func deletedRecordCommit() throws {
    let w = try Self.copy()
    // Rebuild the chain without the waiver: the commits after it get new parents (and so new ids).
    let log = try Self.git(w, ["rev-list", "--reverse", Self.ref]).split(separator: "\n").map(String.init)
    let waiver = try Self.record(w, action: "req-waive")
    var parent = ""
    for commit in log {
      if commit == waiver { continue }
      if parent.isEmpty && log.first == commit { parent = commit; continue }
      let previousParent = try Self.git(w, ["rev-parse", "\(commit)^"])
      if previousParent == parent { parent = commit; continue }
      parent = try Self.rewrite(w, commit) { $0.replacingOccurrences(of: "parent \(previousParent)", with: "parent \(parent)") }
    }
    _ = try Self.git(w, ["update-ref", Self.ref, parent])
    try Self.expectFindings(w, ["index", "record"], "deleted record commit")
  }

  /// A record commit made by plain git from `template`'s message (edited), by its author, on `parent`, signed with
  /// the author's own key: a well-signed act that only the rules can refuse.
  static func signedCopy(
    _ w: TemplateWorkspace, of template: String, parent: String, edit: (String) -> String
  ) throws -> String {
    let message = edit(try git(w, ["log", "-1", "--format=%B", template]))
    let name = try git(w, ["log", "-1", "--format=%an", template])
    let email = try git(w, ["log", "-1", "--format=%ae", template])
    let actor = try #require(message.split(separator: "\n").first { $0.hasPrefix("Policyflow-Actor: ") })
      .dropFirst("Policyflow-Actor: ".count)
    let key = w.scratch.url.appendingPathComponent("keys/\(actor)")
    let empty = try git(w, ["hash-object", "-t", "tree", "/dev/null"])
    let run = try CLI.run(
      "git",
      ["-C", w.root.path, "-c", "gpg.format=ssh", "-c", "user.signingkey=\(key.path)", "commit-tree", "-S", empty, "-p",
       parent, "-m", message],
      environment: [
        "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
      ])
    #expect(run.status == 0, "\(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("a duplicated action (a sign-off appended twice, well signed) is refused and reported")
  func duplicatedAction() throws {
    let w = try Self.copy()
    let signoff = try Self.record(w, action: "signoff")
    let duplicate = try Self.signedCopy(w, of: signoff, parent: signoff) {
      $0.replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    }
    _ = try Self.git(w, ["update-ref", Self.ref, duplicate, signoff])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "record" && $0.message.contains("already signed off") }, "\(findings)")
  }

  @Test("a sign-off for a revision that does not exist (well signed) is refused and reported")
  func signoffForMissingRevision() throws {
    let w = try Self.copy()
    let signoff = try Self.record(w, action: "signoff")
    let forged = try Self.signedCopy(w, of: signoff, parent: try Self.git(w, ["rev-parse", "\(signoff)^"])) {
      $0.replacingOccurrences(of: "Policyflow-Revision: 1", with: "Policyflow-Revision: 9")
    }
    _ = try Self.git(w, ["update-ref", Self.ref, forged, signoff])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "record" && $0.message.contains("revision 9") }, "\(findings)")
  }

  @Test("a record commit with an unknown action is kept, takes no effect and is reported")
  func malformedRecord() throws {
    let w = try Self.copy()
    let tip = try Self.git(w, ["rev-parse", Self.ref])
    let forged = try Self.rewrite(w, tip) {
      $0.replacingOccurrences(of: "Policyflow-Action: signoff", with: "Policyflow-Action: crown")
    }
    _ = try Self.git(w, ["update-ref", Self.ref, forged, tip])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "record" && $0.message.contains("crown") }, "\(findings)")
  }

  @Test("a section's action moved onto another section's record ref is reported")
  func actionOnWrongRef() throws {
    let w = try Self.copy()
    let signoff = try Self.record(w, action: "signoff")
    let other = "refs/policyflow/sections/social"
    let tip = try Self.git(w, ["rev-parse", other])
    let moved = try Self.rewrite(w, signoff) { raw in
      raw.replacingOccurrences(of: #"parent [0-9a-f]{40}"#, with: "parent \(tip)", options: .regularExpression)
    }
    _ = try Self.git(w, ["update-ref", other, moved, tip])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "record" && $0.message.contains("is on \(other)") }, "\(findings)")
  }

  @Test("a plain-git commit on main adding sections/evil.md for no section is reported")
  func unknownFileOnMain() throws {
    let w = try Self.copy()
    try "Ondt\n".write(to: w.root.appendingPathComponent("sections/evil.md"), atomically: true, encoding: .utf8)
    _ = try Self.git(w, ["add", "sections/evil.md"])
    _ = try Self.git(w, ["-c", "user.name=X", "-c", "user.email=x@example.org", "commit", "-qm", "evil"])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "main" && $0.subject == "sections/evil.md" }, "\(findings)")
  }

  @Test("an approval commit on main that no action of the record names is reported")
  func approvalWithoutRecord() throws {
    let w = try Self.copy()
    // Copy the text under review onto main with approval trailers, as if it were approved.
    let text = try Self.git(w, ["show", "sections/kultur-og-fritid:sections/kultur-og-fritid.md"])
    try (text + "\n").write(to: w.root.appendingPathComponent("sections/kultur-og-fritid.md"), atomically: true, encoding: .utf8)
    _ = try Self.git(w, ["add", "sections/kultur-og-fritid.md"])
    let revision = try Self.git(w, ["rev-parse", "sections/kultur-og-fritid"])
    _ = try Self.git(w, [
      "-c", "user.name=Kirsten Kultur", "-c", "user.email=kirsten@example.org", "commit", "-qm",
      "Godkendt\n\nPolicyflow-Section: kultur-og-fritid\nPolicyflow-Revision: 1\nPolicyflow-Revision-Commit: \(revision)\n"
        + "Policyflow-Content-Hash: x",
    ])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "approval" && $0.message.contains("no action of the record") }, "\(findings)")
    #expect(findings.contains { $0.check == "main" }, "\(findings)")
  }

  @Test("a revision committed to a section branch with plain git, outside the record, is reported")
  func revisionOutsideRecord() throws {
    let w = try Self.copy()
    let branch = "refs/heads/sections/kultur-og-fritid"
    let tip = try Self.git(w, ["rev-parse", branch])
    let extra = try Self.git(w, ["-c", "user.name=X", "-c", "user.email=x@example.invalid", "commit-tree", "\(tip)^{tree}", "-p", tip, "-m", "smuglet"])
    _ = try Self.git(w, ["update-ref", branch, extra, tip])
    let findings = try w.verifyFindings()
    #expect(findings.contains { $0.check == "reference" && $0.subject == branch }, "\(findings)")
  }
}
