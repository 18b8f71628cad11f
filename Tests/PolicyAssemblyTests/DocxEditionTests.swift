import Foundation
import Testing

@testable import PolicyAssembly

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite("Word edition")
struct DocxEditionTests {
  let docx: Data

  init() throws {
    docx = try Assembler().render(Fixtures.document(), as: .docx)
  }

  @Test("The package has every part Word needs, in a fixed order")
  func packageParts() throws {
    #expect(
      try External.zipEntries(docx) == [
        "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "word/document.xml",
        "word/_rels/document.xml.rels", "word/styles.xml", "word/numbering.xml", "word/settings.xml",
        "word/footer1.xml", "word/header1.xml",
      ])
    let contentTypes = try External.zipPart(docx, "[Content_Types].xml")
    let mainType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    #expect(contentTypes.contains("PartName=\"/word/document.xml\" ContentType=\"\(mainType)\""))
    #expect(
      try External.zipPart(docx, "docProps/core.xml").contains(
        "<dc:title>Københavns Kommunes Integrations- og medborgerskabspolitik</dc:title>"))
  }

  @Test("Every XML part is well-formed")
  func wellFormed() throws {
    var document = Fixtures.hostileDocument()
    document.sections[1].markdown += "\n\nKontrol\u{1}tegn og \u{FFFE} og tab\there."
    let hostile = try Assembler().render(document, as: .docx)
    for part in try External.zipEntries(hostile) {
      let xml = try External.zipPart(hostile, part)
      let parser = XMLParser(data: Data(xml.utf8))
      #expect(parser.parse(), "\(part) is not well-formed: \(String(describing: parser.parserError))")
    }
    let body = try External.zipPart(hostile, "word/document.xml")
    #expect(body.contains("Kontroltegn og  og tab</w:t><w:tab/>"))
    #expect(!body.contains("<script"))
    #expect(!body.contains("javascript:"))
    let relationships = try External.zipPart(hostile, "word/_rels/document.xml.rels")
    #expect(!relationships.lowercased().contains("javascript"))
    #expect(relationships.contains("Target=\"https://kk.dk/a%20b\" TargetMode=\"External\""))
  }

  @Test("pandoc reads headings, paragraphs, lists and tables in document order")
  func pandocReadsStructure() throws {
    let headings = try External.pandocHeadings(docx, from: "docx").map(\.heading)
    #expect(headings == Fixtures.bodyOutline)

    let markdown = try External.pandoc(docx, from: "docx", to: "gfm")
    let ordered = [
      "UDKAST", "Københavns Kommunes Integrations- og medborgerskabspolitik", "**Periode:** 2023-2026", "Indhold",
      "# Indledning", "Københavns Kommune vil være en by, hvor **alle** borgere", "## Baggrund",
      "[kk.dk](https://www.kk.dk/politik)", "> Mangfoldighed er en styrke", "-   Ligeværd og åbenhed",
      "    -   i skolen", "1.  Første skridt", "3.  Tredje skridt", "`kode`", "~~overstreget~~",
      "## 1. Beskæftigelsesområdet", "| Beskæftigelsesfrekvens | 58 %", "#### Indsatser",
      "**Ikke godkendt** — Kultur- og Fritidsforvaltningen", "**Endnu ikke skrevet:** Beskriv områdets",
      "# Bilag: Proveniens", "`9f2c4e1ab07d5e3c8b6a1f0e2d4c6b8a`", "| **K-1** Politikken skal sætte mål",
    ]
    var position = markdown.startIndex
    for text in ordered {
      guard let range = markdown.range(of: text, range: position..<markdown.endIndex) else {
        Issue.record("'\(text)' missing or out of order in:\n\(markdown)")
        return
      }
      position = range.upperBound
    }
  }

  @Test("styles.xml defines Word's built-in styles with outline levels and Danish as default language")
  func styles() throws {
    let styles = try External.zipPart(docx, "word/styles.xml")
    #expect(styles.contains("<w:rPrDefault><w:rPr>"))
    #expect(styles.contains("<w:lang w:val=\"da-DK\""))
    for level in 1...4 {
      let pattern = "w:styleId=\"Heading\(level)\"><w:name w:val=\"heading \(level)\"/>"
      let style = try #require(styles.components(separatedBy: pattern).dropFirst().first, "Heading\(level) missing")
      let definition = try #require(style.components(separatedBy: "</w:style>").first)
      #expect(definition.contains("<w:outlineLvl w:val=\"\(level - 1)\"/>"))
    }
    for (id, name) in [
      ("Title", "Title"), ("ListParagraph", "List Paragraph"), ("TableGrid", "Table Grid"), ("Quote", "Quote"),
      ("TOC1", "toc 1"), ("Hyperlink", "Hyperlink"),
    ] {
      #expect(styles.contains("w:styleId=\"\(id)\"><w:name w:val=\"\(name)\"/>"), "\(id)")
    }
    #expect(try External.zipPart(docx, "word/settings.xml").contains("<w:themeFontLang w:val=\"da-DK\"/>"))
  }

  @Test("document.xml uses Heading styles, a TOC field with placeholder entries, lists and tables")
  func documentStructure() throws {
    let body = try External.zipPart(docx, "word/document.xml")
    #expect(body.contains("<w:pPr><w:pStyle w:val=\"Title\"/></w:pPr>"))
    #expect(body.occurrences(of: "<w:pStyle w:val=\"Heading1\"/>") == 5)
    #expect(body.occurrences(of: "<w:pStyle w:val=\"Heading2\"/>") == 3)
    #expect(body.contains("<w:instrText xml:space=\"preserve\"> TOC \\o \"1-3\" \\h \\z \\u </w:instrText>"))
    #expect(body.occurrences(of: "<w:hyperlink w:anchor=\"_TocPolicy") == 7)
    #expect(body.occurrences(of: "<w:bookmarkStart ") == 7)
    #expect(body.contains("<w:numPr><w:ilvl w:val=\"1\"/><w:numId w:val=\"1\"/></w:numPr>"))
    #expect(body.contains("<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"2\"/></w:numPr>"))
    #expect(body.occurrences(of: "<w:tbl>") == 3)
    #expect(body.contains("<w:tblStyle w:val=\"TableGrid\"/>"))
    #expect(body.contains("<w:headerReference w:type=\"default\" r:id=\"rId5\"/>"))
    let numbering = try External.zipPart(docx, "word/numbering.xml")
    #expect(numbering.contains("<w:numFmt w:val=\"bullet\"/>"))
    #expect(numbering.contains("<w:num w:numId=\"2\"><w:abstractNumId w:val=\"1\"/>"))
    #expect(try External.zipPart(docx, "word/header1.xml").contains(">UDKAST</w:t>"))
  }

  @Test("An approved document has no draft header")
  func approvedDocument() throws {
    var document = Fixtures.document(isDraft: false)
    document.sections[3].mark = nil
    let approved = try Assembler().render(document, as: .docx)
    #expect(!(try External.zipEntries(approved)).contains("word/header1.xml"))
    #expect(!(try External.zipPart(approved, "word/document.xml")).contains("UDKAST"))
  }
}
