import Foundation
import PolicyGit
import PolicyManifest
import PolicyStore
import PolicyWorkflow

extension Workspace {
  /// The facts the workflow's guards are evaluated on, gathered from the database and git.
  ///
  /// Only sign-offs that count are included: approvals of the latest revision, bound to its content hash.
  func facts(
    for section: SectionSpec, record: SectionRecord, reader: StoreReader, text: String? = nil
  ) throws -> SectionFacts {
    let revision = try reader.revision(section.id, record.latestRevision)
    let signoffs = try reader.signoffs(of: section.id, revision: record.latestRevision)
      .filter { $0.decision == .approve && $0.contentHash == revision?.contentHash }
      .compactMap { signoff -> CountedSignoff? in
        guard let capacity = Capacity(rawValue: signoff.capacity) else { return nil }
        return CountedSignoff(personID: signoff.personId, capacity: capacity, group: signoff.groupCode)
      }
    let blocking = try reader.comments(of: section.id)
      .filter { $0.parentId == nil && $0.status == .open && $0.blocking }
      .map { "#\($0.id!)" }
    let currentText = try text ?? revisionText(section.id, revision)
    return SectionFacts(
      committees: section.committees, departments: section.owners, signoffs: signoffs,
      openBlockingComments: blocking,
      unaddressedRequirements: try unaddressedRequirements(section: section, record: record, reader: reader),
      missingHeadings: SectionText.missingHeadings(section.requiredHeadings, in: currentText))
  }

  func revisionText(_ sectionId: String, _ revision: RevisionRecord?) throws -> String {
    guard let revision, let blob = ObjectID(hex: revision.blobId) else { return "" }
    return String(decoding: try repository.readBlob(blob), as: UTF8.self)
  }

  /// Requirements that name the section as a target but have neither a sound link nor a waiver there.
  func unaddressedRequirements(section: SectionSpec, record: SectionRecord, reader: StoreReader) throws -> [String] {
    let targeted = try reader.requirements().filter { $0.targetList.contains(section.id) }
    guard !targeted.isEmpty else { return [] }
    let links = Dictionary(
      try reader.links(section: section.id).map { ($0.requirementId, $0) }, uniquingKeysWith: { a, _ in a })
    return targeted.filter { requirement in
      guard let link = links[requirement.id] else { return true }
      return LinkHealth.of(link, requirement: requirement, latestRevision: record.latestRevision) != .sound
    }.map(\.id)
  }

  /// The capacities `member` holds for `section` among those `allowed`, with the group each is held for.
  func capacities(of member: Member, for section: SectionSpec, among allowed: Set<Capacity>) -> [(
    capacity: Capacity, group: String?
  )] {
    definition.capacities(of: member, for: section).filter { allowed.contains($0.capacity) }
  }

  /// "reviewers of Kultur- og Fritidsudvalget, the chair of Kultur- og Fritidsudvalget" — who may act.
  func describe(_ capacities: [Capacity], for section: SectionSpec) -> String {
    capacities.map { describe($0, for: section) }.joined(separator: "; ")
  }

  func describe(_ capacity: Capacity, for section: SectionSpec) -> String {
    switch capacity {
    case .ownerDrafter: return "a drafter of \(section.owners.map(departmentName).joined(separator: " or "))"
    case .ownerHead: return "the head of \(section.owners.map(departmentName).joined(separator: " or "))"
    case .committeeReviewer: return "a reviewer of \(section.committees.map(committeeName).joined(separator: " or "))"
    case .committeeChair: return "the chair of \(section.committees.map(committeeName).joined(separator: " or "))"
    case .secretariat: return "the secretariat"
    }
  }

  /// Plain words for what keeps a transition from firing.
  func describe(_ unmet: Unmet) -> String {
    switch unmet {
    case .signoffs(let capacity, let group, let needed, let have):
      let missing = needed - have
      let plural = missing == 1 ? "sign-off" : "sign-offs"
      let role: String
      switch capacity {
      case .committeeReviewer: role = "a reviewer"
      case .committeeChair: role = "the chair"
      case .ownerDrafter: role = "a drafter"
      case .ownerHead: role = "the head"
      case .secretariat: role = "the secretariat"
      }
      guard let group else { return "needs \(missing) more \(plural) from \(role)" }
      let groupName = definition.manifest.committee(group)?.name ?? departmentName(group)
      return "needs \(missing) more \(plural) from \(role) of \(groupName)"
    case .openBlockingComments(let ids):
      return "blocking comment\(ids.count == 1 ? "" : "s") \(ids.joined(separator: ", ")) "
        + "\(ids.count == 1 ? "is" : "are") open (resolve with `policyflow resolve ID`)"
    case .requirements(let ids):
      return "requirement\(ids.count == 1 ? "" : "s") not yet linked or waived here: \(ids.joined(separator: ", ")) "
        + "(`policyflow req link` or `req waive`)"
    case .missingHeadings(let headings):
      return "the text lacks the required sub-heading\(headings.count == 1 ? "" : "s") "
        + headings.map { "\"\($0)\"" }.joined(separator: ", ")
    }
  }
}

/// Whether a requirement link still says something true about the text it points at (Doorstop's
/// "suspect links").
public enum LinkHealth: String, Sendable {
  case sound
  /// The requirement's text changed since the link was made.
  case suspectRequirementChanged = "suspect: requirement changed"
  /// The linked lines changed in a later revision.
  case suspectTextChanged = "suspect: text changed"

  static func of(_ link: RequirementLinkRecord, requirement: RequirementRecord, latestRevision: Int) -> LinkHealth {
    if link.requirementHash != requirement.textHash { return .suspectRequirementChanged }
    if link.kind == .addressed && link.revisionNumber != latestRevision { return .suspectTextChanged }
    return .sound
  }
}
