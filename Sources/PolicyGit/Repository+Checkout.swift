import Clibgit2
import Foundation

extension Repository {
  /// Updates the working directory and index to HEAD's tree without overwriting files the user modified
  /// (GIT_CHECKOUT_SAFE); used after `main` moves so the work tree shows approved text. Must work when HEAD is the
  /// symbolic ref to main.
  ///
  /// Not `git_checkout_head`: by the time we are called the branch has already moved, and that function takes the
  /// *new* HEAD tree as its idea of what the work tree should contain, so every file the move changed would look
  /// locally modified and be skipped. The index still describes the last checkout, so it is the baseline: files
  /// that match it are updated, files the user edited are left alone — and if such an edit collides with an
  /// incoming change the whole checkout is refused (kind `.other`, libgit2's ECONFLICT) before anything is written.
  /// Changes staged with `git add` count as part of that last checkout and can therefore be replaced; policyflow
  /// users edit through drafts, not the index. Does nothing while HEAD's branch is unborn.
  public func checkoutHead() throws {
    let operation = "check out HEAD"
    guard git_repository_is_bare(handle) == 0 else {
      throw GitError.invalid(operation, "a bare repository has no working directory")
    }
    var head: OpaquePointer?
    let headCode = git_repository_head(&head, handle)
    if headCode == GIT_EUNBORNBRANCH.rawValue || headCode == GIT_ENOTFOUND.rawValue {
      git_error_clear()
      return
    }
    try check(headCode, operation)
    defer { git_reference_free(head) }
    var tree: OpaquePointer?
    try check(git_reference_peel(&tree, head, GIT_OBJECT_TREE), "\(operation): peel HEAD to a tree")
    defer { git_object_free(tree) }

    var index: OpaquePointer?
    try check(git_repository_index(&index, handle), "\(operation): open index")
    defer { git_index_free(index) }
    // Another process (the git CLI, another policyflow) may have rewritten the index since this handle read it.
    try check(git_index_read(index, 1), "\(operation): read index")

    var options = git_checkout_options()
    try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), operation)
    options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
    options.baseline_index = index
    try check(git_checkout_tree(handle, tree, &options), operation)
  }
}
