import Foundation
import PolicySigning

/// SHA-256 in lower-case hex: the content hash that sign-offs, links and the event chain bind to. Qualified with
/// the module so that a PolicyFlow type named `Digest` could never capture the call.
public func sha256Hex(_ data: Data) -> String { PolicySigning.Digest.sha256Hex(data) }

public func sha256Hex(_ string: String) -> String { PolicySigning.Digest.sha256Hex(string) }
