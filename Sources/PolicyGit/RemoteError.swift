import Clibgit2
import Foundation

/// A fetch, push or listing that failed, classified by what the person at the keyboard has to do about it.
///
/// Separate from `GitError` because a remote failure carries more than one repository's would: the server, the
/// host key or certificate that was refused, the credentials that were tried, and for a push the outcome of every
/// reference. libgit2's own codes still pass through the `check` gate first; the `GitError` it produced is kept as
/// `underlying`, so nothing libgit2 said is lost.
public struct RemoteError: Error, LocalizedError, Sendable {
  public enum Kind: Sendable, Equatable {
    /// No remote of that name, no repository at that path or URL.
    case notFound
    /// The server could not be reached: no network, wrong host or port, server down. Trying later may work.
    case unreachable
    /// The SSH server's host key is not in known_hosts (or only keys of another type are).
    case unknownHost
    /// The SSH server presented a key other than the one known_hosts holds for it (or a revoked one).
    case hostKeyMismatch
    /// The HTTPS server's certificate did not verify against the trusted certificate authorities.
    case untrustedCertificate
    /// The server refused the credentials tried, or there were none to try.
    case authenticationFailed
    /// The server, or the compare-and-swap on the remote, refused at least one reference; `push` says which and why.
    case pushRejected
    /// A setting PolicyGit was given is unusable: an unreadable CA file, a refspec it does not support, …
    case badConfiguration
    case other
  }

  public let kind: Kind
  /// The remote's URL, with any password in it replaced by `***`.
  public let remote: String
  /// What happened, naming the server and, for trust failures, the key or certificate fingerprint.
  public let message: String
  /// What to do about it, when there is something a user can do.
  public let recovery: String?
  /// For `.pushRejected`: every reference of the push with its outcome.
  public let push: PushResult?
  /// libgit2's error, when it reported one.
  public let underlying: GitError?

  public init(
    kind: Kind, remote: String, message: String, recovery: String? = nil, push: PushResult? = nil,
    underlying: GitError? = nil
  ) {
    self.kind = kind
    self.remote = remote
    self.message = message
    self.recovery = recovery
    self.push = push
    self.underlying = underlying
  }

  public var errorDescription: String? { recovery.map { "\(message) \($0)" } ?? message }
  public var failureReason: String? { underlying?.message }
  public var recoverySuggestion: String? { recovery }

  /// True when every refused reference was refused only because the remote moved on (non-fast-forward, or a
  /// concurrent push won the compare-and-swap): fetch, integrate and push again. False for a server's policy
  /// refusal, which no retry changes.
  public var isOutdatedPush: Bool {
    guard kind == .pushRejected, let push else { return false }
    let refused = push.rejected
    return !refused.isEmpty && refused.allSatisfy { $0.rejection?.reason == .outdated }
  }
}

extension RemoteError {
  /// Classifies a libgit2 failure of a network operation that no callback of ours explained already. `operation`
  /// starts the message and names the remote, e.g. "Fetch from ssh://git@host/policy".
  init(_ error: GitError, location: RemoteLocation, operation: String) {
    let remote = location.redacted
    let detail = error.message
    let lowered = detail.lowercased()
    switch error.code {
    case GIT_ECERTIFICATE.rawValue:
      self.init(
        kind: .untrustedCertificate, remote: remote,
        message: "\(operation): the server's identity could not be verified (\(detail)).",
        recovery: CertificateAuthorities.advice, underlying: error)
      return
    case GIT_EAUTH.rawValue:
      self.init(
        kind: .authenticationFailed, remote: remote, message: "\(operation): \(detail)",
        recovery: nil, underlying: error)
      return
    default:
      break
    }
    let unreachableHints = [
      "failed to connect", "failed to resolve address", "connection refused", "could not connect",
      "failed to start ssh session", "timed out", "no route to host", "network is unreachable",
    ]
    let notFoundHints = [
      "404", "does not appear to be a git repository", "failed to resolve path", "repository not found",
    ]
    if unreachableHints.contains(where: lowered.contains) {
      self.init(
        kind: .unreachable, remote: remote,
        message: "\(operation): the server could not be reached (\(detail)).",
        recovery: "Check the network connection and the remote's address, or try again later.", underlying: error)
    } else if error.kind == .notFound || notFoundHints.contains(where: lowered.contains) {
      self.init(
        kind: .notFound, remote: remote, message: "\(operation): no such repository (\(detail)).",
        recovery: "Check the remote's URL; on gitolite, also that your key may read the repository.", underlying: error)
    } else {
      self.init(kind: .other, remote: remote, message: "\(operation): \(detail)", underlying: error)
    }
  }
}
