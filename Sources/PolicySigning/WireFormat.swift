import Foundation

/// Reads the SSH wire encoding (RFC 4251 §5: big-endian `uint32`, length-prefixed `string`) that public keys,
/// private key files, SSHSIG blobs and the agent protocol all share.
///
/// Every read is bounds-checked and fails with the error `malformed` builds, so each format reports damage in its
/// own words ("the signature is damaged" rather than a generic parse error).
struct WireReader {
  private let bytes: [UInt8]
  private var offset = 0
  private let malformed: (String) -> SigningError

  init<Bytes: Sequence>(_ bytes: Bytes, malformed: @escaping (String) -> SigningError) where Bytes.Element == UInt8 {
    self.bytes = Array(bytes)
    self.malformed = malformed
  }

  var isAtEnd: Bool { offset == bytes.count }

  mutating func byte(_ what: String) throws -> UInt8 {
    guard offset < bytes.count else { throw malformed("\(what) is missing") }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func uint32(_ what: String) throws -> UInt32 {
    guard bytes.count - offset >= 4 else { throw malformed("\(what) is missing") }
    defer { offset += 4 }
    return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  mutating func string(_ what: String) throws -> Data {
    let count = Int(try uint32("the length of \(what)"))
    guard bytes.count - offset >= count else { throw malformed("\(what) is cut short") }
    defer { offset += count }
    return Data(bytes[offset..<offset + count])
  }

  /// A string field that must be UTF-8 text (algorithm names, namespaces, comments).
  mutating func text(_ what: String) throws -> String {
    let count = Int(try uint32("the length of \(what)"))
    guard bytes.count - offset >= count else { throw malformed("\(what) is cut short") }
    defer { offset += count }
    guard let text = String(validating: bytes[offset..<offset + count], as: UTF8.self) else {
      throw malformed("\(what) is not text")
    }
    return text
  }

  /// Exactly `count` raw bytes, as the fixed-size magic strings at the start of a format.
  mutating func raw(_ count: Int, _ what: String) throws -> Data {
    guard bytes.count - offset >= count else { throw malformed("\(what) is missing") }
    defer { offset += count }
    return Data(bytes[offset..<offset + count])
  }

  /// Fails when anything follows the last field: extra bytes would be signed or parsed by nobody, and a format that
  /// tolerates them lets two different encodings stand for the same thing.
  func expectEnd(_ what: String) throws {
    guard isAtEnd else { throw malformed("\(bytes.count - offset) unexpected bytes after \(what)") }
  }
}

/// Builds the SSH wire encoding; the writing half of `WireReader`.
struct WireWriter {
  private(set) var data = Data()

  mutating func byte(_ value: UInt8) { data.append(value) }

  mutating func uint32(_ value: UInt32) {
    data.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) })
  }

  mutating func string<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    uint32(UInt32(bytes.count))
    data.append(contentsOf: bytes)
  }

  mutating func string(_ text: String) { string(Array(text.utf8)) }

  mutating func raw<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { data.append(contentsOf: bytes) }
}

/// Base64 as OpenSSH writes it inside armour: plain RFC 4648 with padding, wrapped at `width` columns.
enum Armor {
  static func wrap(_ data: Data, width: Int) -> [String] {
    let encoded = Array(data.base64EncodedString().utf8)
    return stride(from: 0, to: encoded.count, by: width).map {
      String(decoding: encoded[$0..<min($0 + width, encoded.count)], as: UTF8.self)
    }
  }

  /// The bytes between `begin` and `end` marker lines, or nil when the markers are missing or the base64 is bad.
  /// Whitespace around lines (CRLF line ends, indentation as git's header continuation adds) is ignored.
  ///
  /// Works on the UTF-8 bytes, by index: splitting and trimming with Foundation's character sets cost 70 µs a
  /// signature, and trimming through the standard library's lazy `drop(while:)`/`reversed()` views made the runtime
  /// instantiate their generic types in every process that reads a key or a signature (1.2 M instructions, callgrind).
  static func unwrap(_ text: String, begin: String, end: String) -> Data? {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    let bytes = Array(text.utf8)
    var lines: [Range<Int>] = []
    var start = 0
    for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
      var low = start
      var high = index
      while low < high, isSpace(bytes[low]) { low += 1 }
      while high > low, isSpace(bytes[high - 1]) { high -= 1 }
      if low < high { lines.append(low..<high) }
      start = index + 1
    }
    guard lines.count >= 2, bytes[lines.first!].elementsEqual(begin.utf8), bytes[lines.last!].elementsEqual(end.utf8)
    else { return nil }
    var base64 = Data(capacity: bytes.count)
    for line in lines.dropFirst().dropLast() { base64.append(contentsOf: bytes[line]) }
    return Data(base64Encoded: base64)
  }
}
