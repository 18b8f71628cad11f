import Foundation
import Testing

@testable import PolicySigning

/// Verification runs on libsodium while signing runs on libcrypto: both must agree with RFC 8032 and with each other.
@Suite("Ed25519 verification (libsodium) agrees with RFC 8032 and with the signing side (libcrypto)")
struct Ed25519VerificationTests {
  private static func bytes(_ hex: String) -> Data {
    var data = Data()
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      data.append(UInt8(hex[index..<next], radix: 16)!)
      index = next
    }
    return data
  }

  /// RFC 8032, section 7.1, TEST 1 (empty message), TEST 2 (one byte) and TEST 3 (two bytes).
  static let vectors: [(publicKey: String, message: String, signature: String)] = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
  ]

  @Test("RFC 8032's test vectors verify; a changed message, signature or key does not")
  func rfcVectors() throws {
    for vector in Self.vectors {
      let key = try Ed25519PublicKey(Self.bytes(vector.publicKey))
      let message = Self.bytes(vector.message)
      let signature = Self.bytes(vector.signature)
      #expect(key.verify(signature, of: message))
      #expect(!key.verify(signature, of: message + Data([0])))
      var flipped = signature
      flipped[flipped.startIndex + 10] ^= 0x01
      #expect(!key.verify(flipped, of: message))
      #expect(!key.verify(signature.prefix(63), of: message))
    }
    let other = try Ed25519PublicKey(Self.bytes(Self.vectors[1].publicKey))
    #expect(!other.verify(Self.bytes(Self.vectors[0].signature), of: Data()))
    #expect(throws: SigningError.self) { try Ed25519PublicKey(Data(repeating: 1, count: 31)) }
  }

  @Test("what libcrypto signs, libsodium verifies, for every sample message")
  func signedByLibcryptoVerifiedByLibsodium() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    for message in sampleMessages {
      let armored = try SSHSignature.sign(message: message, namespace: "git", with: key)
      #expect(try SSHSignature.verify(armored: armored, message: message, namespace: "git") == key.publicKey)
      #expect(throws: SigningError.self) {
        try SSHSignature.verify(armored: armored, message: message + Data("x".utf8), namespace: "git")
      }
    }
  }
}
