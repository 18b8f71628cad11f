import Foundation
import PolicyGit
import PolicyStore
import PolicyWorkflow

/// One thing `verify` found wrong; stable JSON.
public struct VerifyFinding: Codable, Sendable, Equatable {
  public let check: String
  public let subject: String
  public let message: String
}

/// What `verify` looked at, so a clean result says how much was checked.
public struct VerifyReport: Codable, Sendable {
  public var sections = 0
  public var revisions = 0
  public var signoffs = 0
  public var events = 0
  public var approvals = 0
  public var findings: [VerifyFinding] = []
  public var isClean: Bool { findings.isEmpty }
}

extension Workspace {
  /// Checks git and SQLite against each other and themselves. Read-only, but under the workspace lock: a write
  /// commits its rows before it moves its refs, so without the lock a concurrent write shows up as a finding.
  public func verify() throws -> VerifyReport {
    let lock = try WorkspaceLock(path: location.lockURL)
    defer { withExtendedLifetime(lock) {} }
    var report = VerifyReport()
    func finding(_ check: String, _ subject: String, _ message: String) {
      report.findings.append(VerifyFinding(check: check, subject: subject, message: message))
    }

    for problem in try store.sqliteIntegrityFindings() { finding("sqlite", "database", problem) }

    // Revisions, sign-offs and events are streamed, each in its own read (the workspace lock keeps writers out),
    // not loaded: holding the whole history made verify's memory grow with it (290 MiB at 51,000 revisions and
    // 92,000 events).
    let snapshot = try store.read { reader in
      (sections: try reader.sections(), pending: try reader.pendingRefs(), sequence: try reader.eventSequence())
    }
    report.sections = snapshot.sections.count

    for pending in snapshot.pending {
      finding(
        "interrupted", pending.refName,
        "an interrupted command promised to move \(pending.refName) to \(pending.newTarget); "
          + "the next policyflow command that changes something completes it")
    }

    // Manifest and database name the same sections.
    let manifestIds = Set(definition.manifest.sections.map(\.id))
    for record in snapshot.sections where !manifestIds.contains(record.id) {
      finding("sections", record.id, "the database has section \(record.id), which policy.yaml does not name")
    }
    for id in manifestIds where !snapshot.sections.contains(where: { $0.id == id }) {
      finding("sections", id, "policy.yaml names section \(id), which the database does not have")
    }

    // Every revision: commit and blob exist, are intact, hold the recorded bytes.
    func revision(_ sectionId: String, _ number: Int) throws -> RevisionRecord? {
      try store.read { try $0.revision(sectionId, number) }
    }
    try store.read { reader in try reader.forEachRevision { revision in
      report.revisions += 1
      let subject = "\(revision.sectionId) revision \(revision.number)"
      guard let commitId = ObjectID(hex: revision.commitId), let blobId = ObjectID(hex: revision.blobId) else {
        finding("revision", subject, "recorded object ids are malformed")
        return
      }
      guard repository.objectExists(commitId), repository.verifyObject(commitId) else {
        finding("git-object", subject, "commit \(commitId) is missing or damaged")
        return
      }
      guard repository.objectExists(blobId), repository.verifyObject(blobId) else {
        finding("git-object", subject, "blob \(blobId) with the revision's text is missing or damaged")
        return
      }
      let data = try repository.readBlob(blobId)
      if sha256Hex(data) != revision.contentHash {
        finding("content-hash", subject, "the text in git does not match the recorded content hash")
      }
      // The recorded headings stand in for the text in the required-headings guard, so they must be the text's.
      if let recorded = revision.headings,
        recorded != SectionText.recordedHeadings(of: String(decoding: data, as: UTF8.self))
      {
        finding("revision", subject, "the recorded headings are not the headings of the text in git")
      }
      if (try? repository.blobID(at: Workspace.sectionPath(revision.sectionId), in: commitId)) != blobId {
        finding("revision", subject, "commit \(commitId) does not hold blob \(blobId) at \(Workspace.sectionPath(revision.sectionId))")
      }
    } }

    // Branches point at the latest recorded revision; refs never ahead of or behind the database.
    for record in snapshot.sections {
      let ref = Workspace.sectionRef(record.id)
      let target = try? repository.referenceTarget(ref)
      guard let latest = try revision(record.id, record.latestRevision) else {
        finding("revision", record.id, "latest revision \(record.latestRevision) is not recorded")
        continue
      }
      if target?.hex != latest.commitId && !snapshot.pending.contains(where: { $0.refName == ref }) {
        finding(
          "reference", ref,
          "points at \(target?.description ?? "nothing"), but the latest recorded revision \(latest.number) is "
            + "commit \(latest.commitId)")
      }
    }

    // Sign-offs bind to their revision's content.
    try store.read { reader in try reader.forEachSignoff { signoff, revisionContentHash in
      report.signoffs += 1
      let subject = "sign-off #\(signoff.id ?? 0) on \(signoff.sectionId) revision \(signoff.revisionNumber)"
      guard let revisionContentHash else {
        finding("signoff", subject, "refers to a revision that is not recorded")
        return
      }
      if signoff.contentHash != revisionContentHash {
        finding("signoff", subject, "its content hash does not match the revision's text")
      }
      if definition.members.member(id: signoff.personId) == nil {
        finding("signoff", subject, "signed by \(signoff.personId), who is not in members.yaml")
      }
    } }

    // The event log: hash chain, no deletions at the end, and each state derivable from its events. One pass; the
    // state replay's findings are kept per section and reported after the chain's, section by section, as before.
    var previous = ""
    var lastEventID: Int64?
    var replayed: [String: String] = [:]
    var stateFindings: [String: [VerifyFinding]] = [:]
    var approvals: [EventRecord] = []
    try store.read { reader in try reader.forEachEvent { event in
      report.events += 1
      lastEventID = event.id
      if event.prevHash != previous {
        finding("event-chain", "event #\(event.id ?? 0)", "does not follow the event before it (deleted or edited event)")
      }
      if store.chainHash(of: event) != event.hash {
        finding("event-chain", "event #\(event.id ?? 0)", "its contents do not match its hash (edited event)")
      }
      previous = event.hash
      if event.action == "approved" { approvals.append(event) }
      guard let section = event.sectionId, let to = event.toState else { return }
      func stateFinding(_ message: String) {
        stateFindings[section, default: []].append(VerifyFinding(check: "state", subject: section, message: message))
      }
      if let from = event.fromState, let current = replayed[section], from != current {
        stateFinding("event #\(event.id ?? 0) moves from \(from), but the events before leave it in \(current)")
      }
      if let from = event.fromState, from != to, event.action != "revision",
        !workflow.transitions.contains(where: { $0.from.contains(from) && $0.to == to })
      {
        stateFinding("event #\(event.id ?? 0): the workflow has no transition \(from) → \(to)")
      }
      replayed[section] = to
    } }
    if let sequence = snapshot.sequence, let last = lastEventID, sequence > last {
      finding("event-chain", "event log", "events after #\(last) were deleted (the log counted up to #\(sequence))")
    }
    for record in snapshot.sections {
      report.findings += stateFindings[record.id] ?? []
      let state = replayed[record.id]
      if state != record.state {
        finding("state", record.id, "is \(record.state) in the database but its events give \(state ?? "nothing")")
      }
    }

    // Approvals on main: each recorded approval is a commit on main with the approved text and trailers.
    // While an interrupted command's move of main is pending, main is judged where the next write will put it,
    // so the interruption is one finding (above), not also its consequences.
    let pendingMain = snapshot.pending.last { $0.refName == Workspace.mainRef }.flatMap { ObjectID(hex: $0.newTarget) }
    let main = pendingMain ?? (try? repository.referenceTarget(Workspace.mainRef))
    if main == nil { finding("reference", Workspace.mainRef, "main does not exist") }
    if let main {
      if !repository.verifyObject(main) { finding("git-object", "main", "the commit main points at is damaged") }
      if !snapshot.pending.contains(where: { $0.refName == Workspace.mainRef }) {
        // Commits made with plain git on top of the last recorded one are fine as long as they leave the
        // approved text alone (e.g. the secretariat committing a new members.yaml).
        var cursor: ObjectID? = main
        var steps = 0
        while let current = cursor, !(try store.read { try $0.eventExists(commitId: current.hex) }) {
          steps += 1
          guard steps <= 10_000, let commit = try? repository.commit(current), let parent = commit.parents.first else {
            finding("reference", Workspace.mainRef, "points at \(main), which does not descend from any recorded commit")
            break
          }
          for section in definition.manifest.sections {
            let path = Workspace.sectionPath(section.id)
            if (try? repository.blobID(at: path, in: current)) != (try? repository.blobID(at: path, in: parent)) {
              finding(
                "reference", Workspace.mainRef,
                "commit \(current) changes \(path) on main outside policyflow; main must carry only approved text")
            }
          }
          cursor = parent
        }
      }
      for event in approvals {
        report.approvals += 1
        guard let id = event.commitId.flatMap(ObjectID.init(hex:)), let section = event.sectionId,
          let revisionNumber = event.revision
        else { continue }
        let subject = "approval of \(section) revision \(revisionNumber)"
        guard repository.objectExists(id), let commit = try? repository.commit(id) else {
          finding("approval", subject, "commit \(id) is missing")
          continue
        }
        if (try? repository.isAncestor(id, of: main)) != true {
          finding("approval", subject, "commit \(id) is not on main")
        }
        let trailers = Dictionary(commit.trailers.map { (key: String, value: String) in (key, value) }, uniquingKeysWith: { (a: String, _: String) in a })
        if trailers["Policyflow-Section"] != section || trailers["Policyflow-Revision"] != String(revisionNumber) {
          finding("approval", subject, "commit \(id)'s trailers do not name this section and revision")
        }
        if let revision = try revision(section, revisionNumber),
          (try? repository.blobID(at: Workspace.sectionPath(section), in: id))?.hex != revision.blobId
        {
          finding("approval", subject, "commit \(id) does not hold the approved revision's text")
        }
      }
      for record in snapshot.sections {
        guard let approved = record.approvedRevision, let revision = try revision(record.id, approved) else {
          continue
        }
        if (try? repository.blobID(at: Workspace.sectionPath(record.id), in: main))?.hex != revision.blobId {
          finding("approval", record.id, "main does not hold approved revision \(approved)'s text")
        }
      }
    }
    return report
  }
}
