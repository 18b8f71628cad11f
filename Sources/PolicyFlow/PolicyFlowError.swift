import Foundation
import PolicyStore

/// Every refusal and failure of a use case, typed by what the user has to do about it.
///
/// The CLI maps `kind` to the sysexits codes of the design; `message` already names the section, the
/// rule and the next step, because civil servants read it, not programmers.
public struct PolicyFlowError: Error, LocalizedError, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// Wrong command line use (64).
    case usage
    /// A file or YAML the user gave is unusable (65).
    case badInput
    /// Something named does not exist: section, person, requirement, file, workspace (66).
    case missing
    /// The rules say no: wrong department, self sign-off, wrong state (77).
    case notPermitted
    /// Try again later: another process held the workspace lock too long (75, sysexits' EX_TEMPFAIL).
    case temporary
    /// A remote could not be reached or refused the connection: network, host key, certificate, credentials (69).
    case unavailable
    /// The workspace is damaged or our own invariants broke (70).
    case `internal`
  }

  public let kind: Kind
  public let message: String
  /// For an action of the record: refused because the commit itself is not what it claims (unknown actor, wrong
  /// author, missing or wrong signature), as opposed to the rules refusing what it does. Never refused-at-sync.
  public var isIntegrity = false
  /// For an action of the record: it names a commit this repository does not have (a branch not fetched). Not a
  /// refusal: the index catch-up stops and changes nothing until the object is fetched.
  public var isMissingObject = false

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var errorDescription: String? { message }

  public var exitCode: Int32 {
    switch kind {
    case .usage: return 64
    case .badInput: return 65
    case .missing: return 66
    case .notPermitted: return 77
    case .temporary: return 75
    case .unavailable: return 69
    case .internal: return 70
    }
  }

  static func usage(_ message: String) -> PolicyFlowError { .init(.usage, message) }
  static func badInput(_ message: String) -> PolicyFlowError { .init(.badInput, message) }
  static func missing(_ message: String) -> PolicyFlowError { .init(.missing, message) }
  static func notPermitted(_ message: String) -> PolicyFlowError { .init(.notPermitted, message) }
  static func integrity(_ message: String) -> PolicyFlowError {
    var error = PolicyFlowError(.notPermitted, message)
    error.isIntegrity = true
    return error
  }
  static func missingObject(_ message: String) -> PolicyFlowError {
    var error = PolicyFlowError(.missing, message)
    error.isMissingObject = true
    return error
  }
  static func temporary(_ message: String) -> PolicyFlowError { .init(.temporary, message) }
  static func `internal`(_ message: String) -> PolicyFlowError { .init(.internal, message) }
}

extension PolicyFlowError {
  /// A failure no use case turned into a `PolicyFlowError`: a full disk met in the middle of a command (75, with what
  /// to do), anything else an internal error (70).
  public static func unexpected(_ error: Error) -> PolicyFlowError {
    let text = "\(error) \(error.localizedDescription)"
    if text.contains("No space left on device") || text.contains("database or disk is full") {
      return .temporary(
        "the disk holding the workspace is full (\(error.localizedDescription)). What was recorded before stays; "
          + "`policyflow verify` shows anything left half-done, and the next command completes it. Free some space "
          + "and run the command again.")
    }
    return .internal(describeUnexpected(error))
  }

  /// What to tell the user about a failure no use case turned into a `PolicyFlowError` (exit 70).
  public static func describeUnexpected(_ error: Error) -> String {
    if StoreError.isDamage(error) {
      return "the index .policyflow/policy.sqlite is damaged (\(error)). It is only an index of the record in git: "
        + "run `policyflow reindex` to rebuild it."
    }
    return "internal error: \(error.localizedDescription)"
  }
}
