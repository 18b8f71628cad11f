import Foundation
import PolicyGit

/// Brings the record refs into a repository that lacks them (a plain `git clone` fetches only branches).
enum RecordFetch {
  static func fetchRecordIfMissing(at location: WorkspaceLocation) throws {
    let repository: Repository
    do { repository = try Repository.open(at: location.root) } catch {
      throw PolicyFlowError.missing("\(location.root.path) is not a git repository: \(error.localizedDescription)")
    }
    guard try repository.referenceTarget(RecordRefs.policy) == nil else { return }
    guard repository.configValue("remote.origin.url") != nil else {
      throw PolicyFlowError.missing(
        "\(location.root.path) holds no review record (refs/policyflow/*) and has no remote origin to fetch it from.")
    }
    throw PolicyFlowError.missing(
      "\(location.root.path) lacks the review record, which a plain `git clone` does not fetch. Run "
        + "`\(RecordRefs.fetchCommand)` and then `policyflow reindex` again.")
  }
}
