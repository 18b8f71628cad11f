import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Named points inside every write where the crash test may stop the process dead.
///
/// Set `POLICYFLOW_FAULT=<point>` (or `random:<percent>`) and the process sends itself SIGKILL there, as
/// a power cut would: no defers, no flushing. The recovery step must then complete or roll back.
enum FaultPoint: String, CaseIterable {
  case afterObjects = "after-objects"
  case afterDatabase = "after-database"
  case afterReference = "after-reference"
  case afterCleanup = "after-cleanup"

  func hit() {
    guard let setting = ProcessInfo.processInfo.environment["POLICYFLOW_FAULT"], !setting.isEmpty else { return }
    if setting == rawValue {
      kill(getpid(), SIGKILL)
    } else if setting.hasPrefix("random:"), let percent = Int(setting.dropFirst("random:".count)) {
      if Int.random(in: 0..<100) < percent { kill(getpid(), SIGKILL) }
    }
  }
}
