import Clibgit2Startup
import Foundation

/// Whom a network operation trusts: which SSH host keys (known_hosts files) and which certificate authorities for
/// HTTPS. Resolved per operation, so a configuration change needs no restart and a command that never touches the
/// network never reads any of it.
public struct RemoteTrust: Sendable, Equatable {
  /// Read in order; a host key found in any of them is trusted. Missing files count as empty.
  public var knownHostsFiles: [URL]
  /// Certificate authorities for HTTPS, replacing the system's (as git's `http.sslCAInfo` does); nil: the system's.
  public var caFile: URL?

  public init(knownHostsFiles: [URL], caFile: URL? = nil) {
    self.knownHostsFiles = knownHostsFiles
    self.caFile = caFile
  }

  /// The trust a user configured, most specific first:
  /// - known hosts: `POLICYFLOW_KNOWN_HOSTS` (one file) if set, else `~/.ssh/known_hosts` and
  ///   `/etc/ssh/ssh_known_hosts`, the files `ssh` itself reads;
  /// - certificate authorities: `POLICYFLOW_CA_FILE`, `GIT_SSL_CAINFO`, `http.sslCAInfo` in the repository's git
  ///   configuration (git's own setting, so one `git config` serves git and policyflow), else the system's.
  public static func configured(
    environment: [String: String] = ProcessInfo.processInfo.environment, repository: Repository? = nil
  ) -> RemoteTrust {
    let knownHosts: [URL]
    if let file = environment["POLICYFLOW_KNOWN_HOSTS"], !file.isEmpty {
      knownHosts = [URL(fileURLWithPath: expandingTilde(file, environment))]
    } else {
      let home =
        environment["HOME"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser
      knownHosts = [
        home.appendingPathComponent(".ssh/known_hosts"), URL(fileURLWithPath: "/etc/ssh/ssh_known_hosts"),
      ]
    }
    let caPath =
      [environment["POLICYFLOW_CA_FILE"], environment["GIT_SSL_CAINFO"]]
      .compactMap { $0 }.first { !$0.isEmpty } ?? repository?.configValue("http.sslCAInfo")
    return RemoteTrust(
      knownHostsFiles: knownHosts, caFile: caPath.map { URL(fileURLWithPath: expandingTilde($0, environment)) })
  }

  private static func expandingTilde(_ path: String, _ environment: [String: String]) -> String {
    guard path.hasPrefix("~/"), let home = environment["HOME"] else { return path }
    return home + path.dropFirst()
  }
}

/// libgit2's store of trusted certificate authorities, which is process-wide.
///
/// `Clibgit2Startup` leaves it empty (it skips the system bundle at start-up, which costs ~12 ms a command and no
/// command outside sync needs), and libgit2 then refuses every HTTPS server. So every HTTPS operation loads the
/// authorities it should trust right before it runs: the configured CA file or the system bundle. Loading replaces
/// the previous set (mbedTLS's `ca_chain`), and it is global, so operations that depend on it hold a lock; it is
/// reloaded each time rather than remembered because anything else in the process may have replaced it meanwhile.
enum CertificateAuthorities {
  private static let lock = NSLock()

  /// Debian, Fedora/RHEL and macOS/BSD locations of the system bundle; `SSL_CERT_FILE` first, as OpenSSL reads it.
  static func systemBundle(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    let candidates =
      [environment["SSL_CERT_FILE"]].compactMap { $0 } + [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
      ]
    return candidates.first { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0) }
  }

  static let advice = """
    If the server uses a certificate from your organisation's own certificate authority, get that authority's \
    certificate (a .pem file) from your IT department and set POLICYFLOW_CA_FILE to it, or run \
    `git config http.sslCAInfo FILE` in the policy's folder. Never disable verification: it is what keeps a \
    look-alike server from receiving your password.
    """

  /// Runs `body` with exactly the authorities of `file` (nil: the system bundle) trusted.
  static func withAuthorities<T>(_ file: URL?, remote: RemoteLocation, _ body: () throws -> T) throws -> T {
    guard let bundle = file ?? systemBundle() else {
      throw RemoteError(
        kind: .badConfiguration, remote: remote.redacted,
        message: "No certificate authorities to check \(remote.redacted) against: this computer has no system "
          + "certificate bundle and none is configured.",
        recovery: "Install the ca-certificates package, or set POLICYFLOW_CA_FILE.")
    }
    ensureLibgit2()
    lock.lock()
    defer { lock.unlock() }
    guard FileManager.default.isReadableFile(atPath: bundle.path) else {
      throw RemoteError(
        kind: .badConfiguration, remote: remote.redacted,
        message: "The certificate authority file \(bundle.path) cannot be read.",
        recovery: "Check the path in POLICYFLOW_CA_FILE, GIT_SSL_CAINFO or `git config http.sslCAInfo`.")
    }
    let code = pf_git_load_certificates(bundle.path)
    if code < 0 {
      let error = GitError(code: code, operation: "load certificate authorities from \(bundle.path)")
      throw RemoteError(
        kind: .badConfiguration, remote: remote.redacted,
        message: "The certificate authority file \(bundle.path) could not be loaded (\(error.message)).",
        recovery: "It must hold PEM certificates (-----BEGIN CERTIFICATE-----).", underlying: error)
    }
    return try body()
  }
}
