import Foundation
import PolicyGit
import PolicyStore

/// What an index catch-up did, for `reindex` to report.
public struct IndexReport: Sendable {
  public var applied = 0
  public var refused = 0
  public var rebuilt = false
}

/// Brings the SQLite index up to the record refs.
///
/// Every command calls it first: after a `git fetch`, a restore from backup or a killed command, the next
/// command sees the new state. Only commits not yet indexed are read (their ids are in the `record` table);
/// when they cannot simply be appended — a ref moved backwards or sideways, or a new action sorts before one
/// already indexed — the index is rebuilt from scratch, in one transaction.
extension Workspace {
  /// - Parameter known: the record refs as they are, when the caller knows them: a write under the workspace
  ///   lock, after moving its own ref (no other policyflow process moves record refs while it holds the lock). Listing
  ///   1,000 refs is a large part of a write's cost at that size.
  @discardableResult
  func catchUpIndex(rebuild: Bool = false, known: [String: ObjectID]? = nil) throws -> IndexReport {
    // A catch-up that fails leaves the index's first use pending: the next use tries again rather than read it stale.
    let wasPending = catchUpPending
    catchUpPending = false
    do {
      return try catchUpIndexNow(rebuild: rebuild, known: known)
    } catch {
      catchUpPending = wasPending
      throw error
    }
  }

  private func catchUpIndexNow(rebuild: Bool, known: [String: ObjectID]?) throws -> IndexReport {
    // Nothing moved since the index last held exactly the record refs: no listing (see `RecordRefStamp`).
    let stampBefore = known == nil ? recordRefStamp() : nil
    if !rebuild, let stampBefore {
      let (stored, version) = try indexStore.read { (try $0.recordRefStamp(), try $0.dataVersion()) }
      if stored == stampBefore.text {
        trustedStamp = (stampBefore, version)
        return IndexReport()
      }
    }
    // The tips are read before the refs are listed: refs only move forward, so every tip the index holds is then an
    // ancestor of (or equal to) what the listing finds, and a tip another process indexed meanwhile cannot look like
    // a ref that moved back.
    let before = known == nil ? try indexStore.read { try indexTips($0) } : nil
    let refs = try known ?? recordRefs()
    let previousListing = listedRecordRefs
    listedRecordRefs = refs
    if !rebuild, let before, Workspace.same(before, refs) {
      // The index holds the listing; if the stamp taken before it still holds, it describes the index (kept for this
      // command's own write, which stores it; a reading command writes nothing).
      if let stampBefore, let version = indexedTips?.version, stampBefore == recordRefStamp() {
        trustedStamp = (stampBefore, version)
      } else {
        trustedStamp = nil
      }
      return IndexReport()
    }
    trustedStamp = nil
    do {
      let (report, current, version) = try indexStore.write { tx in
        // Under SQLite's write lock: if the index is still what was compared (for a known listing: what the previous
        // listing found, which this process indexed), the listing is current with respect to it; otherwise another
        // process indexed meanwhile (after a `git fetch`, say) and the refs are listed again.
        let tips = try indexTips(tx)
        var current = refs
        if let before {
          if tips != before { current = try recordRefs() }
        } else if let previousListing, !Workspace.same(tips, previousListing) {
          current = try recordRefs()
        } else if previousListing == nil {
          current = try recordRefs()
        }
        listedRecordRefs = current
        let report = try catchUp(tx, refs: current, tips: tips, rebuild: rebuild)
        // The index now holds `current`; the stamp taken before the listing describes it if nothing moved since.
        // (A loose ref that moved and came back between the two stamps is caught by comparing it with the listing.)
        let sound = stampBefore.flatMap { stamp in
          stamp.isSound && stamp.loose.allSatisfy { current[$0.key] == $0.value } && stamp == recordRefStamp()
            ? stamp : nil
        }
        try tx.setRecordRefStamp(sound?.text)
        let version = try tx.dataVersion()
        trustedStamp = sound.map { ($0, version) }
        return (report, current, version)
      }
      // What the index now holds (catch-up leaves its tips exactly at the listing), as of a data_version that only
      // another process's commit changes.
      indexedTips = (current.mapValues(\.hex), version)
      return report
    } catch {
      indexedTips = nil
      throw error
    }
  }

  /// The index after this command moved `ref` to `commit` under the workspace lock, on an index that held exactly the
  /// refs `stamp` describes: only that ref's new record commit is read, and the stamp with the move is stored when it
  /// is what the refs now are. If another process indexed meanwhile (a reading command after a `git fetch`, which
  /// takes no workspace lock; SQLite's `data_version` moved), the refs are listed, as without a stamp.
  func catchUpOwnMove(ref: String, to commit: ObjectID, from trusted: (stamp: RecordRefStamp, version: Int)) throws {
    indexedTips = nil
    do {
      try indexStore.write { tx in
        let version = try tx.dataVersion()
        // The index must still hold what the stamp describes (no other process indexed meanwhile), and the ref must
        // have moved from the tip the index holds: plain git (a `git fetch`, `update-ref`) may have moved it between
        // this command's catch-up and its own move, which the workspace lock does not prevent. Otherwise list.
        let old = try tx.recordTip(ref)
        let parent = try repository.commit(commit).parents.first?.hex
        guard version == trusted.version, old == parent else {
          let current = try recordRefs()
          _ = try catchUp(tx, refs: current, tips: try tx.recordTips(), rebuild: false)
          try tx.setRecordRefStamp(nil)
          listedRecordRefs = current
          trustedStamp = nil
          return
        }
        _ = try catchUp(tx, refs: [ref: commit], tips: old.map { [ref: $0] } ?? [:], rebuild: false)
        var moved = trusted.stamp
        moved.loose[ref] = commit
        let sound = moved.isSound && moved == recordRefStamp() ? moved : nil
        try tx.setRecordRefStamp(sound?.text)
        trustedStamp = sound.map { ($0, version) }
      }
    } catch {
      trustedStamp = nil
      throw error
    }
  }

  /// The index's record tips: remembered from this process's last read or catch-up while no other process has
  /// committed to the index since (SQLite's `data_version` is unchanged), read otherwise.
  private func indexTips(_ reader: StoreReader) throws -> [String: String] {
    let version = try reader.dataVersion()
    if let indexedTips, indexedTips.version == version { return indexedTips.tips }
    let tips = try reader.recordTips()
    indexedTips = (tips, version)
    return tips
  }

  /// Whether the index's tips are exactly `refs`.
  static func same(_ tips: [String: String], _ refs: [String: ObjectID]) -> Bool {
    tips.count == refs.count && refs.allSatisfy { tips[$0.key] == $0.value.hex }
  }

  /// The rules' words for an action the replay refused. They were written for the person typing the command, where
  /// "nothing was recorded" is true; a replayed action is in git, so that clause goes.
  static func refusalReason(_ message: String) -> String {
    let clause = "; nothing was recorded."
    return message.hasSuffix(clause) ? String(message.dropLast(clause.count)) + "." : message
  }

  func recordRefs() throws -> [String: ObjectID] {
    var refs: [String: ObjectID] = [:]
    for (name, target) in try repository.references(matching: RecordRefs.prefix + "*") { refs[name] = target }
    return refs
  }

  /// Replays the whole record into `tx` (which must be empty): `verify`'s rebuild.
  func replayAll(into tx: StoreTransaction) throws -> IndexReport {
    try catchUp(tx, refs: try recordRefs(), tips: try tx.recordTips(), rebuild: true)
  }

  fileprivate func catchUp(
    _ tx: StoreTransaction, refs: [String: ObjectID], tips: [String: String], rebuild: Bool
  ) throws -> IndexReport {
    if !rebuild && Workspace.same(tips, refs) { return IndexReport() }
    startVerifyingAhead()
    defer {
      signaturesAhead?.waitForAll()
      signaturesAhead = nil
    }
    var report = IndexReport()
    var full = rebuild
    var fresh: [RecordEntry] = []
    var malformed: [RecordRow] = []
    var joins: [String: [Commit]] = [:]
    if !rebuild {
      // A ref that lost actions the index holds: noted (verify reports it), then rebuilt from what git has now.
      for (ref, old) in tips.sorted(by: { $0.key < $1.key }) where refs[ref]?.hex != old
        && (refs[ref].map { tip in (try? repository.isAncestor(ObjectID(hex: old)!, of: tip)) != true } ?? true)
      {
        try tx.noteRewoundRef(ref, from: old, to: refs[ref]?.hex, at: Date())
        warn("\(ref) moved back from \(RecordEntry.shortID(old)) to \(refs[ref].map { RecordEntry.shortID($0.hex) } ?? "nothing"): "
          + "actions after it are no longer in the record; `policyflow verify` lists it.")
        full = true
      }
    }
    if !full {
      let known = try tx.maxSequence()
      for (ref, tip) in refs where tips[ref] != tip.hex {
        let entries = try newEntries(from: tip, ref: ref, stopAt: { try tx.isIndexed(record: $0.hex) })
        fresh += entries.entries
        malformed += entries.malformed
        joins[ref, default: []] += entries.joins
      }
      if let first = fresh.map(\.sequence).min(), first <= known { full = true }
    }
    if full {
      try tx.deleteEverything()
      fresh = []
      malformed = []
      joins = [:]
      for (ref, tip) in refs.sorted(by: { $0.key < $1.key }) {
        let found = try newEntries(from: tip, ref: ref, stopAt: { _ in false })
        fresh += found.entries
        malformed += found.malformed
        joins[ref] = found.joins
      }
      report.rebuilt = true
    }
    fresh.sort { ($0.sequence, $0.commit!.hex) < ($1.sequence, $1.commit!.hex) }
    signaturesAhead?.finishAdding()
    if fresh.count > 1 { try tx.cacheRequirementTargets() }
    for entry in fresh {
      var refusal: String?
      var atSync = false
      do {
        try tx.savepoint { _ = try apply(entry, tx, mode: .index) }
        report.applied += 1
      } catch let error as PolicyFlowError {
        if error.kind == .internal || error.isMissingObject { throw error }
        refusal = Self.refusalReason(error.message)
        atSync = try !error.isIntegrity && isConcurrent(entry.commit!, joins: joins[entry.ref] ?? [])
        report.refused += 1
      }
      let side = sideEffect(of: entry)
      try tx.insertRecord(RecordRow(
        commitId: entry.commit!.hex, ref: entry.ref, sequence: entry.sequence, actor: entry.actor,
        action: entry.kind.rawValue, sectionId: entry.section, sideCommit: side?.commit.hex, sideRef: side?.ref,
        refusal: refusal, refusedAtSync: atSync))
    }
    for row in malformed where try !tx.isIndexed(record: row.commitId) {
      try tx.insertRecord(row)
      report.refused += 1
    }
    // Only the tips that moved (all of them after a rebuild, which emptied the table): rewriting 1,000 unchanged
    // rows cost a write 28 M instructions at 300 sections.
    for (ref, tip) in refs where full || tips[ref] != tip.hex { try tx.setRecordTip(ref, tip.hex) }
    return report
  }

  /// The branch commit an action published besides its record commit.
  func sideEffect(of entry: RecordEntry) -> (ref: String, commit: ObjectID)? {
    if let approval = entry.objectID(.approvalCommit) { return (Workspace.mainRef, approval) }
    if entry.kind == .submit, let section = entry.section, let revision = entry.objectID(.revisionCommit) {
      return (Workspace.sectionRef(section), revision)
    }
    if entry.kind.changesDefinition { return (Workspace.mainRef, entry.definition) }
    if entry.kind == .release, let release = entry.objectID(.releaseCommit) { return (Workspace.mainRef, release) }
    return nil
  }

  /// Whether an action was taken on a copy that was apart from another that acted on the same ref: some join on
  /// the ref reaches it through one of its parents only. Its refusal is then the joined order's (refused at sync),
  /// not a sign of a commit written around policyflow.
  func isConcurrent(_ commit: ObjectID, joins: [Commit]) throws -> Bool {
    for join in joins {
      let reached = try join.parents.map { try repository.isAncestor(commit, of: $0) }
      if reached.contains(true) && reached.contains(false) { return true }
    }
    return false
  }

  /// Record commits reachable from `tip` that are not indexed yet (all parents, so merges are followed).
  private func newEntries(from tip: ObjectID, ref: String, stopAt indexed: (ObjectID) throws -> Bool) throws -> (
    entries: [RecordEntry], reachedIndexed: Set<ObjectID>, malformed: [RecordRow], joins: [Commit]
  ) {
    var entries: [RecordEntry] = []
    var malformed: [RecordRow] = []
    var joins: [Commit] = []
    var emptyTree: ObjectID?
    var reached = Set<ObjectID>()
    var seen = Set<ObjectID>()
    var stack = [tip]
    while let id = stack.popLast() {
      guard seen.insert(id).inserted else { continue }
      if try indexed(id) {
        reached.insert(id)
        continue
      }
      let commit = try repository.commit(id)
      stack += commit.parents
      var entry: RecordEntry?
      var problem: String?
      do {
        entry = try RecordMessage.parse(commit)
      } catch {
        problem = "malformed record commit: \(error)"
      }
      if let found = entry, found.ref != ref { problem = "concerns \(found.ref) but is on \(ref)" }
      if entry == nil && problem == nil {
        // Without an action, only `sync`'s join of two lines belongs on a record ref (docs/sync.md).
        if emptyTree == nil { emptyTree = try repository.emptyTreeID() }
        if RecordJoin.isJoin(commit, emptyTree: emptyTree!) {
          joins.append(commit)
        } else {
          problem = "a commit on a record ref that carries no action and joins no two lines"
        }
      }
      if let problem {
        // Kept, with its reason, and taking no effect: verify reports it.
        malformed.append(RecordRow(
          commitId: id.hex, ref: ref, sequence: 0, actor: commit.author.email, action: "malformed",
          sectionId: nil, sideCommit: nil, sideRef: nil, refusal: problem))
        continue
      }
      guard entry != nil else { continue }  // a merge or other commit that carries no action
      entry!.commit = id
      verifyAhead(entry!)
      entries.append(entry!)
    }
    return (entries, reached, malformed, joins)
  }
}

extension Workspace {
  /// `policyflow reindex`: deletes the index and builds it anew from the record refs, under the workspace lock.
  public static func reindex(at location: WorkspaceLocation) throws -> IndexReport {
    let fileManager = FileManager.default
    if !fileManager.fileExists(atPath: location.stateDirectory.path) {
      try fileManager.createDirectory(at: location.stateDirectory, withIntermediateDirectories: true)
      excludeStateDirectory(location.root)
    }
    let lock = try WorkspaceLock(path: location.lockURL)
    defer { withExtendedLifetime(lock) {} }
    try RecordFetch.fetchRecordIfMissing(at: location)
    location.removeIndexDatabase()
    for cache in ["definition.cache", "workflow.cache"] {
      try? fileManager.removeItem(at: location.stateDirectory.appendingPathComponent(cache))
    }
    let workspace = try Workspace(location: location)
    workspace.packReferences()
    var report = IndexReport(rebuilt: true)
    report.applied = try workspace.store.read { try $0.maxSequence() > 0 ? try $0.events().count : 0 }
    report.refused = try workspace.store.read { try $0.refusedRecords().count }
    return report
  }
}

extension Workspace {
  /// Applies the record commits `tx`'s index has not taken in yet: an index other than the workspace's own,
  /// caught up from git alone (the property test's witness).
  func replayNew(into tx: StoreTransaction) throws -> IndexReport {
    try catchUp(tx, refs: try recordRefs(), tips: try tx.recordTips(), rebuild: false)
  }
}
