import Foundation

/// An OpenSSH Ed25519 public key: what `members.yaml` lists for a member and what a signature names as its signer.
///
/// Two keys are the same key when their wire-format blobs are equal; the comment (`name@host` after the key) is a
/// label anyone can change and takes no part in equality or hashing. Only Ed25519 is accepted: other well-known
/// types are recognised so that the refusal can name them and say what to do instead.
public struct SSHPublicKey: Hashable, Sendable, CustomStringConvertible {
  /// The algorithm name that starts the line and the blob.
  public static let ed25519Algorithm = "ssh-ed25519"

  /// The key in SSH wire format (`string "ssh-ed25519", string key`), as signatures and the agent carry it.
  public let blob: Data
  /// The text after the key on its line, usually `user@host`; nil when there was none.
  public let comment: String?
  /// The 32 bytes of the Ed25519 point.
  let ed25519Bytes: Data

  /// Parses one line of a `.pub` file or an allowed-signers key: `ssh-ed25519 AAAA… [comment]`.
  ///
  /// - Throws: `SigningError.unsupportedKeyType` for RSA, ECDSA, DSA, security-key and certificate lines;
  ///   `SigningError.malformedPublicKey` for anything else that is not a well-formed Ed25519 key.
  public init(line: String) throws {
    let fields = line.trimmingCharacters(in: .whitespacesAndNewlines)
      .split(maxSplits: 2, omittingEmptySubsequences: true, whereSeparator: { $0 == " " || $0 == "\t" })
    guard fields.count >= 2 else {
      if let first = fields.first, let name = Self.otherKeyTypes[String(first)] {
        throw SigningError.unsupportedKeyType(name)
      }
      throw SigningError.malformedPublicKey(reason: fields.isEmpty ? "the line is empty" : "the key data is missing")
    }
    let type = String(fields[0])
    try Self.requireEd25519(type)
    guard let blob = Data(base64Encoded: String(fields[1])) else {
      throw SigningError.malformedPublicKey(reason: "the key data is not valid base64")
    }
    let comment = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespaces) : nil
    try self.init(blob: blob, comment: comment)
  }

  /// A key from its wire-format blob, as the agent lists it and a signature embeds it.
  public init(blob: Data, comment: String? = nil) throws {
    var reader = WireReader(blob) { SigningError.malformedPublicKey(reason: $0) }
    let type = try reader.text("the key type")
    try Self.requireEd25519(type)
    let key = try reader.string("the Ed25519 key")
    guard key.count == Ed25519Key.publicKeySize else {
      throw SigningError.malformedPublicKey(reason: "an Ed25519 key has 32 bytes, this one \(key.count)")
    }
    try reader.expectEnd("the key")
    self.blob = blob
    self.ed25519Bytes = key
    self.comment = comment.flatMap { $0.isEmpty ? nil : $0 }
  }

  /// A key from the raw 32 Ed25519 bytes (as libcrypto derives them from a private key).
  init(ed25519 bytes: Data, comment: String?) throws {
    var writer = WireWriter()
    writer.string(Self.ed25519Algorithm)
    writer.string(bytes)
    try self.init(blob: writer.data, comment: comment)
  }

  /// The algorithm name, `ssh-ed25519`.
  public var algorithm: String { Self.ed25519Algorithm }

  /// The blob in base64, the middle field of the key's line.
  public var base64: String { blob.base64EncodedString() }

  /// The line as a `.pub` file holds it: `ssh-ed25519 AAAA… comment` (without the comment when there is none).
  public var openSSHLine: String { "\(algorithm) \(base64)" + (comment.map { " \($0)" } ?? "") }

  /// `SHA256:` and the unpadded base64 of the blob's SHA-256, exactly as `ssh-keygen -lf` and `ssh-add -l` print
  /// it: the form people compare when they read a key to each other.
  public var fingerprint: String {
    "SHA256:" + Data(Digest.sha256(blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
  }

  public var description: String { "ED25519 key \(fingerprint)" }

  public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }

  public func hash(into hasher: inout Hasher) { hasher.combine(blob) }

  /// What checks signatures by this key.
  func verifier() throws -> Ed25519PublicKey { try Ed25519PublicKey(ed25519Bytes) }

  /// Other key types OpenSSH writes, with the name a person knows them by.
  static let otherKeyTypes: [String: String] = [
    "ssh-rsa": "RSA (ssh-rsa)",
    "ssh-dss": "DSA (ssh-dss)",
    "ecdsa-sha2-nistp256": "ECDSA (ecdsa-sha2-nistp256)",
    "ecdsa-sha2-nistp384": "ECDSA (ecdsa-sha2-nistp384)",
    "ecdsa-sha2-nistp521": "ECDSA (ecdsa-sha2-nistp521)",
    "sk-ssh-ed25519@openssh.com": "Ed25519 on a security key (sk-ssh-ed25519@openssh.com)",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA on a security key (sk-ecdsa-sha2-nistp256@openssh.com)",
    "ssh-ed25519-cert-v01@openssh.com": "Ed25519 certificate (ssh-ed25519-cert-v01@openssh.com)",
    "ssh-rsa-cert-v01@openssh.com": "RSA certificate (ssh-rsa-cert-v01@openssh.com)",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com": "ECDSA certificate (ecdsa-sha2-nistp256-cert-v01@openssh.com)",
  ]

  static func requireEd25519(_ type: String) throws {
    guard type != ed25519Algorithm else { return }
    if let name = otherKeyTypes[type] { throw SigningError.unsupportedKeyType(name) }
    throw SigningError.malformedPublicKey(reason: "\"\(type.prefix(40))\" is not a known SSH key type")
  }
}
