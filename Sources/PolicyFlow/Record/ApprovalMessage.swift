import Foundation
import PolicyGit

/// The message of an approval commit on `main`: written and parsed here only.
///
/// Trailers name the section, the revision (number, commit on `sections/<id>`, content hash) and one
/// `Signed-off-by` per sign-off that counted. `verify` and `assemble` read them back with `parse`.
struct ApprovalMessage: Equatable {
  var section: String
  var revision: Int
  var revisionCommit: String
  var contentHash: String
  /// `Name <email>` of each counted signer.
  var signers: [String]

  func render(heading: String, body: String) -> String {
    var lines = [
      "Policyflow-Section: \(section)", "Policyflow-Revision: \(revision)",
      "Policyflow-Revision-Commit: \(revisionCommit)", "Policyflow-Content-Hash: \(contentHash)",
    ]
    lines += signers.map { "Signed-off-by: \($0)" }
    return "\(RecordMessage.singleLine(heading))\n\n\(body)\n\n\(lines.joined(separator: "\n"))\n"
  }

  /// `nil` when the commit is not an approval (no section and revision trailers, or a record action).
  static func parse(_ commit: Commit) -> ApprovalMessage? {
    guard commit.trailerValues("Policyflow-Action").isEmpty,
      let section = commit.trailerValues("Policyflow-Section").first,
      let revision = commit.trailerValues("Policyflow-Revision").first.flatMap({ Int($0) }),
      let revisionCommit = commit.trailerValues("Policyflow-Revision-Commit").first,
      let contentHash = commit.trailerValues("Policyflow-Content-Hash").first
    else { return nil }
    return ApprovalMessage(
      section: section, revision: revision, revisionCommit: revisionCommit, contentHash: contentHash,
      signers: commit.trailerValues("Signed-off-by"))
  }
}
