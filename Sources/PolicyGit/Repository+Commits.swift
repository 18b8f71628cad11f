import Clibgit2
import Foundation

extension Repository {
  /// Writes a commit object without moving any reference; publishing it is a separate compare-and-swap
  /// (`updateReference`) so that two writers racing for the same branch cannot both win. The message is stored
  /// byte-for-byte (no cleanup, no encoding header: git assumes UTF-8).
  public func createCommit(tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature,
    message: String) throws -> ObjectID
  {
    let operation = "create commit"
    return try withTree(tree, "\(operation): look up tree \(tree)") { tree in
      var parentCommits: [OpaquePointer?] = []
      defer { parentCommits.forEach { git_commit_free($0) } }
      for parent in parents {
        var oid = parent.oid
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "\(operation): look up parent \(parent)")
        parentCommits.append(commit)
      }
      return try author.withGitSignature("\(operation): author") { author in
        try committer.withGitSignature("\(operation): committer") { committer in
          var out = git_oid()
          _ = try parentCommits.withUnsafeMutableBufferPointer { parents in
            try check(
              git_commit_create(&out, handle, nil, author, committer, nil, message, tree, parents.count,
                parents.baseAddress),
              operation)
          }
          return ObjectID(out)
        }
      }
    }
  }

  public func commit(_ id: ObjectID) throws -> Commit {
    try withCommit(id, "look up commit \(id)") { commit in
      let message = String(cString: git_commit_message_raw(commit))
      return Commit(
        id: id,
        tree: ObjectID(git_commit_tree_id(commit)),
        parents: (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) },
        author: Signature(git_commit_author(commit)),
        committer: Signature(git_commit_committer(commit)),
        message: message,
        summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
        trailers: try trailers(of: message, id))
    }
  }

  private func trailers(of message: String, _ id: ObjectID) throws -> [(key: String, value: String)] {
    var array = git_message_trailer_array()
    try check(git_message_trailers(&array, message), "parse trailers of \(id)")
    defer { git_message_trailer_array_free(&array) }
    return (0..<array.count).map { index in
      let trailer = array.trailers[index]
      return (key: String(cString: trailer.key), value: String(cString: trailer.value))
    }
  }

  /// Commits reachable from `start` (newest first, topological+time) that changed `path` compared with their first
  /// parent (or added it). Use git_revwalk and compare blob ids at path.
  ///
  /// Comparing only with the first parent follows the branch's own story: a merge counts when it brought a new
  /// version of the file into the branch. Deleting the file counts as a change too (the file is absent there).
  public func history(of path: String, from start: ObjectID) throws -> [Commit] {
    let operation = "history of \(path) from \(start)"
    let treePath = try TreePath(path, operation)
    var walker: OpaquePointer?
    try check(git_revwalk_new(&walker, handle), operation)
    defer { git_revwalk_free(walker) }
    try check(git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), operation)
    var startOID = start.oid
    try check(git_revwalk_push(walker, &startOID), operation)

    // Each commit is usually some other commit's first parent, so remember what the path holds in each one.
    var versions: [ObjectID: ObjectID?] = [:]
    func version(in commit: ObjectID) throws -> ObjectID? {
      if let known = versions[commit] { return known }
      let tree = try treeID(of: commit)
      let found = try withTree(tree, operation) { tree in try entry(at: treePath, in: tree)?.id }
      versions[commit] = .some(found)
      return found
    }

    var result: [Commit] = []
    var next = git_oid()
    while true {
      let code = git_revwalk_next(&next, walker)
      if code == GIT_ITEROVER.rawValue { break }
      try check(code, operation)
      let id = ObjectID(next)
      let firstParent = try withCommit(id, operation) { commit in
        git_commit_parentcount(commit) > 0 ? ObjectID(git_commit_parent_id(commit, 0)) : nil
      }
      let current = try version(in: id)
      let previous = try firstParent.flatMap { try version(in: $0) }
      if current != previous {
        result.append(try commit(id))
      }
    }
    git_error_clear()
    return result
  }

  /// Whether `ancestor` is `descendant` or reachable from it through parents — i.e. whether moving a branch from
  /// `ancestor` to `descendant` is a fast-forward. libgit2 does not count a commit as its own descendant; git's
  /// `merge-base --is-ancestor` does, and so do we.
  public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
    let operation = "is \(ancestor) an ancestor of \(descendant)"
    // git_graph_descendant_of reports a missing commit as a generic error; looking both up first says notFound.
    _ = try withCommit(descendant, operation) { _ in () }
    _ = try withCommit(ancestor, operation) { _ in () }
    if ancestor == descendant { return true }
    var descendantOID = descendant.oid
    var ancestorOID = ancestor.oid
    return try check(git_graph_descendant_of(handle, &descendantOID, &ancestorOID), operation) == 1
  }

  /// The best common ancestor of two commits (`git merge-base a b`), or nil when their histories never meet.
  public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
    var out = git_oid()
    var first = a.oid
    var second = b.oid
    let code = git_merge_base(&out, handle, &first, &second)
    if code == GIT_ENOTFOUND.rawValue {
      git_error_clear()
      return nil
    }
    try check(code, "find the merge base of \(a) and \(b)")
    return ObjectID(out)
  }

  /// Commits reachable from `tips` but not from `excluding` (`git rev-list TIPS ^EXCLUDING`), newest first. Tips or
  /// exclusions that are not in the repository are skipped: what a remote holds may not be fetched yet.
  public func commits(reachableFrom tips: [ObjectID], excluding: [ObjectID]) throws -> [ObjectID] {
    let operation = "walk the history"
    var walk: OpaquePointer?
    try check(git_revwalk_new(&walk, handle), operation)
    defer { git_revwalk_free(walk) }
    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
    var pushed = false
    for tip in tips where objectExists(tip) {
      var oid = tip.oid
      try check(git_revwalk_push(walk, &oid), operation)
      pushed = true
    }
    guard pushed else { return [] }
    for hidden in excluding where objectExists(hidden) {
      var oid = hidden.oid
      try check(git_revwalk_hide(walk, &oid), operation)
    }
    var result: [ObjectID] = []
    var oid = git_oid()
    while true {
      let code = git_revwalk_next(&oid, walk)
      if code == GIT_ITEROVER.rawValue { break }
      try check(code, operation)
      result.append(ObjectID(oid))
    }
    return result
  }
}
