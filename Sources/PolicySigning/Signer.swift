import Foundation

/// Something that holds the private half of `publicKey` and can sign with it: a key file loaded in-process
/// (`SSHPrivateKey`) or a key in ssh-agent (`AgentSigner`). `SSHSignature.sign` wraps what it returns into the
/// SSHSIG format, so every signer produces the same armoured signature for the same key and message.
public protocol Signer {
  var publicKey: SSHPublicKey { get }
  /// The SSH signature blob (`string "ssh-ed25519", string signature`) of `data`.
  func sshSignature(of data: Data) throws -> Data
}

/// Finds a signer for a key, looking where OpenSSH and git look: key files and ssh-agent.
///
/// Key files sign in-process; keys only the agent holds (passphrase-protected ones, forwarded ones) sign through
/// it. The agent is contacted only when a key file does not do, so a plain key file works without any agent.
public struct KeyResolver {
  private let agentSocket: String?

  /// Uses the agent that `SSH_AUTH_SOCK` in `environment` names, if any.
  public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.init(agentSocket: environment["SSH_AUTH_SOCK"].flatMap { $0.isEmpty ? nil : $0 })
  }

  /// Uses the agent at `agentSocket`, or none when nil.
  public init(agentSocket: String?) {
    self.agentSocket = agentSocket
  }

  /// The signer named by a setting such as git's `user.signingkey` or `POLICYFLOW_SIGNING_KEY`:
  /// - the path of an unencrypted private key file: signs in-process;
  /// - the path of a passphrase-protected private key file, or of a `.pub` file: signs through the agent, which
  ///   must hold the key;
  /// - a public key itself, `ssh-ed25519 AAAA…` or git's `key::ssh-ed25519 AAAA…`: signs through the agent.
  ///
  /// A leading `~/` means the home directory, as in git's configuration.
  ///
  /// - Throws: the `SigningError` that says what is missing: an unreadable file, a key the agent does not hold
  ///   (with the `ssh-add` command that fixes it), no agent at all.
  public func signer(named setting: String) throws -> any Signer {
    let setting = setting.trimmingCharacters(in: .whitespacesAndNewlines)
    if setting.hasPrefix("key::") {
      return try agentSigner(for: try SSHPublicKey(line: String(setting.dropFirst(5))))
    }
    if setting.hasPrefix("ssh-") && setting.contains(" ") {
      return try agentSigner(for: try SSHPublicKey(line: setting))
    }

    let url = Self.expandingHome(setting)
    let text = try OpenSSHKeyFile.read(url)
    // Armour means a private key (SSHPrivateKey explains the formats it does not read); anything else should be a
    // public key line.
    if !text.contains("-----BEGIN") {
      let publicKey: SSHPublicKey
      do {
        publicKey = try SSHPublicKey(line: text)
      } catch SigningError.malformedPublicKey(let reason) {
        throw SigningError.malformedPrivateKey(
          path: url.path, reason: "neither a private key nor a public key: \(reason)")
      }
      return try agentSigner(for: publicKey, privateKeyHint: Self.privateHalf(ofPublicKeyAt: url))
    }
    do {
      return try SSHPrivateKey(fileContents: text, path: url.path)
    } catch SigningError.encryptedPrivateKey(let path) {
      // As ssh-keygen -Y sign does: a protected key file is fine when the agent holds the key it names.
      let publicKey = try OpenSSHKeyFile(text, path: path).publicKey
      guard let signer = try? agentSigner(for: publicKey) else { throw SigningError.encryptedPrivateKey(path: path) }
      return signer
    }
  }

  /// The signer for `wanted`: the first of `keyFiles` (private key files) that holds it, else the agent.
  ///
  /// This is the question "may I act as this member?": `wanted` is their key from the member list, and the answer is
  /// a signer or an error that names the key's fingerprint and how to make it available.
  public func signer(for wanted: SSHPublicKey, keyFiles: [URL] = []) throws -> any Signer {
    var protectedFile: String?
    for url in keyFiles {
      guard let text = try? OpenSSHKeyFile.read(url), let file = try? OpenSSHKeyFile(text, path: url.path),
        file.publicKey == wanted
      else { continue }
      do {
        return try SSHPrivateKey(fileContents: text, path: url.path)
      } catch SigningError.encryptedPrivateKey(let path) {
        protectedFile = path
      }
    }
    return try agentSigner(for: wanted, privateKeyHint: protectedFile)
  }

  /// A signer through the agent, or `keyNotAvailable` that says how to add the key (naming its private key file
  /// when known).
  private func agentSigner(for key: SSHPublicKey, privateKeyHint: String? = nil) throws -> AgentSigner {
    let addCommand = "`ssh-add \(privateKeyHint ?? "PATH-OF-THE-PRIVATE-KEY")`"
    guard let agentSocket else {
      throw SigningError.keyNotAvailable(
        fingerprint: key.fingerprint,
        hint: "no key file holds it and no ssh-agent is running (SSH_AUTH_SOCK is not set). Start one with "
          + "`eval \"$(ssh-agent)\"` and add the key with \(addCommand), or give the path of its private key file.")
    }
    let agent: SSHAgent
    do {
      agent = try SSHAgent(socketPath: agentSocket)
    } catch SigningError.agentUnavailable(let reason) {
      throw SigningError.keyNotAvailable(
        fingerprint: key.fingerprint,
        hint: "no key file holds it and ssh-agent cannot be reached (\(reason)). Start an agent and add the key "
          + "with \(addCommand), or give the path of its private key file.")
    }
    do {
      return try agent.signer(for: key)
    } catch SigningError.keyNotAvailable {
      throw SigningError.keyNotAvailable(
        fingerprint: key.fingerprint,
        hint: "no key file holds it and ssh-agent does not hold it. Add it with \(addCommand).")
    }
  }

  /// `id_ed25519` for `id_ed25519.pub` when that file exists, for the `ssh-add` advice.
  private static func privateHalf(ofPublicKeyAt url: URL) -> String? {
    guard url.pathExtension == "pub" else { return nil }
    let privatePath = url.deletingPathExtension().path
    return FileManager.default.fileExists(atPath: privatePath) ? privatePath : nil
  }

  static func expandingHome(_ path: String) -> URL {
    guard path.hasPrefix("~/") else { return URL(fileURLWithPath: path) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2)))
  }
}
