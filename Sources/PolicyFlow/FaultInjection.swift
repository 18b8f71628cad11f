import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Named points inside every write where the crash test may stop the process dead.
///
/// Set `POLICYFLOW_FAULT=<point>` (or `random:<percent>`) and the process sends itself SIGKILL there, as
/// a power cut would: no defers, no flushing. The next command must then complete or ignore what was begun.
enum FaultPoint: String, CaseIterable {
  /// Git objects written (revision, approval, record commit); no ref moved: nothing happened.
  case afterObjects = "after-objects"
  /// The record ref moved (the commit point); the branch refs (a revision, an approval on main) not yet.
  case afterRecord = "after-record"
  /// Every ref moved; the index not yet caught up.
  case afterReference = "after-reference"
  /// The index caught up.
  case afterIndex = "after-index"
  /// `sync`: the remote's refs fetched into refs/remotes/; no local ref moved.
  case syncAfterFetch = "sync-after-fetch"
  /// `sync`: the record refs joined; the index, the section branches and main not yet.
  case syncAfterRecord = "sync-after-record"
  /// `sync`: the section branches joined; main not yet.
  case syncAfterBranches = "sync-after-branches"
  /// `sync`: `main` joined too; the releases' tags and the checkout not yet, the marker still set.
  case syncAfterMain = "sync-after-main"
  /// `sync`: the remote took the section branches (and tags); the record refs not yet pushed.
  case syncBetweenPushes = "sync-between-pushes"
  /// `sync`: the remote took the push; the tracking refs and the time of the sync not yet written.
  case syncAfterPush = "sync-after-push"

  func hit() {
    guard let setting = ProcessEnvironment.current["POLICYFLOW_FAULT"], !setting.isEmpty else { return }
    if setting == rawValue {
      kill(getpid(), SIGKILL)
    } else if setting.hasPrefix("random:"), let percent = Int(setting.dropFirst("random:".count)) {
      if Int.random(in: 0..<100) < percent { kill(getpid(), SIGKILL) }
    }
  }
}
