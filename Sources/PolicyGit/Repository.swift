import Clibgit2
import Foundation

/// An open git repository.
///
/// Not for concurrent use: libgit2 allows one thread per `git_repository` at a time, and this class adds no lock.
/// Confine each instance to one thread or task, and open a second `Repository` for parallel work; values it returns
/// (`ObjectID`, `Commit`, `Data`, …) are plain `Sendable` copies and may go anywhere. Cross-process safety comes from
/// git itself: objects are content-addressed and references move only by compare-and-swap under git's lock files.
public final class Repository {
  /// The working directory, or the git directory for a bare repository.
  public let path: URL
  let handle: OpaquePointer

  private init(handle: OpaquePointer) {
    self.handle = handle
    let root = git_repository_workdir(handle) ?? git_repository_path(handle)!
    self.path = URL(fileURLWithPath: String(cString: root), isDirectory: true)
  }

  deinit {
    git_repository_free(handle)
  }

  /// Creates a non-bare repository (making missing parent directories) whose HEAD points at the unborn
  /// `refs/heads/<initialBranch>`, so the first commit there starts the branch. Refuses to re-initialise an
  /// existing repository (kind `.referenceConflict`, libgit2's "exists"), because that would silently adopt
  /// whatever history is already there.
  public static func create(at url: URL, initialBranch: String = "main") throws -> Repository {
    ensureLibgit2()
    let operation = "create repository at \(url.path)"
    // libgit2 writes `initial_head` into HEAD without validating it, so an unusable branch name would only
    // surface later as a broken HEAD.
    var valid: Int32 = 0
    try check(git_reference_name_is_valid(&valid, "refs/heads/\(initialBranch)"), operation)
    guard valid == 1, !initialBranch.hasPrefix("refs/") else {
      throw GitError.invalid(operation, "'\(initialBranch)' is not a valid branch name")
    }
    var options = git_repository_init_options()
    try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), operation)
    options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
    var handle: OpaquePointer?
    try initialBranch.withCString { branch in
      options.initial_head = branch
      try check(git_repository_init_ext(&handle, url.path, &options), operation)
    }
    return Repository(handle: handle!)
  }

  /// Opens the repository whose work tree or git directory is exactly `url`; no upward search, so a typo cannot
  /// silently land in an enclosing repository.
  public static func open(at url: URL) throws -> Repository {
    ensureLibgit2()
    var handle: OpaquePointer?
    let operation = "open repository at \(url.path)"
    do {
      try check(git_repository_open(&handle, url.path), operation)
    } catch let error as GitError
      where error.code == GIT_ENOTFOUND.rawValue && error.message.contains("safe.directory")
    {
      // libgit2 1.5 (Debian 12) reports a repository of another user as "config value 'safe.directory' was not
      // found" when the global configuration has no safe.directory at all (fixed in 1.6): the same refusal as
      // GIT_EOWNER, which `GitError` explains.
      var path = url.path
      if !path.hasSuffix("/") { path += "/" }
      throw GitError(
        kind: .other, operation: operation, message: "repository path '\(path)' is not owned by current user",
        code: GIT_EOWNER.rawValue)
    }
    return Repository(handle: handle!)
  }

  // MARK: Objects

  public func writeBlob(_ data: Data) throws -> ObjectID {
    var oid = git_oid()
    try withBytes(of: data) { base, count in
      try check(git_blob_create_from_buffer(&oid, handle, base, count), "write blob")
    }
    return ObjectID(oid)
  }

  /// The id `data` has as a blob, without writing it (what `git hash-object` prints).
  public func hashBlob(_ data: Data) throws -> ObjectID {
    var oid = git_oid()
    try withBytes(of: data) { base, count in
      try check(git_odb_hash(&oid, base, count, GIT_OBJECT_BLOB), "hash blob")
    }
    return ObjectID(oid)
  }

  public func readBlob(_ id: ObjectID) throws -> Data {
    try withBlob(id, "read blob \(id)") { blob in
      Data(bytes: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
    }
  }

  public func objectExists(_ id: ObjectID) -> Bool {
    var odb: OpaquePointer?
    guard git_repository_odb(&odb, handle) == 0 else { return false }
    defer { git_odb_free(odb) }
    var oid = id.oid
    return git_odb_exists(odb, &oid) == 1
  }

  /// Re-reads the object from disk through a fresh object database, checks that its content hashes to `id`, and
  /// that commits, trees and tags parse. A fresh database matters: the repository's own one caches objects it has
  /// already read, and `verify` must see what is on disk now, not what was there when this handle first looked.
  public func verifyObject(_ id: ObjectID) -> Bool {
    var objectsDirectory = git_buf()
    guard git_repository_item_path(&objectsDirectory, handle, GIT_REPOSITORY_ITEM_OBJECTS) == 0 else { return false }
    defer { git_buf_dispose(&objectsDirectory) }
    var odb: OpaquePointer?
    guard git_odb_open(&odb, objectsDirectory.ptr) == 0 else { return false }
    defer { git_odb_free(odb) }

    var oid = id.oid
    var object: OpaquePointer?
    guard git_odb_read(&object, odb, &oid) == 0 else {
      git_error_clear()
      return false
    }
    defer { git_odb_object_free(object) }
    let type = git_odb_object_type(object)
    var computed = git_oid()
    guard git_odb_hash(&computed, git_odb_object_data(object), git_odb_object_size(object), type) == 0,
      git_oid_equal(&computed, &oid) == 1
    else { return false }

    guard type == GIT_OBJECT_COMMIT || type == GIT_OBJECT_TREE || type == GIT_OBJECT_TAG else { return true }
    var parsed: OpaquePointer?
    guard git_object_lookup(&parsed, handle, &oid, type) == 0 else {
      git_error_clear()
      return false
    }
    git_object_free(parsed)
    return true
  }

  // MARK: Scoped lookups — each borrows a libgit2 object for `body` and frees it before returning.

  func withBlob<T>(_ id: ObjectID, _ operation: @autoclosure () -> String, _ body: (OpaquePointer) throws -> T)
    throws -> T
  {
    var oid = id.oid
    var blob: OpaquePointer?
    try check(git_blob_lookup(&blob, handle, &oid), operation())
    defer { git_blob_free(blob) }
    return try body(blob!)
  }

  func withTree<T>(_ id: ObjectID, _ operation: @autoclosure () -> String, _ body: (OpaquePointer) throws -> T)
    throws -> T
  {
    var oid = id.oid
    var tree: OpaquePointer?
    try check(git_tree_lookup(&tree, handle, &oid), operation())
    defer { git_tree_free(tree) }
    return try body(tree!)
  }

  func withCommit<T>(_ id: ObjectID, _ operation: @autoclosure () -> String, _ body: (OpaquePointer) throws -> T)
    throws -> T
  {
    var oid = id.oid
    var commit: OpaquePointer?
    try check(git_commit_lookup(&commit, handle, &oid), operation())
    defer { git_commit_free(commit) }
    return try body(commit!)
  }
}

/// Lends `data`'s bytes as a pointer that is never nil: an empty `Data` may have no base address, but libgit2 reads
/// a NULL buffer as "no file" rather than "empty file".
@discardableResult
func withBytes<T>(of data: Data, _ body: (UnsafeRawPointer, Int) throws -> T) rethrows -> T {
  if data.isEmpty {
    var placeholder: UInt8 = 0
    return try withUnsafeBytes(of: &placeholder) { try body($0.baseAddress!, 0) }
  }
  return try data.withUnsafeBytes { try body($0.baseAddress!, $0.count) }
}
