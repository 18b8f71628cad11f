import Foundation

/// An unencrypted OpenSSH Ed25519 private key, loaded from the file `ssh-keygen -t ed25519 -N ''` writes, that signs
/// in-process with libcrypto.
///
/// Passphrase-protected keys are refused rather than decrypted: asking for passphrases is ssh-agent's job, and a key
/// in the agent signs through `SSHAgent` just as well. The private bytes stay inside libcrypto's key object.
public final class SSHPrivateKey: Signer {
  public let publicKey: SSHPublicKey
  /// Where the key came from, for messages.
  public let path: String
  private let key: Ed25519Key

  /// Loads the key file at `url`.
  ///
  /// - Throws: `SigningError.unreadableKeyFile`, `.encryptedPrivateKey` (with advice to use ssh-agent),
  ///   `.unsupportedKeyType` or `.malformedPrivateKey`.
  public convenience init(contentsOf url: URL) throws {
    try self.init(fileContents: try OpenSSHKeyFile.read(url), path: url.path)
  }

  /// Loads a key from the text of its file; `path` only names it in messages.
  public init(fileContents: String, path: String) throws {
    let file = try OpenSSHKeyFile(fileContents, path: path)
    guard file.cipher == "none", file.kdf == "none" else { throw SigningError.encryptedPrivateKey(path: path) }
    let malformed = { (reason: String) in SigningError.malformedPrivateKey(path: path, reason: reason) }
    var reader = WireReader(file.privateSection, malformed: malformed)
    // Two equal random words: with a wrong passphrase they differ; unencrypted, a mismatch means damage.
    guard try reader.uint32("the check number") == (try reader.uint32("the second check number")) else {
      throw malformed("its check numbers differ")
    }
    let type = try reader.text("the key type")
    do { try SSHPublicKey.requireEd25519(type) } catch SigningError.malformedPublicKey {
      throw malformed("its key type \"\(type.prefix(40))\" is unknown")
    }
    let publicBytes = try reader.string("the public key")
    // OpenSSH stores the 32-byte seed followed by the 32-byte public key.
    let secret = try reader.string("the private key")
    guard secret.count == 64 else { throw malformed("its Ed25519 private key is not 64 bytes") }
    let comment = try reader.text("the comment")
    var padding: UInt8 = 1
    while !reader.isAtEnd {
      guard try reader.byte("padding") == padding else { throw malformed("its padding is damaged") }
      padding += 1
    }
    let key = try Ed25519Key(seed: secret.prefix(32))
    let derived = try key.publicBytes()
    guard derived == publicBytes, derived == secret.suffix(32) else {
      throw malformed("its private and public halves do not belong together")
    }
    let publicKey = try SSHPublicKey(ed25519: derived, comment: comment)
    guard publicKey == file.publicKey else { throw malformed("the public key in its header is another key") }
    self.publicKey = publicKey
    self.path = path
    self.key = key
  }

  /// The public half recorded in the unencrypted header of a private key file, also of a passphrase-protected one,
  /// so that an encrypted key can be looked up in ssh-agent without its passphrase.
  public static func publicKey(ofKeyFileAt url: URL) throws -> SSHPublicKey {
    try OpenSSHKeyFile(try OpenSSHKeyFile.read(url), path: url.path).publicKey
  }

  public func sshSignature(of data: Data) throws -> Data {
    var writer = WireWriter()
    writer.string(SSHPublicKey.ed25519Algorithm)
    writer.string(try key.sign(data))
    return writer.data
  }
}

/// The envelope of an `openssh-key-v1` file (OpenSSH's PROTOCOL.key): cipher, key-derivation function, the public
/// key in clear and the (possibly encrypted) private section.
struct OpenSSHKeyFile {
  static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
  static let end = "-----END OPENSSH PRIVATE KEY-----"
  static let magic = Array("openssh-key-v1\0".utf8)

  let cipher: String
  let kdf: String
  let publicKey: SSHPublicKey
  let privateSection: Data

  static func read(_ url: URL) throws -> String {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
      throw SigningError.unreadableKeyFile(path: url.path, reason: reason)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw SigningError.malformedPrivateKey(path: url.path, reason: "it is not a text file")
    }
    return text
  }

  init(_ text: String, path: String) throws {
    let malformed = { (reason: String) in SigningError.malformedPrivateKey(path: path, reason: reason) }
    guard let data = Armor.unwrap(text, begin: Self.begin, end: Self.end) else {
      if text.contains("PUBLIC KEY") || text.hasPrefix("ssh-") {
        throw malformed("it is a public key; the private key is the file without .pub")
      }
      if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
        throw malformed("it is a PEM file, not an OpenSSH key; make a key with `ssh-keygen -t ed25519` instead")
      }
      throw malformed("it does not start with \(Self.begin)")
    }
    var reader = WireReader(data, malformed: malformed)
    guard Array(try reader.raw(Self.magic.count, "the file header")) == Self.magic else {
      throw malformed("it is not an openssh-key-v1 file")
    }
    cipher = try reader.text("the cipher name")
    kdf = try reader.text("the key derivation name")
    _ = try reader.string("the key derivation options")
    guard try reader.uint32("the number of keys") == 1 else { throw malformed("it holds more than one key") }
    let blob = try reader.string("the public key")
    do {
      publicKey = try SSHPublicKey(blob: blob)
    } catch SigningError.malformedPublicKey(let reason) {
      throw malformed("its public key is damaged: \(reason)")
    }
    privateSection = try reader.string("the private section")
    try reader.expectEnd("the private section")
  }
}
