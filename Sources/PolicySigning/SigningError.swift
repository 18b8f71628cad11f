import Foundation

/// Everything PolicySigning refuses, one case per situation a caller or a person handles differently.
///
/// The messages are read by the people who keep the keys, not by programmers: each says what was wrong with which
/// file or key and what to do next. Callers that need to react (a missing agent key versus a forged signature)
/// switch on the case, never on the text.
public enum SigningError: Error, LocalizedError, Equatable, Sendable {
  /// A public key line or blob that is not an OpenSSH public key; `reason` says what is wrong with it.
  case malformedPublicKey(reason: String)
  /// A well-formed key of a type policyflow does not sign or verify with (RSA, ECDSA, security keys, …).
  case unsupportedKeyType(String)
  /// A private key file that could not be read at all.
  case unreadableKeyFile(path: String, reason: String)
  /// A private key file that is not an unencrypted OpenSSH Ed25519 key, or is damaged.
  case malformedPrivateKey(path: String, reason: String)
  /// A passphrase-protected private key: policyflow never asks for passphrases, the agent holds such keys.
  case encryptedPrivateKey(path: String)
  /// An armoured signature that does not parse as OpenSSH's SSHSIG format.
  case malformedSignature(reason: String)
  /// A signature made for another purpose (for example a file signature offered as a commit signature).
  case wrongNamespace(expected: String, found: String)
  /// The signature does not match the message and key: the content was changed, or it was signed by another key.
  case badSignature
  /// A signature or hash algorithm policyflow does not verify.
  case unsupportedAlgorithm(String)
  /// No ssh-agent to talk to, or the connection to it failed.
  case agentUnavailable(reason: String)
  /// The agent answered something that does not follow the agent protocol.
  case agentProtocol(reason: String)
  /// The agent refused to sign (a key added with `ssh-add -c` whose confirmation was declined, a locked agent, …).
  case agentRefused(fingerprint: String)
  /// The key wanted for signing is in no key file given and not in the agent.
  case keyNotAvailable(fingerprint: String, hint: String)
  /// A line of an allowed-signers file that could not be understood.
  case malformedAllowedSigners(source: String, line: Int, reason: String)
  /// A principal (the name an allowed-signers line gives a key) that the file format cannot carry.
  case invalidPrincipal(String)
  /// libcrypto failed where it should not (out of memory, a broken installation); `detail` is OpenSSL's message.
  case cryptoFailure(operation: String, detail: String)

  public var errorDescription: String? {
    switch self {
    case .malformedPublicKey(let reason):
      return "This is not an OpenSSH public key (\(reason)). A public key is one line such as "
        + "\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5… name@example\", found in the .pub file next to the private key."
    case .unsupportedKeyType(let type):
      return "The key is of type \(type), which policyflow does not use. policyflow signs and verifies with "
        + "Ed25519 keys only: create one with `ssh-keygen -t ed25519` and register its public half (the .pub file)."
    case .unreadableKeyFile(let path, let reason):
      return "Cannot read the key file \(path): \(reason). Check the path and that you may read the file."
    case .malformedPrivateKey(let path, let reason):
      return "The file \(path) is not a usable private key (\(reason)). policyflow reads OpenSSH Ed25519 keys as "
        + "`ssh-keygen -t ed25519` writes them; give the private key file, or its .pub file if the key is in ssh-agent."
    case .encryptedPrivateKey(let path):
      return "The private key \(path) is protected by a passphrase, and policyflow does not ask for passphrases. "
        + "Add the key to ssh-agent with `ssh-add \(path)` (it asks for the passphrase once) and try again."
    case .malformedSignature(let reason):
      return "The signature is damaged or not an SSH signature (\(reason))."
    case .wrongNamespace(let expected, let found):
      return "The signature was made for \"\(found)\", not for \"\(expected)\": it belongs to something else "
        + "and does not count here."
    case .badSignature:
      return "The signature does not match: the signed content was changed after signing, or it was signed "
        + "with a different key than the one it names."
    case .unsupportedAlgorithm(let name):
      return "The signature uses \(name), which policyflow does not verify (it verifies Ed25519 signatures over "
        + "SHA-256 or SHA-512 hashes)."
    case .agentUnavailable(let reason):
      return "Cannot reach ssh-agent: \(reason). Start one with `eval \"$(ssh-agent)\"`, add your key with "
        + "`ssh-add`, or give the path of an unencrypted private key instead."
    case .agentProtocol(let reason):
      return "ssh-agent answered something unexpected (\(reason)). Restart the agent and add your key again."
    case .agentRefused(let fingerprint):
      return "ssh-agent refused to sign with the key \(fingerprint). If the agent asks for confirmation, accept it; "
        + "if it is locked, unlock it with `ssh-add -X`; otherwise add the key again with `ssh-add`."
    case .keyNotAvailable(let fingerprint, let hint):
      return "The key \(fingerprint) is needed to sign, but it is not available: \(hint)"
    case .malformedAllowedSigners(let source, let line, let reason):
      return "\(source), line \(line): \(reason). Each line reads: principal [namespaces=\"git\"] ssh-ed25519 AAAA…"
    case .invalidPrincipal(let principal):
      return "\"\(principal)\" cannot name a key in an allowed-signers file: use a name without spaces, commas or "
        + "quotes, such as an e-mail address or a member id."
    case .cryptoFailure(let operation, let detail):
      return "The cryptography library failed to \(operation) (\(detail)). This is not caused by your input; "
        + "report it together with this message."
    }
  }
}
