import Foundation
import Testing

@testable import PolicyFlow

/// `SectionText.headings` scans bytes for speed; it must find exactly what the Character-based reading found.
@Suite("section headings")
struct SectionTextTests {
  /// The reading before the byte scan, kept as the reference.
  static func reference(_ text: String) -> [String] {
    var result: [String] = []
    var fence: String?
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.drop(while: { $0 == " " })
      if line.hasPrefix("```") || line.hasPrefix("~~~") {
        let marker = String(line.prefix(3))
        if fence == nil { fence = marker } else if fence == marker { fence = nil }
        continue
      }
      if fence != nil { continue }
      let hashes = line.prefix(while: { $0 == "#" })
      guard (1...6).contains(hashes.count) else { continue }
      let rest = line.dropFirst(hashes.count)
      guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { continue }
      var title = rest.trimmingCharacters(in: .whitespaces)
      while title.hasSuffix("#") { title.removeLast() }
      result.append("\(hashes.count):" + title.trimmingCharacters(in: .whitespaces))
    }
    return result
  }

  static let texts = [
    "## Situationen i København\n\nTekst.\n\n## Det gør vi allerede\n",
    "# Én\n##To\n###   Tre ###  \n####### syv\n   ## indrykket\n\t## tabulator\n",
    "```\n## i kode\n```\n## efter kode\n~~~\n# ~~~ ikke slut\n```\n~~~\n# ude\n",
    "## med CRLF\r\n## næste\r\n# sidste",
    "##\u{00A0}hård mellemrum\u{00A0}\n## titel\u{200B}\n#\n## #\n##  ##  \n",
    "## Æblegrød\u{0301} og ø\n  ```\n## skjult\n  ```\n## synlig\n",
    "", "\n\n\n", "####\n", "## slut uden linjeskift",
  ]

  @Test("the byte scan finds the same headings as the Character reading", arguments: texts)
  func sameAsReference(_ text: String) {
    #expect(SectionText.headings(in: text).map { "\($0.level):\($0.text)" } == Self.reference(text))
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
