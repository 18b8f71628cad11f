import COpenSSL
import Foundation

/// An Ed25519 key held by libcrypto (an `EVP_PKEY`), freed with its owner.
///
/// Keeping the key inside libcrypto means the private half lives in memory libcrypto clears when it frees it, and a
/// public key is decoded once however many signatures it checks.
final class Ed25519Key {
  static let seedSize = 32
  static let publicKeySize = 32
  static let signatureSize = 64

  private let key: OpaquePointer

  /// A signing key from the 32-byte private seed (the first half of OpenSSH's 64-byte private key field).
  init(seed: Data) throws {
    guard seed.count == Self.seedSize else {
      throw SigningError.cryptoFailure(operation: "load an Ed25519 key", detail: "the seed is not 32 bytes")
    }
    let key = seed.withUnsafeBytes {
      EVP_PKEY_new_raw_private_key(pf_evp_pkey_ed25519, nil, $0.bindMemory(to: UInt8.self).baseAddress, $0.count)
    }
    guard let key else {
      throw SigningError.cryptoFailure(operation: "load an Ed25519 private key", detail: OpenSSL.lastError())
    }
    self.key = key
  }

  /// A verifying key from its 32 public bytes.
  init(publicKey: Data) throws {
    guard publicKey.count == Self.publicKeySize else { throw SigningError.malformedPublicKey(reason: "not 32 bytes") }
    let key = publicKey.withUnsafeBytes {
      EVP_PKEY_new_raw_public_key(pf_evp_pkey_ed25519, nil, $0.bindMemory(to: UInt8.self).baseAddress, $0.count)
    }
    guard let key else {
      throw SigningError.cryptoFailure(operation: "load an Ed25519 public key", detail: OpenSSL.lastError())
    }
    self.key = key
  }

  deinit {
    EVP_PKEY_free(key)
  }

  /// The 32 public bytes (derived from the seed for a signing key).
  func publicBytes() throws -> Data {
    var bytes = [UInt8](repeating: 0, count: Self.publicKeySize)
    var count = bytes.count
    guard EVP_PKEY_get_raw_public_key(key, &bytes, &count) == 1, count == Self.publicKeySize else {
      throw SigningError.cryptoFailure(operation: "read an Ed25519 public key", detail: OpenSSL.lastError())
    }
    return Data(bytes)
  }

  /// The 64-byte Ed25519 signature (RFC 8032, "pure" Ed25519, which hashes `message` itself: no digest is passed).
  func sign(_ message: Data) throws -> Data {
    let context = try DigestContext()
    guard EVP_DigestSignInit(context.pointer, nil, nil, nil, key) == 1 else {
      throw SigningError.cryptoFailure(operation: "start an Ed25519 signature", detail: OpenSSL.lastError())
    }
    var signature = [UInt8](repeating: 0, count: Self.signatureSize)
    var count = signature.count
    let status = withBytes(of: message) { base, length in
      EVP_DigestSign(context.pointer, &signature, &count, base, length)
    }
    guard status == 1, count == Self.signatureSize else {
      throw SigningError.cryptoFailure(operation: "make an Ed25519 signature", detail: OpenSSL.lastError())
    }
    return Data(signature)
  }

  /// Whether `signature` is this key's signature of `message`. A wrong signature is an answer, not an error; only a
  /// failure of libcrypto itself throws.
  func verify(_ signature: Data, of message: Data) throws -> Bool {
    guard signature.count == Self.signatureSize else { return false }
    let context = try DigestContext()
    guard EVP_DigestVerifyInit(context.pointer, nil, nil, nil, key) == 1 else {
      throw SigningError.cryptoFailure(operation: "start an Ed25519 verification", detail: OpenSSL.lastError())
    }
    let status = signature.withUnsafeBytes { signature in
      withBytes(of: message) { base, length in
        EVP_DigestVerify(
          context.pointer, signature.bindMemory(to: UInt8.self).baseAddress, signature.count, base, length)
      }
    }
    // A mismatch leaves an entry in libcrypto's error queue; clear it so it is not reported for a later failure.
    ERR_clear_error()
    return status == 1
  }
}

/// An `EVP_MD_CTX` for one signing or verification, freed when it goes out of scope.
private final class DigestContext {
  let pointer: OpaquePointer

  init() throws {
    guard let pointer = EVP_MD_CTX_new() else {
      throw SigningError.cryptoFailure(operation: "allocate a signing context", detail: OpenSSL.lastError())
    }
    self.pointer = pointer
  }

  deinit {
    EVP_MD_CTX_free(pointer)
  }
}

/// Lends `data`'s bytes as a pointer that is never nil: an empty `Data` may have no base address, and libcrypto
/// treats a NULL message pointer as an error even for zero bytes.
func withBytes<T>(of data: Data, _ body: (UnsafePointer<UInt8>, Int) throws -> T) rethrows -> T {
  if data.isEmpty {
    var placeholder: UInt8 = 0
    return try withUnsafePointer(to: &placeholder) { try body($0, 0) }
  }
  return try data.withUnsafeBytes { try body($0.bindMemory(to: UInt8.self).baseAddress!, $0.count) }
}
