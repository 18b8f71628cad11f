import Foundation
import PolicyGit

/// The commits `sync` writes where two copies of the policy acted apart: they carry no action and no signature.
///
/// Signed actions are never rewritten (nobody else holds the actor's key), so lines that diverged are joined by a
/// commit with both tips as parents. Its every byte is determined by what it joins — parents in commit-id order, a
/// fixed author, the later parent's time, a fixed message, a tree derived from the record — so two copies that join
/// the same tips write the same commit, and their pushes meet as a fast-forward instead of a new divergence.
enum RecordJoin {
  static let name = "policyflow"
  static let email = "sync@policyflow.invalid"

  /// A join on a record ref: no action, at least two parents, the empty tree, the fixed author.
  static func isJoin(_ commit: Commit, emptyTree: ObjectID) -> Bool {
    commit.parents.count >= 2 && commit.tree == emptyTree && commit.author.email == email
      && commit.committer.email == email
  }

  /// Whether `commit` was written by `sync` (a join, or the single-parent commit that brings `main` to what the
  /// joined record approved).
  static func isSyncCommit(_ commit: Commit) -> Bool {
    commit.author.email == email && commit.committer.email == email
  }

  /// Writes the join of `parents` with `tree` and `message`, deterministically.
  static func write(in repository: Repository, parents: [ObjectID], tree: ObjectID, message: String) throws -> ObjectID {
    let ordered = Array(Set(parents)).sorted { $0.hex < $1.hex }
    let time = try ordered.map { try repository.commit($0).committer.time }.max() ?? Date(timeIntervalSince1970: 0)
    let signature = Signature(name: name, email: email, time: time, offsetMinutes: 0)
    return try repository.createCommit(
      tree: tree, parents: ordered, author: signature, committer: signature, message: message)
  }
}
