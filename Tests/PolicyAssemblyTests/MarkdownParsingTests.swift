import Foundation
import Testing

@testable import PolicyAssembly

@Suite("cmark-gfm parsing into the section tree")
struct MarkdownParsingTests {
  @Test("A body parses into headings, lists, quotes, tables and inline styles")
  func parsesStructure() throws {
    let blocks = try CommonMark.parse(Fixtures.indledning + "\n" + Fixtures.beskaeftigelse, sectionID: "x")
    #expect(blocks.headingTexts == ["Baggrund", "Principper", "Mål for 2026", "Indsatser"])
    #expect(blocks.contains { if case .blockQuote = $0 { return true } else { return false } })
    let list = try #require(
      blocks.compactMap { block -> [[MarkdownBlock]]? in
        if case .list(false, _, true, let items) = block { return items } else { return nil }
      }.first)
    #expect(list.count == 3)
    guard case .list(false, _, _, let nested)? = list[1].last else {
      Issue.record("nested list missing: \(list[1])")
      return
    }
    #expect(nested.count == 2)
    let table = try #require(
      blocks.compactMap { block -> MarkdownTable? in if case .table(let t) = block { return t } else { return nil } }
        .first)
    #expect(table.alignments == [.left, .right, .center])
    #expect(table.header.map(\.plainText) == ["Indikator", "Udgangspunkt", "Mål"])
    #expect(
      table.rows.map { $0.map(\.plainText) } == [
        ["Beskæftigelsesfrekvens", "58 %", "65 %"], ["Ledighed blandt unge", "12 %", "8 %"],
      ])
    guard case .paragraph(let inlines)? = blocks.first else {
      Issue.record("first block is not a paragraph")
      return
    }
    #expect(inlines.contains(.strong([.text("alle")])))
  }

  @Test("Strikethrough, code, links, autolinks and hard breaks are recognised")
  func inlineExtensions() throws {
    let blocks = try CommonMark.parse("~~ud~~ `k` [l](https://a.dk \"t\") www.kk.dk x\\\ny", sectionID: "x")
    guard case .paragraph(let inlines)? = blocks.first else {
      Issue.record("no paragraph")
      return
    }
    #expect(inlines.contains(.strikethrough([.text("ud")])))
    #expect(inlines.contains(.code("k")))
    #expect(inlines.contains(.link(url: "https://a.dk", title: "t", [.text("l")])))
    #expect(inlines.contains(.link(url: "http://www.kk.dk", title: "", [.text("www.kk.dk")])))
    #expect(inlines.contains(.lineBreak))
  }

  @Test("Raw HTML stays in the tree as html nodes, to be escaped by the renderers")
  func rawHTMLIsKept() throws {
    let blocks = try CommonMark.parse("<div onclick=x>\n\nhej <b>du</b>", sectionID: "x")
    #expect(blocks.first == .htmlBlock("<div onclick=x>\n"))
    #expect(blocks.last == .paragraph([.text("hej "), .html("<b>"), .text("du"), .html("</b>")]))
  }

  @Test("Body headings shift below the section heading and stay within 1…6")
  func headingShift() throws {
    #expect(CommonMark.shiftedLevel(2, topLevel: 2) == 2)
    #expect(CommonMark.shiftedLevel(2, topLevel: 3) == 3)
    #expect(CommonMark.shiftedLevel(4, topLevel: 3) == 5)
    #expect(CommonMark.shiftedLevel(1, topLevel: 3) == 3)
    #expect(CommonMark.shiftedLevel(6, topLevel: 3) == 6)
    let shifted = try CommonMark.shiftedCommonMark("## A\n\ntekst\n\n### B\n", sectionID: "x", topLevel: 3)
    #expect(shifted.text == "### A\n\ntekst\n\n#### B\n")
  }

  @Test("Parsing on many threads at once keeps the GFM extensions working")
  func concurrentParsing() async throws {
    let source = "| a | b |\n|---|---|\n| ~~x~~ | y |\n"
    let results = try await withThrowingTaskGroup(of: [MarkdownBlock].self) { group in
      for _ in 0..<64 { group.addTask { try CommonMark.parse(source, sectionID: "x") } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    let expected = try CommonMark.parse(source, sectionID: "x")
    guard case .table(let table)? = expected.first else {
      Issue.record("no table parsed")
      return
    }
    #expect(table.rows == [[[.strikethrough([.text("x")])], [.text("y")]]])
    #expect(results.allSatisfy { $0 == expected })
  }

  @Test("Absurdly deep nesting is flattened, keeps its text and renders in every format")
  func deepNesting() throws {
    var document = Fixtures.document()
    document.sections[0].markdown =
      String(repeating: ">", count: 3000) + " dybt citat\n\n" + String(repeating: "- ", count: 1500) + "dyb liste\n\n"
      + String(repeating: "*a **b ", count: 400) + "midt" + String(repeating: "** a*", count: 400) + "\n"
    func depth(_ blocks: [MarkdownBlock]) -> Int {
      blocks.map { block in
        switch block {
        case .blockQuote(let children): return 1 + depth(children)
        case .list(_, _, _, let items): return 1 + (items.map(depth).max() ?? 0)
        default: return 0
        }
      }.max() ?? 0
    }
    let blocks = try CommonMark.parse(document.sections[0].markdown, sectionID: "x")
    #expect(depth(blocks) <= TreeBuilder.maxDepth)
    for format in OutputFormat.allCases {
      let text = String(decoding: try Assembler().render(document, as: format), as: UTF8.self)
      if format != .docx { #expect(text.contains("dybt citat") && text.contains("dyb liste") && text.contains("midt")) }
    }
  }
}
