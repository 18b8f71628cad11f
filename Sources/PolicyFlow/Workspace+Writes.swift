import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore

/// A git reference move that a write makes besides its record commit.
struct ReferenceMove {
  let name: String
  let old: ObjectID?
  let new: ObjectID
}

/// What a command decided to record, before it has a time, a sequence or a commit.
struct ActionDraft {
  var kind: ActionKind
  var section: String?
  var subject: String
  var body: String = ""
  var fields: [RecordField: String] = [:]
  /// A branch commit the action publishes (a revision on `sections/<id>`, a definition change on `main`).
  var sideMove: ReferenceMove?
  /// The definition the action is decided against, when it is not the one in force (a change to `main`).
  var definition: ObjectID?
}

/// The write path. Under the workspace lock, with the index caught up:
///
/// 1. the action is applied to the index in a transaction that is rolled back (the rules' dry run: their
///    refusal is the command's error, their outcome says whether an approval commit is due);
/// 2. git objects: the revision or approval commit, then the record commit (unreachable until a ref moves);
/// 3. the record ref moves by compare-and-swap — the commit point;
/// 4. the branch refs move (`sections/<id>`, `main`), each by compare-and-swap;
/// 5. the index catches up with the record ref, applying the action for real.
///
/// Killed before 3: nothing happened (unreferenced objects, which git's gc removes). Killed after 3: the
/// action happened; the next write completes step 4 from the record (`completeInterruptedWrite`) and every
/// command's catch-up does step 5. So a reported success is never lost, and nothing is half-visible.
extension Workspace {
  /// Runs a write use case under the workspace lock, on the definition and index as they are now.
  public func performWrite<T>(_ body: () throws -> T) throws -> T {
    try location.requireWritable()
    let lock = try WorkspaceLock(path: location.lockURL)
    defer { withExtendedLifetime(lock) {} }
    try refreshUnderLock()
    try completeInterruptedWrite()
    return try body()
  }

  /// Another process may have written between opening the workspace and taking the lock: read again. (An open for a
  /// write leaves the index's catch-up to here: listing the record refs before the lock too would be wasted.)
  func refreshUnderLock() throws {
    // The index first: a damaged one is set aside and rebuilt there, before the chain of trust reads its memo.
    if catchUpPending { try catchUpOnFirstUse() } else { try catchUpIndex() }
    try readMainAgain()
  }

  /// The definition in force on `main` as it is now, if `main` moved since this command read it.
  func readMainAgain() throws {
    guard let main = try repository.referenceTarget(Workspace.mainRef), main != mainCommit else { return }
    let inForce = try chain.link(at: main, useIndex: true).inForce
    if inForce != definitionCommit {
      (definition, workflow) = try Workspace.loadCommittedDefinition(
        from: repository, at: inForce, cache: location.stateDirectory.appendingPathComponent("definition.cache"))
      definitionCommit = inForce
    }
    mainCommit = main
  }

  /// Branch refs that the latest action published but a killed command did not move: each still at the
  /// published commit's parent. Writes are serialised by the lock, so only the latest action can be incomplete.
  func interruptedMoves() throws -> (entry: RecordEntry, moves: [(ref: String, commit: ObjectID, current: ObjectID?)])? {
    guard let last = try store.read({ try $0.lastRecord() }), last.refusal == nil, let id = ObjectID(hex: last.commitId),
      let entry = try RecordMessage.parse(try repository.commit(id))
    else { return nil }
    var published: [(ref: String, commit: ObjectID)] = []
    if entry.kind == .submit, let section = entry.section, let revision = entry.objectID(.revisionCommit) {
      published.append((Workspace.sectionRef(section), revision))
    }
    if let side = sideEffect(of: entry), side.ref == Workspace.mainRef { published.append(side) }
    var moves: [(ref: String, commit: ObjectID, current: ObjectID?)] = []
    for move in published {
      let current = try repository.referenceTarget(move.ref)
      if current == move.commit { continue }
      if let current, try repository.isAncestor(move.commit, of: current) { continue }
      let parent = try repository.commit(move.commit).parents.first
      // Anywhere else, the action came from another copy whose branch has not arrived (yet): the next `sync`
      // brings it; `verify` reports it if it never does.
      guard current == parent else { continue }
      moves.append((move.ref, move.commit, current))
    }
    return (entry, moves)
  }

  /// Completes the branch moves of an action whose command was killed after its record ref moved.
  func completeInterruptedWrite() throws {
    if let remote = SyncMarker.pending(location) {
      // A sync was killed while it moved local refs: finish joining with what it had fetched (no network).
      var report = SyncReport(remote: remote)
      try PolicySync(workspace: self, remote: remote).integrate(into: &report)
      warn("completed an interrupted `policyflow sync \(remote)` from what it had fetched; run it again to push.")
    }
    guard let (entry, moves) = try interruptedMoves() else { return }
    // Killed inside the checkout after main moved: git's index lock is left and the work tree is behind main.
    if moves.isEmpty, sideEffect(of: entry)?.ref == Workspace.mainRef,
      FileManager.default.fileExists(atPath: location.root.appendingPathComponent(".git/index.lock").path)
    {
      removeStaleGitLock("index")
      try checkOutMain()
    }
    if entry.kind == .release, let name = entry[.releaseName], let commit = entry.objectID(.releaseCommit),
      try repository.referenceTarget("refs/tags/\(name)") == nil
    {
      try repository.updateReference("refs/tags/\(name)", to: commit, expected: nil, message: "policyflow: completed")
    }
    var movedMain = false
    for move in moves {
      removeStaleGitLock(move.ref, ours: move.commit)
      try repository.updateReference(move.ref, to: move.commit, expected: move.current, message: "policyflow: completed")
      warn("completed an interrupted command: \(move.ref) now holds \(RecordEntry.shortID(move.commit.hex)).")
      movedMain = movedMain || move.ref == Workspace.mainRef
    }
    if movedMain {
      removeStaleGitLock("index")
      try checkOutMain()
      try refreshUnderLock()
    }
  }

  /// Steps 1-5 of the write path for one action by `actor`.
  func record(_ draft: ActionDraft, actor: Member, signer: (any Signer)? = nil, signed: Bool = false) throws
    -> (entry: RecordEntry, applied: AppliedAction)
  {
    let signer = signed ? signer : try self.signer(for: actor)
    let (now, offset) = Workspace.actionTime(clock)
    var entry = RecordEntry(
      kind: draft.kind, actor: actor.id, time: now, offsetMinutes: offset,
      sequence: try store.read { try $0.maxSequence() } + 1, definition: draft.definition ?? mainCommit,
      section: draft.section, subject: draft.subject, body: draft.body, fields: draft.fields)
    entry.authorEmail = actor.email
    let applied = try dryRun(entry)
    var moves: [ReferenceMove] = draft.sideMove.map { [$0] } ?? []
    if let approval = applied.approval {
      let main = draft.sideMove?.name == Workspace.mainRef ? draft.sideMove!.new : mainCommit
      let commit = try writeApprovalCommit(approval, actor: actor, on: main, time: now, offset: offset, signer: signer)
      entry[.approvalCommit] = commit.hex
      moves.append(ReferenceMove(name: Workspace.mainRef, old: main, new: commit))
    }
    // A lock with content on the record ref is someone else's: nothing happened yet, and the command fails.
    let commit = try pastEmptyLock(on: entry.ref) {
      try Workspace.appendRecord(
        &entry, by: actor, to: repository, signer: signer, beforeMove: { FaultPoint.afterObjects.hit() })
    }
    FaultPoint.afterRecord.hit()
    // The action happened (its record ref moved). What follows only publishes it; a failure here (a full disk, a
    // lock a git command holds on main) must not read as "nothing happened", or the user repeats the action.
    do {
      for move in moves { try moveReference(move.name, to: move.new, expected: move.old) }
      let movedMain = moves.contains(where: { $0.name == Workspace.mainRef })
      if movedMain { try checkOutMain() }
      FaultPoint.afterReference.hit()
      if movedMain { try readMainAgain() }
      // Under the lock no other policyflow process moves a record ref: the refs before this command's move, with it,
      // are current (`catchUpOwnMove` checks that plain git did not move the same ref meanwhile).
      if let stamp = trustedStamp {
        try catchUpOwnMove(ref: entry.ref, to: commit, from: stamp)
      } else if var refs = listedRecordRefs {
        refs[entry.ref] = commit
        try catchUpIndex(known: refs)
      } else {
        try catchUpIndex()
      }
    } catch {
      throw PolicyFlowError.temporary(
        "the \(entry.kind.rawValue) was recorded (\(entry.shortID) on \(entry.ref)) but could not be completed: "
          + "\(error.localizedDescription). Do not repeat it. Once the cause is gone (free disk space; a git command "
          + "that holds a lock ends), the next policyflow command that records anything completes it"
          + (moves.isEmpty ? "." : " (it moves \(moves.map(\.name).joined(separator: ", "))).")
          + " `policyflow verify` shows it as interrupted until then.")
    }
    FaultPoint.afterIndex.hit()
    packReferencesIfMany()
    packObjectsIfNeeded()
    var result = applied
    result.approvalCommit = entry.objectID(.approvalCommit)
    if let comment = try store.read({ try $0.comment(recordId: commit.hex) }) { result.comment = comment }
    if let refusal = try store.read({ try $0.record(commit.hex)?.refusal }) {
      throw PolicyFlowError.internal("the action \(entry.shortID) was written but the index refused it: \(refusal)")
    }
    return (entry, result)
  }

  /// Writes `entry` as a commit by `actor` on its record ref and moves the ref by compare-and-swap.
  @discardableResult
  static func appendRecord(
    _ entry: inout RecordEntry, by actor: Member, to repository: Repository, signer: (any Signer)?,
    beforeMove: () -> Void = {}
  ) throws -> ObjectID {
    let ref = entry.ref
    let parent = try repository.referenceTarget(ref)
    let commit = try writeCommit(
      in: repository, tree: try repository.tree(base: nil, setting: [:]), parents: parent.map { [$0] } ?? [],
      actor: actor, time: entry.time, offset: entry.offsetMinutes, signer: signer, message: RecordMessage.render(entry))
    entry.commit = commit
    beforeMove()
    try repository.updateReference(ref, to: commit, expected: parent, message: "policyflow: \(entry.kind.rawValue)")
    return commit
  }

  /// The rules' verdict on `entry` without changing anything.
  func dryRun(_ entry: RecordEntry) throws -> AppliedAction {
    struct Rollback: Error {}
    var result: AppliedAction?
    do {
      try store.write { tx in
        result = try apply(entry, tx, mode: .dryRun)
        throw Rollback()
      }
    } catch is Rollback {}
    return result!
  }

  /// One commit on `main` with the approved text and the trailers of `ApprovalMessage`.
  private func writeApprovalCommit(
    _ approval: PendingApproval, actor: Member, on main: ObjectID, time: Date, offset: Int, signer: (any Signer)?
  ) throws -> ObjectID {
    let section = approval.section
    let tree = try repository.tree(
      base: try repository.commit(main).tree,
      setting: [Workspace.sectionPath(section.id): ObjectID(hex: approval.revision.blobId)!])
    let message = ApprovalMessage(
      section: section.id, revision: approval.revision.number, revisionCommit: approval.revision.commitId,
      contentHash: approval.revision.contentHash, signers: approval.signers.map { "\($0.name) <\($0.email)>" })
    let wording = RecordWording(language: definition.manifest.language)
    let text = message.render(
      heading: wording.approvedHeading(section.title, approval.revision.number),
      body: wording.approvedBody(
        workflow: workflow.label, section: section.id,
        bodies: section.committees.map(committeeName).joined(separator: wording.and)))
    return try writeCommit(
      tree: tree, parents: [main], actor: actor, time: time, offset: offset, signer: signer, message: text)
  }

  /// Brings the work tree and git's index to `main`. A failure is reported: a stale `.git/index.lock` left the
  /// index without the approved file, and a later `git commit -a` would remove it from `main`.
  func checkOutMain() throws {
    do {
      try repository.checkoutHead()
    } catch {
      warn(
        "main moved, but the work tree could not be updated (\(error.localizedDescription)). Remove a stale "
          + ".git/index.lock if no git command is running, then run `git checkout -f main`.")
    }
  }

  /// Removes `.git/<path>.lock` left by a killed command, saying so — and saying whose it was: libgit2 writes the
  /// new target of a ref into its lock file, so a lock holding the commit the interrupted action published
  /// (`ours`) was left by policyflow; any other was not (a killed git command, or a program that is still writing),
  /// and the warning names it. Under the workspace lock no other policyflow process writes these refs.
  func removeStaleGitLock(_ path: String, ours: ObjectID? = nil) {
    let lock = gitLock(path)
    guard FileManager.default.fileExists(atPath: lock.path) else { return }
    let content = (try? String(contentsOf: lock, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    let whose =
      ours.map { content == $0.hex } == true
      ? "left behind by policyflow's interrupted command"
      : content?.isEmpty == true
        ? "empty, as an interrupted pack of refs leaves it"
        : "which policyflow did not write (a git command killed while writing it?)"
    if (try? FileManager.default.removeItem(at: lock)) != nil {
      warn("removed .git/\(path).lock, \(whose).")
    }
  }

  /// `.git/<path>.lock`, git's lock file for the ref (or other file) at `path`.
  func gitLock(_ path: String) -> URL {
    location.root.appendingPathComponent(".git").appendingPathComponent(path + ".lock")
  }

  /// Runs a write of `ref` once more after removing an *empty* lock file that made it fail: what a pack of refs
  /// killed inside libgit2 leaves (libgit2 locks each loose ref it packs, writing nothing into the lock). A lock with
  /// content belongs to someone else — a git command, or one killed while writing — and is left alone: the error
  /// stands.
  func pastEmptyLock<T>(on ref: String, _ write: () throws -> T) throws -> T {
    do {
      return try write()
    } catch let error as GitError where error.kind == .locked {
      guard (try? Data(contentsOf: gitLock(ref)))?.isEmpty == true else { throw error }
      removeStaleGitLock(ref)
      return try write()
    }
  }

  /// Moves a branch ref by compare-and-swap, past an empty lock (`pastEmptyLock`). A lock with content makes the
  /// command fail, saying the action is recorded and the next write completes it.
  func moveReference(_ name: String, to target: ObjectID, expected: ObjectID?) throws {
    try pastEmptyLock(on: name) {
      try repository.updateReference(name, to: target, expected: expected, message: "policyflow")
    }
  }

  /// Loose refs a write leaves before it packs them. Packing rewrites `packed-refs` whole (9 M instructions at 1,000
  /// sections, as much as a third of a comment's own work), while each loose ref costs a listing one small file read:
  /// packing after every write paid the first to save a little of the second.
  static let looseRefsBeforePacking = 32

  /// Packs the refs when many are loose (after writes here, or a `git fetch`), or when a killed pack of ours left
  /// its lock (see `packReferences`). Counting reads two directories, not the refs. `POLICYFLOW_REF_PACK_THRESHOLD`
  /// overrides the number (tests).
  func packReferencesIfMany() {
    let marker = location.stateDirectory.appendingPathComponent("packing-refs")
    let threshold = environment["POLICYFLOW_REF_PACK_THRESHOLD"].flatMap(Int.init) ?? Workspace.looseRefsBeforePacking
    if FileManager.default.fileExists(atPath: marker.path)
      || Workspace.looseReferenceCount(under: location.root.appendingPathComponent(".git/refs").path) >= threshold
    {
      packReferences()
    }
  }

  /// Loose record refs and section branches: the files under `refs/policyflow` (its per-section folder included)
  /// and `refs/heads/sections`.
  static func looseReferenceCount(under refs: String) -> Int {
    (looseReferences(under: refs, in: "policyflow", depth: 1)?.count ?? 0)
      + (looseReferences(under: refs, in: "heads/sections", depth: 0)?.count ?? 0)
  }

  /// Packs the loose refs (what writes left: record refs, section branches, main), so that the next command lists
  /// the record refs from `packed-refs` instead of reading a file per ref. Only an optimisation: when it cannot
  /// (a `git` command holds `packed-refs.lock`), the refs stay loose and are listed all the same.
  ///
  /// Through a handle of its own: libgit2 keeps marking every ref it once packed as "was loose" in a handle's cache,
  /// so a long-lived handle (the generator, the tests) re-checked all 2,000 refs on every pack (four system calls
  /// each), while a fresh one looks only at the refs that are loose now.
  ///
  /// `packed-refs.lock` cannot say who took it (libgit2 and git both write the new file's text into it), so this
  /// process leaves its pid in `.policyflow/packing-refs` while it packs: a lock found beside the pid of a process
  /// that no longer runs was left by a killed pack of ours and is removed, saying so; any other lock belongs to a
  /// git command (or a killed one) and is left alone — the refs then stay loose, and an old lock is named.
  func packReferences() {
    let fileManager = FileManager.default
    let marker = location.stateDirectory.appendingPathComponent("packing-refs")
    let lock = gitLock("packed-refs")
    if fileManager.fileExists(atPath: lock.path) {
      let owner = (try? String(contentsOf: marker, encoding: .utf8)).flatMap {
        Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
      }
      if let owner, owner != getpid(), kill(owner, 0) != 0, errno == ESRCH {
        if (try? fileManager.removeItem(at: lock)) != nil {
          warn("removed .git/packed-refs.lock, left behind by policyflow's interrupted pack of refs (process \(owner)).")
        }
      } else {
        let modified = (try? fileManager.attributesOfItem(atPath: lock.path))?[.modificationDate] as? Date
        if let modified, Date().timeIntervalSince(modified) > 600 {
          warn("refs are not packed: .git/packed-refs.lock (from \(modified)) was not taken by policyflow. If no git "
            + "command is running, remove it; nothing depends on it.")
        }
        return
      }
    }
    guard (try? Data("\(getpid())\n".utf8).write(to: marker)) != nil else { return }
    defer { try? fileManager.removeItem(at: marker) }
    do { try Repository.open(at: location.root).packReferences() } catch {}
  }

  /// Packs the loose objects once there are about as many as `git gc --auto` packs (6,700; `POLICYFLOW_PACK_THRESHOLD`
  /// overrides it): one file instead of thousands on a laptop or a network drive. Only housekeeping: a failure leaves
  /// them loose and says so.
  func packObjectsIfNeeded() {
    let threshold = environment["POLICYFLOW_PACK_THRESHOLD"].flatMap(Int.init) ?? Repository.autoPackThreshold
    do {
      try repository.packIfNeeded(threshold: threshold)
    } catch {
      warn("could not pack the repository's objects (\(error.localizedDescription)); they stay loose, nothing is lost.")
    }
  }

  func warn(_ message: String) {
    FileHandle.standardError.write(Data("policyflow: \(message)\n".utf8))
  }
}
