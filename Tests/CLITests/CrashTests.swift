import Foundation
import Testing

/// Processes killed in the middle of writes (POLICYFLOW_FAULT stops the process dead at a named step; an outside
/// SIGKILL at a random moment). Every operation that reported success must survive, nothing half-done may remain
/// after the next command, and `verify` must be clean. `scripts/crash-test` is the long version of the last test.
@Suite("crashes: killed writes never lose a reported success and leave nothing half-done")
struct CrashTests {
  static let faultPoints = ["after-objects", "after-database", "after-reference", "after-cleanup"]

  static func head(_ w: TemplateWorkspace, _ ref: String) throws -> String {
    try CLI.git(["rev-parse", ref], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("a submit killed at each step is fully absent or fully present after the next command", arguments: faultPoints)
  func submitKilled(at point: String) throws {
    let w = try TemplateWorkspace()
    let revision0 = try Self.head(w, "sections/kultur-og-fritid")
    let text = try w.templateText("kultur-og-fritid") + "\nEt nyt afsnit om bibliotekerne.\n"
    let file = try w.scratch.file("r1.md", text)
    let killed = try w.pfEnding(["submit", "kultur-og-fritid", file.path, "-m", "Udkast"], as: "karen-kff", fault: point)
    #expect(killed.killed, "not killed at \(point): \(killed.status) \(killed.stderr)")
    #expect(!killed.stdout.contains("revision 1 is commit"), "a killed process reported success")

    // Before anything else runs, verify may only see the reference move the next write completes.
    let early = try w.verifyFindings()
    let interrupted = point == "after-database" || point == "after-reference"
    #expect(early.map { "\($0.check) \($0.subject)" } == (interrupted ? ["interrupted refs/heads/sections/kultur-og-fritid"] : []))

    // The next write, by someone else on another section, completes the interrupted one.
    #expect(try w.pf(["comment", "forord", "-m", "Næste kommando"], as: "soren-biu").status == 0)
    let revisions = try CLI.sqlite(w.root, "SELECT count(*) FROM revision WHERE sectionId='kultur-og-fritid'")
    let state = try CLI.sqlite(w.root, "SELECT state||'/'||latestRevision FROM section WHERE id='kultur-og-fritid'")
    let submitEvents = try CLI.sqlite(w.root, "SELECT count(*) FROM event WHERE action='submit' AND sectionId='kultur-og-fritid'")
    if point == "after-objects" {
      // The database never committed: nothing of it is visible.
      #expect(revisions == "1")
      #expect(state == "draft/0")
      #expect(submitEvents == "0")
      #expect(try Self.head(w, "sections/kultur-og-fritid") == revision0)
    } else {
      // The database committed: the revision is complete in git and SQLite alike.
      let commit = try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
      #expect(revisions == "2")
      #expect(state == "committee_review/1")
      #expect(try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='submit' AND sectionId='kultur-og-fritid'") == commit)
      #expect(try Self.head(w, "sections/kultur-og-fritid") == commit)
      #expect(try CLI.git(["show", "\(commit):sections/kultur-og-fritid.md"], in: w.root).stdout == text)
      #expect(try CLI.git(["rev-parse", "\(commit)^"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == revision0)
    }
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM pendingRef") == "0")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
    #expect(try w.branchHistoryProblems().isEmpty)

    // The section carries on with the next number.
    let again = try w.pf(["submit", "kultur-og-fritid", w.scratch.file("r2.md", text + "Mere.\n").path], as: "karen-kff")
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains("revision \(point == "after-objects" ? 1 : 2) is commit"))
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("an approval killed at each step lands on main completely (work tree included) or not at all", arguments: faultPoints)
  func approvalKilled(at point: String) throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt afsnit mere.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", text).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "hanne-biu").status == 0)
    let mainBefore = try Self.head(w, "main")
    let killed = try w.pfEnding(["approve", "forord", "-m", "Godkendt"], as: "ase-biu", fault: point)
    #expect(killed.killed, "not killed at \(point): \(killed.status) \(killed.stderr)")
    let early = try w.verifyFindings()
    #expect(early.allSatisfy { $0.check == "interrupted" }, "\(early)")

    #expect(try w.pf(["comment", "indledning", "-m", "Næste kommando"], as: "soren-biu").status == 0)
    // main (and so the work tree) holds only approved text: no sections/forord.md before the approval.
    let workTree = try? String(contentsOf: w.root.appendingPathComponent("sections/forord.md"), encoding: .utf8)
    if point == "after-objects" {
      #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='forord'") == "committee_review")
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE sectionId='forord'") == "2")
      #expect(try Self.head(w, "main") == mainBefore)
      #expect(workTree == nil)
    } else {
      #expect(try CLI.sqlite(w.root, "SELECT state||'/'||approvedRevision FROM section WHERE id='forord'") == "approved/1")
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE sectionId='forord'") == "3")
      let main = try Self.head(w, "main")
      #expect(try CLI.sqlite(w.root, "SELECT commitId FROM event WHERE action='approved'") == main)
      #expect(try CLI.git(["rev-parse", "main^"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == mainBefore)
      #expect(try CLI.git(["show", "main:sections/forord.md"], in: w.root).stdout == text)
      let trailers = try CLI.git(["log", "-1", "--format=%(trailers:key=Policyflow-Section,valueonly)", "main"], in: w.root)
      #expect(trailers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "forord")
      // The work tree shows the approved text, as after an uninterrupted approval.
      #expect(workTree == text)
    }
    #expect(try CLI.git(["status", "--porcelain"], in: w.root).stdout == "")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }

  @Test("a kill inside git's own write of a reference leaves git's lock file; the next command still completes it")
  func staleReferenceLock() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("kultur-og-fritid") + "\nEt nyt afsnit.\n"
    // Killed after the database commit, before the reference moved — and (as a kill a moment later inside
    // libgit2 would leave it) with git's lock file for that reference still there.
    let killed = try w.pfEnding(
      ["submit", "kultur-og-fritid", w.scratch.file("r1.md", text).path], as: "karen-kff", fault: "after-database")
    #expect(killed.killed)
    let lock = w.root.appendingPathComponent(".git/refs/heads/sections/kultur-og-fritid.lock")
    try Data("0000000000000000000000000000000000000000\n".utf8).write(to: lock)
    let next = try w.pf(["comment", "forord", "-m", "Næste kommando"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    let commit = try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='kultur-og-fritid' AND number=1")
    #expect(try Self.head(w, "sections/kultur-og-fritid") == commit)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a kill inside the checkout after an approval leaves git's index.lock; the next command still checks out")
  func staleIndexLock() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt afsnit mere.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", text).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "hanne-biu").status == 0)
    let killed = try w.pfEnding(["approve", "forord"], as: "ase-biu", fault: "after-reference")
    #expect(killed.killed)
    let lock = w.root.appendingPathComponent(".git/index.lock")
    try Data().write(to: lock)
    #expect(try w.pf(["comment", "indledning", "-m", "Næste kommando"], as: "soren-biu").status == 0)
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    #expect(try String(contentsOf: w.root.appendingPathComponent("sections/forord.md"), encoding: .utf8) == text)
    #expect(try CLI.git(["status", "--porcelain"], in: w.root).stdout == "")
    #expect(try w.verifyFindings().isEmpty)
  }

  /// What a successful command reported, to look up afterwards.
  enum Success {
    case revision(section: String, number: Int, commit: String, text: String)
    case comment(id: Int, body: String)
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
    let commentPattern = try Regex("^comment #([0-9]+)")
    let revisionNumberPattern = try Regex("\\(revision ([0-9]+)\\)")
    let approvalPattern = try Regex("approved text is on main as commit ([0-9a-f]{40})")

    var successes: [Success] = []
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
      let ending = try w.pfEnding(arguments, as: person, fault: fault, killAfter: killAfter)
      if ending.killed {
        crashes += 1
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
        let id = output.firstMatch(of: commentPattern).flatMap { Int(String($0.output[1].substring ?? "")) } ?? -1
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
        if try CLI.sqlite(w.root, "SELECT body FROM comment WHERE id=\(id)") != body { lost.append("comment #\(id)") }
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
    #expect(!successes.isEmpty)
    #expect(lost.isEmpty, "operations lost: \(lost)")
    let findings = try w.verifyFindings()
    #expect(findings.isEmpty, "verify findings: \(findings)")
    #expect(try w.branchHistoryProblems().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }
}
