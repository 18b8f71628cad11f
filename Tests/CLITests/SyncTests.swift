import Foundation
import Testing

/// `policyflow sync` through a bare repository on a shared directory (a plain path and `file://`): copies that acted
/// apart end with the same history and state, nothing signed is rewritten, and what the joined history no longer
/// permits is refused at sync, with its reason, never lost. The rules are in docs/sync.md.
@Suite("sync: copies that acted apart end identical, nothing lost, nothing re-signed")
struct SyncTests {
  /// Both copies sync until neither receives nor sends anything.
  static func settle(_ copies: [PolicyCopy]) throws {
    for _ in 0..<4 {
      var quiet = true
      for copy in copies {
        let run = try copy.ok(["sync"])
        if !run.stdout.contains("received 0 action(s)") || !run.stdout.contains("nothing to push") { quiet = false }
      }
      if quiet { return }
    }
    Issue.record("the copies did not settle within four rounds of sync")
  }

  static func expectIdentical(_ copies: [PolicyCopy], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let first = try copies[0].sharedOutputs()
    let refs = try copies[0].refs()
    for copy in copies.dropFirst() {
      #expect(try copy.sharedOutputs() == first, "\(copy.root.lastPathComponent) differs", sourceLocation: sourceLocation)
      #expect(try copy.refs() == refs, "\(copy.root.lastPathComponent) has other refs", sourceLocation: sourceLocation)
    }
    for copy in copies {
      #expect(try copy.verifyFindings() == [], "verify in \(copy.root.lastPathComponent)", sourceLocation: sourceLocation)
    }
  }

  @Test("publish to an empty bare repository, clone by path and by file://: the same policy, byte for byte")
  func publishAndClone() throws {
    let shared = try SharedPolicy()
    let byPath = try shared.copy("by-path")
    let byURL = try shared.copy("by-url", url: "file://" + shared.remote.path)
    let original = PolicyCopy(root: shared.origin.root, scratch: shared.origin.scratch)
    try Self.expectIdentical([original, byPath, byURL])
    // A second sync with nothing new sends and receives nothing.
    let again = try original.ok(["sync"])
    #expect(again.stdout.contains("received 0 action(s)") && again.stdout.contains("nothing to push"), "\(again.stdout)")
  }

  @Test("two submissions of one section made apart become consecutive revisions; both copies end identical")
  func concurrentSubmissions() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    let section = "kultur-og-fritid"
    try a.ok(["submit", section, try a.scratch.file("a.md", Roster.areaText(section, extra: "Fra kopi A.")).path, "-m", "A"], as: "karen-kff")
    try b.ok(["submit", section, try b.scratch.file("b.md", Roster.areaText(section, extra: "Fra kopi B.")).path, "-m", "B"], as: "karen-kff")
    let recordA = try a.git(["rev-parse", "refs/policyflow/sections/\(section)"])
    let recordB = try b.git(["rev-parse", "refs/policyflow/sections/\(section)"])
    let signatureA = try a.git(["cat-file", "commit", recordA])
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    // Both texts are kept as consecutive revisions; the later one in the joined order names what it was made as.
    let log = try a.ok(["log", section]).stdout
    #expect(log.contains(" r1 ") && log.contains(" r2 "), "\(log)")
    #expect(log.contains("submitted as revision 1"), "\(log)")
    let record = try CLI.sqlite(a.root, "SELECT count(*) FROM revision WHERE sectionId = '\(section)'")
    #expect(record == "3")
    // Nothing signed was rewritten: both record commits are in the joined history, byte for byte.
    for commit in [recordA, recordB] {
      #expect(try CLI.git(["merge-base", "--is-ancestor", commit, "refs/policyflow/sections/\(section)"], in: a.root).status == 0)
    }
    #expect(try a.git(["cat-file", "commit", recordA]) == signatureA)
    // The join carries no action and no signature, by the fixed author of sync.
    let tip = try a.git(["cat-file", "commit", "refs/policyflow/sections/\(section)"])
    #expect(tip.contains("author policyflow <sync@policyflow.invalid>") && !tip.contains("gpgsig"), "\(tip)")
    #expect(try a.git(["rev-list", "--parents", "-1", "refs/policyflow/sections/\(section)"]).split(separator: " ").count == 3)
    // The section branch joins both revision commits and holds the latest text.
    let latest = try CLI.sqlite(a.root, "SELECT blobId FROM revision WHERE sectionId = '\(section)' ORDER BY number DESC LIMIT 1")
    #expect(try a.git(["rev-parse", "sections/\(section):sections/\(section).md"]) == latest)
  }

  @Test("sign-offs on a revision that another copy replaced meanwhile are refused at sync, shown to their actors; main holds only what stands")
  func staleSignoffsAreRefusedAtSync() throws {
    let shared = try SharedPolicy()
    let section = "forord"
    // Apart: on a, the committee approves the text (landing it on main); on b, the drafter submits a new text.
    let (a, b) = try shared.approvalsOvertakenApart(section)
    #expect(try CLI.sqlite(a.root, "SELECT state FROM section WHERE id = '\(section)'") == "approved")
    let joined = try a.ok(["sync"])
    #expect(joined.stdout.contains("refused at sync"), "\(joined.stdout)")
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    #expect(try CLI.sqlite(a.root, "SELECT state FROM section WHERE id = '\(section)'") == "committee_review")
    // The approved text is not on main: its approval did not take effect in the joined order.
    #expect(try CLI.git(["cat-file", "-e", "main:sections/\(section).md"], in: a.root).status != 0)
    let refused = try CLI.sqlite(a.root, "SELECT count(*) FROM record WHERE refusedAtSync = 1")
    #expect(Int(refused) ?? 0 >= 1)
    // Shown with its reason in status and log, to the person whose action it was.
    let chair = Roster.signers(section).last!
    let status = try a.ok(["status"], as: chair).stdout
    #expect(status.contains("Refused at sync") && status.contains("your sign-off on \(section)"), "\(status)")
    #expect(try b.ok(["log", section], as: chair).stdout.contains("no longer applies"))
    #expect(try a.ok(["verify"]).stdout.contains("refused at sync"))
  }

  @Test("the approval of a section the secretariat withdrew meanwhile on another copy is refused at sync; withdrawn everywhere, nothing on main")
  func approvalOfWithdrawnSectionRefused() throws {
    let shared = try SharedPolicy()
    let section = "forord"
    let (a, b) = try shared.twoCopiesReviewing(section)
    // Apart: on a the committee approves, on b the secretariat withdraws the section; b syncs first.
    for signer in Roster.signers(section) { try a.ok(["approve", section, "-m", "OK"], as: signer) }
    #expect(try CLI.sqlite(a.root, "SELECT state FROM section WHERE id = '\(section)'") == "approved")
    try b.ok(["withdraw", section, "-m", "Udgår"], as: "pernille-sekretariat")
    try b.ok(["sync"])
    let joined = try a.ok(["sync"])
    #expect(joined.stdout.contains("refused at sync"), "\(joined.stdout)")
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    for copy in [a, b] {
      #expect(try CLI.sqlite(copy.root, "SELECT state FROM section WHERE id = '\(section)'") == "withdrawn")
      #expect(try CLI.git(["cat-file", "-e", "main:sections/\(section).md"], in: copy.root).status != 0)
    }
    // The chair's sign-off, whose approval the withdrawal overtook, is shown to the chair with its reason.
    let chair = Roster.signers(section).last!
    let status = try b.ok(["status"], as: chair).stdout
    #expect(status.contains("Refused at sync") && status.contains(section), "\(status)")
    #expect(try b.ok(["inbox"], as: chair).stdout.contains(section))
    let refused = try CLI.sqlite(b.root, "SELECT count(*) FROM record WHERE refusedAtSync = 1 AND action = 'signoff'")
    #expect(Int(refused) ?? 0 >= 1, "\(refused)")
    // The reason is the rules' own, without the "nothing was recorded" a typed command ends with: this one is in git.
    let reasons = try CLI.sqlite(b.root, "SELECT refusal FROM record WHERE refusedAtSync = 1")
    #expect(!reasons.isEmpty && !reasons.contains("nothing was recorded"), "\(reasons)")
  }

  @Test("two copies approve the same revision apart: one approval stands, the other is refused at sync; main holds the text once")
  func racingApprovalsOfOneSection() throws {
    let shared = try SharedPolicy()
    let section = "forord"
    let (a, b) = try shared.twoCopiesReviewing(section)
    for copy in [a, b] {
      // Each copy's own words: made in the same second, the same sign-off would be the same commit byte for byte
      // (Ed25519 signatures are deterministic), and there would be no race to decide.
      for signer in Roster.signers(section) {
        try copy.ok(["approve", section, "-m", "OK fra \(copy.root.lastPathComponent)"], as: signer)
      }
      #expect(try CLI.sqlite(copy.root, "SELECT state FROM section WHERE id = '\(section)'") == "approved")
    }
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    #expect(try CLI.sqlite(a.root, "SELECT state FROM section WHERE id = '\(section)'") == "approved")
    #expect(try CLI.sqlite(a.root, "SELECT count(*) FROM event WHERE sectionId = '\(section)' AND toState = 'approved' AND fromState != 'approved'") == "1")
    let refused = try CLI.sqlite(a.root, "SELECT count(*) FROM record WHERE refusedAtSync = 1 AND sectionId = '\(section)'")
    let rows = try CLI.sqlite(a.root, "SELECT action, actor, refusedAtSync, refusal FROM record WHERE sectionId = '\(section)' ORDER BY sequence, commitId")
    #expect(Int(refused) ?? 0 >= 1, "one copy's sign-offs took no effect: \(refused) \(rows)")
    #expect(try a.git(["show", "main:sections/\(section).md"]) == (try shared.origin.templateText(section))
      .trimmingCharacters(in: .whitespacesAndNewlines))
  }

  @Test("approvals of two sections made apart both land on main, joined by one commit of sync")
  func approvalsOfTwoSectionsMadeApart() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    for (copy, section) in [(a, "forord"), (b, "indledning")] {
      try copy.ok(["submit", section, try copy.scratch.file("\(section).md", try shared.origin.templateText(section)).path], as: "anne-bif")
      for signer in Roster.signers(section) { try copy.ok(["approve", section], as: signer) }
    }
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    for section in ["forord", "indledning"] {
      #expect(try CLI.sqlite(a.root, "SELECT state FROM section WHERE id = '\(section)'") == "approved")
      #expect(try CLI.git(["cat-file", "-e", "main:sections/\(section).md"], in: a.root).status == 0)
    }
    let parents = try a.git(["rev-list", "--parents", "-1", "main"]).split(separator: " ")
    #expect(parents.count == 3, "main is a join of the two approvals")
    #expect(try a.git(["status", "--porcelain"]).isEmpty, "the work tree shows main")
  }

  @Test("sync --status tells this copy's unsent actions; status --json never carries them")
  func localFactsStayLocal() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    #expect(try a.ok(["sync", "--status"]).stdout.contains("0 action(s) of this copy not yet on origin"))
    try a.ok(["comment", "forord", "-m", "Et spørgsmål"], as: "soren-biu")
    let local = try a.ok(["sync", "--status"]).stdout
    #expect(local.contains("1 action(s) of this copy not yet on origin"), "\(local)")
    #expect(try a.ok(["status"]).stdout.contains("origin: 1 action(s) of this copy not yet sent"))
    let json = try a.ok(["status", "--json"]).stdout
    #expect(!json.contains("origin") && !json.contains("sync"))
    #expect(local.contains("last sync: never"), "\(local)")
    // A copy made by an earlier version keeps its times as JSON: read, and replaced by the next sync.
    let state = b.root.appendingPathComponent(".policyflow")
    try Data(#"{"fetch":"2026-01-02T03:04:05Z","sync":"2026-01-02T03:04:05Z"}"#.utf8)
      .write(to: state.appendingPathComponent("sync-origin.json"))
    let earlier = try b.ok(["sync", "--status"]).stdout
    #expect(earlier.contains("last sync: 2026-01-0") && earlier.contains("last fetch: 2026-01-0"), "\(earlier)")
    try Self.settle([a, b])
    let settled = try a.ok(["sync", "--status"]).stdout
    #expect(settled.contains("0 action(s) of this copy not yet on origin"))
    #expect(!settled.contains("last sync: never") && settled.contains("last fetch: "), "\(settled)")
    #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("sync-origin.json").path))
    let times = try String(contentsOf: state.appendingPathComponent("sync-origin.times"), encoding: .utf8)
    #expect(times.hasPrefix("fetch ") && times.contains("\nsync "), "\(times)")
    #expect(try a.ok(["status", "--json"]).stdout == (try b.ok(["status", "--json"]).stdout))
  }

  @Test("definition changes to different files made apart are joined on main and stay in force (chain of trust)")
  func definitionChangesMadeApart() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    try a.addWorkshopRequirement("WS-MED-90", text: "Fra kopi A")
    let keyFile = a.scratch.url.appendingPathComponent("ny-noegle")
    let made = try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ny", "-f", keyFile.path])
    #expect(made.status == 0, "\(made.stderr)")
    try b.ok(["key", "add", "karen-kff", keyFile.path + ".pub", "-m", "Ny bærbar"], as: "pernille-sekretariat")
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    let parents = try a.git(["rev-list", "--parents", "-1", "main"]).split(separator: " ")
    #expect(parents.count == 3, "main is a join of both definition changes")
    // Both changes are in force on both copies: the new requirement is listed, the new key is in members.yaml.
    for copy in [a, b] {
      #expect(try copy.ok(["req", "list", "--json"]).stdout.contains("WS-MED-90"))
      let members = try copy.git(["show", "main:members.yaml"])
      let publicKey = try String(contentsOf: URL(fileURLWithPath: keyFile.path + ".pub"), encoding: .utf8)
      #expect(members.contains(String(publicKey.split(separator: " ")[1])))
      let status = try copy.pf(["status"])
      #expect(!status.stderr.contains("not in force") && !status.stderr.contains("unauthorised"), "\(status.stderr)")
    }
  }

  @Test("requirements added apart to one file are merged requirement by requirement: both in force on every copy, the join trusted")
  func requirementsAddedApartAreMerged() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    for (copy, id, text) in [(a, "WS-MED-92", "Fra A"), (b, "WS-MED-91", "Fra B")] {
      try copy.addWorkshopRequirement(id, text: text)
    }
    // b edits an existing requirement of the same file too; a leaves it alone.
    let existing = try #require(
      try CLI.sqlite(b.root, "SELECT id FROM requirement WHERE file = 'requirements/workshop-2022.yaml' ORDER BY id LIMIT 1")
        .split(separator: "\n").first.map(String.init))
    try b.ok(["req", "edit", existing, "--text", "Ændret på b"], as: "pernille-sekretariat")
    try b.ok(["sync"])
    let joined = try a.ok(["sync"])
    #expect(joined.stdout.contains("synced with origin"), "\(joined.stdout)")
    try Self.settle([a, b])
    try Self.expectIdentical([a, b])
    for copy in [a, b] {
      let texts = try CLI.sqlite(copy.root, "SELECT id || '=' || text FROM requirement WHERE id IN ('WS-MED-91', 'WS-MED-92', '\(existing)') ORDER BY id")
      #expect(texts.contains("WS-MED-91=Fra B") && texts.contains("WS-MED-92=Fra A") && texts.contains("\(existing)=Ændret på b"), "\(copy.root.lastPathComponent): \(texts)")
    }
    // The base's requirements in their order, then the new ones by id: the same file on both copies.
    let file = try a.git(["show", "main:requirements/workshop-2022.yaml"])
    let order = ["\(existing)", "WS-MED-91", "WS-MED-92"].compactMap { file.range(of: "id: \($0)")?.lowerBound }
    #expect(order.count == 3 && order == order.sorted(), "\(file)")
    #expect(try a.git(["rev-list", "--parents", "-1", "main"]).split(separator: " ").count == 3, "main is a join")
    #expect(try CLI.sqlite(a.root, "SELECT count(*) FROM record WHERE refusal IS NOT NULL") == "0")
  }

  @Test("one requirement id added apart in two different files: the merged definition would hold it twice: 77, main untouched")
  func sameRequirementInTwoFiles() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    for (copy, file, extra) in [
      (a, "requirements/workshop-2022.yaml", ["--theme", "Medborgerskab", "--targets", "social"]),
      (b, "requirements/principper.yaml", []),
    ] {
      try copy.ok(
        ["req", "add", "WS-MED-93", "--file", file, "--text", "Fra \(copy.root.lastPathComponent)"] + extra,
        as: "pernille-sekretariat")
    }
    try b.ok(["sync"])
    let mainBefore = try a.git(["rev-parse", "main"])
    let refused = try a.pf(["sync"])
    #expect(refused.status == 77, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("not valid together") && refused.stderr.contains("WS-MED-93"), "\(refused.stderr)")
    #expect(try a.git(["rev-parse", "main"]) == mainBefore)
    #expect(try a.ok(["status"]).status == 0, "the copy still works")
    #expect(try a.verifyFindings().isEmpty)
  }

  @Test("no remote: 66 with what to do; both copies changed the definition apart: 77, main untouched, nothing lost")
  func refusals() throws {
    let lonely = try TemplateWorkspace()
    let none = try lonely.pf(["sync"])
    #expect(none.status == 66 && none.stderr.contains("git remote add origin"), "\(none.stderr)")

    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    // The same requirement id added on both copies: a conflict no merge can decide.
    for (copy, id, text) in [(a, "WS-MED-90", "Fra A"), (b, "WS-MED-90", "Fra B")] {
      try copy.addWorkshopRequirement(id, text: text)
    }
    try b.ok(["sync"])
    let mainBefore = try a.git(["rev-parse", "main"])
    let conflict = try a.pf(["sync"])
    #expect(conflict.status == 77, "\(conflict.stdout)\(conflict.stderr)")
    #expect(conflict.stderr.contains("requirements/workshop-2022.yaml") && conflict.stderr.contains("merges main by hand"))
    #expect(conflict.stderr.contains("keep the text of the action that took effect last"), "\(conflict.stderr)")
    #expect(try a.git(["rev-parse", "main"]) == mainBefore)
    // Both actions are in a's record, the remote's by the join.
    let actions = try CLI.sqlite(a.root, "SELECT count(*) FROM record WHERE action = 'req-add'")
    #expect(actions == "2")

    // A remote holding another policy (its own init): refused before any local ref moves.
    let other = try SharedPolicy()
    let added = try CLI.git(["remote", "add", "other", other.remote.path], in: b.root)
    #expect(added.status == 0, "git remote add: \(added.stderr)")
    let refsBefore = try b.refs()
    let mixed = try b.pf(["sync", "other"])
    #expect(mixed.status == 77 && mixed.stderr.contains("holds another policy"), "\(mixed.stderr)")
    #expect(try b.refs() == refsBefore)
    // What the fetch brought is put back: no remote-tracking ref of `other`, so `sync --status` has nothing to count.
    #expect(try b.git(["for-each-ref", "refs/remotes/other"]).isEmpty)
    let afterwards = try b.ok(["sync", "--status", "other"]).stdout
    #expect(!afterwards.contains("fetched but not taken in"), "\(afterwards)")
  }

  @Test("a remote whose main shares no history with the policy (another project, a server's README commit) is refused; nothing moves on either side")
  func unrelatedProjectRefused() throws {
    let shared = try SharedPolicy()
    let copy = try shared.copy("a")
    try copy.ok(["comment", "forord", "-m", "Til en forkert adresse"], as: "soren-biu")
    // Another project's repository: one commit on main, made with plain git, no policyflow record.
    let project = shared.origin.scratch.url.appendingPathComponent("project")
    let bare = shared.origin.scratch.url.appendingPathComponent("project.git")
    for arguments in [["init", "-q", "--initial-branch=main", project.path], ["init", "-q", "--bare", "--initial-branch=main", bare.path]] {
      let made = try CLI.git(arguments, in: shared.origin.scratch.url)
      #expect(made.status == 0, "\(made.stderr)")
    }
    try Data("# Et andet projekt\n".utf8).write(to: project.appendingPathComponent("README.md"))
    for arguments in [
      ["add", "README.md"], ["-c", "user.name=Anden", "-c", "user.email=anden@example.invalid", "commit", "-q", "-m", "Første"],
      ["push", "-q", bare.path, "main"],
    ] {
      let run = try CLI.git(arguments, in: project)
      #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    }
    let projectBefore = try CLI.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: bare).stdout
    let added = try CLI.git(["remote", "add", "other", bare.path], in: copy.root)
    #expect(added.status == 0, "git remote add: \(added.stderr)")
    let refsBefore = try copy.refs()

    let refused = try copy.pf(["sync", "other"])
    #expect(refused.status == 77, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("main branch shares no history"), "\(refused.stderr)")
    #expect(try copy.refs() == refsBefore)
    #expect(try copy.git(["for-each-ref", "refs/remotes/other"]).isEmpty)
    #expect(try CLI.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: bare).stdout == projectBefore)
    #expect(try copy.verifyFindings().isEmpty)
    // The copy's own remote is untouched by it: the comment still goes where it belongs.
    try copy.ok(["sync"])
    #expect(try copy.git(["rev-parse", "refs/policyflow/sections/forord"])
      == (try CLI.git(["rev-parse", "refs/policyflow/sections/forord"], in: shared.remote).stdout
        .trimmingCharacters(in: .whitespacesAndNewlines)))
  }

  @Test("a remote by a relative path: clone stores it absolute, and a relative URL in git's config is read from the workspace's top, as git does")
  func relativeRemotePaths() throws {
    let shared = try SharedPolicy()
    let scratch = shared.origin.scratch.url
    let relative = String(shared.remote.path.dropFirst(scratch.path.count + 1))
    let cloned = try CLI.policyflow(["clone", relative, "b"], in: scratch)
    #expect(cloned.status == 0, "clone \(relative): \(cloned.stderr)")
    let copy = PolicyCopy(root: scratch.appendingPathComponent("b"), scratch: shared.origin.scratch)
    #expect(try copy.git(["remote", "get-url", "origin"]) == shared.remote.standardizedFileURL.path)
    // From inside the copy, as a member types it.
    try copy.ok(["comment", "forord", "-m", "Indefra"], as: "soren-biu")
    let inside = try CLI.policyflow(["sync"], in: copy.root)
    #expect(inside.status == 0, "\(inside.stderr)")

    // A relative URL someone set with git: relative to the top of the working tree, from wherever policyflow runs.
    let set = try CLI.git(["remote", "set-url", "origin", "../" + relative], in: copy.root)
    #expect(set.status == 0, "\(set.stderr)")
    try copy.ok(["comment", "forord", "-m", "Udefra"], as: "soren-biu")
    try copy.ok(["sync"])
    #expect(try copy.ok(["sync", "--status"]).stdout.contains("0 action"), "nothing left unsent")
    // A copy cloned by an earlier version holds the path as it was typed, relative to the folder it was typed in;
    // run from there it still works, as it did.
    let typed = try CLI.git(["remote", "set-url", "origin", relative], in: copy.root)
    #expect(typed.status == 0, "\(typed.stderr)")
    try copy.ok(["comment", "forord", "-m", "Som før"], as: "soren-biu")
    try copy.ok(["sync"])
    #expect(try copy.git(["rev-parse", "refs/policyflow/sections/forord"])
      == (try CLI.git(["rev-parse", "refs/policyflow/sections/forord"], in: shared.remote).stdout
        .trimmingCharacters(in: .whitespacesAndNewlines)))
  }
}
