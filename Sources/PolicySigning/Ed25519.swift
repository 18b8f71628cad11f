import COpenSSL
import CSodium
import Foundation

/// An Ed25519 signing key held by libcrypto (an `EVP_PKEY`), freed with its owner: the private half lives in memory
/// libcrypto clears when it frees it.
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
}

/// An Ed25519 public key that checks signatures, with libsodium (`crypto_sign_verify_detached`).
///
/// Why not libcrypto, which signs: a catch-up verifies the signature of every action it takes in, and libsodium does
/// it in about half the time (97 against 185 µs a signature here, CSodium's header). Both implement RFC 8032's pure
/// Ed25519; libsodium is the stricter of the two (it also refuses small-order keys and non-canonical encodings, which
/// no honest signer produces), so nothing libcrypto refused is accepted.
struct Ed25519PublicKey {
  let bytes: Data

  init(_ bytes: Data) throws {
    guard bytes.count == Ed25519Key.publicKeySize else { throw SigningError.malformedPublicKey(reason: "not 32 bytes") }
    guard Self.sodiumReady else {
      throw SigningError.cryptoFailure(operation: "start libsodium", detail: "sodium_init() failed")
    }
    self.bytes = bytes
  }

  /// libsodium picks its implementations for this processor once; safe to call from several threads.
  private static let sodiumReady = sodium_init() >= 0

  /// Whether `signature` is this key's signature of `message`. A wrong signature is an answer, not an error.
  func verify(_ signature: Data, of message: Data) -> Bool {
    guard signature.count == Ed25519Key.signatureSize else { return false }
    return signature.withUnsafeBytes { signature in
      bytes.withUnsafeBytes { key in
        withBytes(of: message) { base, length in
          crypto_sign_ed25519_verify_detached(
            signature.bindMemory(to: UInt8.self).baseAddress!, base, UInt64(length),
            key.bindMemory(to: UInt8.self).baseAddress!) == 0
        }
      }
    }
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
