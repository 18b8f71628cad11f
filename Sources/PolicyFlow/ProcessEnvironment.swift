import Foundation

/// The process's environment, read once.
///
/// Why: `ProcessInfo.processInfo.environment` builds a new dictionary from `environ` on every call (≈ 0.37 M
/// instructions each); a signed comment asked for it twelve times, 6 % of the whole command (callgrind, 2026-12-01).
/// policyflow never changes its own environment, so one snapshot taken at first use is the same answer.
public enum ProcessEnvironment {
  public static let current: [String: String] = ProcessInfo.processInfo.environment
}
