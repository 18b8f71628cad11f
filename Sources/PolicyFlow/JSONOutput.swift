/// JSON text exactly as `JSONEncoder` writes it with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`
/// (the CLI's `--json` format), for the one output that is large: `status --json`.
///
/// Why: at 1,000 sections JSONEncoder spent 130 million instructions on the status list — a quarter of the
/// whole command — in keyed containers and dynamic casts. Writing the text directly costs a few percent of
/// that. The tests compare this writer byte for byte with JSONEncoder, strings with every escape included, so
/// the two cannot drift apart.
public enum JSONOutput {
  public indirect enum Value: Sendable {
    case string(String)
    case int(Int)
    case null
    case array([Value])
    /// Members in any order; they are written sorted by key, as `.sortedKeys` does.
    case object([(String, Value)])
  }

  /// The pretty-printed text, without a trailing newline (as JSONEncoder).
  public static func render(_ value: Value) -> String { String(decoding: bytes(value), as: UTF8.self) }

  /// The same text as UTF-8 bytes, for writing straight to standard output (turning half a megabyte into a String
  /// validates every byte once more).
  public static func bytes(_ value: Value) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(4096)
    write(value, indent: 0, into: &out)
    return out
  }

  private static func write(_ value: Value, indent: Int, into out: inout [UInt8]) {
    switch value {
    case .string(let text): writeString(text, into: &out)
    case .int(let number): out.append(contentsOf: String(number).utf8)
    case .null: out.append(contentsOf: "null".utf8)
    case .array(let elements):
      out.append(UInt8(ascii: "["))
      out.append(UInt8(ascii: "\n"))
      // JSONEncoder writes an empty array as "[", an empty line, and "]" at the array's indentation.
      for (index, element) in elements.enumerated() {
        pad(indent + 2, into: &out)
        write(element, indent: indent + 2, into: &out)
        if index < elements.count - 1 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\n"))
      }
      if elements.isEmpty { out.append(UInt8(ascii: "\n")) }
      pad(indent, into: &out)
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      out.append(UInt8(ascii: "{"))
      out.append(UInt8(ascii: "\n"))
      func precedes(_ a: (String, Value), _ b: (String, Value)) -> Bool { a.0.utf8.lexicographicallyPrecedes(b.0.utf8) }
      // Callers mostly list members in order already; checking is cheaper than sorting.
      let inOrder = zip(members, members.dropFirst()).allSatisfy { !precedes($1, $0) }
      let sorted = inOrder ? members : members.sorted(by: precedes)
      for (index, member) in sorted.enumerated() {
        pad(indent + 2, into: &out)
        writeString(member.0, into: &out)
        out.append(contentsOf: " : ".utf8)
        write(member.1, indent: indent + 2, into: &out)
        if index < sorted.count - 1 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\n"))
      }
      if members.isEmpty { out.append(UInt8(ascii: "\n")) }
      pad(indent, into: &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func pad(_ count: Int, into out: inout [UInt8]) {
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  @inline(__always)
  private static func needsEscape(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
  }

  /// Quotes and escapes as JSONEncoder: `"` and `\`, the named control escapes, other controls as `\u00xx`;
  /// `/` and everything from U+007F on as it is.
  private static func writeString(_ text: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings need no escape: copy them whole, from their contiguous UTF-8 where the string has it (a native
    // string always does): the generic path through `String.UTF8View` cost ≈ 30 instructions a byte, a third of
    // writing `status --json` at 1,000 sections.
    let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
      guard !bytes.contains(where: needsEscape) else { return false }
      out.append(contentsOf: bytes)
      return true
    }
    if copied == true {
      out.append(UInt8(ascii: "\""))
      return
    }
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
      case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
      case 0x08: out.append(contentsOf: "\\b".utf8)
      case 0x0C: out.append(contentsOf: "\\f".utf8)
      case 0x0A: out.append(contentsOf: "\\n".utf8)
      case 0x0D: out.append(contentsOf: "\\r".utf8)
      case 0x09: out.append(contentsOf: "\\t".utf8)
      case 0x00..<0x20:
        out.append(contentsOf: "\\u00".utf8)
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0F)])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

extension SectionStatus {
  /// The same members JSONEncoder writes from the Codable conformance: nil optionals are left out.
  public var jsonValue: JSONOutput.Value {
    func count(_ count: Count) -> JSONOutput.Value {
      .object([("have", .int(count.have)), ("needed", .int(count.needed))])
    }
    // In key order already (render sorts what is not).
    var members: [(String, JSONOutput.Value)] = []
    members.reserveCapacity(14)
    if let approvedRevision { members.append(("approvedRevision", .int(approvedRevision))) }
    members += [
      ("blockers", .array(blockers.map { .string($0) })), ("committees", .array(committees.map { .string($0) })),
      ("id", .string(id)), ("kind", .string(kind)), ("latestRevision", .int(latestRevision)),
    ]
    if let number { members.append(("number", .int(number))) }
    members += [
      ("openComments", .int(openComments)), ("owners", .array(owners.map { .string($0) })),
      ("requirements", count(requirements)), ("signoffs", count(signoffs)), ("state", .string(state)),
      ("stateLabel", .string(stateLabel)), ("title", .string(title)),
    ]
    return .object(members)
  }
}
