import Foundation
import Testing

/// Many policyflow processes at once on one workspace. `scripts/concurrency-test` is the long version.
@Suite("concurrency: parallel processes lose no update, never say 'locked', never move a ref backwards")
struct ConcurrencyTests {
  /// One worker's results, gathered on its own thread.
  final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var endings: [(arguments: [String], ending: Ending)] = []
    private var done = false
    func add(_ arguments: [String], _ ending: Ending) {
      lock.lock()
      endings.append((arguments, ending))
      lock.unlock()
    }
    var finished: Bool {
      lock.lock()
      defer { lock.unlock() }
      return done
    }
    func finish() {
      lock.lock()
      done = true
      lock.unlock()
    }
  }

  @Test("6 processes x 10 operations: submits to own sections, comments and sign-offs on shared ones; verify meanwhile")
  func parallelWorkers() throws {
    let w = try TemplateWorkspace()
    // Each worker submits to its own section (its revisions must come out 1...n in its order), and comments on
    // and signs off the two shared common chapters, racing the others.
    let workers: [(section: String, drafter: String)] = [
      ("kultur-og-fritid", "karen-kff"), ("social", "sofie-sof"), ("sundhed-og-omsorg", "signe-suf"),
      ("boern-og-unge", "birgit-buf"), ("by-og-bolig", "ditte-okf"), ("beskaeftigelse", "anne-bif"),
    ]
    for shared in ["forord", "indledning"] {
      #expect(try w.pf(["submit", shared, w.scratch.file("\(shared).md", try w.templateText(shared) + "\nFælles.\n").path], as: "anne-bif").status == 0)
    }
    let reviewers = ["soren-biu", "hanne-biu", "ase-biu"]
    var bases: [String: String] = [:]
    for worker in workers { bases[worker.section] = try w.templateText(worker.section) }
    let results = Results()
    let group = DispatchGroup()
    for (index, worker) in workers.enumerated() {
      group.enter()
      let base = bases[worker.section]!
      let thread = Thread {
        defer { group.leave() }
        for step in 0..<10 {
          let tag = "w\(index)-\(step)"
          var arguments: [String]
          var person: String
          switch (step + index) % 4 {
          case 0, 2:
            let file = w.scratch.url.appendingPathComponent("\(tag).md")
            try? (base + "\nÆndring \(tag).\n").write(to: file, atomically: true, encoding: .utf8)
            (arguments, person) = (["submit", worker.section, file.path, "-m", tag], worker.drafter)
          case 1:
            (arguments, person) = (["comment", step % 2 == 0 ? "forord" : "indledning", "-m", "Kommentar \(tag)"], reviewers[step % 3])
          default:
            (arguments, person) = (["approve", step % 3 == 0 ? "forord" : "indledning", "-m", tag], reviewers[(step + index) % 3])
          }
          if let ending = try? w.pfEnding(arguments, as: person) { results.add(arguments, ending) }
        }
      }
      thread.start()
    }
    // Meanwhile verify runs over and over: it must never see a write half-way (rows committed, refs not yet moved).
    let verifications = Results()
    let verifier = Thread {
      while !results.finished {
        if let ending = try? w.pfEnding(["verify"]) { verifications.add(["verify"], ending) }
        usleep(100_000)
      }
    }
    verifier.start()
    group.wait()
    results.finish()
    while verifier.isExecuting || !verifier.isFinished { usleep(10_000) }

    #expect(verifications.endings.count > 0)
    for (_, ending) in verifications.endings {
      #expect(ending.status == 0, "verify during writes: \(ending.stdout) \(ending.stderr)")
    }
    #expect(results.endings.count == 60)
    // Only successes and rule refusals (already signed off, section approved); no internal errors, nothing locked.
    for (arguments, ending) in results.endings {
      #expect(ending.status == 0 || ending.status == 77, "\(arguments): exit \(ending.status): \(ending.stderr)")
      #expect(!ending.stderr.lowercased().contains("locked"), "\(arguments): \(ending.stderr)")
      #expect(!ending.killed)
    }
    // Every reported success is present.
    let revisionPattern = try Regex("revision ([0-9]+) is commit ([0-9a-f]{40})")
    var submitted: [String: [Int]] = [:]
    for (arguments, ending) in results.endings where ending.status == 0 {
      switch arguments[0] {
      case "submit":
        let match = try #require(ending.stdout.firstMatch(of: revisionPattern))
        let number = Int(String(match.output[1].substring!))!
        let commit = String(match.output[2].substring!)
        submitted[arguments[1], default: []].append(number)
        #expect(try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='\(arguments[1])' AND number=\(number)") == commit)
        let text = try String(contentsOfFile: arguments[2], encoding: .utf8)
        #expect(try CLI.git(["show", "\(commit):sections/\(arguments[1]).md"], in: w.root).stdout == text)
      case "comment":
        let match = try #require(
          ending.stdout.firstMatch(of: #/^comment ([0-9a-f]{10}) on ([a-z-]+) /#), "\(arguments): \(ending.stdout)")
        let id = String(match.output.1)
        #expect(match.output.2 == arguments[1])
        #expect(try CLI.sqlite(w.root, "SELECT body FROM comment WHERE substr(recordId, 1, 10)='\(id)'") == arguments[3])
        // The id names a commit on the section's record ref.
        #expect(
          try CLI.git(["merge-base", "--is-ancestor", id, "refs/policyflow/sections/\(arguments[1])"], in: w.root).status
            == 0, "comment \(id) is not on the record of \(arguments[1])")
      default:
        #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE message='\(arguments[3])' AND decision='approve'") == "1")
      }
    }
    // Each worker's section got revisions 1...n in the order the worker submitted them, and the branch agrees.
    for worker in workers {
      let numbers = submitted[worker.section] ?? []
      #expect(numbers == Array(1...5), "\(worker.section): \(numbers)")
      #expect(try CLI.sqlite(w.root, "SELECT latestRevision FROM section WHERE id='\(worker.section)'") == "5")
    }
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment") == String(results.endings.filter { $0.arguments[0] == "comment" && $0.ending.status == 0 }.count))
    #expect(try w.branchHistoryProblems().isEmpty)
    // No reference ever moved backwards: every reflog entry descends from the one before it. The record refs
    // (refs/policyflow/*) are the commit point of every write; the branches follow them.
    let refs = try CLI.git(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/policyflow"], in: w.root).stdout
      .split(separator: "\n")
    #expect(refs.contains("refs/policyflow/policy"), "\(refs)")
    for ref in refs {
      let values = try CLI.git(["reflog", "show", "--format=%H", String(ref), "--"], in: w.root).stdout
        .split(separator: "\n").reversed().map(String.init)
      for (older, newer) in zip(values, values.dropFirst()) {
        #expect(try CLI.git(["merge-base", "--is-ancestor", older, newer], in: w.root).status == 0, "\(ref): \(older) → \(newer)")
      }
    }
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }
}
