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
  /// Actions refused when copies that acted apart were joined (docs/sync.md): not findings.
  public var refusedAtSync = 0
  public var findings: [VerifyFinding] = []
  public var isClean: Bool { findings.isEmpty }
}

extension Workspace {
  /// Checks the index against a rebuild from git, every recorded action against the rules in force when it was
  /// taken, and git's objects and branches against the record. Read-only, under the workspace lock so that a
  /// write in progress is not mistaken for damage.
  public func verify() throws -> VerifyReport {
    Repository.verifyObjectHashesOnRead()
    let lock = try WorkspaceLock(path: location.lockURL)
    defer { withExtendedLifetime(lock) {} }
    // The catch-up (which sets a damaged index aside, noted below) happens under the lock too.
    try catchUpIfPending()
    var report = VerifyReport()
    func finding(_ check: String, _ subject: String, _ message: String) {
      report.findings.append(VerifyFinding(check: check, subject: subject, message: message))
    }

    if let damage = indexDamage {
      finding(
        "sqlite", "database",
        "the index was damaged (\(damage)) and has been rebuilt from git; the damaged file is kept as "
          + "policy.sqlite.damaged. Check the disk if it happens again.")
    }
    for problem in try store.sqliteIntegrityFindings() { finding("sqlite", "database", problem) }

    // The definition in force, decided and parsed again from git without the index's memo or the cache: a forged
    // cache is a finding.
    if let main = try repository.referenceTarget(Workspace.mainRef) {
      let fresh = DefinitionChain(repository: repository, store: nil)
      let link = try fresh.link(at: main)
      if let memo = try store.read({ try $0.definitionTrust(main.hex) }), memo != link.record {
        finding(
          "definition-cache", "definitionTrust",
          "the index's memo of the chain of trust differs from what git gives for main; run `policyflow reindex`")
      }
      let parsed = try Workspace.loadCommittedDefinition(from: repository, at: link.inForce)
      if main == mainCommit, link.inForce == definitionCommit, parsed.0 != definition {
        finding(
          "definition-cache", ".policyflow/definition.cache",
          "the cached definition differs from the one committed on main; run `policyflow reindex`")
      }
      if main == mainCommit, link.inForce == definitionCommit, parsed.1 != workflow {
        finding(
          "definition-cache", ".policyflow/workflow.cache",
          "the cached workflow differs from the one committed on main; run `policyflow reindex`")
      }
      // The rebuild below judges every action by definitions read from git alone.
      chain = fresh
      (definition, workflow, definitionCommit, mainCommit) = (parsed.0, parsed.1, link.inForce, main)
      parsedDefinitions = [:]
      definitionsByCommit = [:]
      for change in try fresh.pendingChanges(at: main) {
        finding(
          "definition", "main \(RecordEntry.shortID(change.commit))",
          "changes \(change.changed.joined(separator: ", ")) without the secretariat's authority (\(change.reason)); "
            + "it is ignored and the definition of \(RecordEntry.shortID(change.inForce)) stays in force until a "
            + "secretariat member adopts it (`policyflow definition adopt`) or it is reverted (`policyflow definition revert`)")
      }
      if try rootNeedsSignature(fresh, main: main) {
        let root = try rootCommit(of: main)
        finding(
          "definition", "main \(RecordEntry.shortID(root.hex))",
          "the workspace's first commit, the root of the chain of trust, is not signed by a secretariat member it "
            + "lists (\(try fresh.authorisation(of: root, by: root).detail)); copies cannot check that they hold this policy")
      }
    }

    // The objects a rebuild reads must be there: a missing or damaged revision is named as such, and the
    // rebuild (which would only repeat it as refusals) waits until the object is restored.
    var damaged = false
    try store.read { reader in try reader.forEachRevision { revision in
      let subject = "\(revision.sectionId) revision \(revision.number)"
      for (what, hex) in [("commit", revision.commitId), ("blob", revision.blobId)] {
        guard let id = ObjectID(hex: hex), repository.objectExists(id), repository.verifyObject(id) else {
          finding("git-object", subject, "\(what) \(hex) with the revision's text is missing or damaged; restore it from a "
            + "copy of the policy (`git fetch`) or a backup")
          damaged = true
          return
        }
      }
    } }
    if damaged { return report }

    // A rebuild of the index from the record refs alone, in a scratch database.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("policyflow-verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let rebuilt = try Store(path: scratch.appendingPathComponent("index.sqlite"), hasher: { sha256Hex($0) })
    _ = try rebuilt.write { tx in try replayAll(into: tx) }

    // An action that the joined order of copies which acted apart refused is history, shown to its actor; any other
    // refused action was written around policyflow (or its commit is not what it claims).
    for refused in try rebuilt.read({ try $0.refusedRecords() }) {
      if refused.refusedAtSync {
        report.refusedAtSync += 1
        continue
      }
      finding(
        "record", "\(refused.action) \(RecordEntry.shortID(refused.commitId)) on \(refused.ref)",
        "takes no effect: \(refused.refusal ?? "refused")")
    }

    // The index must be exactly what the record gives.
    let live = try store.read { try $0.dump() }
    let expected = try rebuilt.read { try $0.dump() }
    for (index, table) in expected.enumerated() {
      let liveRows = live[index].rows
      let extra = Set(liveRows).subtracting(table.rows)
      let missing = Set(table.rows).subtracting(liveRows)
      for row in extra.sorted().prefix(20) {
        finding("index", table.table, "the index has a row that the record in git does not give (edited or inserted): \(row)")
      }
      for row in missing.sorted().prefix(20) {
        finding("index", table.table, "the index lacks a row that the record in git gives (deleted or edited): \(row)")
      }
      if extra.isEmpty && missing.isEmpty && liveRows != table.rows {
        finding("index", table.table, "the index holds the record's rows in another order")
      }
    }

    let sections = try rebuilt.read { try $0.sections() }
    report.sections = sections.count
    report.events = try rebuilt.read { try $0.events().count }

    // Every revision: commit and blob exist, are intact, hold the recorded bytes.
    try rebuilt.read { reader in try reader.forEachRevision { revision in
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
      if sha256Hex(try repository.readBlob(blobId)) != revision.contentHash {
        finding("content-hash", subject, "the text in git does not match the recorded content hash")
      }
    } }
    report.signoffs = try rebuilt.read { try $0.allSignoffs().count }

    // A command killed after its record ref moved: its branch moves are one finding, which the next write
    // completes; the branches are judged where it will put them.
    let interrupted = (try? interruptedMoves())?.moves ?? []
    for move in interrupted {
      finding(
        "interrupted", move.ref,
        "an interrupted command recorded its action but left \(move.ref) at \(move.current?.description ?? "nothing"); "
          + "the next policyflow command that changes something moves it to \(move.commit)")
    }
    func target(_ ref: String) -> ObjectID? {
      interrupted.first { $0.ref == ref }?.commit ?? (try? repository.referenceTarget(ref)) ?? nil
    }

    // Section branches end at the latest recorded revision — or, after `sync` joined copies that acted apart, at a
    // join holding its text, above which there are only joins, revisions of the section and revisions whose
    // submission was refused at sync.
    let refusedRevisions = Set(
      try rebuilt.read { try $0.refusedRecords() }.filter(\.refusedAtSync).compactMap(\.sideCommit))
    for record in sections {
      let ref = Workspace.sectionRef(record.id)
      let target = target(ref)
      guard let latest = try rebuilt.read({ try $0.revision(record.id, record.latestRevision) }) else { continue }
      let revisions = Set(try rebuilt.read { try $0.revisions(of: record.id) }.map(\.commitId))
      func joinedAbove(_ tip: ObjectID) throws -> Bool {
        guard let latestCommit = ObjectID(hex: latest.commitId), try repository.isAncestor(latestCommit, of: tip),
          try repository.blobID(at: Workspace.sectionPath(record.id), in: tip)?.hex == latest.blobId
        else { return false }
        return try repository.commits(reachableFrom: [tip], excluding: [latestCommit]).allSatisfy { id in
          try revisions.contains(id.hex) || refusedRevisions.contains(id.hex)
            || RecordJoin.isSyncCommit(repository.commit(id))
        }
      }
      if target?.hex != latest.commitId, try !(target.map(joinedAbove) ?? false) {
        finding(
          "reference", ref,
          "points at \(target?.description ?? "nothing"), but the latest recorded revision \(latest.number) is "
            + "commit \(latest.commitId)")
      }
    }
    for id in definition.manifest.sections.map(\.id) where !sections.contains(where: { $0.id == id }) {
      finding("sections", id, "policy.yaml names section \(id), which has no revision 0 in the record")
    }

    let approvals = try verifyMain(
      sections: sections, rebuilt: rebuilt, main: target(Workspace.mainRef), finding: finding)
    report.approvals = approvals
    for moved in try store.read({ try $0.rewoundRefs() }) {
      finding(
        "record", moved.ref,
        "moved back from \(moved.from) to \(moved.to) (seen \(moved.at)): the actions after \(RecordEntry.shortID(moved.to)) "
          + "are no longer in the record. Unless this was a restore from a backup, fetch them from another copy of the "
          + "policy; `policyflow reindex` accepts the record as it is now.")
    }
    return report
  }

  /// The first commit of main's first-parent history.
  func rootCommit(of main: ObjectID) throws -> ObjectID {
    var cursor = main
    while let parent = try repository.firstParent(of: cursor) { cursor = parent }
    return cursor
  }

  /// Under `signing: required`, the root must be signed by a secretariat member its own members.yaml lists.
  private func rootNeedsSignature(_ chain: DefinitionChain, main: ObjectID) throws -> Bool {
    guard definition.manifest.signing == .required else { return false }
    let root = try rootCommit(of: main)
    let authorised = try chain.authorisation(of: root, by: root).authorised
    let signed = try repository.commitSignature(root) != nil
    return !authorised || !signed
  }

  /// `main` carries the definition and only approved text: every file under `sections/` is an approved revision
  /// of a known section, and every approval commit is named by an action of the record.
  private func verifyMain(
    sections: [SectionRecord], rebuilt: Store, main: ObjectID?, finding: (String, String, String) -> Void
  ) throws -> Int {
    guard let main else {
      finding("reference", Workspace.mainRef, "main does not exist")
      return 0
    }
    if !repository.verifyObject(main) { finding("git-object", "main", "the commit main points at is damaged") }
    let byId = Dictionary(sections.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for file in try repository.files(in: main, under: "sections") {
      let path = file.hasPrefix("sections/") ? file : "sections/\(file)"
      let id = String(path.dropFirst("sections/".count).dropLast(path.hasSuffix(".md") ? 3 : 0))
      guard path.hasSuffix(".md"), let record = byId[id], definition.manifest.section(id) != nil else {
        finding("main", path, "main holds \(path), which is no section of the policy; remove it from main")
        continue
      }
      guard let approved = record.approvedRevision,
        let revision = try rebuilt.read({ try $0.revision(id, approved) })
      else {
        finding("main", path, "main holds text for section \(id), which the record never approved")
        continue
      }
      if try repository.blobID(at: path, in: main)?.hex != revision.blobId {
        finding("approval", id, "main does not hold approved revision \(approved)'s text")
      }
    }
    for record in sections where record.approvedRevision != nil {
      if try repository.blobID(at: Workspace.sectionPath(record.id), in: main) == nil {
        finding("approval", record.id, "main lacks the approved text of section \(record.id)")
      }
    }
    // Approval commits on main (all of its history: `sync` joins copies of main), each named by an action of the
    // record: an applied one, or one refused at sync (of two racing approvals, the one that did not take effect).
    let named = Set(try rebuilt.read { try $0.events(action: "approved") }.compactMap(\.commitId))
    let refusedAtSync = Set(
      try rebuilt.read { try $0.refusedRecords() }.filter { $0.refusedAtSync && $0.sideRef == Workspace.mainRef }
        .compactMap(\.sideCommit))
    var seen = Set<String>()
    for current in try repository.commits(reachableFrom: [main], excluding: []) {
      let commit = try repository.commit(current)
      if let approval = ApprovalMessage.parse(commit) {
        seen.insert(current.hex)
        if !named.contains(current.hex) && !refusedAtSync.contains(current.hex) {
          finding(
            "approval", "\(approval.section) revision \(approval.revision)",
            "commit \(current) on main approves it, but no action of the record names that commit")
        }
      }
    }
    for id in named.subtracting(seen).sorted() {
      finding("approval", id, "the record names approval commit \(id), which is not on main's history")
    }
    return named.count
  }
}
