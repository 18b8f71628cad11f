import Clibgit2
import Foundation

/// Pushing to a bare repository on this machine or a mounted share, with a real compare-and-swap.
///
/// libgit2's local transport (1.5) moves the remote reference with `git_reference_create(force: 1)` once it exists:
/// a push that started before another one finished overwrites it, and the other department's commits silently drop
/// out of the remote's history. Here the objects are written into the remote's object database first (a pack, as
/// libgit2's transport writes one), then each reference moves with `git_reference_create_matching` from exactly the
/// value this push saw, under the reference's lock file — the check a git server makes under its lock.
extension Repository {
  func pushLocally(
    to location: RemoteLocation, planned: [PlannedPush], remoteName: String?, beforeUpdate: (() -> Void)?
  ) throws -> PushResult {
    let remote = try openLocalRemote(location)

    var olds: [String: ObjectID] = [:]
    for plan in planned {
      olds[plan.destination] = try remote.referenceTarget(plan.destination)
    }
    let outdated = planned.filter { plan in
      guard let old = olds[plan.destination], !plan.force else { return false }
      return !isFastForward(from: old, to: plan.new)
    }
    guard outdated.isEmpty else {
      // As libgit2 does for a network push: one non-fast-forward stops the whole push before anything is written.
      let names = Set(outdated.map(\.destination))
      return PushResult(
        updates: planned.map { plan in
          let old = olds[plan.destination]
          let rejection =
            names.contains(plan.destination)
            ? PushResult.Rejection(
              reason: .outdated,
              message: "non-fast-forward: the remote's \(plan.destination) holds commits this copy has not "
                + "integrated; fetch and retry")
            : PushResult.Rejection(
              reason: .notAttempted, message: "not sent: another reference of this push was refused")
          return PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .rejected(rejection))
        }, serverMessages: [])
    }

    let changing = planned.filter { olds[$0.destination] != $0.new }
    if !changing.isEmpty {
      try sendObjects(changing.map(\.new), to: remote, location: location)
    }
    beforeUpdate?()

    var updates: [PushResult.Update] = []
    for plan in planned {
      let old = olds[plan.destination]
      guard old != plan.new else {
        updates.append(PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .upToDate))
        continue
      }
      do {
        try remote.updateReference(
          plan.destination, to: plan.new, expected: old, message: "push: \(plan.source) from \(path.path)")
        updates.append(PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .updated))
      } catch let error as GitError where error.kind == .referenceConflict || error.kind == .locked {
        let rejection = PushResult.Rejection(
          reason: .outdated,
          message: "another push changed the remote's \(plan.destination) meanwhile (\(error.message)); "
            + "fetch and retry")
        updates.append(
          PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .rejected(rejection)))
      }
    }
    if let remoteName {
      updateTrackingReferences(remoteName, after: updates)
    }
    return PushResult(updates: updates, serverMessages: [])
  }

  private func openLocalRemote(_ location: RemoteLocation) throws -> Repository {
    let remote: Repository
    do {
      remote = try Repository.open(at: URL(fileURLWithPath: location.path))
    } catch let error as GitError {
      throw RemoteError(error, location: location, operation: "Push to \(location.redacted)")
    }
    guard git_repository_is_bare(remote.handle) == 1 else {
      throw RemoteError(
        kind: .badConfiguration, remote: location.redacted,
        message: "\(location.path) is a repository with a working folder; a shared copy must be a bare repository.",
        recovery: "Create the shared copy with `git init --bare`, or `git clone --bare` an existing one.")
    }
    return remote
  }

  /// Writes every object reachable from `tips` that the remote does not have yet as one pack into its object
  /// database; the remote's own references mark what it has.
  private func sendObjects(_ tips: [ObjectID], to remote: Repository, location: RemoteLocation) throws {
    let operation = "push to \(location.redacted): write objects"
    try withPackBuilder(operation) { builder, walk in try sendObjects(tips, to: remote, builder, walk, operation) }
  }

  private func sendObjects(
    _ tips: [ObjectID], to remote: Repository, _ builder: OpaquePointer?, _ walk: OpaquePointer?, _ operation: String
  ) throws {
    for tip in tips {
      var oid = tip.oid
      var commit: OpaquePointer?
      if git_object_lookup(&commit, handle, &oid, GIT_OBJECT_COMMIT) == 0 {
        git_object_free(commit)
        try check(git_revwalk_push(walk, &oid), operation)
      } else {
        git_error_clear()
        try check(git_packbuilder_insert_recur(builder, &oid, nil), operation)
      }
    }
    for (_, target) in try remote.references(matching: "refs/*") where objectExists(target) {
      var oid = target.oid
      // Non-commit tips (tags, blobs) cannot be hidden from a commit walk; they only cost a larger pack.
      if git_revwalk_hide(walk, &oid) < 0 { git_error_clear() }
    }
    try check(git_packbuilder_insert_walk(builder, walk), operation)
    guard git_packbuilder_object_count(builder) > 0 else { return }

    var objects = git_buf()
    try check(git_repository_item_path(&objects, remote.handle, GIT_REPOSITORY_ITEM_OBJECTS), operation)
    defer { git_buf_dispose(&objects) }
    let packs = URL(fileURLWithPath: String(cString: objects.ptr)).appendingPathComponent("pack").path
    try check(git_packbuilder_write(builder, packs, 0, nil, nil), operation)
  }

  /// Moves `refs/remotes/NAME/…` to what the push put on the remote, as libgit2 does after a network push to a
  /// named remote, so that "what the remote has" reads the same after either kind of push.
  private func updateTrackingReferences(_ remoteName: String, after updates: [PushResult.Update]) {
    var remote: OpaquePointer?
    guard git_remote_lookup(&remote, handle, remoteName) == 0, let remote else {
      git_error_clear()
      return
    }
    defer { git_remote_free(remote) }
    for update in updates where update.outcome == .updated {
      for index in 0..<git_remote_refspec_count(remote) {
        guard let refspec = git_remote_get_refspec(remote, index),
          git_refspec_direction(refspec) == GIT_DIRECTION_FETCH,
          git_refspec_src_matches(refspec, update.reference) == 1
        else { continue }
        var tracking = git_buf()
        defer { git_buf_dispose(&tracking) }
        guard git_refspec_transform(&tracking, refspec, update.reference) == 0 else {
          git_error_clear()
          continue
        }
        var oid = update.new.oid
        var reference: OpaquePointer?
        if git_reference_create(&reference, handle, tracking.ptr, &oid, 1, "update by push") == 0 {
          git_reference_free(reference)
        } else {
          git_error_clear()
        }
      }
    }
  }
}
