import Foundation
import Testing

@testable import PolicyFlow

/// `SectionText.headings` reads the cmark-gfm tree: the headings a reader of any edition sees, at the top level of
/// the section, and nothing that only looks like a heading line.
@Suite("section headings")
struct SectionTextTests {
  static let texts = [
    "## Situationen i København\n\nTekst.\n\n## Det gør vi allerede\n",
    "# Én\n##To\n###   Tre ###  \n####### syv\n   ## indrykket\n\t## tabulator\n",
    "```\n## i kode\n```\n## efter kode\n~~~\n# ~~~ ikke slut\n```\n~~~\n# ude\n",
    "## med CRLF\r\n## næste\r\n# sidste",
    "##\u{00A0}hård mellemrum\u{00A0}\n## titel\u{200B}\n#\n## #\n##  ##  \n",
    "## Æblegrød\u{0301} og ø\n  ```\n## skjult\n  ```\n## synlig\n",
    "", "\n\n\n", "####\n", "## slut uden linjeskift",
  ]

  /// What CommonMark makes of each of `texts` (level:text).
  static let expected: [[String]] = [
    ["2:Situationen i København", "2:Det gør vi allerede"],
    ["1:Én", "3:Tre", "2:indrykket"],
    ["2:efter kode", "1:ude"],
    ["2:med CRLF", "2:næste", "1:sidste"],
    ["2:titel", "1:", "2:", "2:"],
    ["2:Æblegrød\u{0301} og ø", "2:synlig"],
    [], [], ["4:"], ["2:slut uden linjeskift"],
  ]

  @Test("ATX headings, closing sequences, fences, CRLF and blanks read as CommonMark reads them", arguments: zip(texts, expected))
  func commonMark(_ text: String, _ expected: [String]) {
    #expect(SectionText.headings(in: text).map { "\($0.level):\($0.text)" } == expected)
  }

  /// Lines that the old line-by-line reading took for headings, and headings it missed.
  static let documentCases: [(text: String, expected: [String])] = [
    ("    ## indrykket kode\n", []),
    ("<div>\n## i html\n</div>\n", []),
    ("<!--\n## skjult i en kommentar\n-->\n", []),
    ("> ## citat\n", []),
    ("- ## i en liste\n", []),
    ("````\n```\n## stadig kode\n````\n## ude\n", ["2:ude"]),
    ("Setext\n======\n\nUnder\n---\n", ["1:Setext", "2:Under"]),
    ("## Det *gør* vi `allerede`\n", ["2:Det gør vi allerede"]),
    ("## A &amp; B \\#1\n", ["2:A & B #1"]),
  ]

  @Test("code, HTML, quotes and lists hold no headings; setext headings and inline markup count as shown",
    arguments: zip(documentCases.map(\.text), documentCases.map(\.expected)))
  func documentStructure(_ text: String, _ expected: [String]) {
    #expect(SectionText.headings(in: text).map { "\($0.level):\($0.text)" } == expected)
  }

  @Test("required headings: exact, differently cased or spaced, and missing")
  func missing() {
    let text = "## Situationen i København\n\n## det  GØR vi allerede\n"
    #expect(SectionText.missingHeadings(["Situationen i København", "Det gør vi allerede"], in: text).isEmpty)
    #expect(
      SectionText.missingHeadings(["Det vil vi arbejde for fremadrettet", "Situationen i København"], in: text)
        == ["Det vil vi arbejde for fremadrettet"])
    #expect(SectionText.missingHeadings([], in: "") == [])
  }

  @Test("a required heading inside a code fence, an HTML block or indented code does not satisfy the guard")
  func hiddenHeadingsDoNotCount() {
    let required = ["Situationen i København", "Det gør vi allerede"]
    for text in [
      "## Situationen i København\n\n```\n## Det gør vi allerede\n```\n",
      "## Situationen i København\n\n<details>\n## Det gør vi allerede\n</details>\n",
      "## Situationen i København\n\n    ## Det gør vi allerede\n",
    ] {
      #expect(SectionText.missingHeadings(required, in: text) == ["Det gør vi allerede"], "\(text)")
      #expect(
        SectionText.missingHeadings(required, recorded: SectionText.recordedHeadings(of: text)) == ["Det gør vi allerede"])
    }
  }
}

/// `SectionText.lines` splits on bytes; it must give the lines the Character split gave.
@Suite("section lines")
struct SectionLinesTests {
  @Test("the byte split gives the Character split's lines", arguments: SectionTextTests.texts + ["a\r\nb\nc\r\n", "\u{0301}x\n\n"])
  func sameAsReference(_ text: String) {
    var reference = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if reference.last == "" { reference.removeLast() }
    #expect(SectionText.lines(text) == reference)
  }
}

/// The headings a revision records stand in for its text in the required-headings guard: for every stored
/// text (line feeds only, as submit and init store them) the guard must answer the same from either.
@Suite("recorded headings answer the guard as the text does")
struct RecordedHeadingsTests {
  static let required = ["Situationen i København", "Det gør vi allerede", "Det vil vi arbejde for fremadrettet"]
  static let texts = [
    "## Situationen i København\r \n## Det gør vi allerede\n",
    "## Situationen i København\r## Det gør vi allerede\r\n## Det vil vi arbejde for fremadrettet\r\n",
    "##\n## Situationen i København ##\n\n```\n## Det gør vi allerede\n```\n",
    "",
    "Ingen overskrifter her.\n",
    "## det gør vi ALLEREDE\n## Situationen i Ko\u{308}benhavn\n",
    "###### Det vil vi arbejde for fremadrettet\n# Situationen i København\n##\tDet gør vi allerede\n",
  ]

  @Test("same missing headings from the recorded form as from the text", arguments: texts)
  func sameAnswer(raw: String) {
    let stored = SectionText.withLineFeeds(raw)
    #expect(!stored.contains("\r"))
    let recorded = SectionText.recordedHeadings(of: stored)
    #expect(
      SectionText.missingHeadings(Self.required, recorded: recorded)
        == SectionText.missingHeadings(Self.required, in: stored))
  }

  @Test("the recorded form keeps every heading, empty ones included, in order", arguments: texts)
  func roundTrip(raw: String) {
    let stored = SectionText.withLineFeeds(raw)
    let headings = SectionText.headings(in: stored).map(\.text)
    let recorded = SectionText.recordedHeadings(of: stored)
    let back = recorded.isEmpty ? [] : recorded.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    #expect(back == headings || (headings == [""] && back == []))
  }
}
