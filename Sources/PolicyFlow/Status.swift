import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// One section's place in the process, as `status` shows it. Field names are the stable JSON contract.
public struct SectionStatus: Codable, Sendable, Equatable {
  public struct Count: Codable, Sendable, Equatable {
    public let have: Int
    public let needed: Int
  }
  public let id: String
  public let title: String
  public let kind: String
  public let number: Int?
  public let owners: [String]
  public let committees: [String]
  public let state: String
  public let stateLabel: String
  public let latestRevision: Int
  public let approvedRevision: Int?
  public let signoffs: Count
  public let openComments: Int
  public let requirements: Count
  public let blockers: [String]
}

extension Workspace {
  /// Status of every section (or one), in manifest order.
  public func status(sectionId: String? = nil) throws -> [SectionStatus] {
    let wanted = try sectionId.map { try section($0).id }
    return try store.read { reader in
      let records = Dictionary(try reader.sections().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
      let source = try FactsSource(allSectionsIn: reader)
      return try definition.manifest.sections.filter { wanted == nil || $0.id == wanted }.compactMap { section in
        // Listed in the definition in force but not started in the record (added to policy.yaml without
        // `section add`): left out of the list, which the terminal `status` says.
        guard let record = records[section.id] else {
          if wanted == nil { return nil }
          throw PolicyFlowError.missing(
            "section \(section.id) is listed in policy.yaml but not started in the record: the secretariat records its "
              + "start with `policyflow section add \(section.id)`.")
        }
        let revision = source.latest[section.id]
        let counted = SignoffRound.counting(source.signoffs[section.id] ?? [], contentHash: revision?.contentHash)
        let targeted = source.targeted[section.id] ?? []
        let unaddressed = Set(unaddressedRequirements(section: section, record: record, source: source))
        return SectionStatus(
          id: section.id, title: section.title, kind: section.kind.rawValue, number: section.number,
          owners: section.owners, committees: section.committees, state: record.state,
          stateLabel: stateLabel(record.state), latestRevision: record.latestRevision,
          approvedRevision: record.approvedRevision,
          signoffs: .init(have: counted.count, needed: neededSignoffs(section)),
          openComments: source.openThreadCount[section.id] ?? 0,
          requirements: .init(have: targeted.filter { !unaddressed.contains($0.id) }.count, needed: targeted.count),
          blockers: try blockers(section: section, record: record, source: source))
      }
    }
  }

  /// Sign-offs the approving transition needs in all (per-group counts multiplied out).
  func neededSignoffs(_ section: SectionSpec) -> Int {
    let approving = workflow.transitions.filter { transition in
      transition.isAutomatic && workflow.state(transition.to)?.isApproved == true
    }
    guard let transition = approving.first else { return 0 }
    return transition.guards.reduce(0) { total, guardClause in
      guard case .signoffs(_, let count, let per) = guardClause else { return total }
      switch per {
      case .section: return total + count
      case .committee: return total + count * max(section.committees.count, 1)
      case .department: return total + count * max(section.owners.count, 1)
      }
    }
  }

  public func blockers(_ sectionId: String) throws -> [String] {
    let section = try section(sectionId)
    return try store.read { reader in
      guard let record = try reader.section(section.id) else { return [] }
      return try blockers(
        section: section, record: record, source: FactsSource(section: section.id, record: record, reader: reader))
    }
  }

  /// What stands between the section and its next step, in plain words.
  func blockers(section: SectionSpec, record: SectionRecord, source: FactsSource) throws -> [String] {
    guard let state = workflow.state(record.state), !state.isFinal else { return [] }
    let automatic = workflow.automaticTransitions(from: record.state)
    if !automatic.isEmpty {
      let facts = try facts(for: section, record: record, source: source)
      let unmet = automatic.map { workflow.unmet($0, facts: facts) }
      if unmet.contains(where: \.isEmpty) { return ["all conditions hold; the next action completes the step"] }
      return unmet.first!.map(describe)
    }
    if state.isApproved { return [] }
    let manual = workflow.transitions.filter { $0.from.contains(record.state) && $0.event == "submit" }
    guard let submit = manual.first else { return [] }
    let who = describe(submit.allowed, for: section)
    // While the drafters work, say which requirement links a change has made suspect: they are theirs to confirm.
    let suspect = (source.links[section.id] ?? []).filter { link in
      source.requirementsByID[link.requirementId].map {
        LinkHealth.of(link, requirement: $0, latestRevision: record.latestRevision) != .sound
      } ?? false
    }.map(\.requirementId)
    var notes: [String] = []
    if !suspect.isEmpty {
      notes.append(
        "requirement link\(suspect.count == 1 ? "" : "s") to confirm after a change: \(suspect.joined(separator: ", ")) "
          + "(`policyflow req confirm REQ \(section.id)`)")
    }
    let lastRequest = (source.signoffs[section.id] ?? []).last { $0.decision == .requestChanges }
    if let lastRequest, workflow.transitions.contains(where: { $0.event == "request_changes" && $0.to == record.state }) {
      let name = definition.members.anyone(id: lastRequest.personId)?.name ?? lastRequest.personId
      return ["\(name) requested changes (\"\(lastRequest.message)\"): waiting for \(who) to submit a new revision "
        + "(`policyflow submit \(section.id) FILE`)"] + notes
    }
    if record.latestRevision == 0 {
      return ["waiting for \(who) to write and submit the first revision (`policyflow submit \(section.id) FILE`)"] + notes
    }
    return ["waiting for \(who) to submit a new revision (`policyflow submit \(section.id) FILE`)"] + notes
  }
}
