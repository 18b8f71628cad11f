import Foundation
import PolicyGit
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// What a review command did, for the CLI to report in plain words.
public struct ReviewOutcome: Sendable {
  public let section: String
  public let revision: Int
  public let fromState: String
  public let toState: String
  /// Set when the text landed on `main`.
  public let approvalCommit: ObjectID?
  public let revisionCommit: ObjectID?
  /// What still blocks the next step, in plain words.
  public let blockers: [String]
  public let notes: [String]
}

extension Workspace {
  // MARK: - submit

  /// Records a new revision of `sectionId` on its branch and fires the workflow's `submit` transition.
  ///
  /// While in review, the new revision replaces the one under review; sign-offs on the old one stop
  /// counting (they stay in the history). Open comments follow their lines into the new text.
  public func submit(sectionId: String, text data: Data, file: String, message: String?, actor: Member) throws
    -> ReviewOutcome
  {
    let section = try section(sectionId)
    return try performWrite {
      let record = try sectionRecord(section.id)
      let transition = try permittedTransition(on: "submit", section: section, record: record, actor: actor)
      let text = try SectionText.validate(data, section: section.id, file: file)
      // Read once: checked here and recorded with the revision.
      let headings = SectionText.recordedHeadings(of: text)
      let missing = SectionText.missingHeadings(section.requiredHeadings, recorded: headings)
      guard missing.isEmpty else {
        throw PolicyFlowError.badInput(
          "section \(section.id): the text lacks the required sub-heading\(missing.count == 1 ? "" : "s") "
            + missing.map { "\"\($0)\"" }.joined(separator: ", ")
            + ". Add \(missing.count == 1 ? "it" : "them") as `## …` heading lines and submit again; nothing was recorded.")
      }
      let previous = try store.read { try $0.revision(section.id, record.latestRevision) }
      guard let previous, let previousCommit = ObjectID(hex: previous.commitId) else {
        throw PolicyFlowError.internal("section \(section.id) has no recorded revision \(record.latestRevision); run `policyflow verify`.")
      }
      let previousText = try revisionText(section.id, previous)
      let contentData = Data(text.utf8)
      let contentHash = sha256Hex(contentData)
      if contentHash == previous.contentHash {
        // Sending the unchanged text (e.g. the template's revision 0) into review is a submission
        // without a new revision; re-sending what is already under review is nothing at all.
        guard record.state != transition.to else {
          throw PolicyFlowError.badInput(
            "section \(section.id): \(file) is identical to revision \(previous.number), which is already "
              + "\(stateLabel(record.state)); nothing to submit. Edit the text and submit again.")
        }
        try commit(moving: []) { tx in
          var updated = record
          updated.state = transition.to
          updated.updatedAt = clock()
          try tx.updateSection(updated)
          try logEvent(
            tx, actor: actor.id, action: "submit", section: section.id, from: record.state, to: transition.to,
            revision: previous.number, detail: "\(message ?? "revision \(previous.number) unchanged")")
        }
        return ReviewOutcome(
          section: section.id, revision: previous.number, fromState: record.state, toState: transition.to,
          approvalCommit: nil, revisionCommit: nil, blockers: try blockers(section.id),
          notes: ["the text is unchanged: revision \(previous.number) goes to review as it is."])
      }
      let number = record.latestRevision + 1
      let summary = message?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty ?? "Revision \(number)"
      let signature = signature(of: actor)
      let blob = try repository.writeBlob(contentData)
      let base = try repository.commit(previousCommit).tree
      let tree = try repository.tree(base: base, setting: [Workspace.sectionPath(section.id): blob])
      let revisionCommit = try repository.createCommit(
        tree: tree, parents: [previousCommit], author: signature, committer: signature,
        message: """
          \(section.title): \(summary)

          Policyflow-Section: \(section.id)
          Policyflow-Revision: \(number)
          Policyflow-Content-Hash: \(contentHash)
          """)
      let hunks = try repository.diffHunks(old: Data(previousText.utf8), new: contentData, contextLines: 0)
      // A comment made on an earlier revision (`comment --revision N`) has line numbers of that revision,
      // so it follows the diff from there, not the previous revision's diff.
      var hunksByAnchor = [previous.number: hunks]
      let anchors = try store.read { try $0.comments(of: section.id) }
        .filter { $0.parentId == nil && !$0.outdated && $0.lineStart != nil }.map(\.anchorRevision)
      for anchor in Set(anchors) where hunksByAnchor[anchor] == nil {
        let anchorText = try revisionText(section.id, try store.read { try $0.revision(section.id, anchor) })
        hunksByAnchor[anchor] = try repository.diffHunks(old: Data(anchorText.utf8), new: contentData, contextLines: 0)
      }
      let now = clock()
      var notes: [String] = []
      try commit(moving: [ReferenceMove(name: Workspace.sectionRef(section.id), old: previousCommit, new: revisionCommit)]) {
        tx in
        let stale = try tx.signoffs(of: section.id, revision: previous.number).filter { $0.decision == .approve }
        if !stale.isEmpty {
          notes.append("\(stale.count) sign-off\(stale.count == 1 ? "" : "s") on revision \(previous.number) no longer count.")
        }
        try tx.insertRevision(RevisionRecord(
          sectionId: section.id, number: number, commitId: revisionCommit.hex, blobId: blob.hex, contentHash: contentHash,
          authorId: actor.id, message: summary, createdAt: now, headings: headings))
        let carried = try carryComments(tx, section: section.id, to: number, through: hunksByAnchor)
        if carried.outdated > 0 { notes.append("\(carried.outdated) comment\(carried.outdated == 1 ? " is" : "s are") outdated: their lines changed.") }
        try carryLinks(tx, section: section.id, from: previous.number, to: number, through: hunks)
        var updated = record
        updated.latestRevision = number
        updated.state = transition.to
        updated.updatedAt = now
        try tx.updateSection(updated)
        try logEvent(
          tx, actor: actor.id, action: "submit", section: section.id, from: record.state, to: transition.to,
          revision: number, commit: revisionCommit, detail: summary)
      }
      let blockers = try self.blockers(section.id)
      return ReviewOutcome(
        section: section.id, revision: number, fromState: record.state, toState: transition.to,
        approvalCommit: nil, revisionCommit: revisionCommit, blockers: blockers, notes: notes)
    }
  }

  private func carryComments(
    _ tx: StoreTransaction, section: String, to revision: Int, through hunksByAnchor: [Int: [DiffHunk]]
  ) throws -> (moved: Int, outdated: Int) {
    var moved = 0
    var outdated = 0
    for var comment in try tx.anchoredThreads(of: section) {
      guard comment.status == .open || comment.lineStart != nil else { continue }
      if let start = comment.lineStart, let end = comment.lineEnd {
        guard let hunks = hunksByAnchor[comment.anchorRevision] else { continue }
        if let followed = LineAnchor.follow(start...end, through: hunks) {
          comment.lineStart = followed.lowerBound
          comment.lineEnd = followed.upperBound
          comment.anchorRevision = revision
          moved += 1
        } else {
          comment.outdated = true
          outdated += comment.status == .open ? 1 : 0
        }
      } else {
        comment.anchorRevision = revision
      }
      try tx.moveCommentAnchor(comment)
    }
    return (moved, outdated)
  }

  /// Links whose lines are untouched follow the text; the rest stay on the old revision and so read as suspect.
  private func carryLinks(_ tx: StoreTransaction, section: String, from old: Int, to new: Int, through hunks: [DiffHunk])
    throws
  {
    for var link in try tx.links(section: section) where link.kind == .addressed && link.revisionNumber == old {
      guard let start = link.lineStart, let end = link.lineEnd,
        let followed = LineAnchor.follow(start...end, through: hunks)
      else { continue }
      link.lineStart = followed.lowerBound
      link.lineEnd = followed.upperBound
      link.revisionNumber = new
      try tx.updateLink(link)
    }
  }

  // MARK: - approve / request-changes / withdraw

  /// A sign-off on the current revision, bound to its content hash; fires any automatic transition whose
  /// guards now hold (the default workflow's approval), landing the text on `main`.
  public func approve(sectionId: String, message: String?, actor: Member) throws -> ReviewOutcome {
    let section = try section(sectionId)
    return try performWrite {
      let record = try sectionRecord(section.id)
      let allowed = workflow.signoffCapacities(in: record.state)
      guard !allowed.isEmpty else {
        throw PolicyFlowError.notPermitted(
          "section \(section.id) is \(stateLabel(record.state)) (\(record.state)): there is nothing to sign off. "
            + "Sign-offs are given while a revision is under review; nothing was recorded.")
      }
      let held = capacities(of: actor, for: section, among: allowed)
      guard !held.isEmpty else {
        throw PolicyFlowError.notPermitted(
          "\(actor.name) (\(actor.id)) may not sign off section \(section.id): sign-offs come from "
            + "\(describe(Capacity.allCases.filter(allowed.contains), for: section)); nothing was recorded.")
      }
      let revision = try store.read { try $0.revision(section.id, record.latestRevision) }!
      try refuseOwnText(actor: actor, revision: revision, section: section)
      let existing = try store.read { try $0.signoffs(of: section.id, revision: revision.number) }
      if existing.contains(where: { $0.personId == actor.id && $0.decision == .approve }) {
        throw PolicyFlowError.notPermitted(
          "\(actor.name) has already signed off revision \(revision.number) of section \(section.id); "
            + "a person counts once per revision. Nothing was recorded.")
      }
      // Count the sign-off where it is still needed (a joint section needs each committee).
      let before = try store.read { try facts(for: section, record: record, reader: $0) }
      let needed = workflow.automaticTransitions(from: record.state).flatMap { workflow.unmet($0, facts: before) }
      let chosen =
        held.first { held in
          needed.contains {
            if case .signoffs(let capacity, let group, _, _) = $0 {
              return capacity == held.capacity && (group == nil || normalizedCode(group!) == normalizedCode(held.group ?? ""))
            }
            return false
          }
        } ?? held[0]
      var after = before
      after.signoffs.append(CountedSignoff(personID: actor.id, capacity: chosen.capacity, group: chosen.group))
      let now = clock()
      let signoff = SignoffRecord(
        sectionId: section.id, revisionNumber: revision.number, contentHash: revision.contentHash,
        personId: actor.id, capacity: chosen.capacity.rawValue, groupCode: chosen.group, decision: .approve,
        message: message ?? "", createdAt: now)
      return try advance(
        section: section, record: record, facts: after, actor: actor,
        action: { tx in
          try tx.insertSignoff(signoff)
          try logEvent(
            tx, actor: actor.id, action: "signoff", section: section.id, from: record.state, to: record.state,
            revision: revision.number, detail: "\(chosen.capacity.rawValue)\(chosen.group.map { " \($0)" } ?? ""): \(message ?? "")")
        })
    }
  }

  /// A change request on the current revision: fires the workflow's `request_changes` transition.
  public func requestChanges(sectionId: String, message: String, actor: Member) throws -> ReviewOutcome {
    let section = try section(sectionId)
    guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage("request-changes needs -m TEXT saying what must change in section \(section.id).")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      let transition = try permittedTransition(on: "request_changes", section: section, record: record, actor: actor)
      let revision = try store.read { try $0.revision(section.id, record.latestRevision) }!
      try refuseOwnText(actor: actor, revision: revision, section: section)
      let held = capacities(of: actor, for: section, among: Set(transition.allowed))
      let now = clock()
      try commit(moving: []) { tx in
        try tx.insertSignoff(SignoffRecord(
          sectionId: section.id, revisionNumber: revision.number, contentHash: revision.contentHash,
          personId: actor.id, capacity: held[0].capacity.rawValue, groupCode: held[0].group,
          decision: .requestChanges, message: message, createdAt: now))
        var updated = record
        updated.state = transition.to
        updated.updatedAt = now
        try tx.updateSection(updated)
        try logEvent(
          tx, actor: actor.id, action: "request_changes", section: section.id, from: record.state,
          to: transition.to, revision: revision.number, detail: message)
      }
      return ReviewOutcome(
        section: section.id, revision: revision.number, fromState: record.state, toState: transition.to,
        approvalCommit: nil, revisionCommit: nil, blockers: try blockers(section.id), notes: [])
    }
  }

  /// Takes a section out of the process (default workflow: the secretariat, into `withdrawn`).
  public func fire(event: String, sectionId: String, message: String, actor: Member) throws -> ReviewOutcome {
    let section = try section(sectionId)
    guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage(
        "\(event.replacingOccurrences(of: "_", with: "-")) needs -m TEXT saying why, for section \(section.id)'s history.")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      let transition = try permittedTransition(on: event, section: section, record: record, actor: actor)
      let now = clock()
      try commit(moving: []) { tx in
        var updated = record
        updated.state = transition.to
        updated.updatedAt = now
        try tx.updateSection(updated)
        try logEvent(
          tx, actor: actor.id, action: event, section: section.id, from: record.state, to: transition.to,
          revision: record.latestRevision, detail: message)
      }
      return ReviewOutcome(
        section: section.id, revision: record.latestRevision, fromState: record.state, toState: transition.to,
        approvalCommit: nil, revisionCommit: nil, blockers: [], notes: [])
    }
  }

  // MARK: - shared rules

  func permittedTransition(on event: String, section: SectionSpec, record: SectionRecord, actor: Member) throws
    -> WorkflowTransition
  {
    guard let transition = workflow.transition(on: event, from: record.state) else {
      let from = workflow.transitions.filter { $0.event == event }.flatMap(\.from)
      throw PolicyFlowError.notPermitted(
        "section \(section.id) is \(stateLabel(record.state)) (\(record.state)); the workflow `\(workflow.name)` "
          + "allows \(event.replacingOccurrences(of: "_", with: "-")) only from "
          + "\(from.isEmpty ? "no state" : from.joined(separator: ", ")). Nothing was changed.")
    }
    guard !capacities(of: actor, for: section, among: Set(transition.allowed)).isEmpty else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) (\(actor.id)) may not \(event.replacingOccurrences(of: "_", with: "-")) section "
          + "\(section.id): the workflow allows it to \(describe(transition.allowed, for: section)). Nothing was changed.")
    }
    return transition
  }

  /// The author of a revision, and whoever submitted it for review unchanged (e.g. the template's
  /// revision 0), answer for its text: neither may review it.
  func refuseOwnText(actor: Member, revision: RevisionRecord, section: SectionSpec) throws {
    let submitted = try store.read { try $0.events(section: section.id) }.contains {
      $0.action == "submit" && $0.revision == revision.number && $0.actor == actor.id
    }
    if revision.authorId == actor.id || submitted {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) \(revision.authorId == actor.id ? "wrote" : "submitted") revision \(revision.number) of section \(section.id) and may not review it: "
          + "nobody signs off their own text. Another reviewer must act. Nothing was recorded.")
    }
  }

  /// Runs `action` and, in the same write, fires the first automatic transition whose guards hold on
  /// `facts` (the facts as they will be once `action` is done). Entering an approved state writes one
  /// commit on `main` with the approved text and trailers naming the section, revision and sign-offs.
  func advance(
    section: SectionSpec, record: SectionRecord, facts: SectionFacts, actor: Member,
    action: (StoreTransaction) throws -> Void
  ) throws -> ReviewOutcome {
    let transition = workflow.firableAutomaticTransition(from: record.state, facts: facts)
    let revision = try store.read { try $0.revision(section.id, record.latestRevision) }!
    var moves: [ReferenceMove] = []
    var approval: ObjectID?
    if let transition, workflow.state(transition.to)?.isApproved == true {
      let signature = signature(of: actor)
      let main = try repository.referenceTarget(Workspace.mainRef)
      let counted = facts.signoffs.compactMap { counted -> Member? in definition.members.member(id: counted.personID) }
      let blob = ObjectID(hex: revision.blobId)!
      let base = try main.map { try repository.commit($0).tree }
      let tree = try repository.tree(base: base, setting: [Workspace.sectionPath(section.id): blob])
      let trailers = counted.map { "Signed-off-by: \($0.name) <\($0.email)>" }.joined(separator: "\n")
      let approvalCommit = try repository.createCommit(
        tree: tree, parents: main.map { [$0] } ?? [], author: signature, committer: signature,
        message: """
          Godkendt: \(section.title), revision \(revision.number)

          \(workflow.label): \(section.id) er godkendt af \(section.committees.map(committeeName).joined(separator: " og ")).

          Policyflow-Section: \(section.id)
          Policyflow-Revision: \(revision.number)
          Policyflow-Revision-Commit: \(revision.commitId)
          Policyflow-Content-Hash: \(revision.contentHash)
          \(trailers)
          """)
      moves.append(ReferenceMove(name: Workspace.mainRef, old: main, new: approvalCommit))
      approval = approvalCommit
    }
    let now = clock()
    try commit(moving: moves) { tx in
      try action(tx)
      guard let transition else { return }
      var updated = record
      updated.state = transition.to
      updated.updatedAt = now
      if let approval {
        updated.approvedRevision = revision.number
        updated.approvedCommit = approval.hex
      }
      try tx.updateSection(updated)
      try logEvent(
        tx, actor: actor.id, action: approval == nil ? "auto-transition" : "approved", section: section.id,
        from: record.state, to: transition.to, revision: revision.number, commit: approval,
        detail: "automatic: the guards of `\(transition.id)` hold")
    }
    return ReviewOutcome(
      section: section.id, revision: revision.number, fromState: record.state,
      toState: transition?.to ?? record.state, approvalCommit: approval, revisionCommit: nil,
      blockers: try blockers(section.id), notes: [])
  }
}

extension String {
  var nonEmpty: String? { isEmpty ? nil : self }
}
