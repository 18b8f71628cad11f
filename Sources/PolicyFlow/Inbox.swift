import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// What is waiting for one member, as `policyflow inbox` shows it. Field names are the stable JSON contract.
///
/// Computed from the index and the definition in force only: every copy that has synced gives the same inbox for the
/// same member (no unsent actions, no times of this copy's syncs).
public struct Inbox: Codable, Sendable, Equatable {
  /// A capacity the member acts in for a section, with the committee or department it is held for.
  public struct Role: Codable, Sendable, Equatable {
    public let capacity: String
    public let group: String?
    /// The committee's or department's name, as the manifest gives it.
    public let groupName: String?
    /// Sign-offs of this capacity (and group) that count now, and how many the workflow needs.
    public let have: Int
    public let needed: Int
  }

  /// A section in review whose approval needs the member's sign-off on its latest revision.
  public struct Review: Codable, Sendable, Equatable {
    public let section: String
    public let title: String
    public let revision: Int
    public let state: String
    public let stateLabel: String
    /// The capacities in which the member's sign-off is still needed.
    public let roles: [Role]
  }

  public struct ChangeRequest: Codable, Sendable, Equatable {
    public let by: String
    public let byName: String
    public let revision: Int
    public let message: String
  }

  /// An open comment thread (its first comment).
  public struct Thread: Codable, Sendable, Equatable {
    /// The short id of the record commit that made it, the same on every copy (`policyflow resolve ID`).
    public let id: String
    public let section: String
    /// The revision its lines refer to now, and the lines (`4-6`), if it is anchored to lines.
    public let revision: Int
    public let lines: String?
    public let author: String
    public let authorName: String
    public let body: String
    public let blocking: Bool
  }

  /// One of the member's own sections (one they may submit to) with something to answer.
  public struct Answer: Codable, Sendable, Equatable {
    public let section: String
    public let title: String
    public let revision: Int
    public let state: String
    public let stateLabel: String
    public let changeRequests: [ChangeRequest]
    public let blockingComments: [Thread]
  }

  public struct SectionRequirements: Codable, Sendable, Equatable {
    public let section: String
    public let requirements: [String]
  }

  public struct Release: Codable, Sendable, Equatable {
    public let approved: Int
    public let sections: Int
    /// Every section is approved and no release was made since the last approval.
    public let ready: Bool
  }

  /// What is the secretariat's to see to.
  public struct Secretariat: Codable, Sendable, Equatable {
    /// Sections whose approving transition's guards all hold: the next action approves them.
    public let readyForApproval: [String]
    /// Sections in review whose approval waits for requirements neither answered nor waived there.
    public let unaddressedRequirements: [SectionRequirements]
    public let release: Release

    var isEmpty: Bool { readyForApproval.isEmpty && unaddressedRequirements.isEmpty && !release.ready }
  }

  /// One of the member's own actions that took no effect when copies that acted apart were joined.
  public struct Refused: Codable, Sendable, Equatable {
    public let commit: String
    public let id: String
    public let action: String
    public let section: String?
    public let reason: String
  }

  public let member: String
  public let memberName: String
  public let toReview: [Review]
  public let toAnswer: [Answer]
  public let toResolve: [Thread]
  /// Only for members of the secretariat.
  public let secretariat: Secretariat?
  public let refusedAtSync: [Refused]

  public var isEmpty: Bool {
    toReview.isEmpty && toAnswer.isEmpty && toResolve.isEmpty && (secretariat?.isEmpty ?? true) && refusedAtSync.isEmpty
  }
}

extension Workspace {
  /// What waits for `member`: reviews, answers, comments to resolve, the secretariat's work, refused actions.
  ///
  /// The rules are those of the commands that act on it, from their one home each: which sign-offs count
  /// (`SignoffRound`), who may not review a text (`answersForText`), what the workflow's guards still lack (`unmet`),
  /// who may resolve a thread (`WorkflowPermissions.mayResolve`).
  public func inbox(for member: Member) throws -> Inbox {
    try store.read { reader in
      let records = Dictionary(try reader.sections().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
      let source = try FactsSource(allSectionsIn: reader)
      let openThreads = try reader.openThreads()
      let names = Dictionary(definition.members.members.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
      func thread(_ root: CommentRecord) -> Inbox.Thread {
        Inbox.Thread(
          id: RecordEntry.shortID(root.recordId), section: root.sectionId, revision: root.anchorRevision,
          lines: root.outdated ? nil : root.lineStart.map { start in
            let end = root.lineEnd ?? start
            return end == start ? "\(start)" : "\(start)-\(end)"
          },
          author: root.authorId, authorName: names[root.authorId] ?? root.authorId, body: root.body,
          blocking: root.blocking)
      }
      // Threads in the order they were made (their time and id come from git: the same on every copy).
      func ordered(_ roots: [CommentRecord]) -> [CommentRecord] {
        roots.sorted { ($0.createdAt, $0.recordId) < ($1.createdAt, $1.recordId) }
      }

      var toReview: [Inbox.Review] = []
      var toAnswer: [Inbox.Answer] = []
      var toResolve: [Inbox.Thread] = []
      var readyForApproval: [String] = []
      var unaddressed: [Inbox.SectionRequirements] = []
      var started = 0
      var approved = 0
      for section in definition.manifest.sections {
        guard let record = records[section.id] else { continue }
        started += 1
        if workflow.state(record.state)?.isApproved == true { approved += 1 }
        guard let state = workflow.state(record.state), !state.isFinal else { continue }
        let automatic = workflow.automaticTransitions(from: record.state)
        let facts = automatic.isEmpty ? nil : try facts(for: section, record: record, source: source)
        let unmet = facts.map { facts in automatic.map { workflow.unmet($0, facts: facts) } } ?? []

        // A sign-off of the member's that the approval still needs, on a text they did not write or submit.
        let signing = capacities(of: member, for: section, among: workflow.signoffCapacities(in: record.state))
        if !signing.isEmpty, let revision = source.latest[section.id],
          !SignoffRound.counting(source.signoffs[section.id] ?? [], contentHash: revision.contentHash)
            .contains(where: { $0.personId == member.id }),
          try !answersForText(member, revision: revision, reader)
        {
          var roles: [Inbox.Role] = []
          for case .signoffs(let capacity, let group, let needed, let have) in unmet.flatMap({ $0 }) {
            guard signing.contains(where: { held in
              held.capacity == capacity && (group == nil || held.group.map(normalizedCode) == normalizedCode(group!))
            }) else { continue }
            let groupName = group.map {
              [.committeeReviewer, .committeeChair].contains(capacity) ? committeeName($0) : departmentName($0)
            }
            let role = Inbox.Role(
              capacity: capacity.rawValue, group: group, groupName: groupName, have: have, needed: needed)
            if !roles.contains(role) { roles.append(role) }
          }
          if !roles.isEmpty {
            toReview.append(Inbox.Review(
              section: section.id, title: section.title, revision: record.latestRevision, state: record.state,
              stateLabel: stateLabel(record.state), roles: roles))
          }
        }

        // The member's own section (they may answer with a new revision): standing change requests, open blocking
        // comments of others.
        let submitters = Set(workflow.transitions.filter { $0.event == "submit" && $0.from.contains(record.state) }
          .flatMap(\.allowed))
        let roots = ordered(openThreads[section.id] ?? [])
        if !capacities(of: member, for: section, among: submitters).isEmpty {
          let requested = workflow.transitions.contains { $0.event == "request_changes" && $0.to == record.state }
          let requests = requested
            ? (source.signoffs[section.id] ?? []).filter { $0.decision == .requestChanges }.map {
              Inbox.ChangeRequest(
                by: $0.personId, byName: names[$0.personId] ?? $0.personId, revision: $0.revisionNumber,
                message: $0.message)
            } : []
          let blocking = roots.filter { $0.blocking && $0.authorId != member.id }.map(thread)
          if !requests.isEmpty || !blocking.isEmpty {
            toAnswer.append(Inbox.Answer(
              section: section.id, title: section.title, revision: record.latestRevision, state: record.state,
              stateLabel: stateLabel(record.state), changeRequests: requests, blockingComments: blocking))
          }
        }

        // Blocking comments the workflow's permissions let the member resolve.
        toResolve += roots.filter { $0.blocking && mayResolve($0, actor: member, section: section) }.map(thread)

        // The secretariat's: what the next action approves, and requirements that hold up a section in review.
        if member.roles.contains(.secretariat), let facts {
          if unmet.contains(where: \.isEmpty) { readyForApproval.append(section.id) }
          if !facts.unaddressedRequirements.isEmpty {
            unaddressed.append(Inbox.SectionRequirements(section: section.id, requirements: facts.unaddressedRequirements))
          }
        }
      }

      var secretariat: Inbox.Secretariat?
      if member.roles.contains(.secretariat) {
        // Ready for release: all approved, and no release since the last approval (events are in the joined order).
        let lastApproval = try reader.events(action: "approved").last?.id
        let lastRelease = try reader.events(action: "release").last?.id
        let ready = started > 0 && approved == started && (lastRelease ?? 0) < (lastApproval ?? 0)
        secretariat = Inbox.Secretariat(
          readyForApproval: readyForApproval, unaddressedRequirements: unaddressed,
          release: Inbox.Release(approved: approved, sections: started, ready: ready))
      }

      let refused = try reader.refusedRecords().filter { $0.refusedAtSync && $0.actor == member.id }.map {
        Inbox.Refused(
          commit: $0.commitId, id: RecordEntry.shortID($0.commitId), action: $0.action, section: $0.sectionId,
          reason: $0.refusal ?? "")
      }
      return Inbox(
        member: member.id, memberName: member.name, toReview: toReview, toAnswer: toAnswer, toResolve: toResolve,
        secretariat: secretariat, refusedAtSync: refused)
    }
  }
}
