import Foundation
import Testing

/// Processes killed in the middle of writes (POLICYFLOW_FAULT stops the process dead at a named step; an outside
/// SIGKILL at a random moment). The record ref (refs/policyflow/…) is the commit point: an action whose record
/// commit is on it happened, even if the command was killed before it said so, and the next command must show it
/// completely (the next write moves the branches it had not moved yet); an action killed before that is absent.
/// Every operation that reported success must survive, and `verify` must be clean. `scripts/crash-test` is the
/// long version of the last test.

@Suite("crashes: killed writes never lose a reported success and leave nothing half-done")
struct CrashTests {
  static let faultPoints = ["after-objects", "after-record", "after-reference", "after-index"]

  /// Whether a command killed at `point` had moved its record ref: then its action happened.
  static func happened(_ point: String) -> Bool { point != "after-objects" }

  static func head(_ w: TemplateWorkspace, _ ref: String) throws -> String {
    try CLI.git(["rev-parse", ref], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The value of trailer `key` (e.g. `Policyflow-Action`) of the commit `ref` names.
  static func trailer(_ w: TemplateWorkspace, _ ref: String, _ key: String) throws -> String {
    try CLI.git(["log", "-1", "--format=%(trailers:key=\(key),valueonly)", ref], in: w.root).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Record commits on the refs under refs/policyflow/ that the index has not applied (absent from its `record`
  /// table, or refused there); empty once the index has caught up with git.
  static func unindexedRecords(_ w: TemplateWorkspace) throws -> [String] {
    let refs = try CLI.git(["for-each-ref", "--format=%(refname)", "refs/policyflow"], in: w.root).stdout
      .split(separator: "\n").map(String.init)
    #expect(!refs.isEmpty)
    let inGit = Set(try CLI.git(["rev-list"] + refs, in: w.root).stdout.split(separator: "\n").map(String.init))
    let indexed = Set(
      try CLI.sqlite(w.root, "SELECT commitId FROM record WHERE refusal IS NULL").split(separator: "\n").map(String.init))
    return inGit.subtracting(indexed).sorted()
  }

  @Test("a submit killed at each step is fully absent or, once its record ref moved, fully present after the next command", arguments: faultPoints)
  func submitKilled(at point: String) throws {
    let w = try TemplateWorkspace()
    let section = "kultur-og-fritid"
    let branch = "refs/heads/sections/\(section)"
    let recordRef = "refs/policyflow/sections/\(section)"
    let revision0 = try Self.head(w, branch)
    let recordBefore = try Self.head(w, recordRef)
    let text = try w.templateText(section) + "\nEt nyt afsnit om bibliotekerne.\n"
    let file = try w.scratch.file("r1.md", text)
    let killed = try w.pfEnding(["submit", section, file.path, "-m", "Udkast"], as: "karen-kff", fault: point)
    #expect(killed.killed, "not killed at \(point): \(killed.status) \(killed.stderr)")
    #expect(!killed.stdout.contains("revision 1 is commit"), "a killed process reported success")

    // Straight after the kill, in git alone: the record ref says whether the submit happened.
    var revisionCommit = ""
    if Self.happened(point) {
      #expect(try Self.head(w, "\(recordRef)^") == recordBefore, "the record ref did not move by one commit")
      #expect(try Self.trailer(w, recordRef, "Policyflow-Action") == "submit")
      #expect(try Self.trailer(w, recordRef, "Policyflow-Actor") == "karen-kff")
      #expect(try Self.trailer(w, recordRef, "Policyflow-Revision") == "1")
      revisionCommit = try Self.trailer(w, recordRef, "Policyflow-Revision-Commit")
      #expect(try CLI.git(["show", "\(revisionCommit):sections/\(section).md"], in: w.root).stdout == text)
      #expect(try Self.head(w, "\(revisionCommit)^") == revision0)
      // The branch moves after the record ref: at after-record it still lags.
      #expect(try Self.head(w, branch) == (point == "after-record" ? revision0 : revisionCommit))
    } else {
      #expect(try Self.head(w, recordRef) == recordBefore)
      #expect(try Self.head(w, branch) == revision0)
    }

    // Before any write, verify (which catches the index up, like every command) may only see the branch move
    // that the next write completes.
    let early = try w.verifyFindings()
    #expect(
      early.map { "\($0.check) \($0.subject)" } == (point == "after-record" ? ["interrupted \(branch)"] : []),
      "\(early)")
    if point == "after-record" { #expect(early.first?.message.contains(revisionCommit) == true, "\(early)") }

    // A read catches the index up with the record.
    #expect(try w.pf(["status", section]).status == 0)
    #expect(try Self.unindexedRecords(w).isEmpty)
    let revisions = try CLI.sqlite(w.root, "SELECT count(*) FROM revision WHERE sectionId='\(section)'")
    let state = try CLI.sqlite(w.root, "SELECT state||'/'||latestRevision FROM section WHERE id='\(section)'")
    let submitEvents = try CLI.sqlite(w.root, "SELECT count(*) FROM event WHERE action='submit' AND sectionId='\(section)'")
    if Self.happened(point) {
      #expect(revisions == "2")
      #expect(state == "committee_review/1")
      #expect(try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='\(section)' AND number=1") == revisionCommit)
      // A submit event names the revision commit.
      #expect(try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='submit' AND sectionId='\(section)'") == revisionCommit)
    } else {
      // Nothing of it is visible.
      #expect(revisions == "1")
      #expect(state == "draft/0")
      #expect(submitEvents == "0")
    }

    // The next write, by someone else on another section, completes the interrupted one.
    let next = try w.pf(["comment", "forord", "-m", "Næste kommando"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(
      next.stderr.contains("completed an interrupted command") == (point == "after-record"), "\(point): \(next.stderr)")
    #expect(try Self.head(w, branch) == (Self.happened(point) ? revisionCommit : revision0))
    #expect(try Self.unindexedRecords(w).isEmpty)
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
    #expect(try w.branchHistoryProblems().isEmpty)

    // The section carries on with the next number.
    let again = try w.pf(["submit", section, w.scratch.file("r2.md", text + "Mere.\n").path], as: "karen-kff")
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains("revision \(Self.happened(point) ? 2 : 1) is commit"))
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("an approval killed at each step lands on main completely (work tree included) or not at all", arguments: faultPoints)
  func approvalKilled(at point: String) throws {
    let w = try TemplateWorkspace()
    let recordRef = "refs/policyflow/sections/forord"
    let text = try w.templateText("forord") + "\nEt afsnit mere.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", text).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "hanne-biu").status == 0)
    let mainBefore = try Self.head(w, "main")
    let recordBefore = try Self.head(w, recordRef)
    let killed = try w.pfEnding(["approve", "forord", "-m", "Godkendt"], as: "ase-biu", fault: point)
    #expect(killed.killed, "not killed at \(point): \(killed.status) \(killed.stderr)")

    // In git alone: the chair's sign-off is on the record ref, naming the approval commit it puts on main.
    var approval = ""
    if Self.happened(point) {
      #expect(try Self.head(w, "\(recordRef)^") == recordBefore)
      #expect(try Self.trailer(w, recordRef, "Policyflow-Action") == "signoff")
      #expect(try Self.trailer(w, recordRef, "Policyflow-Actor") == "ase-biu")
      approval = try Self.trailer(w, recordRef, "Policyflow-Approval-Commit")
      #expect(try Self.head(w, "\(approval)^") == mainBefore)
      #expect(try CLI.git(["show", "\(approval):sections/forord.md"], in: w.root).stdout == text)
      #expect(try Self.head(w, "main") == (point == "after-record" ? mainBefore : approval))
    } else {
      #expect(try Self.head(w, recordRef) == recordBefore)
      #expect(try Self.head(w, "main") == mainBefore)
    }
    // Before any write, verify may only see the move of main that the next write completes (after-record).
    let early = try w.verifyFindings()
    #expect(
      early.map { "\($0.check) \($0.subject)" } == (point == "after-record" ? ["interrupted refs/heads/main"] : []),
      "\(early)")
    if point == "after-record" { #expect(early.first?.message.contains(approval) == true, "\(early)") }

    let next = try w.pf(["comment", "indledning", "-m", "Næste kommando"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(try Self.unindexedRecords(w).isEmpty)
    // main (and so the work tree) holds only approved text: no sections/forord.md before the approval.
    let workTree = try? String(contentsOf: w.root.appendingPathComponent("sections/forord.md"), encoding: .utf8)
    if Self.happened(point) {
      #expect(try CLI.sqlite(w.root, "SELECT state||'/'||approvedRevision FROM section WHERE id='forord'") == "approved/1")
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE sectionId='forord'") == "3")
      #expect(try Self.head(w, "main") == approval)
      // The approved event names the approval commit on main; the sign-off event its record commit.
      #expect(try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='approved'") == approval)
      #expect(
        try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='signoff' AND actor='ase-biu'")
          == Self.head(w, "\(recordRef)~0"))
      #expect(try CLI.git(["show", "main:sections/forord.md"], in: w.root).stdout == text)
      #expect(try Self.trailer(w, "main", "Policyflow-Section") == "forord")
      // The work tree shows the approved text, as after an uninterrupted approval.
      #expect(workTree == text)
    } else {
      #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='forord'") == "committee_review")
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE sectionId='forord'") == "2")
      #expect(try Self.head(w, "main") == mainBefore)
      #expect(workTree == nil)
    }
    #expect(try CLI.git(["status", "--porcelain"], in: w.root).stdout == "")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }

  @Test("a kill inside git's own write of a branch leaves git's lock file; the next write still completes the move")
  func staleReferenceLock() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("kultur-og-fritid") + "\nEt nyt afsnit.\n"
    // Killed after the record ref moved, before the branch did — and (as a kill a moment later inside libgit2
    // would leave it) with git's lock file for the branch still there.
    let killed = try w.pfEnding(
      ["submit", "kultur-og-fritid", w.scratch.file("r1.md", text).path], as: "karen-kff", fault: "after-record")
    #expect(killed.killed)
    let revisionCommit = try Self.trailer(w, "refs/policyflow/sections/kultur-og-fritid", "Policyflow-Revision-Commit")
    let lock = w.root.appendingPathComponent(".git/refs/heads/sections/kultur-og-fritid.lock")
    try Data("0000000000000000000000000000000000000000\n".utf8).write(to: lock)
    let next = try w.pf(["comment", "forord", "-m", "Næste kommando"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stderr.contains("removed .git/refs/heads/sections/kultur-og-fritid.lock"), "\(next.stderr)")
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    #expect(try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1") == revisionCommit)
    #expect(try Self.head(w, "sections/kultur-og-fritid") == revisionCommit)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("an approval killed before main moved, with git's index.lock left behind: the next write moves main and checks out")
  func staleIndexLockBeforeMainMoved() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt afsnit mere.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", text).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "hanne-biu").status == 0)
    let killed = try w.pfEnding(["approve", "forord"], as: "ase-biu", fault: "after-record")
    #expect(killed.killed)
    let approval = try Self.trailer(w, "refs/policyflow/sections/forord", "Policyflow-Approval-Commit")
    let lock = w.root.appendingPathComponent(".git/index.lock")
    try Data().write(to: lock)
    #expect(try w.pf(["comment", "indledning", "-m", "Næste kommando"], as: "soren-biu").status == 0)
    #expect(try Self.head(w, "main") == approval)
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    #expect(try String(contentsOf: w.root.appendingPathComponent("sections/forord.md"), encoding: .utf8) == text)
    #expect(try CLI.git(["status", "--porcelain"], in: w.root).stdout == "")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a kill inside the checkout after main moved leaves git's index.lock and an old index; the next write checks out")
  func staleIndexLockAfterMainMoved() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt afsnit mere.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", text).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "hanne-biu").status == 0)
    let mainBefore = try Self.head(w, "main")
    // Killed after every ref moved; then put the work tree and git's index back as a kill inside the checkout
    // (which runs between main's move and after-reference) leaves them: main's new file not yet written, the index
    // still main's old tree, and git's index.lock in place.
    let killed = try w.pfEnding(["approve", "forord"], as: "ase-biu", fault: "after-reference")
    #expect(killed.killed)
    #expect(try CLI.git(["read-tree", mainBefore], in: w.root).status == 0)
    try FileManager.default.removeItem(at: w.root.appendingPathComponent("sections"))
    let lock = w.root.appendingPathComponent(".git/index.lock")
    try Data().write(to: lock)
    let next = try w.pf(["comment", "indledning", "-m", "Næste kommando"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(!FileManager.default.fileExists(atPath: lock.path), "the stale index.lock is still there")
    #expect(
      (try? String(contentsOf: w.root.appendingPathComponent("sections/forord.md"), encoding: .utf8)) == text,
      "the work tree lacks the approved text")
    try? FileManager.default.removeItem(at: lock)
    #expect(try CLI.git(["status", "--porcelain"], in: w.root).stdout == "")
    #expect(try w.verifyFindings().isEmpty)
  }

  /// What a successful command reported, to look up afterwards.
  enum Success {
    case revision(section: String, number: Int, commit: String, text: String)
    case comment(id: String, body: String)
    case signoff(section: String, revision: Int, person: String, message: String)
    case link(requirement: String, section: String, note: String)
    case approval(section: String, commit: String)
  }

  @Test("30 crashes at random steps and moments among submits, sign-offs, comments and links: nothing lost, verify clean")
  func randomCrashes() throws {
    let w = try TemplateWorkspace()
    var generator = SystemRandomNumberGenerator()
    let sections: [(id: String, drafter: String, reviewers: [String])] = [
      ("forord", "anne-bif", ["soren-biu", "hanne-biu", "ase-biu"]),
      ("tilblivelsen", "anne-bif", ["soren-biu", "hanne-biu", "ase-biu"]),
      ("kultur-og-fritid", "karen-kff", ["rasmus-kfu", "maja-kfu", "kirsten-kfu"]),
    ]
    var bases: [String: String] = [:]
    for section in sections { bases[section.id] = try w.templateText(section.id) }
    let requirements = ["WS-MED-02", "WS-MED-03", "WS-UDD-06", "PM-1", "PR-A"]
    let revisionPattern = try Regex("revision ([0-9]+) is commit ([0-9a-f]{40})")
    let commentPattern = try Regex("^comment ([0-9a-f]{10}) on ")
    let revisionNumberPattern = try Regex("\\(revision ([0-9]+)\\)")
    let approvalPattern = try Regex("approved text is on main as commit ([0-9a-f]{40})")

    var successes: [Success] = []
    /// Record commits of killed commands: those of a fault point after the record ref moved must take effect,
    /// those of a random kill may (the ref moved) or may not (it did not) have been made.
    var happenedDespiteKill: [(commit: String, what: String)] = []
    var crashes = 0
    var tried = 0
    var unexpected: [String] = []
    while crashes < 30 && tried < 150 {
      tried += 1
      let section = sections.randomElement(using: &generator)!
      let tag = "op-\(tried)"
      let roll = Int.random(in: 0..<100, using: &generator)
      var arguments: [String]
      var person: String
      var text = ""
      if roll < 25 {
        person = section.drafter
        text = bases[section.id]! + "\nÆndring \(tag).\n"
        arguments = ["submit", section.id, try w.scratch.file("\(tag).md", text).path, "-m", tag]
      } else if roll < 60 {
        person = section.reviewers.randomElement(using: &generator)!
        arguments = ["approve", section.id, "-m", tag]
      } else if roll < 85 {
        person = (section.reviewers + [section.drafter]).randomElement(using: &generator)!
        arguments = ["comment", section.id, "-m", "Kommentar \(tag)"]
      } else {
        person = section.drafter
        arguments = ["req", "link", requirements.randomElement(using: &generator)!, section.id, "-m", "Besvaret \(tag)"]
      }
      let modeRoll = Int.random(in: 0..<100, using: &generator)
      let fault: String? =
        modeRoll < 20 ? nil : modeRoll < 70 ? Self.faultPoints.randomElement(using: &generator)! : modeRoll < 85 ? "random:30" : nil
      let killAfter: Double? = modeRoll >= 85 ? Double.random(in: 0...0.15, using: &generator) : nil
      let recordRef = "refs/policyflow/sections/\(section.id)"
      let recordBefore = try Self.head(w, recordRef)
      let ending = try w.pfEnding(arguments, as: person, fault: fault, killAfter: killAfter)
      if ending.killed {
        crashes += 1
        let recordAfter = try Self.head(w, recordRef)
        let what = "\(arguments.joined(separator: " ")) as \(person), killed at \(fault ?? "a random moment")"
        if fault == "after-objects" {
          if recordAfter != recordBefore { unexpected.append("\(what): the record ref moved") }
        } else if let fault, Self.faultPoints.contains(fault), recordAfter == recordBefore {
          unexpected.append("\(what): the record ref did not move")
        }
        if recordAfter != recordBefore {
          // The action happened: one record commit by this person, of this kind.
          let kind = ["submit": "submit", "approve": "signoff", "comment": "comment", "req": "req-link"][arguments[0]]!
          if try Self.head(w, "\(recordRef)^") != recordBefore
            || Self.trailer(w, recordRef, "Policyflow-Action") != kind
            || Self.trailer(w, recordRef, "Policyflow-Actor") != person
          {
            unexpected.append("\(what): the record ref holds something else")
          }
          happenedDespiteKill.append((recordAfter, what))
        }
        continue
      }
      if ending.status == 77 { continue }
      guard ending.status == 0 else {
        unexpected.append("\(arguments.joined(separator: " ")) as \(person): exit \(ending.status): \(ending.stderr)")
        continue
      }
      let output = ending.stdout
      let reported = output.firstMatch(of: revisionNumberPattern).flatMap { Int(String($0.output[1].substring ?? "")) }
      switch arguments[0] {
      case "submit":
        if let match = output.firstMatch(of: revisionPattern) {
          successes.append(.revision(
            section: section.id, number: Int(String(match.output[1].substring!))!,
            commit: String(match.output[2].substring!), text: text))
        }
      case "approve":
        successes.append(.signoff(section: section.id, revision: reported ?? -1, person: person, message: tag))
      case "comment":
        let id = output.firstMatch(of: commentPattern).map { String($0.output[1].substring ?? "") } ?? "none printed"
        successes.append(.comment(id: id, body: "Kommentar \(tag)"))
      default:
        successes.append(.link(requirement: arguments[2], section: section.id, note: "Besvaret \(tag)"))
      }
      if let match = output.firstMatch(of: approvalPattern) {
        successes.append(.approval(section: section.id, commit: String(match.output[1].substring!)))
      }
    }
    #expect(crashes == 30, "only \(crashes) crashes in \(tried) operations")
    #expect(unexpected.isEmpty, "\(unexpected)")

    // Any write completes an interrupted one.
    #expect(try w.pf(["comment", "forord", "-m", "Efter crash-testen"], as: "soren-biu").status == 0)
    var lost: [String] = []
    for success in successes {
      switch success {
      case .revision(let section, let number, let commit, let text):
        let recorded = try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='\(section)' AND number=\(number)")
        let onBranch = try CLI.git(["merge-base", "--is-ancestor", commit, "sections/\(section)"], in: w.root).status == 0
        let bytes = try CLI.git(["show", "\(commit):sections/\(section).md"], in: w.root).stdout
        if recorded != commit || !onBranch || bytes != text { lost.append("\(section) revision \(number)") }
      case .comment(let id, let body):
        if try CLI.sqlite(w.root, "SELECT body FROM comment WHERE substr(recordId, 1, 10)='\(id)'") != body {
          lost.append("comment \(id)")
        }
      case .signoff(let section, let revision, let person, let message):
        let count = try CLI.sqlite(
          w.root,
          "SELECT count(*) FROM signoff WHERE sectionId='\(section)' AND revisionNumber=\(revision) AND personId='\(person)' "
            + "AND decision='approve' AND message='\(message)'")
        if count != "1" { lost.append("sign-off \(message) by \(person) on \(section) revision \(revision)") }
      case .link(let requirement, let section, let note):
        let count = try CLI.sqlite(
          w.root, "SELECT count(*) FROM event WHERE action='req-link' AND sectionId='\(section)' AND detail='\(requirement): \(note)'")
        if count != "1" { lost.append("link \(requirement) in \(section)") }
      case .approval(let section, let commit):
        if try CLI.git(["merge-base", "--is-ancestor", commit, "main"], in: w.root).status != 0 {
          lost.append("approval of \(section) (\(commit))")
        }
      }
    }
    for (commit, what) in happenedDespiteKill {
      if try CLI.sqlite(w.root, "SELECT count(*) FROM record WHERE commitId='\(commit)' AND refusal IS NULL") != "1" {
        lost.append("\(what): record commit \(commit) not in effect")
      }
    }
    #expect(!successes.isEmpty)
    #expect(lost.isEmpty, "operations lost: \(lost)")
    #expect(try Self.unindexedRecords(w).isEmpty)
    let findings = try w.verifyFindings()
    #expect(findings.isEmpty, "verify findings: \(findings)")
    #expect(try w.branchHistoryProblems().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }
}
