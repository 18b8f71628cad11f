import Foundation
import Testing

@testable import PolicyAssembly

@Suite("Shared outline")
struct OutlineTests {
  @Test("A part heading is emitted once, before its first section; its sections move to level 2")
  func partsAndLevels() {
    let outline = Outline(Fixtures.document())
    let summary = outline.tocHeadings.map { "\($0.level) \($0.text)" }
    #expect(
      summary == [
        "1 Indledning", "1 Værdier og principper", "1 \(Fixtures.part)", "2 1. Beskæftigelsesområdet",
        "2 2. Kultur- og fritidsområdet", "1 Bilag: Proveniens", "1 Bilag: Sporbarhed til krav",
      ])
    #expect(
      outline.tocHeadings.map(\.anchor).prefix(5) == [
        "indledning", "vaerdier", "part-1", "beskaeftigelse", "kultur-fritid",
      ])
  }

  @Test("Anchors and bookmarks stay unique when section ids collide with each other or with fixed names")
  func uniqueAnchors() {
    var document = Fixtures.document()
    document.sections[1].id = "indledning"
    document.sections[2].id = "contents"
    let outline = Outline(document)
    let anchors = outline.tocHeadings.map(\.anchor)
    #expect(Set(anchors).count == anchors.count)
    #expect(!anchors.contains("contents"))
    #expect(Set(outline.tocHeadings.map(\.bookmark)).count == anchors.count)
  }

  @Test("Appendices are left out when there is nothing to list")
  func emptyAppendices() {
    var document = Fixtures.document()
    document.provenance = []
    document.traceability = []
    let outline = Outline(document)
    #expect(outline.provenance == nil && outline.traceability == nil)
  }

  @Test("A draft mark splits into verdict and explanation")
  func markSplitting() {
    #expect(splitMark("Ikke godkendt — KFF, revision 2").head == "Ikke godkendt")
    #expect(splitMark("Ikke godkendt — KFF, revision 2").rest == "KFF, revision 2")
    #expect(splitMark("Ikke godkendt").rest == nil)
  }
}
