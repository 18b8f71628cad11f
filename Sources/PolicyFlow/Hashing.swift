import Foundation

/// SHA-256 in lower-case hex: the content hash that sign-offs, links and the event chain bind to.
public func sha256Hex(_ data: Data) -> String {
  // Hex digits from a table: `String(format: "%02x")` per byte went through Foundation's formatter and cost
  // ~250,000 instructions a hash — 3.9 G of verify's 10.5 G at 1,000 sections, where every event's chain
  // hash and every revision's text is hashed.
  let digits = Array("0123456789abcdef".utf8)
  var hex = [UInt8]()
  hex.reserveCapacity(64)
  for byte in SHA256.hash(data: data) {
    hex.append(digits[Int(byte >> 4)])
    hex.append(digits[Int(byte & 0x0F)])
  }
  return String(decoding: hex, as: UTF8.self)
}

public func sha256Hex(_ string: String) -> String { sha256Hex(Data(string.utf8)) }
