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
  public var notes: [String]
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
      _ = try permittedTransition(on: "submit", section: section, record: record, actor: actor)
      let text = try SectionText.validate(data, section: section.id, file: file)
      let signer = try signer(for: actor)
      guard let previous = try store.read({ try $0.revision(section.id, record.latestRevision) }),
        let previousCommit = ObjectID(hex: previous.commitId)
      else {
        throw PolicyFlowError.internal("section \(section.id) has no recorded revision \(record.latestRevision); run `policyflow verify`.")
      }
      let contentData = Data(text.utf8)
      let contentHash = sha256Hex(contentData)
      let summary = message?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
      let wording = RecordWording(language: definition.manifest.language)
      var draft = ActionDraft(kind: .submit, section: section.id, subject: "", body: summary)
      draft.fields[.contentHash] = contentHash
      if contentHash == previous.contentHash {
        draft.fields[.revision] = String(previous.number)
        draft.subject = wording.summary(.submit, section: section.id, detail: "revision \(previous.number)")
      } else {
        let number = record.latestRevision + 1
        let blob = try repository.writeBlob(contentData)
        // After `sync` joined two lines of the section's branch, its tip is a merge holding the latest text: the new
        // revision continues from there, so the branch only moves forward (and pushes as a fast-forward).
        let branchRef = Workspace.sectionRef(section.id)
        let tip = try repository.referenceTarget(branchRef)
        let parent = try tip.flatMap { try repository.isAncestor(previousCommit, of: $0) ? $0 : nil } ?? previousCommit
        if let tip, parent != tip {
          throw PolicyFlowError.temporary(
            "section \(section.id): its branch \(branchRef) does not hold revision \(previous.number) yet (a sync was "
              + "interrupted). Run `policyflow sync` and submit again; nothing was recorded.")
        }
        let base = try repository.commit(parent).tree
        let tree = try repository.tree(base: base, setting: [Workspace.sectionPath(section.id): blob])
        let (now, offset) = Workspace.actionTime(clock)
        let revisionCommit = try writeCommit(
          tree: tree, parents: [parent], actor: actor, time: now, offset: offset, signer: signer,
          message: """
            \(RecordMessage.singleLine("\(section.title): \(summary.nonEmpty ?? "Revision \(number)")"))

            Policyflow-Section: \(section.id)
            Policyflow-Revision: \(number)
            Policyflow-Content-Hash: \(contentHash)
            """)
        draft.fields[.revision] = String(number)
        draft.fields[.revisionCommit] = revisionCommit.hex
        draft.sideMove = ReferenceMove(name: branchRef, old: tip ?? previousCommit, new: revisionCommit)
        draft.subject = wording.summary(.submit, section: section.id, detail: "revision \(number)")
      }
      let (entry, applied) = try self.record(draft, actor: actor, signer: signer, signed: true)
      var result = try outcome(section.id, entry, applied, from: record.state)
      // Invisible and bidi characters are kept (they may be meant) but never pass without a word.
      if let warning = SectionText.invisibleCharacterWarning(
        SectionText.invisibleCharacters(in: text), subject: "section \(section.id) revision \(result.revision)",
        shownAs: false)
      {
        result.notes.append(warning)
      }
      return result
    }
  }

  func outcome(_ section: String, _ entry: RecordEntry, _ applied: AppliedAction, from state: String) throws
    -> ReviewOutcome
  {
    let after = try sectionRecord(section)
    return ReviewOutcome(
      section: section, revision: applied.revision ?? after.latestRevision, fromState: applied.fromState ?? state,
      toState: after.state, approvalCommit: applied.approvalCommit, revisionCommit: entry.objectID(.revisionCommit),
      blockers: try blockers(section), notes: applied.notes)
  }

  // MARK: - approve / request-changes / withdraw

  /// A sign-off on the current revision, bound to its content hash; fires any automatic transition whose
  /// guards now hold (the default workflow's approval), landing the text on `main`.
  public func approve(sectionId: String, message: String?, actor: Member) throws -> ReviewOutcome {
    let section = try section(sectionId)
    return try performWrite {
      let record = try sectionRecord(section.id)
      let allowed = workflow.signoffCapacities(in: record.state)
      let held = capacities(of: actor, for: section, among: allowed)
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
        } ?? held.first
      let revision = try store.read { try $0.revision(section.id, record.latestRevision) }
      var draft = ActionDraft(
        kind: .signoff, section: section.id,
        subject: RecordWording(language: definition.manifest.language).summary(.signoff, section: section.id, detail: actor.name),
        body: message ?? "")
      draft.fields[.revision] = revision.map { String($0.number) }
      draft.fields[.contentHash] = revision?.contentHash
      draft.fields[.capacity] = chosen?.capacity.rawValue ?? "none"
      draft.fields[.group] = chosen?.group
      let (entry, applied) = try self.record(draft, actor: actor)
      return try outcome(section.id, entry, applied, from: record.state)
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
      let held = capacities(of: actor, for: section, among: Set(transition.allowed))
      let revision = try store.read { try $0.revision(section.id, record.latestRevision) }
      var draft = ActionDraft(
        kind: .requestChanges, section: section.id,
        subject: RecordWording(language: definition.manifest.language)
          .summary(.requestChanges, section: section.id, detail: actor.name),
        body: message)
      draft.fields[.revision] = revision.map { String($0.number) }
      draft.fields[.contentHash] = revision?.contentHash
      draft.fields[.capacity] = held.first?.capacity.rawValue ?? "none"
      draft.fields[.group] = held.first?.group
      let (entry, applied) = try self.record(draft, actor: actor)
      return try outcome(section.id, entry, applied, from: record.state)
    }
  }

  /// Fires a workflow event that a person triggers (default workflow: the secretariat's `withdraw`).
  public func fire(event: String, sectionId: String, message: String, actor: Member) throws -> ReviewOutcome {
    let section = try section(sectionId)
    guard !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage(
        "\(event.replacingOccurrences(of: "_", with: "-")) needs -m TEXT saying why, for section \(section.id)'s history.")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      let transition = try permittedTransition(on: event, section: section, record: record, actor: actor)
      var draft = ActionDraft(
        kind: .transition, section: section.id,
        subject: RecordWording(language: definition.manifest.language)
          .summary(.transition, section: section.id, detail: "\(event) → \(transition.to)"),
        body: message)
      draft.fields[.event] = event
      let (entry, applied) = try self.record(draft, actor: actor)
      return try outcome(section.id, entry, applied, from: record.state)
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
  func refuseOwnText(actor: Member, revision: RevisionRecord, section: SectionSpec, _ reader: StoreReader) throws {
    if try answersForText(actor, revision: revision, reader) {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) \(revision.authorId == actor.id ? "wrote" : "submitted") revision \(revision.number) of section \(section.id) and may not review it: "
          + "nobody signs off their own text. Another reviewer must act. Nothing was recorded.")
    }
  }

  /// Whether `actor` wrote `revision` or submitted it for review unchanged: the one home of the self-review rule
  /// (`refuseOwnText`, and `inbox`, which asks nobody to review their own text).
  func answersForText(_ actor: Member, revision: RevisionRecord, _ reader: StoreReader) throws -> Bool {
    try revision.authorId == actor.id
      || reader.submitted(section: revision.sectionId, revision: revision.number, by: actor.id)
  }

}

extension String {
  var nonEmpty: String? { isEmpty ? nil : self }
}
