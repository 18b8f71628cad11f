import Foundation
import PolicyGit
import PolicyManifest

extension Workspace {
  /// An allowed-signers file (git's `gpg.ssh.allowedSignersFile`, OpenSSH's `ssh-keygen -Y verify -f`) with every
  /// key any version of `members.yaml` on `main` ever listed, so that plain git verifies the whole record —
  /// also the acts of members who have left and keys since rotated. One line per e-mail and key, sorted.
  public func allowedSigners() throws -> String {
    var lines = Set<String>()
    var seenBlobs = Set<ObjectID>()
    var cursor = try repository.referenceTarget(Workspace.mainRef)
    while let commit = cursor {
      if let blob = try repository.blobID(at: "members.yaml", in: commit), seenBlobs.insert(blob).inserted,
        let members = try? withDefinition(at: commit, { definition.members.members })
      {
        for member in members {
          for key in member.keys { lines.insert("\(member.email) namespaces=\"git\" \(key)") }
        }
      }
      cursor = try repository.commit(commit).parents.first
    }
    return lines.sorted().joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
  }
}
