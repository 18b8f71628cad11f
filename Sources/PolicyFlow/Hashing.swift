import Foundation
import PolicySigning

/// SHA-256 in lower-case hex: the content hash that sign-offs, links and the event chain bind to.
public func sha256Hex(_ data: Data) -> String { Digest.sha256Hex(data) }

public func sha256Hex(_ string: String) -> String { Digest.sha256Hex(string) }
