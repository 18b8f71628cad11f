import Foundation

/// What a push did to each reference it named.
///
/// libgit2's `git_remote_push` returns success even when the server refuses a reference (a gitolite rule, a hook, a
/// lost compare-and-swap): the refusal arrives only through the `push_update_reference` callback. `Repository.push`
/// collects those into this value and throws `RemoteError.pushRejected` carrying it whenever any reference was
/// refused, so a caller cannot mistake a refused push for a successful one.
public struct PushResult: Sendable, Equatable {
  public struct Update: Sendable, Equatable {
    /// The reference on the remote, e.g. `refs/heads/sections/beskaeftigelse`.
    public let reference: String
    /// What the remote held before (nil: the reference did not exist), as far as this push saw it.
    public let old: ObjectID?
    /// What the push asked the remote to hold.
    public let new: ObjectID
    public let outcome: Outcome

    public init(reference: String, old: ObjectID?, new: ObjectID, outcome: Outcome) {
      self.reference = reference
      self.old = old
      self.new = new
      self.outcome = outcome
    }

    public var rejection: Rejection? {
      if case .rejected(let rejection) = outcome { return rejection }
      return nil
    }
  }

  public enum Outcome: Sendable, Equatable {
    /// The remote now holds `new`.
    case updated
    /// The remote already held `new`; nothing was sent for it.
    case upToDate
    case rejected(Rejection)
  }

  public struct Rejection: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
      /// The remote moved on: the push was not a fast-forward of what the remote holds, or another push changed the
      /// reference between this push's look at it and its update (the compare-and-swap lost). Fetch, integrate the
      /// remote's commits, push again.
      case outdated
      /// The server's rules refused it (gitolite's per-ref rights, a hook, a protected branch). Retrying will not
      /// help; the server's administrator decides.
      case declined
      /// Not attempted: another reference of the same push was refused before anything was sent.
      case notAttempted
    }

    public let reason: Reason
    /// The server's words (e.g. "hook declined — FATAL: W refs/heads/sections/x policy alice DENIED by fallthru")
    /// or PolicyGit's, for refusals decided before the server was asked.
    public let message: String

    public init(reason: Reason, message: String) {
      self.reason = reason
      self.message = message
    }
  }

  /// In the order the refspecs were given.
  public let updates: [Update]
  /// Everything the server printed to the client while the push ran ("remote: …" lines in `git push`).
  public let serverMessages: [String]

  public init(updates: [Update], serverMessages: [String]) {
    self.updates = updates
    self.serverMessages = serverMessages
  }

  public var rejected: [Update] { updates.filter { $0.rejection != nil } }
  public var accepted: Bool { rejected.isEmpty }

  /// One line per refused reference, for messages.
  var rejectionSummary: String {
    rejected.map { update in
      let rejection = update.rejection!
      return "\(update.reference): \(rejection.message)"
    }.joined(separator: "; ")
  }
}
