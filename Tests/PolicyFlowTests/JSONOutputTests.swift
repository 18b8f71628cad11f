import Foundation
import Testing

@testable import PolicyFlow

/// `status --json` is written by JSONOutput instead of JSONEncoder; the bytes must not change.
@Suite("JSONOutput writes what JSONEncoder writes")
struct JSONOutputTests {
  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  /// Every byte value below 0x80 and some beyond, in the places strings occur.
  static let awkward = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "/\\\"æøå ØKF \u{2028}\u{7F}😀"

  static let statuses: [SectionStatus] = [
    SectionStatus(
      id: "forord", title: "Forord", kind: "common", number: nil, owners: ["BIF"], committees: ["BIU"],
      state: "draft", stateLabel: "Kladde", latestRevision: 0, approvedRevision: nil,
      signoffs: .init(have: 0, needed: 3), openComments: 0, requirements: .init(have: 0, needed: 0), blockers: []),
    SectionStatus(
      id: "kultur-og-fritid", title: awkward, kind: "area", number: 7, owners: ["KFF", "ØKF"], committees: [],
      state: "committee_review", stateLabel: "I udvalgsbehandling", latestRevision: 12, approvedRevision: 11,
      signoffs: .init(have: 2, needed: 3), openComments: 4, requirements: .init(have: -1, needed: 21),
      blockers: ["needs 1 more sign-off from the chair of Kultur- og Fritidsudvalget", awkward, ""]),
  ]

  @Test("status lists, empty and full, byte for byte")
  func statusLists() throws {
    for list in [[], Self.statuses, [Self.statuses[1]]] {
      let expected = String(decoding: try Self.encoder().encode(list), as: UTF8.self)
      #expect(JSONOutput.render(.array(list.map(\.jsonValue))) == expected)
    }
  }

  @Test("objects sort their keys as .sortedKeys does; empty objects and arrays; null")
  func valueTrees() throws {
    struct Shape: Encodable {
      let Zeta = 1
      let alpha = [String: Int]()
      let b: [Int] = []
      let c: String? = nil
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Zeta, forKey: .Zeta)
        try container.encode(alpha, forKey: .alpha)
        try container.encode(b, forKey: .b)
        try container.encodeNil(forKey: .c)
      }
      enum Key: String, CodingKey { case Zeta, alpha, b, c }
    }
    let expected = String(decoding: try Self.encoder().encode([Shape()]), as: UTF8.self)
    let value = JSONOutput.Value.array([
      .object([("c", .null), ("b", .array([])), ("alpha", .object([])), ("Zeta", .int(1))])
    ])
    #expect(JSONOutput.render(value) == expected)
  }

  @Test("integers as JSONEncoder writes them: zero, negative, the extremes", arguments: [0, 7, 10, -1, -40, 1_000, Int.max, Int.min])
  func integers(_ number: Int) throws {
    let expected = String(decoding: try Self.encoder().encode([number]), as: UTF8.self)
    #expect(JSONOutput.render(.array([.int(number)])) == expected)
  }
}
