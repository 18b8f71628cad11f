import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive advisory lock on `.policyflow/lock`, held for the whole of a write command.
///
/// Git refs and SQLite rows change together; serialising writers across processes is what makes
/// "read state, decide, write" safe without lost updates. Readers do not take it.
final class WorkspaceLock {
  private let descriptor: Int32

  init(path: URL) throws {
    descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw PolicyFlowError.internal("cannot open the workspace lock \(path.path): \(String(cString: strerror(errno)))")
    }
    while flock(descriptor, LOCK_EX) != 0 {
      if errno == EINTR { continue }
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw PolicyFlowError.internal("cannot lock the workspace \(path.path): \(reason)")
    }
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
