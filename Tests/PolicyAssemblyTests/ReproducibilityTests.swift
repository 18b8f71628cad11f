import Foundation
import Testing

@testable import PolicyAssembly

@Suite("Reproducible output")
struct ReproducibilityTests {
  @Test("Rendering the same document twice gives identical bytes", arguments: OutputFormat.allCases)
  func identicalBytes(format: OutputFormat) throws {
    let first = try Assembler().render(Fixtures.document(), as: format)
    let second = try Assembler().render(Fixtures.document(), as: format)
    #expect(!first.isEmpty)
    #expect(first == second)
  }

  @Test("Changing one word changes the bytes", arguments: OutputFormat.allCases)
  func oneWordChanges(format: OutputFormat) throws {
    var changed = Fixtures.document()
    changed.sections[2].markdown = changed.sections[2].markdown.replacingOccurrences(
      of: "mentorordninger", with: "praktik")
    #expect(try Assembler().render(Fixtures.document(), as: format) != Assembler().render(changed, as: format))
  }

  @Test("Every ZIP entry carries the fixed 1980-01-01 00:00 timestamp")
  func fixedZipTimestamps() throws {
    let data = try Assembler().render(Fixtures.document(), as: .docx)
    var offset = 0
    var entries = 0
    func uint16(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 }
    func uint32(_ at: Int) -> Int { uint16(at) | uint16(at + 2) << 16 }
    // Walk the local file headers: signature, then time at +10 and date at +12 (MS-DOS format).
    while offset + 30 <= data.count, uint32(offset) == 0x0403_4b50 {
      #expect(uint16(offset + 10) == 0, "time of entry \(entries)")
      #expect(uint16(offset + 12) == (1 << 5) | 1, "date of entry \(entries)")
      #expect(uint16(offset + 8) == 8, "entry \(entries) is deflated")
      offset += 30 + uint16(offset + 26) + uint16(offset + 28) + uint32(offset + 18)
      entries += 1
    }
    #expect(entries == 11)
  }

  @Test("An empty document still renders in every format", arguments: OutputFormat.allCases)
  func emptyDocument(format: OutputFormat) throws {
    let document = PolicyDocument(
      title: "Tom", period: "2023-2026", status: "Udkast", date: "1. januar 2026", isDraft: false, sections: [])
    let data = try Assembler().render(document, as: format)
    let reader = ["md": "gfm", "html": "html", "docx": "docx"][format.rawValue]!
    #expect(try External.pandoc(data, from: reader, to: "plain").contains(format == .docx ? "Indhold" : "Tom"))
  }
}
