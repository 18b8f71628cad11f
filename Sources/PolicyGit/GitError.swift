import Clibgit2
import Clibgit2Startup
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A failed libgit2 call (or a request PolicyGit refused before reaching libgit2), classified so callers can react
/// to the few outcomes they handle differently — chiefly losing a compare-and-swap race — without parsing text.
public struct GitError: Error, LocalizedError, CustomStringConvertible, Sendable {
  public enum Kind: Sendable {
    /// The object, reference or path does not exist.
    case notFound
    /// A compare-and-swap lost: the reference was not at the expected value, or already exists.
    case referenceConflict
    /// Another process holds a lock file (e.g. `refs/heads/main.lock`); retrying later may succeed.
    case locked
    /// The input was rejected: malformed reference name, unsafe tree path, bad signature, …
    case invalid
    case other
  }

  public let kind: Kind
  /// What PolicyGit was doing, e.g. "update reference refs/heads/main", so logs read without a stack trace.
  public let operation: String
  public let message: String
  /// The libgit2 return code (`git_error_code`), kept for diagnostics; `kind` is what callers should switch on.
  public let code: Int32

  /// Public so other modules' test doubles can produce the same errors the real repository does.
  public init(kind: Kind, operation: String, message: String, code: Int32) {
    self.kind = kind
    self.operation = operation
    self.message = message
    self.code = code
  }

  public var errorDescription: String? {
    if isOwnershipMismatch { return ownershipExplanation }
    return "\(operation): \(message)"
  }

  /// The same text as `errorDescription`, so that `"\(error)"` in a message reads like one and is never a dump of
  /// the struct's fields.
  public var description: String { errorDescription ?? "\(operation): \(message)" }

  /// libgit2 refused to open a repository owned by another OS user (git's `safe.directory` protection, CVE-2022-24765).
  public var isOwnershipMismatch: Bool { code == GIT_EOWNER.rawValue }

  /// What happened, why, and the two ways out, with the path libgit2 named.
  private var ownershipExplanation: String {
    // libgit2: "repository path '/srv/policy/' is not owned by current user".
    var path = message
    if let start = message.firstIndex(of: "'"), let end = message.lastIndex(of: "'"), start < end {
      path = String(message[message.index(after: start)..<end])
    }
    if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { " (\(String(cString: $0)))" } } ?? ""
    let plain = path.unicodeScalars.allSatisfy {
      $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._-+".unicodeScalars.contains($0))
    }
    let argument = plain ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    return "the git repository \(path) belongs to another user of this computer than you\(user). Git refuses to "
      + "work in another user's repository unless you say you trust it, because its configuration could run "
      + "programs as you. If you trust it, run:\n    git config --global --add safe.directory \(argument)\n"
      + "and try again; otherwise ask its owner to run the command, or work in your own clone "
      + "(git clone). (libgit2: \(message))"
  }
}

extension GitError {
  /// Reads libgit2's thread-local last error. Only meaningful right after a call returned < 0: libgit2 does not
  /// clear stale errors on success, which is why the gate below is the only caller.
  init(code: Int32, operation: String) {
    let last = git_error_last()
    let message = last.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "libgit2 error \(code)"
    let errorClass = last.map { $0.pointee.klass } ?? 0
    self.init(kind: Self.kind(code: code, errorClass: errorClass), operation: operation, message: message, code: code)
    git_error_clear()
  }

  static func kind(code: Int32, errorClass: Int32) -> Kind {
    switch code {
    case GIT_ENOTFOUND.rawValue: return .notFound
    case GIT_EEXISTS.rawValue, GIT_EMODIFIED.rawValue: return .referenceConflict
    case GIT_ELOCKED.rawValue: return .locked
    case GIT_EINVALID.rawValue, GIT_EINVALIDSPEC.rawValue: return .invalid
    // libgit2 reports most argument validation (bad signatures, bad tree entries) as a generic -1 whose class says
    // "invalid"; surfacing that as `.invalid` lets callers tell bad input from broken repositories.
    case GIT_ERROR.rawValue where errorClass == Int32(GIT_ERROR_INVALID.rawValue): return .invalid
    default: return .other
    }
  }

  /// Errors PolicyGit raises itself, before libgit2 could reject the input (or would have accepted it unsafely).
  static func invalid(_ operation: String, _ message: String) -> GitError {
    GitError(kind: .invalid, operation: operation, message: message, code: GIT_EINVALID.rawValue)
  }
}

/// The single gate between libgit2 return codes and Swift errors: every fallible call goes through here, so every
/// error carries the operation name and libgit2's own explanation. Returns the (non-negative) code because a few
/// calls, such as `git_graph_descendant_of`, return their answer through it.
@discardableResult
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
  guard code < 0 else { return code }
  throw GitError(code: code, operation: operation())
}

/// libgit2 keeps process-wide state (allocator, caches, TLS error slots) and wants exactly one `git_libgit2_init`
/// per process. A Swift global is initialised lazily under `swift_once`, which gives us "once, thread-safely" for
/// free. The options are set here, before any repository exists, because they are global and not thread-safe to
/// change while other threads use libgit2.
private let libgit2Runtime: Void = {
  // Without the default CA bundle: policyflow opens no network connection (see libgit2_startup.h).
  pf_git_init_without_default_certificates()
  // Strict creation makes libgit2 check that trees, parents and tree entries exist with the right type before it
  // writes an object that references them; it defaults to on, but we depend on it, so say so explicitly.
  pf_git_enable_strict_object_creation(1)
  // Hashing every object again on every read is what git itself does only in `fsck`: a damaged object file already
  // fails zlib's checksum, and a fetch's indexer hashes every object it receives. It was 6 % of a `sync` that brings
  // 100 actions (632 reads, 20.7 M instructions of SHA-1DC). `verify` turns it on (`verifyObjectHashesOnRead`).
  pf_git_enable_strict_hash_verification(0)
  // libgit2 keeps parsed commits and trees in a process-wide cache of up to 256 MiB (counted by object size; the
  // real footprint is several times that). A command that walks the whole history (verify reads every revision's
  // commit and trees) filled it, so memory grew with history length: verify's peak RSS was 176 MiB at 51,000
  // revisions, 112 MiB with a 16 MiB limit, and 53 MiB — as at 3,000 revisions — with 2 MiB, which was also faster.
  // Other commands read a handful of objects.
  pf_git_set_cache_max_size(2 << 20)
}()

/// Called at every entry point that can be the first libgit2 use in the process.
func ensureLibgit2() {
  _ = libgit2Runtime
}

extension Repository {
  /// From now on, every object read in this process is hashed again and refused when its content does not match its
  /// id (libgit2's strict hash verification), as `git fsck` does: for `verify`, which reads the whole record to check
  /// it. Only ever turned on, never off again (the option is process-wide; another thread may be reading).
  public static func verifyObjectHashesOnRead() {
    ensureLibgit2()
    pf_git_enable_strict_hash_verification(1)
  }
}
