import COpenSSL
import Foundation

/// SHA-256 and SHA-512 from OpenSSL's libcrypto: the content hashes policyflow binds sign-offs to, and the message
/// hash inside SSH signatures.
///
/// libcrypto is already in every policyflow process (libgit2 links it), is maintained and uses the processor's
/// SHA extensions, so there is no reason to carry a hash of our own.
public enum Digest {
  /// The 32-byte SHA-256 digest of `data`.
  public static func sha256<Bytes: ContiguousBytes>(_ data: Bytes) -> [UInt8] {
    data.withUnsafeBytes { sha256($0) }
  }

  /// Through libcrypto's low-level SHA-256 (see `pf_sha256` in COpenSSL's shim for why not EVP).
  static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var placeholder: UInt8 = 0
    return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
      let status = withUnsafePointer(to: &placeholder) { empty in
        pf_sha256(bytes.baseAddress ?? UnsafeRawPointer(empty), bytes.count, digest.baseAddress)
      }
      precondition(status == 1, "libcrypto could not compute SHA-256")
      count = 32
    }
  }

  /// The 64-byte SHA-512 digest of `data`.
  public static func sha512<Bytes: ContiguousBytes>(_ data: Bytes) -> [UInt8] {
    data.withUnsafeBytes { hash($0, with: Algorithms.sha512, size: 64) }
  }

  /// SHA-256 in lower-case hex, as `sha256sum` prints it.
  public static func sha256Hex(_ data: Data) -> String { hex(sha256(data)) }

  /// SHA-256 of the string's UTF-8 bytes, in lower-case hex.
  public static func sha256Hex(_ string: String) -> String {
    var string = string
    // Contiguous UTF-8 is what native strings already are; this hashes it in place instead of copying into Data.
    return string.withUTF8 { hex(sha256(UnsafeRawBufferPointer($0))) }
  }

  /// Lower-case hex from a table: `String(format: "%02x")` per byte goes through Foundation's formatter, which
  /// costs far more than the hash itself when every event of a long history is hashed.
  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex = [UInt8]()
    hex.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
  }

  private static func hash(_ bytes: UnsafeRawBufferPointer, with algorithm: OpaquePointer, size: Int) -> [UInt8] {
    var placeholder: UInt8 = 0
    return [UInt8](unsafeUninitializedCapacity: size) { digest, count in
      var written: UInt32 = 0
      // An empty buffer may have no base address; libcrypto wants a valid pointer even for zero bytes.
      let status = withUnsafePointer(to: &placeholder) { empty in
        EVP_Digest(bytes.baseAddress ?? UnsafeRawPointer(empty), bytes.count, digest.baseAddress, &written,
          algorithm, nil)
      }
      // Hashing in memory fails only when libcrypto itself is broken (no default provider); there is no input that
      // could cause it and no sensible way to go on, so this is a precondition, not a thrown error.
      precondition(status == 1 && Int(written) == size, "libcrypto could not compute a digest: \(OpenSSL.lastError())")
      count = size
    }
  }
}

/// Digest algorithms fetched from the default provider once per process. Fetching by name on every call
/// (what `EVP_sha256()` does implicitly in OpenSSL 3) costs a lock and a lookup per hash.
private enum Algorithms {
  // A fetched EVP_MD is immutable and reference-counted; OpenSSL documents it as safe to share between threads.
  nonisolated(unsafe) static let sha512: OpaquePointer = fetch("SHA512")

  private static func fetch(_ name: String) -> OpaquePointer {
    guard let algorithm = EVP_MD_fetch(nil, name, nil) else {
      preconditionFailure("libcrypto has no \(name) (is the default provider missing?): \(OpenSSL.lastError())")
    }
    return algorithm
  }
}

/// Helpers for libcrypto's error queue.
enum OpenSSL {
  /// The oldest queued libcrypto error as text, and an empty queue afterwards, so a stale error can never be
  /// reported for a later, unrelated failure.
  static func lastError() -> String {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return "no detail from libcrypto" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    return String(cString: buffer)
  }
}
