import Foundation

/// An SSH signature in OpenSSH's SSHSIG format (PROTOCOL.sshsig): what `ssh-keygen -Y sign` writes and what git
/// stores in a commit's `gpgsig` header when `gpg.format=ssh`.
///
/// The signature covers a hash of the message together with a namespace ("git" for commits), so a signature made
/// for one purpose cannot be replayed for another. It names the key that made it; whether that key may speak for
/// anyone is the caller's question (see `AllowedSigners`), answered after `verify` has shown the key really signed.
public struct SSHSignature: Sendable, Equatable {
  /// The namespace git uses for commit and tag signatures.
  public static let gitNamespace = "git"

  /// The hash of the message that is signed. ssh-keygen signs with SHA-512 and verifies both.
  public enum HashAlgorithm: String, Sendable {
    case sha256, sha512
  }

  static let magic = Array("SSHSIG".utf8)
  static let version: UInt32 = 1
  static let begin = "-----BEGIN SSH SIGNATURE-----"
  static let end = "-----END SSH SIGNATURE-----"

  /// The key that made the signature, as the signature names it.
  public let publicKey: SSHPublicKey
  public let namespace: String
  public let hashAlgorithm: HashAlgorithm
  /// The 64-byte Ed25519 signature over `signedData`.
  let signature: Data

  // MARK: - Signing

  /// Signs `message` for `namespace` with `signer` and returns the armoured signature, byte for byte what
  /// `ssh-keygen -Y sign -n NAMESPACE` writes for the same key and message (Ed25519 signatures are deterministic).
  public static func sign(message: Data, namespace: String, with signer: any Signer,
    hashAlgorithm: HashAlgorithm = .sha512) throws -> String
  {
    precondition(!namespace.isEmpty, "SSH signatures need a namespace")
    let signed = signedData(message: message, namespace: namespace, hashAlgorithm: hashAlgorithm)
    let signature = try parseSignatureBlob(try signer.sshSignature(of: signed))
    return SSHSignature(
      publicKey: signer.publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, signature: signature
    ).armored
  }

  /// The bytes the key actually signs: magic, namespace, reserved field, hash name and the message's hash.
  /// Public because an agent or another signer is handed exactly these bytes.
  public static func signedData(message: Data, namespace: String, hashAlgorithm: HashAlgorithm = .sha512) -> Data {
    var writer = WireWriter()
    writer.raw(magic)
    writer.string(namespace)
    writer.string([UInt8]())
    writer.string(hashAlgorithm.rawValue)
    switch hashAlgorithm {
    case .sha256: writer.string(Digest.sha256(message))
    case .sha512: writer.string(Digest.sha512(message))
    }
    return writer.data
  }

  // MARK: - Verifying

  /// Checks that `armored` is a valid signature of `message` for `namespace` and returns the key that made it.
  ///
  /// - Throws: `SigningError.malformedSignature`, `.wrongNamespace`, `.unsupportedAlgorithm`,
  ///   `.unsupportedKeyType` or `.badSignature`.
  public static func verify(armored: String, message: Data, namespace: String) throws -> SSHPublicKey {
    let signature = try SSHSignature(armored: armored)
    try signature.verify(message: message, namespace: namespace)
    return signature.publicKey
  }

  /// Checks this signature against `message` and `namespace`; the namespace is checked first, as ssh-keygen does,
  /// so a signature made for something else is reported as that rather than as a bad signature.
  public func verify(message: Data, namespace: String) throws {
    guard self.namespace == namespace else {
      throw SigningError.wrongNamespace(expected: namespace, found: self.namespace)
    }
    let signed = Self.signedData(message: message, namespace: namespace, hashAlgorithm: hashAlgorithm)
    guard try publicKey.verifier().verify(signature, of: signed) else { throw SigningError.badSignature }
  }

  // MARK: - Format

  /// Parses an armoured signature (`-----BEGIN SSH SIGNATURE-----` …) without checking it against anything.
  public init(armored: String) throws {
    guard let blob = Armor.unwrap(armored, begin: Self.begin, end: Self.end) else {
      throw SigningError.malformedSignature(reason: "it is not enclosed in \(Self.begin) and \(Self.end) lines, "
        + "or its base64 is damaged")
    }
    try self.init(blob: blob)
  }

  /// Parses the binary SSHSIG blob.
  public init(blob: Data) throws {
    var reader = WireReader(blob) { SigningError.malformedSignature(reason: $0) }
    guard Array(try reader.raw(Self.magic.count, "the SSHSIG header")) == Self.magic else {
      throw SigningError.malformedSignature(reason: "it does not start with SSHSIG")
    }
    let version = try reader.uint32("the version")
    guard version == Self.version else {
      throw SigningError.malformedSignature(reason: "it has format version \(version), not \(Self.version)")
    }
    let keyBlob = try reader.string("the public key")
    do {
      publicKey = try SSHPublicKey(blob: keyBlob)
    } catch SigningError.malformedPublicKey(let reason) {
      throw SigningError.malformedSignature(reason: "its public key is damaged: \(reason)")
    }
    namespace = try reader.text("the namespace")
    guard !namespace.isEmpty else { throw SigningError.malformedSignature(reason: "its namespace is empty") }
    _ = try reader.string("the reserved field")
    let hashName = try reader.text("the hash algorithm")
    guard let hashAlgorithm = HashAlgorithm(rawValue: hashName) else {
      throw SigningError.unsupportedAlgorithm("the hash \"\(hashName.prefix(40))\"")
    }
    self.hashAlgorithm = hashAlgorithm
    signature = try Self.parseSignatureBlob(try reader.string("the signature"))
    try reader.expectEnd("the signature")
  }

  init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: HashAlgorithm, signature: Data) {
    self.publicKey = publicKey
    self.namespace = namespace
    self.hashAlgorithm = hashAlgorithm
    self.signature = signature
  }

  /// The binary SSHSIG blob.
  public var blob: Data {
    var writer = WireWriter()
    writer.raw(Self.magic)
    writer.uint32(Self.version)
    writer.string(publicKey.blob)
    writer.string(namespace)
    writer.string([UInt8]())
    writer.string(hashAlgorithm.rawValue)
    var inner = WireWriter()
    inner.string(SSHPublicKey.ed25519Algorithm)
    inner.string(signature)
    writer.string(inner.data)
    return writer.data
  }

  /// The armoured form, as ssh-keygen writes it: marker lines around base64 wrapped at 70 columns, ending in a
  /// newline.
  public var armored: String {
    ([Self.begin] + Armor.wrap(blob, width: 70) + [Self.end]).joined(separator: "\n") + "\n"
  }

  /// The 64 signature bytes from an SSH signature blob (`string "ssh-ed25519", string signature`).
  static func parseSignatureBlob(_ blob: Data) throws -> Data {
    var reader = WireReader(blob) { SigningError.malformedSignature(reason: $0) }
    let algorithm = try reader.text("the signature algorithm")
    guard algorithm == SSHPublicKey.ed25519Algorithm else {
      throw SigningError.unsupportedAlgorithm("the signature algorithm \"\(algorithm.prefix(40))\"")
    }
    let signature = try reader.string("the Ed25519 signature")
    guard signature.count == Ed25519Key.signatureSize else {
      throw SigningError.malformedSignature(reason: "an Ed25519 signature has 64 bytes, this one \(signature.count)")
    }
    try reader.expectEnd("the Ed25519 signature")
    return signature
  }
}
