import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning

/// Brings a policy's refs from a remote: all of them for `clone`, the record for a plain `git clone`.
public enum RecordFetch {
  /// What a copy of the policy fetches: `main`, the section branches, the record refs (and releases' tags).
  static let policyRefspecs = [
    "+refs/heads/main:refs/heads/main", RecordRefs.sectionBranchesRefspec, RecordRefs.refspec,
    "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*",
    // What `sync` compares with to tell this copy's own actions from the remote's.
    "+refs/policyflow/*:refs/remotes/origin/policyflow/*", "+refs/tags/*:refs/remotes/origin/tags/*",
  ]

  /// In a plain `git clone` (branches only), fetches the record refs and section branches from origin.
  static func fetchRecordIfMissing(at location: WorkspaceLocation) throws {
    let repository: Repository
    do { repository = try Repository.open(at: location.root) } catch {
      throw PolicyFlowError.missing("\(location.root.path) is not a git repository: \(error.localizedDescription)")
    }
    guard try repository.referenceTarget(RecordRefs.policy) == nil else { return }
    guard repository.remoteURL("origin") != nil else {
      throw PolicyFlowError.missing(
        "\(location.root.path) holds no review record (refs/policyflow/*) and has no remote origin to fetch it from.")
    }
    do {
      try repository.fetch(remote: "origin", refspecs: [RecordRefs.refspec, RecordRefs.sectionBranchesRefspec])
    } catch {
      throw PolicyFlowError(
        .unavailable,
        "cannot fetch the review record from origin: \(error.localizedDescription)\nOr run `\(RecordRefs.fetchCommand)` "
          + "yourself and then `policyflow reindex` again.")
    }
    guard try repository.referenceTarget(RecordRefs.policy) != nil else {
      throw PolicyFlowError.missing(
        "origin (\(repository.remoteURL("origin") ?? "?")) has no review record (refs/policyflow/policy): it is not a "
          + "copy of a policyflow workspace, or its server does not keep refs outside refs/heads.")
    }
  }

  /// `policyflow clone URL DIR`: a new workspace holding exactly the remote's policy, its index built from it.
  ///
  /// - Parameter trust: the fingerprint (`SHA256:…`, as `ssh-keygen -l` prints it) of the key that must have signed
  ///   the policy's first commit, the root of the definition's chain of trust. A remote whose root was signed by
  ///   another key, or not at all, is refused (77) and nothing is left behind.
  public static func clone(url: String, into directory: URL, trust: String? = nil) throws -> (Workspace, RootOfTrust) {
    let fileManager = FileManager.default
    let target = directory.standardizedFileURL
    if fileManager.fileExists(atPath: target.path),
      (try? fileManager.contentsOfDirectory(atPath: target.path).isEmpty) != true
    {
      throw PolicyFlowError.notPermitted("\(target.path) exists and is not empty; clone changed nothing. Choose a new directory.")
    }
    let parent = target.deletingLastPathComponent()
    try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
    let staging = parent.appendingPathComponent(".\(target.lastPathComponent).policyflow-clone-\(UUID().uuidString)")
    defer { try? fileManager.removeItem(at: staging) }
    let repository = try Repository.create(at: staging, initialBranch: "main")
    // As `git clone` does: a relative path to the remote is stored absolute, so the copy reaches it from anywhere.
    try repository.addRemote(
      name: "origin",
      url: Repository.absoluteRemoteURL(url, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)))
    do {
      try repository.fetch(remote: "origin", refspecs: policyRefspecs)
    } catch let error as RemoteError {
      throw PolicyFlowError(.unavailable, "cannot clone \(url): \(error.localizedDescription)")
    }
    guard try repository.referenceTarget(Workspace.mainRef) != nil,
      try repository.referenceTarget(RecordRefs.policy) != nil
    else {
      throw PolicyFlowError.missing(
        "\(url) holds no policyflow workspace (it lacks main or refs/policyflow/policy); clone changed nothing.")
    }
    let root = try RootOfTrust.of(repository)
    if let trust {
      let expected = trust.hasPrefix("SHA256:") ? trust : "SHA256:\(trust)"
      guard root.fingerprint == expected else {
        throw PolicyFlowError.notPermitted(
          "the first commit of \(url) (\(RecordEntry.shortID(root.commit)), the root of the policy's chain of trust) is "
            + (root.fingerprint.map { "signed with \($0)\(root.signer.map { " (\($0))" } ?? "")" } ?? "not signed")
            + ", not with \(expected) as --trust expects. This is not the policy you meant, or the server hands out "
            + "another; ask the secretariat for the fingerprint of its root key. clone changed nothing.")
      }
    }
    try repository.checkoutHead()
    if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
    try fileManager.moveItem(at: staging, to: target)
    return (try Workspace(location: WorkspaceLocation(root: target)), root)
  }
}

/// The first commit of a policy's `main` and the key that signed it: the anchor of the definition's chain of trust.
public struct RootOfTrust: Sendable, Equatable {
  public let commit: String
  /// `SHA256:…` of the key whose signature on the root verifies; nil when it is unsigned or the signature is bad.
  public let fingerprint: String?
  /// The member members.yaml of the root lists with that key.
  public let signer: String?

  static func of(_ repository: Repository) throws -> RootOfTrust {
    guard var cursor = try repository.referenceTarget(Workspace.mainRef) else {
      throw PolicyFlowError.missing("the repository has no branch main.")
    }
    while let parent = try repository.firstParent(of: cursor) { cursor = parent }
    guard let signed = try repository.commitSignature(cursor),
      let key = try? SSHSignature.verify(
        armored: signed.signature, message: signed.signedData, namespace: SSHSignature.gitNamespace)
    else { return RootOfTrust(commit: cursor.hex, fingerprint: nil, signer: nil) }
    let members = try? PolicyDefinition.load(files: Workspace.definitionFiles(in: repository, at: cursor)).members.members
    let signer = members?.first { $0.lists(key) }
    return RootOfTrust(commit: cursor.hex, fingerprint: key.fingerprint, signer: signer?.id)
  }
}

extension Workspace {
  /// The root of this policy's chain of trust: what `clone --trust` checks and the secretariat hands out.
  public func rootOfTrust() throws -> RootOfTrust { try RootOfTrust.of(repository) }
}
