import Clibgit2
import Foundation

extension Repository {
  /// The commit (or other object) `name` points at, following symbolic references such as HEAD; nil if the
  /// reference — or, for a symbolic one, its target — does not exist (e.g. HEAD on an unborn branch).
  public func referenceTarget(_ name: String) throws -> ObjectID? {
    var oid = git_oid()
    let code = git_reference_name_to_id(&oid, handle, name)
    if code == GIT_ENOTFOUND.rawValue {
      git_error_clear()
      return nil
    }
    try check(code, "resolve reference \(name)")
    return ObjectID(oid)
  }

  /// Moves the loose references into `packed-refs`, as `git pack-refs --all` does, through libgit2's locks: a loose
  /// ref is deleted only if it still holds the value packed, so a concurrent update (ours or a `git fetch`) wins.
  ///
  /// Listing refs reads every loose ref file: at 1,000 record refs that was the largest part of every command's
  /// cost, while the same refs packed are one file.
  public func packReferences() throws {
    var refdb: OpaquePointer?
    try check(git_repository_refdb(&refdb, handle), "open the reference database")
    defer { git_refdb_free(refdb) }
    try check(git_refdb_compress(refdb), "pack references")
  }

  /// Compare-and-swap: moves `name` to `target` only if it currently points at `expected` (nil = must not exist yet).
  /// Otherwise throws kind .referenceConflict. Writes reflog with `message`.
  ///
  /// Both cases go through `git_reference_create_matching`, whose comparison happens while libgit2 holds the
  /// ref's `.lock` file, so concurrent writers (other processes, the git CLI) cannot interleave. Create-if-absent
  /// passes the all-zero id as the expected value rather than using `git_reference_create(force: 0)`: the latter
  /// checks for existence *before* taking the lock, leaving a window in which two creators can both succeed.
  /// Only names under `refs/` are accepted; rewriting HEAD this way would detach it. A reflog entry is written
  /// even for refs outside `refs/heads/` (git would skip those by default), because the log is the audit trail.
  public func updateReference(_ name: String, to target: ObjectID, expected: ObjectID?, message: String) throws {
    let operation = "update reference \(name)"
    var valid: Int32 = 0
    try check(git_reference_name_is_valid(&valid, name), operation)
    guard valid == 1, name.hasPrefix("refs/") else {
      throw GitError.invalid(operation, "'\(name)' is not a valid reference name under refs/")
    }
    try check(git_reference_ensure_log(handle, name), "\(operation): prepare reflog")

    var targetOID = target.oid
    var expectedOID = expected?.oid ?? git_oid()
    var reference: OpaquePointer?
    let code = git_reference_create_matching(&reference, handle, name, &targetOID, 1, &expectedOID, message)
    defer { git_reference_free(reference) }
    switch code {
    case 0:
      return
    case GIT_EMODIFIED.rawValue, GIT_EEXISTS.rawValue, GIT_ENOTFOUND.rawValue:
      // ENOTFOUND here means the ref vanished although we expected a value: the swap was lost just the same.
      git_error_clear()
      let actual = (try? referenceTarget(name)).flatMap { $0?.hex } ?? "nothing"
      throw GitError(
        kind: .referenceConflict, operation: operation,
        message: "expected \(expected?.hex ?? "no reference") but found \(actual)", code: code)
    default:
      try check(code, operation)
    }
  }

  /// Removes `name` if it still points at `expected` (libgit2 compares under the ref's lock); kind
  /// `.referenceConflict` if it moved meanwhile. Its reflog goes with it, as with `git update-ref -d`.
  public func deleteReference(_ name: String, expected: ObjectID) throws {
    let operation = "delete reference \(name)"
    var reference: OpaquePointer?
    try check(git_reference_lookup(&reference, handle, name), operation)
    defer { git_reference_free(reference) }
    guard git_reference_type(reference) == GIT_REFERENCE_DIRECT, ObjectID(git_reference_target(reference)) == expected
    else {
      throw GitError(
        kind: .referenceConflict, operation: operation, message: "it no longer points at \(expected.hex)", code: -1)
    }
    let code = git_reference_delete(reference)
    if code == GIT_EMODIFIED.rawValue {
      git_error_clear()
      throw GitError(kind: .referenceConflict, operation: operation, message: "it moved meanwhile", code: code)
    }
    try check(code, operation)
  }

  /// References whose names match the glob (e.g. "refs/heads/*", "refs/policyflow/drafts/*"), sorted by name, each
  /// resolved to the object it ultimately points at. libgit2's globs are not path-aware: `*` also matches across
  /// `/`, so "refs/policyflow/*" includes "refs/policyflow/drafts/x/1". Symbolic references whose target does not
  /// exist are skipped: they point at nothing yet.
  public func references(matching glob: String) throws -> [(name: String, target: ObjectID)] {
    let operation = "list references matching \(glob)"
    var iterator: OpaquePointer?
    try check(git_reference_iterator_glob_new(&iterator, handle, glob), operation)
    defer { git_reference_iterator_free(iterator) }

    var result: [(name: String, target: ObjectID)] = []
    var reference: OpaquePointer?
    while true {
      let code = git_reference_next(&reference, iterator)
      if code == GIT_ITEROVER.rawValue { break }
      try check(code, operation)
      defer { git_reference_free(reference) }
      let name = String(cString: git_reference_name(reference))
      if git_reference_type(reference) == GIT_REFERENCE_DIRECT {
        result.append((name, ObjectID(git_reference_target(reference))))
        continue
      }
      var resolved: OpaquePointer?
      let resolveCode = git_reference_resolve(&resolved, reference)
      if resolveCode == GIT_ENOTFOUND.rawValue {
        git_error_clear()
        continue
      }
      try check(resolveCode, "\(operation): resolve \(name)")
      defer { git_reference_free(resolved) }
      result.append((name, ObjectID(git_reference_target(resolved))))
    }
    git_error_clear()
    return result.sorted { $0.name < $1.name }
  }
}
