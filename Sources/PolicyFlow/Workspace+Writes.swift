import Foundation
import PolicyGit
import PolicyStore

/// A git reference move that a write promises together with its database changes.
struct ReferenceMove {
  let name: String
  let old: ObjectID?
  let new: ObjectID
}

/// The order of writes that keeps git and SQLite in agreement across crashes:
///
/// 1. git objects (blobs, trees, commits) — unreachable until a ref points at them, so harmless alone;
/// 2. one SQLite transaction with every row change *and* a `pendingRef` row per reference to move;
/// 3. the reference moves, each by compare-and-swap;
/// 4. deleting the `pendingRef` rows.
///
/// Killed before 2 commits: nothing visible changed. Killed after 2: the next command (under the same
/// lock) finds the pending rows and rolls the references forward — the objects exist, because they were
/// written first — then deletes the rows. So a recorded success is never lost, and git never points at
/// something the database does not know.
extension Workspace {
  /// Runs a write use case under the workspace lock, after finishing any interrupted write.
  public func performWrite<T>(_ body: () throws -> T) throws -> T {
    let lock = try WorkspaceLock(path: location.lockURL)
    defer { withExtendedLifetime(lock) {} }
    try recoverPendingReferences()
    return try body()
  }

  /// Steps 2-4 of the write order for objects already written.
  @discardableResult
  func commit<T>(moving moves: [ReferenceMove], _ body: (StoreTransaction) throws -> T) throws -> T {
    for move in moves {
      let current = try repository.referenceTarget(move.name)
      guard current == move.old else {
        throw PolicyFlowError.internal(
          "\(move.name) moved outside policyflow (expected \(move.old?.description ?? "none"), found "
            + "\(current?.description ?? "none")); nothing was changed. Run `policyflow verify`.")
      }
    }
    FaultPoint.afterObjects.hit()
    let (result, pending) = try store.write { tx -> (T, [PendingRefRecord]) in
      let result = try body(tx)
      let now = clock()
      let pending = try moves.map {
        try tx.insertPendingRef(PendingRefRecord(
          refName: $0.name, oldTarget: $0.old?.hex, newTarget: $0.new.hex, createdAt: now))
      }
      return (result, pending)
    }
    FaultPoint.afterDatabase.hit()
    for move in moves {
      try repository.updateReference(move.name, to: move.new, expected: move.old, message: "policyflow")
    }
    FaultPoint.afterReference.hit()
    // Check out before the pending rows go: killed in between, recovery still sees the main move and checks out.
    if moves.contains(where: { $0.name == Workspace.mainRef }) { try? repository.checkoutHead() }
    try store.write { tx in
      for record in pending { try tx.deletePendingRef(id: record.id!) }
    }
    FaultPoint.afterCleanup.hit()
    return result
  }

  /// Completes reference moves that a killed command had already promised in the database.
  func recoverPendingReferences() throws {
    let pending = try store.read { try $0.pendingRefs() }
    guard !pending.isEmpty else { return }
    var movedMain = false
    for record in pending {
      // A command killed inside git's own write of this reference (or of the index, checking out main) leaves
      // git's lock file, and libgit2 then refuses every later write. Under the workspace lock no other policyflow
      // process writes them, and the pending row shows the killed command was ours: the lock file is stale.
      removeStaleGitLock(record.refName)
      if record.refName == Workspace.mainRef { removeStaleGitLock("index") }
      guard let new = ObjectID(hex: record.newTarget) else { continue }
      let old = record.oldTarget.flatMap(ObjectID.init(hex:))
      let current = try repository.referenceTarget(record.refName)
      if current == new {
        // The move happened; the checkout and the cleanup may not have.
        movedMain = movedMain || record.refName == Workspace.mainRef
      } else if current == old {
        guard repository.objectExists(new) else {
          throw PolicyFlowError.internal(
            "an interrupted command promised \(record.refName) → \(new) but that commit is missing; "
              + "run `policyflow verify` and restore the repository from a backup.")
        }
        try repository.updateReference(record.refName, to: new, expected: old, message: "policyflow: recovery")
        movedMain = movedMain || record.refName == Workspace.mainRef
      } else {
        throw PolicyFlowError.internal(
          "an interrupted command left \(record.refName) at \(current?.description ?? "nothing"), neither before "
            + "(\(old?.description ?? "none")) nor after (\(new)); run `policyflow verify`.")
      }
      try store.write { tx in try tx.deletePendingRef(id: record.id!) }
    }
    if movedMain { try? repository.checkoutHead() }
  }

  /// Removes `.git/<path>.lock`, which git writes and renames onto `<path>`, if a killed command left it.
  private func removeStaleGitLock(_ path: String) {
    let lock = location.root.appendingPathComponent(".git").appendingPathComponent(path + ".lock")
    if FileManager.default.fileExists(atPath: lock.path) { try? FileManager.default.removeItem(at: lock) }
  }

  /// Appends an event at the workspace clock's time.
  @discardableResult
  func logEvent(
    _ tx: StoreTransaction, actor: String, action: String, section: String? = nil, from: String? = nil,
    to: String? = nil, revision: Int? = nil, commit: ObjectID? = nil, detail: String = ""
  ) throws -> EventRecord {
    try tx.appendEvent(EventRecord(
      at: clock(), actor: actor, action: action, sectionId: section, fromState: from, toState: to,
      revision: revision, commitId: commit?.hex, detail: detail))
  }
}
