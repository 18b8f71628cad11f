import Foundation
import PolicyGit
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// Which sign-offs count: the one home of that rule.
///
/// A sign-off counts for the latest revision when it was given on its text (content hash) and after the last change
/// request on it. A change request ends the round: re-sending the same text unchanged does not revive the sign-offs
/// given before it (the reviewer who asked for changes, and everyone else, sign again).
enum SignoffRound {
  /// The counting approvals among `signoffs` (one section's, on its latest revision, oldest first).
  static func counting(_ signoffs: [SignoffRecord], contentHash: String?) -> [SignoffRecord] {
    let onText = signoffs.filter { $0.contentHash == contentHash }
    let afterRequest = onText.lastIndex { $0.decision == .requestChanges }.map { onText.index(after: $0) } ?? onText.startIndex
    return onText[afterRequest...].filter { $0.decision == .approve }
  }
}

/// What the guards of one or many sections are evaluated on, read with a fixed number of queries.
///
/// `status` at 1,000 sections must not run several queries per section, nor decode every requirement's
/// target list once per section: it reads each table once for all sections; a single-section use case
/// reads only its own rows.
struct FactsSource {
  /// Latest revision per section.
  var latest: [String: RevisionRecord]
  /// Sign-offs and change requests on each section's latest revision, oldest first.
  var signoffs: [String: [SignoffRecord]]
  /// Number of open comment threads per section.
  var openThreadCount: [String: Int]
  /// Ids of the open blocking threads per section, oldest first.
  var openBlocking: [String: [String]]
  /// Requirements naming the section as a target, in requirement order.
  var targeted: [String: [RequirementRecord]]
  /// Links and waivers per section, oldest first.
  var links: [String: [RequirementLinkRecord]]
  /// The requirements targeting the sections or linked from them, by id.
  var requirementsByID: [String: RequirementRecord]

  /// Every section's facts.
  init(allSectionsIn reader: StoreReader) throws {
    latest = try reader.latestRevisions()
    signoffs = try reader.currentSignoffs()
    (openThreadCount, openBlocking) = try reader.openThreadSummary()
    targeted = [:]
    requirementsByID = [:]
    for requirement in try reader.requirements() {
      requirementsByID[requirement.id] = requirement
      var seen = Set<String>()
      for target in requirement.targetList where seen.insert(target).inserted {
        targeted[target, default: []].append(requirement)
      }
    }
    links = Dictionary(grouping: try reader.links(), by: \.sectionId)
  }

  /// One section's facts.
  init(section id: String, record: SectionRecord, reader: StoreReader) throws {
    latest = [:]
    if let revision = try reader.revision(id, record.latestRevision) { latest[id] = revision }
    signoffs = [id: try reader.signoffs(of: id, revision: record.latestRevision)]
    let open = try reader.openThreads(of: id)
    openThreadCount = [id: open.count]
    openBlocking = [id: open.blocking]
    let targeting = try reader.requirements(targeting: id)
    targeted = [id: targeting]
    links = [id: try reader.links(section: id)]
    requirementsByID = Dictionary(targeting.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for link in links[id] ?? [] where requirementsByID[link.requirementId] == nil {
      requirementsByID[link.requirementId] = try reader.requirement(link.requirementId)
    }
  }
}

extension Workspace {
  /// The facts the workflow's guards are evaluated on, gathered from the database and git.
  ///
  /// Only sign-offs that count are included: approvals of the latest revision, bound to its content hash.
  func facts(
    for section: SectionSpec, record: SectionRecord, reader: StoreReader, text: String? = nil
  ) throws -> SectionFacts {
    try facts(
      for: section, record: record, source: FactsSource(section: section.id, record: record, reader: reader), text: text)
  }

  func facts(for section: SectionSpec, record: SectionRecord, source: FactsSource, text: String? = nil) throws
    -> SectionFacts
  {
    let revision = source.latest[section.id]
    let signoffs = SignoffRound.counting(source.signoffs[section.id] ?? [], contentHash: revision?.contentHash)
      .compactMap { signoff -> CountedSignoff? in
        guard let capacity = Capacity(rawValue: signoff.capacity) else { return nil }
        return CountedSignoff(personID: signoff.personId, capacity: capacity, group: signoff.groupCode)
      }
    let blocking = (source.openBlocking[section.id] ?? []).map { "#\(RecordEntry.shortID($0))" }
    return SectionFacts(
      committees: section.committees, departments: section.owners, signoffs: signoffs,
      openBlockingComments: blocking,
      unaddressedRequirements: unaddressedRequirements(section: section, record: record, source: source),
      missingHeadings: try missingHeadings(section, revision: revision, text: text))
  }

  /// From the text when the caller has it (submit), else from the headings recorded with the revision; the
  /// text is read from git only for a revision recorded before headings were (schema v1).
  func missingHeadings(_ section: SectionSpec, revision: RevisionRecord?, text: String?) throws -> [String] {
    let required = section.requiredHeadings
    guard !required.isEmpty else { return [] }
    if let text { return SectionText.missingHeadings(required, in: text) }
    if let recorded = revision?.headings { return SectionText.missingHeadings(required, recorded: recorded) }
    return SectionText.missingHeadings(required, in: try revisionText(section.id, revision))
  }

  func revisionText(_ sectionId: String, _ revision: RevisionRecord?) throws -> String {
    guard let revision, let blob = ObjectID(hex: revision.blobId) else { return "" }
    return String(decoding: try repository.readBlob(blob), as: UTF8.self)
  }

  /// Requirements that name the section as a target but have neither a sound link nor a waiver there.
  func unaddressedRequirements(section: SectionSpec, record: SectionRecord, source: FactsSource) -> [String] {
    let targeted = source.targeted[section.id] ?? []
    guard !targeted.isEmpty else { return [] }
    let links = Dictionary(
      (source.links[section.id] ?? []).map { ($0.requirementId, $0) }, uniquingKeysWith: { a, _ in a })
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
