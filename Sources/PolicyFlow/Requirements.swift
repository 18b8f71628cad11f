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
    try answer(.addressed, requirementId: requirementId, sectionId: sectionId, note: note, lines: lines, actor: actor)
  }

  /// The secretariat or the owners say why a requirement is not answered in a section.
  public func waive(requirementId: String, sectionId: String, reason: String, actor: Member) throws -> ReviewOutcome? {
    try answer(.waived, requirementId: requirementId, sectionId: sectionId, note: reason, lines: nil, actor: actor)
  }

  /// Re-confirms a suspect link against the current text and requirement.
  public func confirm(requirementId: String, sectionId: String, actor: Member) throws -> ReviewOutcome? {
    let section = try section(sectionId)
    let requirement = try requirementRecord(requirementId)
    guard let existing = try store.read({ try $0.links(requirement: requirement.id, section: section.id) }).first else {
      throw PolicyFlowError.missing(
        "requirement \(requirement.id) has no link or waiver in section \(section.id) to confirm; "
          + "use `policyflow req link \(requirement.id) \(section.id) -m NOTE`.")
    }
    return try answer(
      existing.kind, requirementId: requirement.id, sectionId: section.id, note: existing.note,
      lines: existing.lineStart.map { $0...(existing.lineEnd ?? $0) }, actor: actor, action: "req-confirm")
  }

  private func answer(
    _ kind: RequirementLinkRecord.Kind, requirementId: String, sectionId: String, note: String,
    lines: ClosedRange<Int>?, actor: Member, action: String? = nil
  ) throws -> ReviewOutcome? {
    let section = try section(sectionId)
    let requirement = try requirementRecord(requirementId)
    guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage(
        kind == .waived
          ? "say why \(requirement.id) is not answered in \(section.id): -m REASON"
          : "say where and how \(section.id) answers \(requirement.id): -m NOTE")
    }
    let allowed: Set<Capacity> = kind == .waived ? [.secretariat, .ownerDrafter, .ownerHead] : [.ownerDrafter, .ownerHead]
    guard !capacities(of: actor, for: section, among: allowed).isEmpty else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not \(kind == .waived ? "waive" : "link") requirement \(requirement.id) in section "
          + "\(section.id): that is for \(describe(Capacity.allCases.filter(allowed.contains), for: section)). Nothing was changed.")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      let latest = try store.read { try $0.revision(section.id, record.latestRevision) }!
      let text = try revisionText(section.id, latest)
      var linkedHash = latest.contentHash
      if let lines {
        let textLines = SectionText.lines(text)
        guard lines.lowerBound >= 1, lines.upperBound <= textLines.count else {
          throw PolicyFlowError.usage(
            "section \(section.id) revision \(latest.number) has lines 1-\(textLines.count); --lines "
              + "\(lines.lowerBound)-\(lines.upperBound) is outside it.")
        }
        linkedHash = sha256Hex(textLines[(lines.lowerBound - 1)...(lines.upperBound - 1)].joined(separator: "\n"))
      }
      let link = RequirementLinkRecord(
        requirementId: requirement.id, sectionId: section.id, kind: kind, note: note, revisionNumber: latest.number,
        lineStart: lines?.lowerBound, lineEnd: lines?.upperBound, linkedTextHash: linkedHash,
        requirementHash: requirement.textHash, createdBy: actor.id, createdAt: clock())
      let event: (StoreTransaction) throws -> Void = { tx in
        try tx.replaceLink(link)
        try self.logEvent(
          tx, actor: actor.id, action: action ?? (kind == .waived ? "req-waive" : "req-link"), section: section.id,
          revision: latest.number, detail: "\(requirement.id): \(note)")
      }
      if !workflow.automaticTransitions(from: record.state).isEmpty {
        var expected = try store.read { try self.facts(for: section, record: record, reader: $0) }
        expected.unaddressedRequirements.removeAll { $0 == requirement.id }
        return try advance(section: section, record: record, facts: expected, actor: actor, action: event)
      }
      try commit(moving: []) { tx in try event(tx) }
      return nil
    }
  }
}
