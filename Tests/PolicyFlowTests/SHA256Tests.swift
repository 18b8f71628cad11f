import Foundation
import Testing

@testable import PolicyFlow

/// The hash that sign-offs, links and the event chain bind to must be SHA-256 exactly: a digest that differs
/// from everybody else's would make every stored hash unverifiable by an outside tool.
@Suite("SHA-256 agrees with FIPS 180-4 and with sha256sum")
struct SHA256Tests {
  /// The examples of FIPS 180-4 (and NIST's one-million-"a" vector).
  @Test(
    "FIPS 180-4 examples",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
      (
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
      ),
      (
        String(repeating: "a", count: 1_000_000),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
      ),
    ])
  func fipsExamples(message: String, digest: String) {
    #expect(sha256Hex(message) == digest)
  }

  /// Every length from 0 to 200 bytes (all padding cases: the length field in the same block, in a block of its
  /// own, exact multiples of 64) plus a few long inputs, with bytes of every value, against coreutils.
  @Test("random inputs of every length around the block boundaries match sha256sum")
  func matchesSha256sum() throws {
    var generator = SplitMix(seed: 0x5048_4132_3536)
    let lengths = Array(0...200) + [511, 512, 513, 4095, 65_536, 100_003]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pf-sha-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var files: [URL] = []
    var ours: [String] = []
    for length in lengths {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      let file = directory.appendingPathComponent("input-\(length)")
      try Data(bytes).write(to: file)
      files.append(file)
      ours.append(sha256Hex(Data(bytes)))
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum"] + files.map(\.path)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let theirs = output.split(separator: "\n").map { String($0.prefix(64)) }
    #expect(theirs.count == lengths.count)
    for (index, length) in lengths.enumerated() where index < theirs.count {
      #expect(ours[index] == theirs[index], "length \(length)")
    }
  }

  @Test("a slice hashes like the same bytes on their own")
  func slices() {
    let bytes = Array("0123456789".utf8) + Array("abc".utf8)
    #expect(SHA256.hash(data: bytes[10...]) == SHA256.hash(data: Array("abc".utf8)))
  }
}
