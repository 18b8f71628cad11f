import Foundation
import PolicyGit

extension PolicySync {
  /// Step 1 of `sync` alone, before the workspace is opened: the remote's policy refs fetched under
  /// `refs/remotes/REMOTE/` (no local ref moves), under the workspace lock.
  ///
  /// For a copy whose record names commits it does not have (a section branch not fetched): opening the workspace
  /// stops at them (`PolicyFlowError.isMissingObject`), so `sync` fetches first; the objects then are in the repository
  /// and the sync proceeds as always. If the remote lacks them too, opening stops again with the same message.
  public static func fetchBeforeOpening(
    at location: WorkspaceLocation, remote: String, credentials: RemoteCredentials = .fromEnvironment()
  ) throws {
    let repository = try Repository.open(at: location.root)
    guard repository.remoteURL(remote) != nil else {
      throw PolicyFlowError.missing("this workspace has no remote `\(remote)` to fetch the missing commits from.")
    }
    let lock = FileManager.default.fileExists(atPath: location.stateDirectory.path)
      ? try WorkspaceLock(path: location.lockURL) : nil
    defer { withExtendedLifetime(lock) {} }
    do {
      try repository.fetch(remote: remote, refspecs: fetchRefspecs(remote), credentials: credentials)
    } catch let error as RemoteError {
      throw PolicyFlowError(.unavailable, "cannot fetch from \(remote): \(error.localizedDescription)")
    }
  }
}
