import Foundation
import Testing

@testable import PolicySigning

@Suite("Digests from libcrypto agree with coreutils")
struct DigestTests {
  @Test("SHA-256 and SHA-512 of inputs of many lengths match sha256sum and sha512sum")
  func matchCoreutils() throws {
    let bench = try KeyBench()
    var state: UInt64 = 0x5349_474E
    let lengths = [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000, 65_537]
    var files: [String] = []
    var ours256: [String] = []
    var ours512: [String] = []
    for length in lengths {
      let bytes = (0..<length).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
      }
      files.append(try bench.write("input-\(length)", Data(bytes)).path)
      ours256.append(Digest.sha256Hex(Data(bytes)))
      ours512.append(Digest.hex(Digest.sha512(bytes)))
    }
    let theirs256 = try bench.runProgram("sha256sum", files).stdout.split(separator: "\n").map { $0.prefix(64) }
    let theirs512 = try bench.runProgram("sha512sum", files).stdout.split(separator: "\n").map { $0.prefix(128) }
    #expect(ours256 == theirs256.map(String.init))
    #expect(ours512 == theirs512.map(String.init))
  }

  @Test("the string form hashes the UTF-8 bytes, including of bridged and non-ASCII strings")
  func strings() {
    #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    let danish = "Kommunens politik for åbne data — æ ø å"
    #expect(Digest.sha256Hex(danish) == Digest.sha256Hex(Data(danish.utf8)))
    let bridged = NSString(string: danish) as String
    #expect(Digest.sha256Hex(bridged) == Digest.sha256Hex(Data(danish.utf8)))
  }
}
