import Clibgit2
import Foundation

/// Signed commits as git writes them: the commit's bytes are signed, and the signature is stored in the commit's own
/// `gpgsig` header, so any git client can check it (`git verify-commit`, `git log --show-signature`).
///
/// PolicyGit only moves bytes: what signs and what verifies is the caller's business (PolicySigning does both for
/// SSH signatures). The three steps mirror libgit2's: build the buffer, have it signed, write buffer and signature.
extension Repository {
  /// The exact bytes of the commit `createCommit` would write for the same arguments, without writing anything:
  /// what a signer signs. The message is kept byte-for-byte, as in `createCommit`.
  public func commitBuffer(tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature,
    message: String) throws -> Data
  {
    let operation = "build commit buffer"
    return try withTree(tree, "\(operation): look up tree \(tree)") { tree in
      try withCommits(parents, operation) { parents in
        try author.withGitSignature("\(operation): author") { author in
          try committer.withGitSignature("\(operation): committer") { committer in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            try check(
              git_commit_create_buffer(&buffer, handle, author, committer, nil, message, tree, parents.count,
                parents.baseAddress),
              operation)
            return Data(bytes: buffer.ptr, count: buffer.size)
          }
        }
      }
    }
  }

  /// Writes the commit `buffer` (from `commitBuffer`) with `signature` in its `gpgsig` header and returns its id.
  /// Like `createCommit`, no reference moves.
  ///
  /// libgit2 indents the signature's lines as header continuation lines; a trailing newline is dropped first, so
  /// the object is byte for byte what `git commit -S` writes for the same signature.
  ///
  /// - Throws: `GitError` of kind `.invalid` when the buffer or signature contains a NUL byte or is not a commit,
  ///   `.notFound` when its tree or a parent does not exist.
  public func createSignedCommit(buffer: Data, signature: String) throws -> ObjectID {
    let operation = "create signed commit"
    guard !buffer.contains(0), !signature.utf8.contains(0) else {
      throw GitError.invalid(operation, "the commit or its signature contains a NUL byte")
    }
    var trimmed = Substring(signature)
    while trimmed.last == "\n" { trimmed.removeLast() }
    guard !trimmed.isEmpty else { throw GitError.invalid(operation, "the signature is empty") }
    var out = git_oid()
    var content = Data(buffer)
    content.append(0)
    _ = try content.withUnsafeBytes { content in
      try check(
        git_commit_create_with_signature(
          &out, handle, content.bindMemory(to: CChar.self).baseAddress, String(trimmed), "gpgsig"),
        operation)
    }
    return ObjectID(out)
  }

  /// The signature in commit `id`'s `gpgsig` header (ending in a newline, as the signer produced it) and the bytes
  /// it signs (the commit without that header), or nil when the commit is not signed.
  ///
  /// - Throws: `GitError` of kind `.notFound` when there is no commit `id`.
  public func commitSignature(_ id: ObjectID) throws -> (signature: String, signedData: Data)? {
    let operation = "read signature of commit \(id)"
    var oid = id.oid
    var signature = git_buf()
    var signedData = git_buf()
    defer {
      git_buf_dispose(&signature)
      git_buf_dispose(&signedData)
    }
    let code = git_commit_extract_signature(&signature, &signedData, handle, &oid, "gpgsig")
    if code == GIT_ENOTFOUND.rawValue {
      // libgit2 says "not found" both for an unsigned commit and for a missing object; only the first is an answer.
      git_error_clear()
      _ = try withCommit(id, operation) { _ in () }
      return nil
    }
    try check(code, operation)
    var text = String(decoding: Data(bytes: signature.ptr, count: signature.size), as: UTF8.self)
    if !text.hasSuffix("\n") { text += "\n" }
    return (signature: text, signedData: Data(bytes: signedData.ptr, count: signedData.size))
  }

  /// Looks up `ids` as commits and lends them as the array libgit2's commit-writing calls take, freeing them after.
  private func withCommits<T>(_ ids: [ObjectID], _ operation: String,
    _ body: (UnsafeMutableBufferPointer<OpaquePointer?>) throws -> T) throws -> T
  {
    var commits: [OpaquePointer?] = []
    defer { commits.forEach { git_commit_free($0) } }
    for id in ids {
      var oid = id.oid
      var commit: OpaquePointer?
      try check(git_commit_lookup(&commit, handle, &oid), "\(operation): look up parent \(id)")
      commits.append(commit)
    }
    return try commits.withUnsafeMutableBufferPointer { try body($0) }
  }
}
