import Clibgit2
import Foundation

/// A SHA-1 object name. Kept as canonical lowercase hex rather than raw bytes because that is how ids travel
/// through the rest of policyflow (YAML, SQLite, log lines) and how `git` prints them, so equality is textual.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible, Codable {
  public let hex: String

  /// Accepts exactly 40 hex digits in either case; abbreviated ids are rejected because they are ambiguous by
  /// nature and policyflow never needs to resolve one.
  public init?(hex: String) {
    let utf8 = hex.utf8
    guard utf8.count == Int(GIT_OID_HEXSZ), utf8.allSatisfy(Self.isHexDigit) else { return nil }
    self.hex = hex.lowercased()
  }

  init(_ oid: git_oid) {
    var oid = oid
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(Int(GIT_OID_HEXSZ))
    withUnsafeBytes(of: &oid.id) { raw in
      for byte in raw {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
      }
    }
    self.hex = String(decoding: text, as: UTF8.self)
  }

  init(_ pointer: UnsafePointer<git_oid>) {
    self.init(pointer.pointee)
  }

  /// The libgit2 form; `hex` was validated on construction, so parsing cannot fail.
  var oid: git_oid {
    var oid = git_oid()
    _ = git_oid_fromstr(&oid, hex)
    return oid
  }

  public var description: String { hex }

  /// Encoded as a bare string so stored ids read like the ones `git` prints.
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let id = ObjectID(hex: text) else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 40-digit object id: \(text)")
    }
    self = id
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(hex)
  }

  private static func isHexDigit(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
      UInt8(ascii: "A")...UInt8(ascii: "F"):
      return true
    default:
      return false
    }
  }
}
