import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore
import PolicyWorkflow

/// What applying one action to the index did (or, in a dry run, would do).
struct AppliedAction {
  var fromState: String?
  var toState: String?
  var revision: Int?
  var approval: PendingApproval?
  var approvalCommit: ObjectID?
  var comment: CommentRecord?
  var notes: [String] = []
}

/// An automatic transition into an approved state that the action makes possible: the command writes the
/// approval commit on `main` and names it in the action's record commit.
struct PendingApproval {
  let section: SectionSpec
  let revision: RevisionRecord
  let signers: [Member]
  let transition: WorkflowTransition
}

enum ApplyMode {
  /// The command asks what its action would do; the transaction is rolled back.
  case dryRun
  /// The action is in git; the index takes it in.
  case index
}

/// The rules of the review record, applied to one recorded action: the one place that decides whether an
/// action is permitted and what it changes.
///
/// Commands run it before they write (a dry run whose refusals are their error messages) and the index runs it
/// on every record commit it takes in (`reindex`, catch-up after a fetch, `verify`'s rebuild). So the live index
/// and a rebuild from git cannot disagree, and an action that git holds but the rules refuse — written around
/// policyflow, or no longer permitted — takes no effect and is kept with its reason.
///
/// Automatic transitions are derived, not recorded: after every action on a section the workflow's automatic
/// transitions are evaluated on the facts as they now are. An approval's commit on `main` is named by the
/// action that caused it (`Policyflow-Approval-Commit`).
extension Workspace {
  func apply(_ entry: RecordEntry, _ tx: StoreTransaction, mode: ApplyMode) throws -> AppliedAction {
    if mode == .index { try requireDefinitionCommit(of: entry) }
    return try withDefinition(at: entry.definition) {
      guard let actor = definition.members.member(id: entry.actor) else {
        throw PolicyFlowError.integrity(
          "the action's actor `\(entry.actor)` is not in members.yaml as it stood when the action was taken.")
      }
      if mode == .index, entry.authorEmail.lowercased() != actor.email.lowercased() {
        throw PolicyFlowError.integrity(
          "the record commit's author <\(entry.authorEmail)> is not \(actor.id) <\(actor.email)>, whom it names as actor.")
      }
      // Who acted is proven by the signature, checked in-process against the keys listed for the actor in the
      // members.yaml the action names: an unsigned or wrongly signed act takes no effect where signing is required.
      if mode == .index, let commit = entry.commit {
        var keys: [SSHPublicKey] = []
        // A key proposal by a member who lost their key is unsigned and only attributed (docs/signing.md).
        let unsignedProposal = try entry.kind == .keyPropose && repository.commitSignature(commit) == nil
        if !unsignedProposal {
          let check = try signatureCheck(of: commit, by: actor)
          if let problem = check.problem { throw PolicyFlowError.integrity(problem) }
          if let key = check.key { keys.append(key) }
        }
        // A genuine action naming a commit this repository lacks: the copy is incomplete (a branch not fetched), which
        // no rule can judge. Stop, and say what to fetch; refusing it would make this copy's index differ for good.
        try requireNamedObjects(of: entry)
        for id in [entry.objectID(.revisionCommit), entry.objectID(.approvalCommit)].compactMap({ $0 })
        where entry.kind != .create {
          let check = try signatureCheck(of: id, by: actor)
          if let problem = check.problem { throw PolicyFlowError.integrity(problem) }
          if let key = check.key { keys.append(key) }
        }
        // A key revoked (or a member removed) in a definition the record shows the actor's copy had seen signs nothing,
        // whatever definition or time the action names.
        if let problem = try revokedKeyProblem(entry, actor: actor, keys: keys) {
          throw PolicyFlowError.integrity(problem)
        }
      }
      var result: AppliedAction
      switch entry.kind {
      case .initPolicy: result = try applyInit(entry, tx)
      case .create: result = try applyCreate(entry, tx)
      case .submit: result = try applySubmit(entry, tx, actor: actor)
      case .signoff: result = try applySignoff(entry, tx, actor: actor)
      case .requestChanges: result = try applyRequestChanges(entry, tx, actor: actor)
      case .transition: result = try applyTransition(entry, tx, actor: actor)
      case .comment, .reply: result = try applyComment(entry, tx, actor: actor, mode: mode)
      case .resolve, .reopenComment: result = try applyThreadStatus(entry, tx, actor: actor)
      case .link, .waive, .confirm: result = try applyAnswer(entry, tx, actor: actor)
      case .requirementAdd, .requirementEdit: result = try applyRequirementChange(entry, tx, actor: actor)
      case .release: result = try applyRelease(entry, tx, actor: actor)
      case .memberAdd, .memberRetire, .departmentAdd, .departmentRetire, .sectionRetire:
        result = try applyMembershipChange(entry, tx, actor: actor)
      case .keyPropose: result = try applyKeyProposal(entry, tx, actor: actor)
      case .keyAdopt: result = try applyKeyAdoption(entry, tx, actor: actor)
      case .keyDecline: result = try applyKeyDecline(entry, tx, actor: actor)
      }
      if let id = entry.section, entry.kind != .create, entry.kind != .sectionRetire {
        try evaluateAutomaticTransition(section: try section(id), entry: entry, tx, mode: mode, into: &result)
      } else if entry[.approvalCommit] != nil {
        throw PolicyFlowError.notPermitted("the action names an approval commit but concerns no section.")
      }
      return result
    }
  }

  /// The definition commit an action names is in the repository. When it is not, the members and keys it names are
  /// unknown, so its signature is checked against the members.yaml in force here: an action that a listed key of its
  /// actor signed is genuine and this copy incomplete (main was not fetched with the record: a `missingObject` error
  /// saying what to fetch, as for a revision); anything else cannot be judged and is refused (`withDefinition`).
  func requireDefinitionCommit(of entry: RecordEntry) throws {
    // `signatureCheck` judges an unsigned commit by the signing mode in force: a problem where signing is required.
    guard !repository.objectExists(entry.definition), let commit = entry.commit,
      let actor = definition.members.member(id: entry.actor), try signatureCheck(of: commit, by: actor).problem == nil
    else { return }
    throw PolicyFlowError.missingObject(
      "\(entry.ref): the action \(entry.shortID) (\(entry.kind.rawValue) by \(entry.actor)) was decided against the "
        + "definition commit \(entry.definition.hex) (\(RecordField.definition.rawValue)), which this repository does not "
        + "have: the branch main that holds it was not fetched with the record. Run `policyflow sync` (or `git fetch "
        + "origin '+refs/heads/main:refs/heads/main'`) and try again; if the remote lacks it too, whoever made the "
        + "action must run `policyflow sync` on their copy. The index was not changed.")
  }

  /// Every commit the action names besides its own (revision, approval, release) is in the repository; otherwise a
  /// `missingObject` error naming the ref, the object, the branch that holds it and what to fetch.
  func requireNamedObjects(of entry: RecordEntry) throws {
    let named: [(RecordField, String)] = [
      (.revisionCommit, entry.section.map(Workspace.sectionRef) ?? Workspace.mainRef),
      (.approvalCommit, Workspace.mainRef), (.releaseCommit, Workspace.mainRef),
    ]
    for (field, branch) in named {
      guard let id = entry.objectID(field), !repository.objectExists(id) else { continue }
      let short = branch.replacingOccurrences(of: "refs/heads/", with: "")
      throw PolicyFlowError.missingObject(
        "\(entry.ref): the action \(RecordEntry.shortID(entry.commit?.hex ?? "")) (\(entry.kind.rawValue) by \(entry.actor)) "
          + "names the commit \(id.hex) (\(field.rawValue)), which this repository does not have: the branch \(short) "
          + "that holds it was not fetched with the record. Run `policyflow sync` (or `git fetch origin "
          + "'+\(branch):\(branch)'`) and try again; if the remote lacks it too, whoever made the action must run "
          + "`policyflow sync` on their copy. The index was not changed.")
    }
  }

  // MARK: - The policy as a whole

  private func applyInit(_ entry: RecordEntry, _ tx: StoreTransaction) throws -> AppliedAction {
    guard try tx.maxSequence() == 0, try tx.sections().isEmpty else {
      throw PolicyFlowError.notPermitted("the policy was already created; a second `init` action takes no effect.")
    }
    try appendEvent(
      tx, entry, action: "init", commit: entry.definition.hex,
      detail: "\(definition.manifest.title) \(definition.manifest.period)")
    for (position, requirement) in definition.requirements.enumerated() {
      try tx.upsertRequirement(requirementRecord(requirement, position: position))
    }
    return AppliedAction()
  }

  private func applyCreate(_ entry: RecordEntry, _ tx: StoreTransaction) throws -> AppliedAction {
    guard let id = entry.section, let position = definition.manifest.sections.firstIndex(where: { $0.id == id }) else {
      throw PolicyFlowError.notPermitted("creates section `\(entry.section ?? "")`, which policy.yaml does not name.")
    }
    guard try tx.section(id) == nil else {
      throw PolicyFlowError.notPermitted("section \(id) exists already; a second revision 0 takes no effect.")
    }
    let revision = try revisionRow(entry, section: id, number: 0, author: entry.actor, message: entry.body)
    try tx.insertSection(SectionRecord(
      id: id, position: position, state: workflow.initial, latestRevision: 0, updatedAt: entry.time))
    try tx.insertRevision(revision.record)
    try appendEvent(
      tx, entry, action: "revision", section: id, to: workflow.initial, revision: 0, commit: revision.record.commitId,
      detail: entry.body)
    return AppliedAction(toState: workflow.initial, revision: 0)
  }

  /// A revision's row from the commit the record names, checked against the record's content hash.
  private func revisionRow(_ entry: RecordEntry, section: String, number: Int, author: String, message: String) throws
    -> (record: RevisionRecord, text: String)
  {
    guard let commitId = entry.objectID(.revisionCommit), let hash = entry[.contentHash] else {
      throw PolicyFlowError.notPermitted("section \(section): the action names no revision commit or content hash.")
    }
    guard repository.objectExists(commitId), let blob = try repository.blobID(at: Workspace.sectionPath(section), in: commitId),
      repository.objectExists(blob)
    else {
      throw PolicyFlowError.notPermitted(
        "section \(section): revision \(number)'s commit \(commitId) is missing or holds no \(Workspace.sectionPath(section)).")
    }
    let data = try repository.readBlob(blob)
    guard sha256Hex(data) == hash else {
      throw PolicyFlowError.notPermitted("section \(section): revision \(number)'s text does not match its content hash.")
    }
    let text = String(decoding: data, as: UTF8.self)
    let record = RevisionRecord(
      sectionId: section, number: number, commitId: commitId.hex, blobId: blob.hex, contentHash: hash, authorId: author,
      message: message, createdAt: entry.time, headings: SectionText.recordedHeadings(of: text))
    return (record, text)
  }

  // MARK: - Revisions

  private func applySubmit(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
    let transition = try permittedTransition(on: "submit", section: section, record: record, actor: actor)
    guard let previous = try tx.revision(section.id, record.latestRevision) else {
      throw PolicyFlowError.internal("section \(section.id) has no indexed revision \(record.latestRevision)")
    }
    guard entry[.revisionCommit] != nil else {
      // Sending the unchanged text (e.g. the template's revision 0) into review is a submission without a new
      // revision; re-sending what is already under review is nothing at all.
      guard entry[.contentHash] == previous.contentHash else {
        throw PolicyFlowError.notPermitted(
          "section \(section.id): the unchanged submission names revision \(entry[.revision] ?? "?"), but the latest "
            + "is \(previous.number), with other text.")
      }
      guard record.state != transition.to else {
        throw PolicyFlowError.badInput(
          "section \(section.id): the text is identical to revision \(previous.number), which is already "
            + "\(stateLabel(record.state)); nothing to submit. Edit the text and submit again.")
      }
      try setState(section.id, tx, to: transition.to, at: entry.time)
      try appendEvent(
        tx, entry, action: "submit", section: section.id, from: record.state, to: transition.to,
        revision: previous.number, detail: entry.body.isEmpty ? "revision \(previous.number) unchanged" : entry.body)
      let requested = try tx.signoffs(of: section.id, revision: previous.number).contains { $0.decision == .requestChanges }
      return AppliedAction(
        fromState: record.state, toState: transition.to, revision: previous.number,
        notes: ["the text is unchanged: revision \(previous.number) goes to review as it is."
          + (requested ? " Changes were requested on it: the sign-offs given before that request no longer count." : "")])
    }
    // Revisions are numbered in the order submissions take effect. A submission made on another copy while it was
    // apart names the number it would have had there; it becomes the next revision here (docs/sync.md), never an
    // earlier one than its author could have seen.
    let number = record.latestRevision + 1
    guard let named = entry.int(.revision), named <= number else {
      throw PolicyFlowError.notPermitted(
        "section \(section.id): the submission names revision \(entry[.revision] ?? "?"), but the next is \(number).")
    }
    let summary = entry.body.isEmpty ? "Revision \(number)" : entry.body
    let (revision, text) = try revisionRow(entry, section: section.id, number: number, author: actor.id, message: summary)
    // The revision commit continues the section's branch: its parent is (or descends from) an earlier revision —
    // the latest, or on a copy that was apart the one its author had; after `sync` joined the branch, the join.
    let parents = try repository.commit(ObjectID(hex: revision.commitId)!).parents
    let earlier = try tx.revisionCommits(of: section.id).lazy.compactMap { ObjectID(hex: $0) }
    guard parents.count == 1,
      try earlier.contains(where: { try repository.isAncestor($0, of: parents[0]) })
    else {
      throw PolicyFlowError.notPermitted(
        "section \(section.id): revision \(number)'s commit does not follow an earlier revision on its branch.")
    }
    guard revision.contentHash != previous.contentHash else {
      throw PolicyFlowError.notPermitted("section \(section.id): revision \(number) repeats revision \(previous.number).")
    }
    let missing = SectionText.missingHeadings(section.requiredHeadings, recorded: revision.headings ?? "")
    guard missing.isEmpty else {
      throw PolicyFlowError.badInput(
        "section \(section.id): the text lacks the required sub-heading\(missing.count == 1 ? "" : "s") "
          + missing.map { "\"\($0)\"" }.joined(separator: ", ")
          + ". Add \(missing.count == 1 ? "it" : "them") as `## …` heading lines and submit again; nothing was recorded.")
    }
    var notes: [String] = []
    let stale = try tx.signoffs(of: section.id, revision: previous.number).filter { $0.decision == .approve }
    if !stale.isEmpty {
      notes.append("\(stale.count) sign-off\(stale.count == 1 ? "" : "s") on revision \(previous.number) no longer count.")
    }
    try tx.insertRevision(revision)
    let contentData = Data(text.utf8)
    var hunksByAnchor: [Int: [DiffHunk]] = [:]
    func hunks(from anchor: Int) throws -> [DiffHunk] {
      if let known = hunksByAnchor[anchor] { return known }
      let old = try revisionText(section.id, try tx.revision(section.id, anchor))
      let computed = try repository.diffHunks(old: Data(old.utf8), new: contentData, contextLines: 0)
      hunksByAnchor[anchor] = computed
      return computed
    }
    let outdated = try carryComments(tx, section: section.id, to: number, hunks: hunks)
    if outdated > 0 { notes.append("\(outdated) comment\(outdated == 1 ? " is" : "s are") outdated: their lines changed.") }
    try carryLinks(tx, section: section.id, from: previous.number, to: number, hunks: hunks)
    var updated = record
    updated.latestRevision = number
    updated.state = transition.to
    updated.updatedAt = entry.time
    try tx.updateSection(updated)
    if named != number {
      notes.append("submitted as revision \(named) on a copy that was apart; it is revision \(number).")
    }
    try appendEvent(
      tx, entry, action: "submit", section: section.id, from: record.state, to: transition.to, revision: number,
      commit: revision.commitId, detail: named == number ? summary : "\(summary) (submitted as revision \(named))")
    return AppliedAction(fromState: record.state, toState: transition.to, revision: number, notes: notes)
  }

  /// Open threads follow their lines into the new revision (diffs computed only for the revisions they sit on).
  private func carryComments(
    _ tx: StoreTransaction, section: String, to revision: Int, hunks: (Int) throws -> [DiffHunk]
  ) throws -> Int {
    var outdated = 0
    for var comment in try tx.anchoredThreads(of: section) {
      guard comment.status == .open || comment.lineStart != nil else { continue }
      if let start = comment.lineStart, let end = comment.lineEnd {
        if let followed = LineAnchor.follow(start...end, through: try hunks(comment.anchorRevision)) {
          comment.lineStart = followed.lowerBound
          comment.lineEnd = followed.upperBound
          comment.anchorRevision = revision
        } else {
          comment.outdated = true
          outdated += comment.status == .open ? 1 : 0
        }
      } else {
        comment.anchorRevision = revision
      }
      try tx.moveCommentAnchor(comment)
    }
    return outdated
  }

  /// Links whose lines are untouched follow the text; the rest stay on the old revision and so read as suspect.
  private func carryLinks(
    _ tx: StoreTransaction, section: String, from old: Int, to new: Int, hunks: (Int) throws -> [DiffHunk]
  ) throws {
    for var link in try tx.links(section: section) where link.kind == .addressed && link.revisionNumber == old {
      guard let start = link.lineStart, let end = link.lineEnd,
        let followed = LineAnchor.follow(start...end, through: try hunks(old))
      else { continue }
      link.lineStart = followed.lowerBound
      link.lineEnd = followed.upperBound
      link.revisionNumber = new
      try tx.updateLink(link)
    }
  }

  // MARK: - Review votes and transitions

  private func applySignoff(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
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
    let (capacity, group) = try recordedCapacity(entry, held: held, section: section)
    let revision = try latestRevision(section.id, record, tx, entry: entry)
    try refuseOwnText(actor: actor, revision: revision, section: section, tx)
    if SignoffRound.counting(try tx.signoffs(of: section.id, revision: revision.number), contentHash: revision.contentHash)
      .contains(where: { $0.personId == actor.id })
    {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) has already signed off revision \(revision.number) of section \(section.id); "
          + "a person counts once per revision. Nothing was recorded.")
    }
    try tx.insertSignoff(SignoffRecord(
      sectionId: section.id, revisionNumber: revision.number, contentHash: revision.contentHash, personId: actor.id,
      capacity: capacity.rawValue, groupCode: group, decision: .approve, message: entry.body, createdAt: entry.time))
    try appendEvent(
      tx, entry, action: "signoff", section: section.id, from: record.state, to: record.state,
      revision: revision.number, detail: "\(capacity.rawValue)\(group.map { " \($0)" } ?? ""): \(entry.body)")
    return AppliedAction(fromState: record.state, toState: record.state, revision: revision.number)
  }

  private func applyRequestChanges(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
    let transition = try permittedTransition(on: "request_changes", section: section, record: record, actor: actor)
    let revision = try latestRevision(section.id, record, tx, entry: entry)
    try refuseOwnText(actor: actor, revision: revision, section: section, tx)
    let held = capacities(of: actor, for: section, among: Set(transition.allowed))
    let (capacity, group) = try recordedCapacity(entry, held: held, section: section)
    try tx.insertSignoff(SignoffRecord(
      sectionId: section.id, revisionNumber: revision.number, contentHash: revision.contentHash, personId: actor.id,
      capacity: capacity.rawValue, groupCode: group, decision: .requestChanges, message: entry.body,
      createdAt: entry.time))
    try setState(section.id, tx, to: transition.to, at: entry.time)
    try appendEvent(
      tx, entry, action: "request_changes", section: section.id, from: record.state, to: transition.to,
      revision: revision.number, detail: entry.body)
    return AppliedAction(fromState: record.state, toState: transition.to, revision: revision.number)
  }

  private func applyTransition(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
    guard let event = entry[.event], !["submit", "request_changes"].contains(event) else {
      throw PolicyFlowError.notPermitted("section \(section.id): the transition names no event of its own.")
    }
    let transition = try permittedTransition(on: event, section: section, record: record, actor: actor)
    try setState(section.id, tx, to: transition.to, at: entry.time)
    try appendEvent(
      tx, entry, action: event, section: section.id, from: record.state, to: transition.to,
      revision: record.latestRevision, detail: entry.body)
    return AppliedAction(fromState: record.state, toState: transition.to, revision: record.latestRevision)
  }

  /// The capacity the record says the actor acted in, which they must hold.
  private func recordedCapacity(
    _ entry: RecordEntry, held: [(capacity: Capacity, group: String?)], section: SectionSpec
  ) throws -> (Capacity, String?) {
    guard let raw = entry[.capacity], let capacity = Capacity(rawValue: raw),
      let match = held.first(where: {
        $0.capacity == capacity && normalizedCode($0.group ?? "") == normalizedCode(entry[.group] ?? "")
      })
    else {
      throw PolicyFlowError.notPermitted(
        "section \(section.id): the action claims the capacity \(entry[.capacity] ?? "none")"
          + "\(entry[.group].map { " \($0)" } ?? ""), which its actor does not hold.")
    }
    return (match.capacity, match.group)
  }

  private func latestRevision(_ id: String, _ record: SectionRecord, _ tx: StoreTransaction, entry: RecordEntry) throws
    -> RevisionRecord
  {
    guard let revision = try tx.revision(id, record.latestRevision) else {
      throw PolicyFlowError.internal("section \(id) has no indexed revision \(record.latestRevision)")
    }
    // The text decides, not the number: a revision submitted on a copy that was apart may have been renumbered —
    // but only upwards, so a number above the latest names no revision that ever existed.
    guard entry[.contentHash] == revision.contentHash, (entry.int(.revision) ?? 0) <= revision.number else {
      throw PolicyFlowError.notPermitted(
        "section \(id): the action was given on revision \(entry[.revision] ?? "?"), but the latest revision is "
          + "\(revision.number)\(entry[.contentHash] == revision.contentHash ? "" : ", with other text"); it no longer "
          + "applies.")
    }
    return revision
  }

  // MARK: - Comments

  private func applyComment(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member, mode: ApplyMode) throws
    -> AppliedAction
  {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
    guard isMember(actor) else {
      throw PolicyFlowError.notPermitted("\(actor.id) has no role in members.yaml and may not comment.")
    }
    var parent: CommentRecord?
    if entry.kind == .reply {
      guard let target = entry[.comment], let found = try tx.comment(recordId: target), found.sectionId == section.id
      else {
        throw PolicyFlowError.missing(
          "section \(section.id) has no comment \(entry[.comment].map(RecordEntry.shortID) ?? "?") to reply to; "
            + "see `policyflow comments \(section.id)`.")
      }
      parent = try found.parentId.flatMap { try tx.comment($0) } ?? found
    }
    guard let named = entry.int(.revision), let revision = try commentedRevision(section.id, named: named, entry, tx)
    else {
      throw PolicyFlowError.missing(
        "section \(section.id) has no revision \(entry[.revision] ?? "?") (revisions 0-\(record.latestRevision)).")
    }
    let number = revision.number
    var quoted: String?
    let lines = entry.lines
    if entry[.lines] != nil && lines == nil { throw PolicyFlowError.usage("malformed line range `\(entry[.lines]!)`.") }
    if let lines {
      let textLines = SectionText.lines(try revisionText(section.id, revision))
      guard lines.upperBound <= textLines.count else {
        throw PolicyFlowError.usage(
          "section \(section.id) revision \(number) has lines 1-\(textLines.count); --line \(lines.lowerBound)"
            + "\(lines.count > 1 ? "-\(lines.upperBound)" : "") is outside it. See `policyflow show \(section.id) "
            + "--revision \(number) --line-numbers`.")
      }
      quoted = textLines[(lines.lowerBound - 1)...(lines.upperBound - 1)].joined(separator: "\n")
    }
    let blocking = entry[.blocking] == "true"
    if parent != nil && (lines != nil || blocking) {
      throw PolicyFlowError.usage("a reply (--reply) belongs to its thread: it takes no --line or --blocking.")
    }
    let recordId = entry.commit?.hex ?? String(repeating: "0", count: 40)
    var comment = CommentRecord(
      recordId: recordId, sectionId: section.id, revisionNumber: number, lineStart: lines?.lowerBound,
      lineEnd: lines?.upperBound, quotedText: quoted, authorId: actor.id, body: entry.body, blocking: blocking,
      parentId: parent?.id, createdAt: entry.time)
    if let parent { comment.anchorRevision = parent.anchorRevision }
    comment = try tx.insertComment(comment)
    try appendEvent(
      tx, entry, action: parent == nil ? "comment" : "reply", section: section.id, revision: number,
      detail: "#\(RecordEntry.shortID(recordId))\(blocking ? " blocking" : "")")
    return AppliedAction(revision: number, comment: comment)
  }

  private func applyThreadStatus(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let open = entry.kind == .reopenComment
    let section = try section(entry.section ?? "")
    guard let target = entry[.comment], var root = try tx.comment(recordId: target), root.sectionId == section.id,
      root.parentId == nil
    else {
      throw PolicyFlowError.missing(
        "section \(section.id) has no comment thread \(entry[.comment].map(RecordEntry.shortID) ?? "?").")
    }
    let shortID = RecordEntry.shortID(root.recordId)
    // Who may resolve is the workflow's (`permissions:`), by default never the drafter whose text a blocking
    // comment holds back.
    let permitted = workflow.permissions.resolvers(blocking: root.blocking)
    let byCapacity = workflow.permissions.resolvingCapacities(blocking: root.blocking)
    guard mayResolve(root, actor: actor, section: section) else {
      let who = (permitted.contains(.author) ? ["its author"] : [])
        + Capacity.allCases.filter(byCapacity.contains).map { describe($0, for: section) }
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not \(open ? "reopen" : "resolve") \(root.blocking ? "blocking " : "")comment \(shortID) on "
          + "section \(section.id): that is for \(who.joined(separator: "; ")) (the workflow's permissions). "
          + "Nothing was changed.")
    }
    if (root.status == .open) == open {
      throw PolicyFlowError.notPermitted(
        "comment \(shortID) on section \(section.id) is already \(open ? "open" : "resolved"); nothing was changed.")
    }
    root.status = open ? .open : .resolved
    root.resolvedBy = open ? nil : actor.id
    root.resolvedAt = open ? nil : entry.time
    try tx.updateComment(root)
    try appendEvent(
      tx, entry, action: open ? "reopen-comment" : "resolve-comment", section: section.id,
      detail: "#\(shortID)\(entry.body.isEmpty ? "" : ": \(entry.body)")")
    return AppliedAction(comment: root)
  }

  /// Whether `actor` may resolve or reopen the thread `root` of `section`: the workflow's `permissions:`.
  func mayResolve(_ root: CommentRecord, actor: Member, section: SectionSpec) -> Bool {
    let byCapacity = workflow.permissions.resolvingCapacities(blocking: root.blocking)
    return workflow.permissions.mayResolve(
      blocking: root.blocking, isAuthor: root.authorId == actor.id,
      held: Set(capacities(of: actor, for: section, among: byCapacity).map(\.capacity)))
  }

  // MARK: - Requirements

  private func applyAnswer(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let section = try section(entry.section ?? "")
    let record = try indexedSection(section.id, tx)
    guard let requirementId = entry[.requirement], let requirement = try tx.requirement(requirementId) else {
      throw PolicyFlowError.missing("unknown requirement `\(entry[.requirement] ?? "")`; see `policyflow req list`.")
    }
    var kind: RequirementLinkRecord.Kind = entry.kind == .waive ? .waived : .addressed
    var note = entry.body
    var lines = entry.lines
    if entry.kind == .confirm {
      guard let existing = try tx.links(requirement: requirement.id, section: section.id).first else {
        throw PolicyFlowError.missing(
          "requirement \(requirement.id) has no link or waiver in section \(section.id) to confirm; "
            + "use `policyflow req link \(requirement.id) \(section.id) -m NOTE`.")
      }
      kind = existing.kind
      note = existing.note
      lines = existing.lineStart.map { $0...(existing.lineEnd ?? $0) }
    }
    guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage(
        kind == .waived
          ? "say why \(requirement.id) is not answered in \(section.id): -m REASON"
          : "say where and how \(section.id) answers \(requirement.id): -m NOTE")
    }
    // Linking is drafting; waiving is the workflow's (`permissions: waive`), by default not the department's own.
    let allowed: Set<Capacity> = kind == .waived ? Set(workflow.permissions.waive) : [.ownerDrafter, .ownerHead]
    guard !capacities(of: actor, for: section, among: allowed).isEmpty else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not \(kind == .waived ? "waive" : "link") requirement \(requirement.id) in section "
          + "\(section.id): that is for \(describe(Capacity.allCases.filter(allowed.contains), for: section)). "
          + "Nothing was changed.")
    }
    guard let latest = try tx.revision(section.id, record.latestRevision),
      entry[.contentHash].map({ $0 == latest.contentHash && (entry.int(.revision) ?? 0) <= latest.number })
        ?? (entry.int(.revision) == latest.number)
    else {
      throw PolicyFlowError.notPermitted(
        "section \(section.id): the answer was given on revision \(entry[.revision] ?? "?"), which is no longer the latest.")
    }
    var linkedHash = latest.contentHash
    if let lines {
      let textLines = SectionText.lines(try revisionText(section.id, latest))
      guard lines.lowerBound >= 1, lines.upperBound <= textLines.count else {
        throw PolicyFlowError.usage(
          "section \(section.id) revision \(latest.number) has lines 1-\(textLines.count); --lines "
            + "\(lines.lowerBound)-\(lines.upperBound) is outside it.")
      }
      linkedHash = sha256Hex(textLines[(lines.lowerBound - 1)...(lines.upperBound - 1)].joined(separator: "\n"))
    }
    try tx.replaceLink(RequirementLinkRecord(
      requirementId: requirement.id, sectionId: section.id, kind: kind, note: note, revisionNumber: latest.number,
      lineStart: lines?.lowerBound, lineEnd: lines?.upperBound, linkedTextHash: linkedHash,
      requirementHash: requirement.textHash, createdBy: actor.id, createdAt: entry.time))
    try appendEvent(
      tx, entry, action: entry.kind.rawValue, section: section.id, revision: latest.number,
      detail: "\(requirement.id): \(note)")
    return AppliedAction(revision: latest.number)
  }

  /// `req add` / `req edit`: the requirement as the definition commit the action names has it.
  private func applyRequirementChange(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws
    -> AppliedAction
  {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not change requirements: that is for the secretariat (role secretariat). Nothing was changed.")
    }
    guard let id = entry[.requirement], let requirement = definition.requirement(id) else {
      throw PolicyFlowError.notPermitted(
        "requirement \(entry[.requirement] ?? "?") is not in the definition commit \(entry.definition) the action names.")
    }
    let existing = try tx.requirement(id)
    if entry.kind == .requirementAdd, existing != nil {
      throw PolicyFlowError.notPermitted("requirement \(id) exists already; change it with `policyflow req edit \(id)`.")
    }
    if entry.kind == .requirementEdit, existing == nil {
      throw PolicyFlowError.missing("unknown requirement `\(id)`; see `policyflow req list`.")
    }
    let position = try existing?.position ?? tx.requirements().count
    try tx.upsertRequirement(requirementRecord(requirement, position: position))
    try appendEvent(
      tx, entry, action: entry.kind.rawValue, commit: entry.definition.hex, detail: "\(id): \(requirement.text)")
    return AppliedAction()
  }

  /// `member add|retire`, `department add|retire`, `section retire`: the definition commit the action names makes
  /// exactly this change to the definition in force before it (its first parent's), and is the secretariat's.
  private func applyMembershipChange(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws
    -> AppliedAction
  {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not change who or what takes part in the policy: that is for the secretariat.")
    }
    let commit = try repository.commit(entry.definition)
    guard let parent = commit.parents.first else {
      throw PolicyFlowError.notPermitted("the definition commit \(entry.definition) the action names has no parent.")
    }
    let before = try definitionPair(at: try chain.link(at: parent).inForce).0
    let now = definition
    let detail: String
    switch entry.kind {
    case .memberAdd, .memberRetire:
      let id = entry[.member] ?? ""
      let added = entry.kind == .memberAdd
      guard let member = added ? now.members.member(id: id) : now.members.retiredMember(id),
        before.members.member(id: id) == (added ? nil : member)
      else {
        throw PolicyFlowError.notPermitted(
          "the definition commit \(entry.definition) does not \(added ? "add" : "retire") member `\(id)`.")
      }
      detail = "\(member.id): \(member.name) <\(member.email)>"
    case .departmentAdd, .departmentRetire:
      let code = entry[.department] ?? ""
      let added = entry.kind == .departmentAdd
      guard let department = added ? now.manifest.department(code) : now.manifest.retiredDepartment(code),
        before.manifest.department(code) == (added ? nil : department)
      else {
        throw PolicyFlowError.notPermitted(
          "the definition commit \(entry.definition) does not \(added ? "add" : "retire") department `\(code)`.")
      }
      detail = "\(department.code): \(department.name)"
    default:
      let id = entry.section ?? ""
      guard let section = now.manifest.retiredSection(id), before.manifest.section(id) != nil, try tx.section(id) != nil
      else {
        throw PolicyFlowError.notPermitted(
          "the definition commit \(entry.definition) does not retire section `\(id)` of the policy.")
      }
      // Its row says so: no state of the workflow, and no approved text (main's left with the retirement), so
      // neither `verify` nor `sync` expect it on main and no requirement counts as answered by it.
      var record = try indexedSection(id, tx)
      let from = record.state
      record.state = Workspace.retiredState
      record.approvedRevision = nil
      record.approvedCommit = nil
      record.updatedAt = entry.time
      try tx.updateSection(record)
      try appendEvent(
        tx, entry, action: entry.kind.rawValue, section: id, from: from, to: record.state,
        revision: record.latestRevision, commit: entry.definition.hex, detail: section.title)
      return AppliedAction(fromState: from, toState: record.state)
    }
    try appendEvent(
      tx, entry, action: entry.kind.rawValue, section: entry.section, commit: entry.definition.hex, detail: detail)
    return AppliedAction()
  }

  func requirementRecord(_ requirement: Requirement, position: Int) -> RequirementRecord {
    RequirementRecord(
      id: requirement.id, kind: requirement.kind.rawValue, source: requirement.source, theme: requirement.theme,
      text: requirement.text, textHash: sha256Hex(requirement.text), targets: requirement.targets,
      file: requirement.file, position: position)
  }

  private func applyRelease(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted("\(actor.name) may not publish a release: that is for the secretariat.")
    }
    guard let name = entry[.releaseName], let commit = entry.objectID(.releaseCommit), repository.objectExists(commit)
    else {
      throw PolicyFlowError.notPermitted("the release names no release commit that exists.")
    }
    try appendEvent(tx, entry, action: "release", commit: commit.hex, detail: name)
    return AppliedAction()
  }

  // MARK: - Keys

  /// `key propose`: a member proposes a public key of their own, on the policy's record. Signed with one of their
  /// current keys it shows the member asked for it (a rotation); unsigned (a lost key) it is attributed only and
  /// proves nothing, so adopting it needs the fingerprint checked with the member out of band.
  private func applyKeyProposal(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    guard entry.section == nil else {
      throw PolicyFlowError.notPermitted("a key proposal belongs on the policy's record, not on a section's.")
    }
    guard let line = entry[.key], let key = try? SSHPublicKey(line: line) else {
      throw PolicyFlowError.badInput("the key proposal names no usable Ed25519 public key.")
    }
    if entry[.member] != nil && entry[.member] != actor.id {
      throw PolicyFlowError.notPermitted(
        "\(actor.id) may not propose a key for \(entry[.member] ?? ""): a member proposes only a key of their own.")
    }
    if let holder = definition.members.members.first(where: { $0.lists(key) }) {
      throw PolicyFlowError.notPermitted(
        holder.id == actor.id
          ? "members.yaml lists \(key.fingerprint) for \(actor.id) already; there is nothing to propose."
          : "\(key.fingerprint) is the key of \(holder.id); a key speaks for one member only.")
    }
    let fingerprint = key.fingerprint
    // A declined proposal is closed: the member may propose the same key again (say, once it is confirmed).
    let declined = Set(try tx.policyEvents(action: "key-decline").compactMap { Workspace.proposalNamed(in: $0.detail) })
    if let earlier = try tx.policyEvents(action: "key-propose").first(where: {
      $0.actor == actor.id && $0.detail.hasPrefix(fingerprint + " ") && !declined.contains($0.commitId ?? "")
    }) {
      throw PolicyFlowError.notPermitted(
        "\(actor.id) proposed \(fingerprint) already (proposal \(RecordEntry.shortID(earlier.commitId ?? ""))).")
    }
    let signed = try entry.commit.map { try repository.commitSignature($0) != nil } ?? true
    try appendEvent(tx, entry, action: "key-propose", detail: "\(fingerprint) \(signed ? "signed" : "unsigned")")
    return AppliedAction()
  }

  /// `key add MEMBER --proposal ID`: closes a proposal whose key the definition the action names lists for its
  /// member (the signed change of members.yaml that the same command wrote just before).
  private func applyKeyAdoption(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let (id, proposal) = try proposalClosed(by: entry, tx, actor: actor, verb: "adopt")
    let short = RecordEntry.shortID(id)
    guard entry[.member] == proposal.actor, let line = entry[.key], let key = try? SSHPublicKey(line: line),
      proposal.detail.hasPrefix(key.fingerprint + " ")
    else {
      throw PolicyFlowError.notPermitted(
        "the adoption does not name the member and key of proposal \(short) (\(proposal.actor): \(proposal.detail)).")
    }
    try requireOpenProposal(id, tx)
    guard definition.members.member(id: proposal.actor)?.lists(key) == true else {
      throw PolicyFlowError.notPermitted(
        "the definition the adoption names (\(RecordEntry.shortID(entry.definition.hex))) does not list "
          + "\(key.fingerprint) for \(proposal.actor): the change of members.yaml it stands for is not in force.")
    }
    try appendEvent(
      tx, entry, action: "key-adopt", commit: entry.definition.hex,
      detail: "\(proposal.actor) \(key.fingerprint) (proposal \(id))")
    return AppliedAction()
  }

  /// `key decline ID`: the secretariat closes a proposal without listing its key, saying why (the action's body).
  private func applyKeyDecline(_ entry: RecordEntry, _ tx: StoreTransaction, actor: Member) throws -> AppliedAction {
    let (id, proposal) = try proposalClosed(by: entry, tx, actor: actor, verb: "decline")
    try requireOpenProposal(id, tx)
    let fingerprint = proposal.detail.split(separator: " ").first.map(String.init) ?? ""
    // A key the definition lists is in force whatever the record says of its proposal: declining it would contradict
    // members.yaml (an adoption interrupted after its change of members.yaml is completed, or the key revoked).
    if let member = definition.members.member(id: proposal.actor),
      member.keys.contains(where: { parsedKey($0)?.fingerprint == fingerprint })
    {
      let short = RecordEntry.shortID(id)
      throw PolicyFlowError.notPermitted(
        "members.yaml lists \(fingerprint) for \(proposal.actor) already (an adoption interrupted after its change of "
          + "members.yaml, or a plain `key add`): proposal \(short) cannot be declined. Complete its adoption with "
          + "`policyflow key add \(proposal.actor) --proposal \(short)`, or take the key away with `policyflow key "
          + "revoke \(proposal.actor)`. Nothing was changed.")
    }
    try appendEvent(tx, entry, action: "key-decline", detail: "\(proposal.actor) \(fingerprint) (proposal \(id))")
    return AppliedAction()
  }

  /// The proposal an adoption or a decline names (`Policyflow-Key-Proposal`), which only the secretariat may close.
  private func proposalClosed(by entry: RecordEntry, _ tx: StoreTransaction, actor: Member, verb: String) throws
    -> (id: String, proposal: EventRecord)
  {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) (\(actor.id)) may not \(verb) a key proposal: that is for the secretariat. Nothing was changed.")
    }
    guard entry.section == nil, let id = entry[.keyProposal],
      let proposal = try tx.policyEvents(action: "key-propose").first(where: { $0.commitId == id })
    else {
      throw PolicyFlowError.missing(
        "there is no key proposal \(entry[.keyProposal].map(RecordEntry.shortID) ?? "?"); see `policyflow key proposals`.")
    }
    return (id, proposal)
  }

  /// One home for "a proposal is closed once": adopted or declined, it takes neither again.
  private func requireOpenProposal(_ id: String, _ tx: StoreTransaction) throws {
    let short = RecordEntry.shortID(id)
    for (action, word) in [("key-adopt", "adopted"), ("key-decline", "declined")]
    where try tx.policyEvents(action: action).contains(where: { Workspace.proposalNamed(in: $0.detail) == id }) {
      throw PolicyFlowError.notPermitted("key proposal \(short) was \(word) already; nothing was changed.")
    }
  }

  /// The proposal a `key-adopt` or `key-decline` event's detail names ("MEMBER FINGERPRINT (proposal ID)").
  static func proposalNamed(in detail: String) -> String? {
    guard detail.hasSuffix(")"), let range = detail.range(of: "(proposal ", options: .backwards) else { return nil }
    return String(detail[range.upperBound..<detail.index(before: detail.endIndex)])
  }

  /// The rule for keys used after their revocation (docs/signing.md, "A revoked key used after revocation").
  ///
  /// An action is judged by the definition it names, which the actor chooses, and its commit time is the actor's
  /// word too. What the actor cannot choose is where the action sits in the record: its record ancestors (every
  /// parent, joins included) were there when it was made, and each names the definition its own actor had. If one
  /// of them names a definition E that is newer than the one the action names (descends from it on main) and the
  /// definition in force at E no longer lists the key that signed the action for its actor — or no longer lists the
  /// actor — the action was made after its copy had seen the revocation: it takes no effect, whatever its
  /// `Policyflow-Definition` or commit time says. An action made on a copy that had not seen the revocation (nothing
  /// before it in the record names it) is judged by the definition it names, as an honest copy that was offline
  /// writes it; that is the rule's limit.
  ///
  /// Only actions whose actor or key the definition in force today does not list are examined (a key listed again
  /// counts as trusted again), so the walk costs nothing for everybody else.
  func revokedKeyProblem(_ entry: RecordEntry, actor: Member, keys: [SSHPublicKey]) throws -> String? {
    let inForce = try chain.link(at: mainCommit).inForce
    // The actor's keys in force, parsed when first asked for (every member's were parsed for a single act: 3.4 M
    // instructions of a signed comment on a policy of 30 members); nil for a member the definition in force lacks.
    if keysInForce?.commit != inForce { keysInForce = (inForce, [:]) }
    if keysInForce!.keys[actor.id] == nil {
      let member = try definitionPair(at: inForce).0.members.member(id: actor.id)
      keysInForce!.keys[actor.id] = .some(member.map { Set($0.keys.compactMap { parsedKey($0) }) })
    }
    if let listed = keysInForce!.keys[actor.id]!, listed.isSuperset(of: keys) { return nil }
    guard let commit = entry.commit else { return nil }
    let named = entry.definition
    var verdicts: [ObjectID: String?] = [:]
    var seen: Set<ObjectID> = [commit]
    var queue = try repository.commit(commit).parents
    var index = 0
    while index < queue.count {
      let id = queue[index]
      index += 1
      guard seen.insert(id).inserted else { continue }
      let parent = try repository.commit(id)
      queue += parent.parents
      guard let earlier = try? RecordMessage.parse(parent), earlier.definition != named else { continue }
      let later = earlier.definition
      if verdicts[later] == nil {
        verdicts[later] = try revocation(of: keys, for: actor.id, at: later, after: named)
      }
      if let revoked = verdicts[later]!, let earlierCommit = earlier.commit {
        return "\(revoked), which action \(RecordEntry.shortID(earlierCommit.hex)) before it in the record names "
          + "(\(earlier.kind.rawValue) by \(earlier.actor)): it was made after its copy had seen that definition, so "
          + "the older definition it names (\(RecordEntry.shortID(named.hex))) does not make the key count again, "
          + "whatever its commit time says"
      }
    }
    return nil
  }

  /// Why `keys` (or the member) do not count in the definition in force at `later`, when `later` is newer than
  /// `named`; nil when they count or `later` is not newer.
  private func revocation(of keys: [SSHPublicKey], for member: String, at later: ObjectID, after named: ObjectID)
    throws -> String?
  {
    guard repository.objectExists(later), try repository.isAncestor(named, of: later) else { return nil }
    let inForce = try chain.link(at: later).inForce
    let members = try definitionPair(at: inForce).0.members
    let short = RecordEntry.shortID(inForce.hex)
    guard let listed = members.member(id: member) else {
      return "\(member) is no longer a member in the definition of \(short)"
    }
    guard let key = keys.first(where: { !listed.lists($0) }) else { return nil }
    return "signed with \(key.fingerprint), which is revoked: members.yaml no longer lists it for \(member) in the "
      + "definition of \(short)"
  }

  // MARK: - Automatic transitions

  /// Fires the first automatic transition whose guards hold after the action; entering an approved state needs
  /// the approval commit the action names (in a dry run: reports that one must be written).
  private func evaluateAutomaticTransition(
    section: SectionSpec, entry: RecordEntry, _ tx: StoreTransaction, mode: ApplyMode, into result: inout AppliedAction
  ) throws {
    let record = try indexedSection(section.id, tx)
    let named = entry.objectID(.approvalCommit)
    guard !workflow.automaticTransitions(from: record.state).isEmpty else {
      if named != nil { throw PolicyFlowError.notPermitted("the action names an approval commit, but approves nothing.") }
      return
    }
    let facts = try facts(for: section, record: record, reader: tx)
    guard let transition = workflow.firableAutomaticTransition(from: record.state, facts: facts) else {
      if named != nil { throw PolicyFlowError.notPermitted("the action names an approval commit, but approves nothing.") }
      return
    }
    guard let revision = try tx.revision(section.id, record.latestRevision) else { return }
    var updated = record
    updated.state = transition.to
    updated.updatedAt = entry.time
    var approval: ObjectID?
    if workflow.state(transition.to)?.isApproved == true {
      // A sign-off stays valid when its reviewer retires afterwards: they are named among the signers.
      let signers = facts.signoffs.compactMap { definition.members.anyone(id: $0.personID) }
      let pending = PendingApproval(section: section, revision: revision, signers: signers, transition: transition)
      if mode == .dryRun {
        result.approval = pending
      } else {
        guard let named else {
          throw PolicyFlowError.notPermitted(
            "section \(section.id): the action completes the guards of `\(transition.id)`, which approves revision "
              + "\(revision.number), but names no approval commit on main.")
        }
        try checkApprovalCommit(named, pending, author: entry.authorEmail)
        approval = named
        updated.approvedRevision = revision.number
        updated.approvedCommit = named.hex
      }
    } else if named != nil {
      throw PolicyFlowError.notPermitted("the action names an approval commit, but approves nothing.")
    }
    try tx.updateSection(updated)
    try appendEvent(
      tx, entry, action: workflow.state(transition.to)?.isApproved == true ? "approved" : "auto-transition",
      section: section.id, from: record.state, to: transition.to, revision: revision.number, commit: approval?.hex,
      detail: "automatic: the guards of `\(transition.id)` hold")
    result.toState = transition.to
    result.approvalCommit = approval
  }

  /// The approval commit holds the approved revision's text and says so in its trailers, naming its signers.
  private func checkApprovalCommit(_ id: ObjectID, _ pending: PendingApproval, author: String) throws {
    guard repository.objectExists(id) else {
      throw PolicyFlowError.notPermitted("section \(pending.section.id): the approval commit \(id) does not exist.")
    }
    let commit = try repository.commit(id)
    guard let parsed = ApprovalMessage.parse(commit), parsed.section == pending.section.id,
      parsed.revision == pending.revision.number, parsed.revisionCommit == pending.revision.commitId,
      parsed.contentHash == pending.revision.contentHash,
      try repository.blobID(at: Workspace.sectionPath(pending.section.id), in: id)?.hex == pending.revision.blobId
    else {
      throw PolicyFlowError.notPermitted(
        "section \(pending.section.id): the approval commit \(id) does not hold revision \(pending.revision.number).")
    }
    guard commit.author.email.lowercased() == author.lowercased(), commit.committer.email.lowercased() == author.lowercased()
    else {
      throw PolicyFlowError.notPermitted(
        "section \(pending.section.id): the approval commit \(id) is authored by <\(commit.author.email)>, not by the "
          + "member whose action completed the approval.")
    }
    guard Set(parsed.signers) == Set(pending.signers.map { "\($0.name) <\($0.email)>" }) else {
      throw PolicyFlowError.notPermitted(
        "section \(pending.section.id): the approval commit \(id) names signers other than those whose sign-offs count.")
    }
  }

  // MARK: - Helpers

  /// The revision a comment names: by its number, unless the text (content hash) shows that the revision was
  /// renumbered when copies that were apart were joined; then the latest revision with that text.
  private func commentedRevision(_ id: String, named: Int, _ entry: RecordEntry, _ tx: StoreTransaction) throws
    -> RevisionRecord?
  {
    let byNumber = try tx.revision(id, named)
    guard let hash = entry[.contentHash], byNumber?.contentHash != hash else { return byNumber }
    return try tx.revisions(of: id).last { $0.contentHash == hash }
  }

  func indexedSection(_ id: String, _ tx: StoreReader) throws -> SectionRecord {
    guard let record = try tx.section(id) else {
      throw PolicyFlowError.notPermitted("section \(id) has no revision 0 in the record.")
    }
    return record
  }

  private func setState(_ id: String, _ tx: StoreTransaction, to state: String, at time: Date) throws {
    var record = try indexedSection(id, tx)
    record.state = state
    record.updatedAt = time
    try tx.updateSection(record)
  }

  @discardableResult
  func appendEvent(
    _ tx: StoreTransaction, _ entry: RecordEntry, action: String, section: String? = nil, from: String? = nil,
    to: String? = nil, revision: Int? = nil, commit: String? = nil, detail: String
  ) throws -> EventRecord {
    try tx.appendEvent(EventRecord(
      at: entry.time, actor: entry.actor, action: action, sectionId: section, fromState: from, toState: to,
      revision: revision, commitId: commit ?? entry.commit?.hex, detail: detail))
  }
}
