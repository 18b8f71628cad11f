import COpenSSL
import Clibgit2
import Foundation

/// What one fetch, push or listing shares with libgit2's callbacks: the credentials to offer (each once), the trust
/// to check the server against, and what the server said.
///
/// libgit2 calls back synchronously on the thread that started the operation, with this object as the payload; the
/// operation keeps it alive until libgit2 returns. A callback that refuses something records why in `refusal`, and
/// that explanation — naming host, fingerprint and what to do — replaces libgit2's terser message.
final class RemoteSession {
  let location: RemoteLocation
  let credentials: RemoteCredentials
  let trust: RemoteTrust
  /// "fetch from", "push to", … for messages.
  let operation: String
  /// Where git's credential helper runs, so the repository's own git configuration applies.
  let repositoryPath: URL?

  private(set) var refusal: RemoteError?
  /// Set when an HTTPS certificate did not verify; turned into a message once libgit2's reason is known.
  private var refusedCertificate: (host: String, fingerprint: String)?
  private var offered: Set<CredentialSource> = []
  private var offeredDescriptions: [String] = []
  private var helperCredential: GitCredentialHelper.Credential?
  private var sidebandBuffer = ""
  private(set) var serverMessages: [String] = []
  /// Per remote reference: nil = accepted, else the server's reason.
  private(set) var pushStatuses: [String: String?] = [:]
  /// Per remote reference, what libgit2 is about to ask of the server (old value from its advertisement).
  private(set) var negotiated: [String: (old: ObjectID?, new: ObjectID)] = [:]
  private(set) var updatedTips: [FetchedReference] = []
  /// Tests only: runs after the server advertised its references and before the push updates them.
  var beforeServerUpdate: (() -> Void)?

  private enum CredentialSource: Hashable {
    case username, sshKeyFile, sshAgent, httpConfigured, httpHelper
  }

  init(
    location: RemoteLocation, credentials: RemoteCredentials, trust: RemoteTrust, operation: String,
    repositoryPath: URL? = nil
  ) {
    self.location = location
    self.credentials = credentials
    self.trust = trust
    self.operation = operation
    self.repositoryPath = repositoryPath
  }

  // MARK: - Wiring

  /// Points libgit2's callbacks at this session. The session must outlive the libgit2 call using `callbacks`.
  func install(into callbacks: inout git_remote_callbacks) {
    callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
      guard let out, let payload else { return -1 }
      return RemoteSession.from(payload).acquireCredential(
        out, usernameFromURL: usernameFromURL.map { String(cString: $0) }, allowed: allowed)
    }
    callbacks.certificate_check = { cert, valid, host, payload in
      guard let cert, let payload else { return -1 }
      return RemoteSession.from(payload).checkCertificate(
        cert, valid: valid != 0, host: host.map { String(cString: $0) } ?? "")
    }
    callbacks.sideband_progress = { text, length, payload in
      guard let text, let payload, length > 0 else { return 0 }
      let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
      RemoteSession.from(payload).receiveSideband(String(decoding: bytes, as: UTF8.self))
      return 0
    }
    callbacks.update_tips = { name, old, new, payload in
      guard let name, let payload else { return 0 }
      RemoteSession.from(payload).updatedTips.append(
        FetchedReference(
          name: String(cString: name), old: old.flatMap(ObjectID.nonZero), new: new.flatMap(ObjectID.nonZero)))
      return 0
    }
    callbacks.push_negotiation = { updates, count, payload in
      guard let payload else { return 0 }
      let session = RemoteSession.from(payload)
      for index in 0..<count {
        guard let update = updates?[index]?.pointee, let name = update.dst_refname else { continue }
        var old = update.src
        let new = update.dst
        session.negotiated[String(cString: name)] = (ObjectID.nonZero(&old), ObjectID(new))
      }
      session.beforeServerUpdate?()
      return 0
    }
    callbacks.push_update_reference = { name, status, payload in
      guard let name, let payload else { return 0 }
      RemoteSession.from(payload).pushStatuses[String(cString: name)] = .some(status.map { String(cString: $0) })
      return 0
    }
  }

  private static func from(_ payload: UnsafeMutableRawPointer) -> RemoteSession {
    Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
  }

  // MARK: - Credentials

  private func acquireCredential(
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, usernameFromURL: String?, allowed: UInt32
  ) -> Int32 {
    let sshUser = usernameFromURL ?? location.user ?? credentials.sshUser ?? "git"
    if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0, !offered.contains(.username) {
      offered.insert(.username)
      return git_credential_username_new(out, sshUser)
    }
    if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
      if let key = credentials.sshKey, !offered.contains(.sshKeyFile) {
        offered.insert(.sshKeyFile)
        offeredDescriptions.append("the key \(key.privateKey.path)")
        return git_credential_ssh_key_new(out, sshUser, key.publicKey?.path, key.privateKey.path, key.passphrase)
      }
      if credentials.sshAgent, !offered.contains(.sshAgent) {
        offered.insert(.sshAgent)
        offeredDescriptions.append("the keys in ssh-agent")
        return git_credential_ssh_key_from_agent(out, sshUser)
      }
      return refuseCredentials(ssh: true, user: sshUser)
    }
    if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
      let user = credentials.httpUser ?? usernameFromURL ?? location.user ?? credentials.httpUserIfUnnamed
      if let password = credentials.httpPassword, !offered.contains(.httpConfigured) {
        offered.insert(.httpConfigured)
        guard let user else {
          return record(
            RemoteError(
              kind: .authenticationFailed, remote: location.redacted,
              message: "A password is configured for \(location.redacted), but no user name to go with it.",
              recovery: "Set POLICYFLOW_HTTP_USER, or put the user name into the remote's URL (https://NAME@host/…)."),
            code: GIT_EAUTH.rawValue, errorClass: GIT_ERROR_HTTP)
        }
        offeredDescriptions.append("the password configured for \(user)")
        return git_credential_userpass_plaintext_new(out, user, password)
      }
      if credentials.gitCredentialHelper, !offered.contains(.httpHelper) {
        offered.insert(.httpHelper)
        if let stored = GitCredentialHelper(location: location, directory: repositoryPath).fill(user: user) {
          helperCredential = stored
          offeredDescriptions.append("the password git's credential helper holds for \(stored.user)")
          return git_credential_userpass_plaintext_new(out, stored.user, stored.password)
        }
      }
      return refuseCredentials(ssh: false, user: user)
    }
    return record(
      RemoteError(
        kind: .authenticationFailed, remote: location.redacted,
        message: "\(operationPhrase) asks for a kind of authentication policyflow does not offer "
          + "(libgit2 credential types \(allowed)).",
        recovery: "Use an SSH key or a user name with a password or token."),
      code: GIT_EAUTH.rawValue, errorClass: GIT_ERROR_NET)
  }

  private func refuseCredentials(ssh: Bool, user: String?) -> Int32 {
    let server = location.host.map(location.describeHost) ?? location.redacted
    let error: RemoteError
    if offeredDescriptions.isEmpty {
      error =
        ssh
        ? RemoteError(
          kind: .authenticationFailed, remote: location.redacted,
          message: "The SSH server \(server) asks for a key, and policyflow has none to offer.",
          recovery: "Set POLICYFLOW_SSH_KEY to your private key file, or add your key to ssh-agent (ssh-add).")
        : RemoteError(
          kind: .authenticationFailed, remote: location.redacted,
          message: "The server \(server) asks for a user name and password, and none is configured.",
          recovery: "Set POLICYFLOW_HTTP_USER and POLICYFLOW_HTTP_PASSWORD (or POLICYFLOW_HTTP_TOKEN), "
            + "or store them with git's credential helper.")
    } else {
      let tried = offeredDescriptions.joined(separator: ", ")
      error =
        ssh
        ? RemoteError(
          kind: .authenticationFailed, remote: location.redacted,
          message: "The SSH server \(server) refused user \(user ?? "?") with \(tried).",
          recovery: "Ask the server's administrator to register your public key for this repository, or set "
            + "POLICYFLOW_SSH_KEY to the key they registered.")
        : RemoteError(
          kind: .authenticationFailed, remote: location.redacted,
          message: "The server \(server) refused \(tried).",
          recovery: "Check the user name and the password or token (a token needs read and write access to the "
            + "repository).")
    }
    return record(error, code: GIT_EAUTH.rawValue, errorClass: ssh ? GIT_ERROR_SSH : GIT_ERROR_HTTP)
  }

  /// Tells git's credential helper whether the password it gave worked, as git does after its own operations.
  func reportHelperCredential(succeeded: Bool) {
    guard let helperCredential else { return }
    if succeeded {
      GitCredentialHelper(location: location, directory: repositoryPath).report(helperCredential, accepted: true)
    } else if refusal?.kind == .authenticationFailed {
      GitCredentialHelper(location: location, directory: repositoryPath).report(helperCredential, accepted: false)
    }
  }

  // MARK: - Server identity

  private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>, valid: Bool, host: String) -> Int32 {
    switch cert.pointee.cert_type {
    case GIT_CERT_HOSTKEY_LIBSSH2:
      let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
      guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey, hostkey.hostkey_len > 0
      else {
        return record(
          RemoteError(
            kind: .unknownHost, remote: location.redacted,
            message: "The SSH server \(location.describeHost(host)) did not present a host key policyflow can check."),
          code: GIT_ECERTIFICATE.rawValue, errorClass: GIT_ERROR_SSH)
      }
      let key = HostKey(blob: Data(bytes: raw, count: hostkey.hostkey_len))
      return checkHostKey(key, host: host)
    case GIT_CERT_X509:
      if valid { return 0 }
      let x509 = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_x509.self).pointee
      let der = x509.data.map { Data(bytes: $0, count: x509.len) } ?? Data()
      let fingerprint = Digest.sha256(der).map { String(format: "%02X", $0) }.joined(separator: ":")
      refusedCertificate = (host, fingerprint)
      // Keep libgit2's verdict and its reason ("not correctly signed by the trusted CA", "expired", …); the
      // message is completed in `failure(_:)` once that reason is known.
      return GIT_PASSTHROUGH.rawValue
    default:
      return valid ? 0 : GIT_PASSTHROUGH.rawValue
    }
  }

  private func checkHostKey(_ key: HostKey, host: String) -> Int32 {
    let knownHosts: KnownHosts
    do {
      knownHosts = try KnownHosts.load(trust.knownHostsFiles)
    } catch KnownHostsError.unreadable(let file, let reason) {
      return record(
        RemoteError(
          kind: .badConfiguration, remote: location.redacted,
          message: "The known hosts file \(file.path) cannot be read (\(reason)).",
          recovery: "Check its permissions, or point POLICYFLOW_KNOWN_HOSTS at a readable file."),
        code: GIT_ECERTIFICATE.rawValue, errorClass: GIT_ERROR_SSH)
    } catch {
      return -1
    }
    let name = location.knownHostsName(for: host)
    let server = location.describeHost(host)
    let file = trust.knownHostsFiles.first?.path ?? "~/.ssh/known_hosts"
    let presented = "its \(key.type) key has fingerprint \(key.fingerprint)"
    let error: RemoteError
    switch knownHosts.verdict(for: name, key: key) {
    case .trusted:
      return 0
    case .unknown:
      error = RemoteError(
        kind: .unknownHost, remote: location.redacted,
        message: "The SSH server \(server) is not in the known hosts file (\(file)); \(presented).",
        recovery: "Compare that fingerprint with the one the server's administrator gives you (by phone or in "
          + "person, not by e-mail), then add the server: `\(location.keyscanCommand(for: host)) >> \(file)`.")
    case .otherTypesOnly(let entries):
      let types = Set(entries.map(\.keyType)).sorted().joined(separator: ", ")
      error = RemoteError(
        kind: .unknownHost, remote: location.redacted,
        message: "The SSH server \(server) is known in \(entries[0].origin) only with a \(types) key, but it "
          + "offered a \(key.type) key; \(presented).",
        recovery: "Check the new key's fingerprint with the server's administrator, then add it: "
          + "`\(location.keyscanCommand(for: host)) -t \(key.type) >> \(file)`.")
    case .changed(let entries):
      let expected = entries.map { HostKey(blob: $0.key).fingerprint + " (" + $0.origin + ")" }
        .joined(separator: ", ")
      error = RemoteError(
        kind: .hostKeyMismatch, remote: location.redacted,
        message: "The SSH server \(server) presented a different host key than the known hosts file holds: "
          + "\(presented), expected \(expected). Someone may be intercepting the connection, or the server's key "
          + "was replaced. Nothing was sent.",
        recovery: "Ask the server's administrator whether the key was changed. Only if it was, remove the old entry "
          + "(`ssh-keygen -R '\(name)' -f \(file)`) and add the new one after checking its fingerprint.")
    case .revoked(let entry):
      error = RemoteError(
        kind: .hostKeyMismatch, remote: location.redacted,
        message: "The SSH server \(server) presented a host key marked @revoked in \(entry.origin); \(presented). "
          + "Nothing was sent.",
        recovery: "Tell the server's administrator: this key must not be used any more.")
    }
    return record(error, code: GIT_ECERTIFICATE.rawValue, errorClass: GIT_ERROR_SSH)
  }

  // MARK: - Server messages

  private func receiveSideband(_ text: String) {
    sidebandBuffer += text
    while let newline = sidebandBuffer.firstIndex(where: { $0 == "\n" }) {
      let line = String(sidebandBuffer[..<newline])
      sidebandBuffer = String(sidebandBuffer[sidebandBuffer.index(after: newline)...])
      // Progress counters rewrite their line with \r; the last state is the one worth keeping.
      let final = line.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? ""
      let trimmed = final.trimmingCharacters(in: .whitespaces)
      if !trimmed.isEmpty { serverMessages.append(trimmed) }
    }
  }

  // MARK: - Outcome

  /// Records a callback's refusal and hands libgit2 the code to stop with; the message is set as libgit2's last
  /// error too, so even a caller that only sees the `GitError` reads the explanation.
  private func record(_ error: RemoteError, code: Int32, errorClass: git_error_t) -> Int32 {
    if refusal == nil { refusal = error }
    git_error_set_str(Int32(errorClass.rawValue), error.message)
    return code
  }

  /// The error to throw for a failed libgit2 call: a callback's own explanation if there is one, else libgit2's,
  /// classified.
  func failure(_ error: GitError) -> RemoteError {
    if let refusal {
      return RemoteError(
        kind: refusal.kind, remote: refusal.remote, message: refusal.message, recovery: refusal.recovery,
        underlying: error)
    }
    if let (host, fingerprint) = refusedCertificate {
      let authorities =
        trust.caFile.map { "the certificate authorities in \($0.path)" }
        ?? "this computer's trusted certificate authorities"
      return RemoteError(
        kind: .untrustedCertificate, remote: location.redacted,
        message: "The HTTPS certificate of \(location.describeHost(host)) (SHA-256 fingerprint \(fingerprint)) "
          + "could not be verified against \(authorities): \(error.message). Nothing was sent.",
        recovery: CertificateAuthorities.advice, underlying: error)
    }
    if !serverMessages.isEmpty, error.code != GIT_ENONFASTFORWARD.rawValue {
      let said = serverMessages.suffix(5).joined(separator: " / ")
      var classified = RemoteError(error, location: location, operation: operationPhrase)
      classified = RemoteError(
        kind: classified.kind, remote: classified.remote, message: "\(classified.message) The server said: \(said)",
        recovery: classified.recovery, underlying: error)
      return classified
    }
    return RemoteError(error, location: location, operation: operationPhrase)
  }

  /// "Fetching from ssh://…", for messages that start a sentence.
  var operationPhrase: String { operation.prefix(1).uppercased() + operation.dropFirst() }

  /// The server's lines that concern `reference` (gitolite names the ref in its DENIED line), for a rejection.
  func serverLines(about reference: String) -> [String] {
    let short = reference.hasPrefix("refs/heads/") ? String(reference.dropFirst("refs/heads/".count)) : reference
    return serverMessages.filter { $0.contains(reference) || $0.contains(" \(short) ") || $0.hasSuffix(" \(short)") }
  }
}

extension ObjectID {
  /// nil for the all-zero id, which libgit2 uses for "no such reference".
  static func nonZero(_ oid: UnsafePointer<git_oid>) -> ObjectID? {
    git_oid_is_zero(oid) == 1 ? nil : ObjectID(oid)
  }
}

/// A reference that a fetch created, moved or (pruning) deleted in the local repository.
public struct FetchedReference: Sendable, Equatable {
  /// The local reference, e.g. `refs/remotes/origin/main`.
  public let name: String
  /// nil: the reference is new.
  public let old: ObjectID?
  /// nil: the reference was deleted (prune).
  public let new: ObjectID?

  public init(name: String, old: ObjectID?, new: ObjectID?) {
    self.name = name
    self.old = old
    self.new = new
  }
}
