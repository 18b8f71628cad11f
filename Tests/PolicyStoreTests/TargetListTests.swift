import Foundation
import Testing

@testable import PolicyStore

/// `targetList` splits the JSON list without JSONDecoder when it safely can; it must always agree with it.
@Suite("requirement target lists")
struct TargetListTests {
  static let lists: [[String]] = [
    [], ["forord"], ["by-og-bolig", "kultur-og-fritid"], ["a,b", "c"], ["with \"quotes\"", "x"], ["back\\slash"],
    ["å-ø-æ", "emoji 🙂"], ["a/b"], [","], ["", ""], ["tab\there", "line\nbreak"],
  ]

  @Test("agrees with JSONDecoder on what JSONEncoder wrote", arguments: lists)
  func agreesWithJSONDecoder(_ targets: [String]) throws {
    let record = RequirementRecord(
      id: "R-1", kind: "workshop", source: "s", theme: nil, text: "t", textHash: "h", targets: targets, file: "f",
      position: 0)
    #expect(record.targetList == targets)
    let decoded = try JSONDecoder().decode([String].self, from: Data(record.targets.utf8))
    #expect(record.targetList == decoded)
  }

  @Test("leaves anything but a plain list to JSONDecoder")
  func fallsBack() {
    #expect(RequirementRecord.plainStringList(#"["a", "b"]"#) == nil)
    #expect(RequirementRecord.plainStringList(#"["a\"b"]"#) == nil)
    #expect(RequirementRecord.plainStringList(#"["a,b"]"#) == ["a,b"], "a comma inside quotes belongs to the value")
    #expect(RequirementRecord.plainStringList(#"["a",]"#) == nil)
    #expect(RequirementRecord.plainStringList(#"[""]"#) == [""])
    #expect(RequirementRecord.plainStringList(#"["a","b,"c"]"#) == nil)
    #expect(RequirementRecord.plainStringList("not json") == nil)
    #expect(RequirementRecord.plainStringList("[]") == [])
  }
}
