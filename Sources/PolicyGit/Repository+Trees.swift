import Clibgit2
import Foundation

/// A slash-separated path inside a tree, validated once so nothing downstream can be steered outside the work tree
/// or into `.git` when the tree is checked out — policy file names come from user input.
struct TreePath: Hashable {
  let components: [String]
  var string: String { components.joined(separator: "/") }

  /// Rejects absolute paths, empty, "." and ".." components, NUL bytes, and `.git` in every spelling git itself
  /// refuses on checkout (any case, trailing dots or spaces, the NTFS short name `git~1`), which would also make
  /// `git fsck --strict` fail.
  init(_ path: String, _ operation: @autoclosure () -> String) throws {
    func reject(_ why: String) -> GitError { GitError.invalid(operation(), "unsafe path '\(path)': \(why)") }
    guard !path.isEmpty else { throw reject("empty") }
    guard !path.hasPrefix("/") else { throw reject("absolute") }
    guard !path.utf8.contains(0) else { throw reject("contains NUL") }
    let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    for component in components {
      guard !component.isEmpty else { throw reject("empty component") }
      guard component != ".", component != ".." else { throw reject("'\(component)' component") }
      var folded = Substring(component.lowercased())
      while let last = folded.last, last == "." || last == " " { folded = folded.dropLast() }
      guard folded != ".git", folded != "git~1" else { throw reject("'.git' component") }
    }
    self.components = components
  }

  /// Every proper prefix directory: "a/b/c" → "a", "a/b".
  var ancestors: [TreePath] {
    (1..<max(components.count, 1)).map { TreePath(components: Array(components.prefix($0))) }
  }

  private init(components: [String]) {
    self.components = components
  }
}

extension Repository {
  /// Builds a new tree from `base` (nil = empty) with files set/replaced at slash-separated paths, e.g.
  /// "sections/forord.md", creating intermediate trees. Paths with "..", "." components, empty components, absolute
  /// paths or ".git" are rejected (GitError kind invalid).
  ///
  /// All requests are checked before anything is written, so a rejected call leaves no stray objects: a path may
  /// not be both set and removed or be a directory of another requested path (`.invalid`), may not turn a base
  /// directory into a file or vice versa (`.invalid`), set ids must name existing blobs (`.notFound`/`.invalid`),
  /// and removed paths must exist in `base` (`.notFound`) — removing a directory removes everything under it.
  /// Directories left empty by removals disappear, as git cannot record empty directories.
  public func tree(base: ObjectID?, setting files: [String: ObjectID], removing: [String] = []) throws -> ObjectID {
    let operation = "build tree"
    let sets = try files.map { (path: try TreePath($0.key, operation), id: $0.value) }
    var removals: [TreePath] = []
    for path in removing {
      let path = try TreePath(path, operation)
      if !removals.contains(path) { removals.append(path) }
    }

    let requested = Set(sets.map(\.path))
    if let both = removals.first(where: requested.contains) {
      throw GitError.invalid(operation, "'\(both.string)' is both set and removed")
    }
    let touched = requested.union(removals)
    for path in touched {
      if let directory = path.ancestors.first(where: touched.contains) {
        throw GitError.invalid(operation, "'\(directory.string)' and '\(path.string)' overlap; ask for one")
      }
    }
    for (path, id) in sets {
      try requireBlob(id, for: path, operation)
    }

    var baseTree: OpaquePointer?
    if let base {
      var oid = base.oid
      try check(git_tree_lookup(&baseTree, handle, &oid), "\(operation): look up base tree \(base)")
    }
    defer { git_tree_free(baseTree) }
    if let baseTree {
      try checkShapes(sets: sets.map(\.path), removals: removals, in: baseTree, operation)
    } else if let first = removals.first {
      throw GitError(
        kind: .notFound, operation: operation, message: "cannot remove '\(first.string)' from an empty tree",
        code: GIT_ENOTFOUND.rawValue)
    }

    if sets.isEmpty && removals.isEmpty {
      if let base { return base }
      return try writeEmptyTree(operation)
    }

    // git_tree_update holds C string pointers; keep copies alive until libgit2 is done with them.
    var cPaths: [UnsafeMutablePointer<CChar>] = []
    defer { cPaths.forEach { free($0) } }
    var updates: [git_tree_update] = []
    for (path, id) in sets {
      cPaths.append(strdup(path.string))
      updates.append(git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: id.oid, filemode: GIT_FILEMODE_BLOB,
        path: cPaths.last!))
    }
    for path in removals {
      cPaths.append(strdup(path.string))
      updates.append(git_tree_update(action: GIT_TREE_UPDATE_REMOVE, id: git_oid(), filemode: GIT_FILEMODE_BLOB,
        path: cPaths.last!))
    }
    var out = git_oid()
    try check(git_tree_create_updated(&out, handle, baseTree, updates.count, &updates), operation)
    return ObjectID(out)
  }

  /// The contents of the file at `path` in `commit`, or nil if no file is there (a directory is not a file).
  public func fileContents(at path: String, in commit: ObjectID) throws -> Data? {
    guard let id = try blobID(at: path, in: commit) else { return nil }
    return try readBlob(id)
  }

  /// The blob id of the file at `path` in `commit`, or nil if no file is there. Comparing ids is how callers tell
  /// whether a file changed between two commits without reading either version.
  public func blobID(at path: String, in commit: ObjectID) throws -> ObjectID? {
    let treePath = try TreePath(path, "look up \(path) in \(commit)")
    let tree = try treeID(of: commit)
    return try withTree(tree, "look up \(path) in \(commit)") { tree in
      guard let entry = try entry(at: treePath, in: tree), entry.type == GIT_OBJECT_BLOB else { return nil }
      return entry.id
    }
  }

  /// Names of the files directly in `directory` ("" or "/" = the root), in git's tree order; subdirectories are
  /// left out. A missing directory — or a file where a directory was expected — yields an empty list, since
  /// "no sections yet" is an ordinary state for a policy.
  public func files(in commit: ObjectID, under directory: String) throws -> [String] {
    let operation = "list \(directory.isEmpty ? "/" : directory) in \(commit)"
    var trimmed = Substring(directory)
    while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    var treeID = try self.treeID(of: commit)
    if !trimmed.isEmpty {
      let treePath = try TreePath(String(trimmed), operation)
      let entry = try withTree(treeID, operation) { try self.entry(at: treePath, in: $0) }
      guard let entry, entry.type == GIT_OBJECT_TREE else { return [] }
      treeID = entry.id
    }
    return try withTree(treeID, operation) { tree in
      (0..<git_tree_entrycount(tree)).compactMap { index in
        let entry = git_tree_entry_byindex(tree, index)
        let mode = git_tree_entry_filemode(entry)
        guard mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE else { return nil }
        return String(cString: git_tree_entry_name(entry))
      }
    }
  }

  /// Every file of `commit`'s tree, recursively, by slash-separated path, with its blob id.
  public func allFiles(in commit: ObjectID) throws -> [String: ObjectID] {
    final class Collected { var files: [String: ObjectID] = [:] }
    let collected = Collected()
    let operation = "list the files of \(commit)"
    try withTree(try treeID(of: commit), operation) { tree in
      let code = git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
        guard let entry, let payload else { return 0 }
        let mode = git_tree_entry_filemode(entry)
        guard mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE else { return 0 }
        let box = Unmanaged<Collected>.fromOpaque(payload).takeUnretainedValue()
        let path = (root.map { String(cString: $0) } ?? "") + String(cString: git_tree_entry_name(entry))
        box.files[path] = ObjectID(git_tree_entry_id(entry))
        return 0
      }, Unmanaged.passUnretained(collected).toOpaque())
      try check(code, operation)
    }
    return collected.files
  }

  // MARK: Internals

  func treeID(of commit: ObjectID) throws -> ObjectID {
    try withCommit(commit, "look up commit \(commit)") { ObjectID(git_commit_tree_id($0)) }
  }

  /// The id and type of the entry at `path`, or nil if the path does not exist (including when a parent is a file).
  func entry(at path: TreePath, in tree: OpaquePointer) throws -> (id: ObjectID, type: git_object_t)? {
    var entry: OpaquePointer?
    let code = git_tree_entry_bypath(&entry, tree, path.string)
    if code == GIT_ENOTFOUND.rawValue {
      git_error_clear()
      return nil
    }
    try check(code, "look up tree entry \(path.string)")
    defer { git_tree_entry_free(entry) }
    return (ObjectID(git_tree_entry_id(entry)), git_tree_entry_type(entry))
  }

  /// libgit2's strict mode would refuse a missing or non-blob id too, but only after writing intermediate trees,
  /// and with a generic error; checking first gives callers a precise kind.
  private func requireBlob(_ id: ObjectID, for path: TreePath, _ operation: String) throws {
    var odb: OpaquePointer?
    try check(git_repository_odb(&odb, handle), operation)
    defer { git_odb_free(odb) }
    var oid = id.oid
    var size = 0
    var type = GIT_OBJECT_INVALID
    try check(git_odb_read_header(&size, &type, odb, &oid), "\(operation): blob \(id) for '\(path.string)'")
    guard type == GIT_OBJECT_BLOB else {
      throw GitError.invalid(operation, "\(id) for '\(path.string)' is not a blob")
    }
  }

  /// git_tree_create_updated cannot turn a directory into a file or back (it fails midway), and reports removing a
  /// missing path only as a generic error.
  private func checkShapes(sets: [TreePath], removals: [TreePath], in tree: OpaquePointer, _ operation: String)
    throws
  {
    for path in sets {
      if let existing = try entry(at: path, in: tree), existing.type == GIT_OBJECT_TREE {
        throw GitError.invalid(operation, "'\(path.string)' is a directory in the base tree")
      }
      for directory in path.ancestors {
        guard let existing = try entry(at: directory, in: tree) else { break }
        if existing.type != GIT_OBJECT_TREE {
          throw GitError.invalid(operation, "'\(directory.string)' is a file in the base tree")
        }
      }
    }
    for path in removals where try entry(at: path, in: tree) == nil {
      throw GitError(kind: .notFound, operation: operation, message: "'\(path.string)' is not in the base tree",
        code: GIT_ENOTFOUND.rawValue)
    }
  }

  /// The empty tree's id (written if missing): the tree of every record commit.
  public func emptyTreeID() throws -> ObjectID { try writeEmptyTree("write the empty tree") }

  private func writeEmptyTree(_ operation: String) throws -> ObjectID {
    var builder: OpaquePointer?
    try check(git_treebuilder_new(&builder, handle, nil), operation)
    defer { git_treebuilder_free(builder) }
    var out = git_oid()
    try check(git_treebuilder_write(&out, builder), operation)
    return ObjectID(out)
  }
}

// MARK: - Top-level entries (the definition's chain of trust compares them)

/// One entry directly in a tree: a file or a directory, by name, with its object id and git file mode.
public struct TreeEntry: Sendable, Equatable, Hashable {
  public let name: String
  public let id: ObjectID
  public let mode: UInt32
}

extension Repository {
  /// The entries directly in the root tree of `commit` (files and directories), in git's tree order.
  public func rootEntries(of commit: ObjectID) throws -> [TreeEntry] {
    let operation = "list the root tree of \(commit)"
    return try withTree(try treeID(of: commit), operation) { tree in
      (0..<git_tree_entrycount(tree)).map { index in
        let entry = git_tree_entry_byindex(tree, index)
        return TreeEntry(
          name: String(cString: git_tree_entry_name(entry)), id: ObjectID(git_tree_entry_id(entry)!),
          mode: git_tree_entry_filemode(entry).rawValue)
      }
    }
  }

  /// A new root tree: the root entries of `base`, with the entries named in `names` taken from `source` instead
  /// (removed where `source` has none). Used to put an earlier definition back beside today's approved text.
  public func tree(rootOf base: ObjectID, replacing names: Set<String>, from source: ObjectID) throws -> ObjectID {
    let operation = "build a tree from \(base) with \(names.sorted().joined(separator: ", ")) of \(source)"
    let wanted = try rootEntries(of: source).filter { names.contains($0.name) }
    return try withTree(try treeID(of: base), operation) { tree in
      var builder: OpaquePointer?
      try check(git_treebuilder_new(&builder, handle, tree), operation)
      defer { git_treebuilder_free(builder) }
      for name in names where git_treebuilder_get(builder, name) != nil {
        try check(git_treebuilder_remove(builder, name), operation)
      }
      for entry in wanted {
        var oid = entry.id.oid
        try check(git_treebuilder_insert(nil, builder, entry.name, &oid, git_filemode_t(entry.mode)), operation)
      }
      var out = git_oid()
      try check(git_treebuilder_write(&out, builder), operation)
      return ObjectID(out)
    }
  }

  /// The first parent of `commit` (nil for a root commit), without reading its message.
  public func firstParent(of commit: ObjectID) throws -> ObjectID? {
    try withCommit(commit, "look up commit \(commit)") { commit in
      git_commit_parentcount(commit) == 0 ? nil : ObjectID(git_commit_parent_id(commit, 0))
    }
  }
}
