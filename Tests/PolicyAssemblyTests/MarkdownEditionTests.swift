import Foundation
import Testing

@testable import PolicyAssembly

@Suite("Markdown edition")
struct MarkdownEditionTests {
  let output: String

  init() throws {
    output = String(decoding: try Assembler().render(Fixtures.document(), as: .markdown), as: UTF8.self)
  }

  @Test("pandoc reads the headings back at the shifted levels, in order")
  func headingsReadBack() throws {
    let headings = try External.pandocHeadings(Data(output.utf8), from: "gfm").map(\.heading)
    #expect(headings == Fixtures.fullOutline)
  }

  @Test("Every contents link points at a heading id that pandoc (GitHub rules) generates")
  func contentsLinksResolve() throws {
    let ids = Set(try External.pandocHeadings(Data(output.utf8), from: "gfm").map(\.id))
    let contents = try #require(
      output.components(separatedBy: "## Indhold").last?.components(separatedBy: "\n# ").first)
    let targets = contents.components(separatedBy: "](#").dropFirst().map { String($0.prefix { $0 != ")" }) }
    #expect(targets.count == 7)
    for target in targets { #expect(ids.contains(target), "no heading with id \(target)") }
  }

  @Test("Title page, marks, placeholder, body text and appendices read back as the same text")
  func textReadsBack() throws {
    let plain = try External.pandoc(Data(output.utf8), from: "gfm", to: "plain")
    for text in [
      "UDKAST", "Periode: 2023-2026", "Dato: 27. november 2026",
      "Ikke godkendt — Kultur- og Fritidsforvaltningen, revision 2 er i udvalgsbehandling",
      "Endnu ikke skrevet: Beskriv områdets udfordringer, visioner og konkrete mål for perioden.",
      "Politikken bygger på dialog med borgere, foreninger og forvaltninger. Se kk.dk.",
      "Brug kode sparsomt og ~~overstreget~~ tekst slet ikke.", "9f2c4e1ab07d5e3c8b6a1f0e2d4c6b8a",
      "Søren Ørsted, Åse Lærke", "K-1 Politikken skal sætte mål for beskæftigelse.",
    ] {
      #expect(plain.contains(text), "missing: \(text)")
    }
    #expect(output.contains("> **Ikke godkendt** — Kultur- og Fritidsforvaltningen"))
  }

  @Test("Appendix tables are GFM tables and a | in a cell stays inside its cell")
  func tablesEscapePipes() throws {
    var document = Fixtures.document()
    document.provenance[0].sectionTitle = "Mål | midler *fed*"
    let markdown = try Assembler().render(document, as: .markdown)
    let html = try External.pandoc(markdown, from: "gfm", to: "html")
    #expect(html.contains("<td>Mål | midler *fed*</td>"))
    #expect(html.contains("<th>Indholdshash</th>"))
  }

  @Test("Titles with Markdown syntax come back as literal text")
  func titlesAreLiteral() throws {
    var document = Fixtures.document()
    document.sections[0].title = "Mål *nu* [a](b) <i> #"
    let markdown = try Assembler().render(document, as: .markdown)
    let headings = try External.pandocHeadings(markdown, from: "gfm").map(\.heading)
    #expect(headings.contains(External.Heading(level: 1, text: "Mål *nu* [a](b) <i> #")))
  }
}
