import Foundation
import PolicySigning

/// SHA-256 (FIPS 180-4) of a byte string: the content hash that sign-offs, requirement links, the event chain
/// and the definition cache bind to.
///
/// Computed by OpenSSL's libcrypto through PolicySigning: the maintained implementation that libgit2 already loads
/// and that signing needs anyway, instead of the hand-written rounds this file used to carry (kept then only to
/// avoid building BoringSSL through swift-crypto). The tests check it against the FIPS 180-4 examples and against
/// `sha256sum` on random inputs of every length around the block boundaries.
enum SHA256 {
  /// The 32-byte digest of `data`.
  static func hash<Bytes: ContiguousBytes>(data: Bytes) -> [UInt8] {
    PolicySigning.Digest.sha256(data)
  }

  static func hash(bytes: UnsafeRawBufferPointer) -> [UInt8] {
    PolicySigning.Digest.sha256(bytes)
  }
}
