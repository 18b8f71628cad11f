import Foundation
import PolicyFlow

/// Counts and times every library write, by kind, and per tenth of the run — so a write whose cost
/// grows with the history shows up as a rising line.
struct WriteStats {
  var count: [String: Int] = [:]
  var seconds: [String: Double] = [:]
  /// (write number, seconds) of every submit, for the cost-over-history profile.
  var submits: [Double] = []

  mutating func record(_ kind: String, _ duration: Double) {
    count[kind, default: 0] += 1
    seconds[kind, default: 0] += duration
    if kind == "submit" { submits.append(duration) }
  }

  var total: Int { count.values.reduce(0, +) }

  /// Mean milliseconds per submit in each tenth of the run.
  var submitDeciles: [Double] {
    guard submits.count >= 10 else { return [] }
    let size = submits.count / 10
    return (0..<10).map { decile in
      let slice = submits[(decile * size)..<(decile == 9 ? submits.count : (decile + 1) * size)]
      return slice.reduce(0, +) / Double(slice.count) * 1000
    }
  }

  func report(elapsed: Double) -> String {
    var lines = ["\(total) writes in \(String(format: "%.1f", elapsed)) s:"]
    for kind in count.keys.sorted() {
      let padded = kind.padding(toLength: 16, withPad: " ", startingAt: 0)
      lines.append(padded + String(format: " %7d  %7.2f ms each", count[kind]!, seconds[kind]! / Double(count[kind]!) * 1000))
    }
    if !submitDeciles.isEmpty {
      lines.append("  submit ms per tenth of the run: " + submitDeciles.map { String(format: "%.1f", $0) }.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }

  func json(elapsed: Double, sizes: [String: Int]) -> [String: Any] {
    var kinds: [String: Any] = [:]
    for kind in count.keys {
      kinds[kind] = ["count": count[kind]!, "msEach": seconds[kind]! / Double(count[kind]!) * 1000]
    }
    return ["seconds": elapsed, "writes": total, "kinds": kinds, "submitMsPerTenth": submitDeciles, "sizes": sizes]
  }
}

/// Plays a review history over every section, round by round, through the library's use cases.
struct HistoryPlayer {
  let workspace: Workspace
  var policy: GeneratedPolicy
  var random: SeededGenerator
  let revisions: Int
  let comments: Int
  let approvedPercent: Int
  let quiet: Bool
  var stats = WriteStats()

  /// Comment threads per section: (id, author, open, blocking).
  private var threads: [[(id: String, author: String, open: Bool, blocking: Bool)]] = []
  private var members: [String: ActingMember] = [:]
  private var lastProgress = Date()
  private var lastProgressCount = 0

  init(
    workspace: Workspace, policy: GeneratedPolicy, random: SeededGenerator, revisions: Int, comments: Int,
    approvedPercent: Int, quiet: Bool
  ) {
    self.workspace = workspace
    self.policy = policy
    self.random = random
    self.revisions = revisions
    self.comments = comments
    self.approvedPercent = approvedPercent
    self.quiet = quiet
    threads = Array(repeating: [], count: policy.sections.count)
    for member in workspace.definition.members.members { members[member.id] = member }
  }

  /// The sections to approve at the end: spread evenly over the document.
  func isApproved(_ index: Int) -> Bool { (index * approvedPercent) % 100 + approvedPercent >= 100 }

  mutating func play() throws {
    let sectionCount = policy.sections.count
    // Which requirements each section must answer, with the pairs made (link or waiver) before approval.
    var targeted = Array(repeating: [String](), count: sectionCount)
    for requirement in policy.requirements {
      for section in requirement.targets { targeted[section].append(requirement.id) }
    }
    let slots = max(1, sectionCount * revisions)
    var slot = 0
    for round in 0..<max(revisions, 1) {
      let isLast = round == max(revisions, 1) - 1
      for index in 0..<sectionCount {
        if revisions > 0 { try submit(index, round: round) }
        // Comments: an even share of the total per (section, round) slot.
        let share = (slot + 1) * comments / slots - slot * comments / slots
        slot += 1
        for _ in 0..<share { try comment(index) }
        if revisions > 0 && !isLast {
          if random.chance(0.15) { try strayApproval(index) }
          if random.chance(0.1) { try requestChanges(index) }
          try resolveSomeBlocking(index, probability: 0.5)
        }
        if isLast {
          try answerRequirements(index, targeted[index])
          if revisions > 0 && isApproved(index) {
            try resolveSomeBlocking(index, probability: 1)
            try approveFully(index)
          }
        }
        progress()
      }
    }
  }

  // MARK: - the actions

  private mutating func submit(_ index: Int, round: Int) throws {
    let section = policy.sections[index]
    let before = section.draft.text
    var draft = section.draft
    repeat { draft.revise(&random) } while draft.text == before
    policy.sections[index].draft = draft
    let drafter = member(GeneratedPolicy.drafter(section.owners[round % section.owners.count]))
    try timed("submit") { workspace in
      _ = try workspace.submit(
        sectionId: section.id, text: Data(draft.text.utf8), file: "\(section.id).md",
        message: "Revision efter runde \(round + 1)", actor: drafter)
    }
  }

  private mutating func comment(_ index: Int) throws {
    let section = policy.sections[index]
    let lineCount = SectionTextLines.count(section.draft.text)
    if !threads[index].isEmpty && random.chance(0.15) {
      // A reply from the drafter on an existing thread.
      let thread = random.pick(threads[index])
      let drafter = member(GeneratedPolicy.drafter(section.owners[0]))
      let body = "Tak. \(Prose.sentence(&random))"
      try timed("comment") { workspace in
        _ = try workspace.comment(
          sectionId: section.id, body: body, lines: nil, revision: nil, blocking: false,
          replyTo: thread.id, actor: drafter)
      }
      return
    }
    let reviewer = member(reviewersOf(index).randomElement(using: &random)!)
    var lines: ClosedRange<Int>?
    if random.chance(0.7) && lineCount > 0 {
      let start = Int.random(in: 1...lineCount, using: &random)
      lines = start...min(lineCount, start + Int.random(in: 0...2, using: &random))
    }
    let blocking = random.chance(0.1)
    let body = "\(random.pick(["Kilde?", "Kan det uddybes?", "Præcisér venligst.", "Enig, men:"])) \(Prose.sentence(&random))"
    var created = ""
    try timed("comment") { workspace in
      created = try workspace.comment(
        sectionId: section.id, body: body, lines: lines, revision: nil, blocking: blocking, replyTo: nil,
        actor: reviewer
      ).recordId
    }
    threads[index].append((created, reviewer.id, true, blocking))
  }

  private mutating func resolveSomeBlocking(_ index: Int, probability: Double) throws {
    for position in threads[index].indices where threads[index][position].open && threads[index][position].blocking {
      guard random.chance(probability) else { continue }
      let thread = threads[index][position]
      let author = member(thread.author)
      try timed("resolve") { workspace in
        _ = try workspace.resolve(commentId: thread.id, message: "Rettet", actor: author)
      }
      threads[index][position].open = false
    }
  }

  /// One reviewer's sign-off on a revision that the next round replaces (a stale approval).
  private mutating func strayApproval(_ index: Int) throws {
    let section = policy.sections[index]
    let reviewer = member(random.pick(reviewersOf(index)))
    try timed("approve") { workspace in _ = try workspace.approve(sectionId: section.id, message: "Fint", actor: reviewer) }
  }

  private mutating func requestChanges(_ index: Int) throws {
    let section = policy.sections[index]
    let reviewer = member(random.pick(reviewersOf(index)))
    let message = "Uddyb afsnittet. \(Prose.sentence(&random))"
    try timed("request-changes") { workspace in
      _ = try workspace.requestChanges(sectionId: section.id, message: message, actor: reviewer)
    }
  }

  private mutating func answerRequirements(_ index: Int, _ requirements: [String]) throws {
    let section = policy.sections[index]
    let lineCount = SectionTextLines.count(section.draft.text)
    let drafter = member(GeneratedPolicy.drafter(section.owners[0]))
    let secretariat = member(GeneratedPolicy.secretariat[0])
    for requirement in requirements {
      if random.chance(0.1) {
        try timed("waive") { workspace in
          _ = try workspace.waive(
            requirementId: requirement, sectionId: section.id, reason: "Besvares i et andet afsnit.",
            actor: secretariat)
        }
      } else {
        let start = Int.random(in: 1...max(1, lineCount - 2), using: &random)
        try timed("link") { workspace in
          _ = try workspace.link(
            requirementId: requirement, sectionId: section.id, note: "Besvaret i afsnittet",
            lines: start...min(lineCount, start + 2), actor: drafter)
        }
      }
    }
  }

  /// Two reviewers and the chair of every reviewing committee: the last sign-off lands the text on main.
  private mutating func approveFully(_ index: Int) throws {
    let section = policy.sections[index]
    for committee in section.owners {
      for person in GeneratedPolicy.reviewers(committee) + [GeneratedPolicy.chair(committee)] {
        let approver = member(person)
        try timed("approve") { workspace in
          do {
            _ = try workspace.approve(sectionId: section.id, message: "Godkendt", actor: approver)
          } catch let error as PolicyFlowError where error.kind == .notPermitted && error.message.contains("already signed off") {
            // A stray sign-off earlier in the same revision already counts.
          }
        }
      }
    }
  }

  // MARK: - helpers

  private func reviewersOf(_ index: Int) -> [String] {
    policy.sections[index].owners.flatMap { GeneratedPolicy.reviewers($0) + [GeneratedPolicy.chair($0)] }
  }

  private func member(_ id: String) -> ActingMember {
    guard let member = members[id] else { fatalError("generated member \(id) is missing from members.yaml") }
    return member
  }

  /// Runs one library write and records how long it took.
  private mutating func timed(_ kind: String, _ body: (Workspace) throws -> Void) throws {
    let start = DispatchTime.now().uptimeNanoseconds
    try body(workspace)
    stats.record(kind, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }

  private mutating func progress() {
    guard !quiet, Date().timeIntervalSince(lastProgress) >= 10 else { return }
    let rate = Double(stats.total - lastProgressCount) / Date().timeIntervalSince(lastProgress)
    FileHandle.standardError.write(Data(
      "[policyflow-gen] \(stats.total) writes (\(stats.count["submit"] ?? 0) revisions), \(Int(rate)) writes/s\n".utf8))
    lastProgress = Date()
    lastProgressCount = stats.total
  }
}

enum SectionTextLines {
  static func count(_ text: String) -> Int { SectionText.lines(text).count }
}
