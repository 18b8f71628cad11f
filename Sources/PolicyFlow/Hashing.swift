import Crypto
import Foundation

/// SHA-256 in lower-case hex: the content hash that sign-offs, links and the event chain bind to.
public func sha256Hex(_ data: Data) -> String {
  SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

public func sha256Hex(_ string: String) -> String { sha256Hex(Data(string.utf8)) }
