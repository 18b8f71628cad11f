import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// How one requirement stands in one section, or overall; the JSON field names are stable.
public struct RequirementCoverage: Codable, Sendable {
  public struct SectionAnswer: Codable, Sendable {
    public let section: String
    /// `approved` (answered in approved text), `draft` (only in a draft), `waived`, `suspect`.
    public let status: String
    public let note: String
    public let revision: Int
    public let lines: String?
    public let quoted: [String]
  }
  public let id: String
  public let kind: String
  public let theme: String?
  public let text: String
  public let targets: [String]
  public let answers: [SectionAnswer]
  /// `approved`, `draft`, `waived`, `suspect` or `open` — the best answer there is.
  public let status: String
}

extension Workspace {
  /// Every requirement with where it is answered.
  public func coverage() throws -> [RequirementCoverage] {
    try store.read { reader in
      let sections = Dictionary(try reader.sections().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
      let allLinks = try reader.links()
      let links = Dictionary(grouping: allLinks, by: \.requirementId)
      // The quoted lines of every link, reading each revision's text once (links taken in section and revision
      // order, one text in memory at a time) instead of once per link.
      var quotes: [Int64: [String]] = [:]
      var current: (section: String, revision: Int, lines: [String])?
      let anchored = allLinks.filter { $0.lineStart != nil && $0.lineEnd != nil }
        .sorted { ($0.sectionId, $0.revisionNumber) < ($1.sectionId, $1.revisionNumber) }
      for link in anchored {
        if current?.section != link.sectionId || current?.revision != link.revisionNumber {
          let revision = try reader.revision(link.sectionId, link.revisionNumber)
          let lines = try revision.map { SectionText.lines(try revisionText(link.sectionId, $0)) } ?? []
          current = (link.sectionId, link.revisionNumber, lines)
        }
        let lines = current!.lines
        if let id = link.id, let start = link.lineStart, let end = link.lineEnd, start >= 1, end <= lines.count {
          quotes[id] = Array(lines[(start - 1)...(end - 1)])
        }
      }
      return try reader.requirements().map { requirement in
        let answers = (links[requirement.id] ?? []).map { link -> RequirementCoverage.SectionAnswer in
          let record = sections[link.sectionId]
          let health = LinkHealth.of(link, requirement: requirement, latestRevision: record?.latestRevision ?? -1)
          let quoted = link.id.flatMap { quotes[$0] } ?? []
          let status: String
          if health != .sound {
            status = "suspect"
          } else if link.kind == .waived {
            status = "waived"
          } else if let approved = record?.approvedRevision, approved == link.revisionNumber,
            workflow.state(record!.state)?.isApproved == true
          {
            status = "approved"
          } else {
            status = "draft"
          }
          return .init(
            section: link.sectionId, status: status, note: link.note, revision: link.revisionNumber,
            lines: link.lineStart.map { "\($0)-\(link.lineEnd ?? $0)" }, quoted: quoted)
        }
        let rank = ["approved": 0, "draft": 1, "waived": 2, "suspect": 3]
        let best = answers.map(\.status).min { (rank[$0] ?? 9) < (rank[$1] ?? 9) } ?? "open"
        return RequirementCoverage(
          id: requirement.id, kind: requirement.kind, theme: requirement.theme, text: requirement.text,
          targets: requirement.targetList, answers: answers, status: best)
      }
    }
  }

  public func requirementRecord(_ id: String) throws -> RequirementRecord {
    let wanted = id.trimmingCharacters(in: .whitespaces).uppercased()
    guard let found = try store.read({ try $0.requirement(wanted) }) else {
      throw PolicyFlowError.missing("unknown requirement `\(id)`; see `policyflow req list`.")
    }
    return found
  }

  /// The section's drafters say where and how their text answers a requirement.
  public func link(requirementId: String, sectionId: String, note: String, lines: ClosedRange<Int>?, actor: Member)
    throws -> ReviewOutcome?
  {
    try answer(.link, requirementId: requirementId, sectionId: sectionId, note: note, lines: lines, actor: actor)
  }

  /// The secretariat or the owners say why a requirement is not answered in a section.
  public func waive(requirementId: String, sectionId: String, reason: String, actor: Member) throws -> ReviewOutcome? {
    try answer(.waive, requirementId: requirementId, sectionId: sectionId, note: reason, lines: nil, actor: actor)
  }

  /// Re-confirms a suspect link against the current text and requirement.
  public func confirm(requirementId: String, sectionId: String, actor: Member) throws -> ReviewOutcome? {
    try answer(.confirm, requirementId: requirementId, sectionId: sectionId, note: "", lines: nil, actor: actor)
  }

  private func answer(
    _ kind: ActionKind, requirementId: String, sectionId: String, note: String, lines: ClosedRange<Int>?, actor: Member
  ) throws -> ReviewOutcome? {
    let section = try section(sectionId)
    let requirement = try requirementRecord(requirementId)
    if kind != .confirm, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw PolicyFlowError.usage(
        kind == .waive
          ? "say why \(requirement.id) is not answered in \(section.id): -m REASON"
          : "say where and how \(section.id) answers \(requirement.id): -m NOTE")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      var draft = ActionDraft(
        kind: kind, section: section.id,
        subject: RecordWording(language: definition.manifest.language)
          .summary(kind, section: section.id, detail: requirement.id),
        body: note)
      draft.fields[.requirement] = requirement.id
      draft.fields[.revision] = String(record.latestRevision)
      draft.fields[.contentHash] = try store.read { try $0.revision(section.id, record.latestRevision) }?.contentHash
      if let lines {
        guard lines.lowerBound >= 1 else { throw PolicyFlowError.usage("line numbers start at 1.") }
        draft.fields[.lines] = "\(lines.lowerBound)-\(lines.upperBound)"
      }
      let (entry, applied) = try self.record(draft, actor: actor)
      guard applied.toState != nil && applied.toState != record.state else { return nil }
      return try outcome(section.id, entry, applied, from: record.state)
    }
  }
}
