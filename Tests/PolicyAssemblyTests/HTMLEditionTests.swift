import Foundation
import Testing

@testable import PolicyAssembly

@Suite("HTML edition")
struct HTMLEditionTests {
  @Test("Hostile markup in titles, bodies, marks and tables comes out as visible text, never as markup")
  func hostileMarkupIsEscaped() throws {
    let html = String(decoding: try Assembler().render(Fixtures.hostileDocument(), as: .html), as: UTF8.self)
    let lowered = html.lowercased()
    #expect(!lowered.contains("<script"))
    #expect(!lowered.contains("<img"))
    #expect(!lowered.contains("javascript:"))
    #expect(!lowered.contains("href=\"data:"))
    // "onerror=" is allowed only as visible text (inside &lt;…&gt;); no element may carry it as an attribute. Every
    // literal "<" in the output starts real markup, because text never contains an unescaped one.
    let tags = html.components(separatedBy: "<").dropFirst().map { String($0.prefix { $0 != ">" }).lowercased() }
    #expect(tags.count > 100)
    #expect(!tags.contains { $0.contains("onerror") || $0.contains("script") || $0.contains("img") })
    #expect(lowered.occurrences(of: "onerror=") == lowered.occurrences(of: "&lt;img src=x onerror=alert(1)&gt;"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
    #expect(html.contains("<a href=\"https://kk.dk/a%20b\">fint</a>"))
    #expect(html.contains("<span class=\"unsafe-link\">farligt link</span>"))

    let plain = try External.pandoc(Data(html.utf8), from: "html", to: "plain")
    #expect(plain.contains("Politik <script>alert(1)</script>"))
    #expect(plain.contains("Tekst med <img src=x onerror=alert(1)> inde i og et farligt link"))
    #expect(plain.contains("Ikke godkendt — <script>alert(1)</script>"))
    #expect(plain.contains("Skriv <img src=x onerror=alert(1)>"))
  }

  @Test("pandoc reads the page with all headings in order and at the right levels")
  func headingsInOrder() throws {
    let html = try Assembler().render(Fixtures.document(), as: .html)
    let headings = try External.pandocHeadings(html, from: "html").map(\.heading)
    #expect(headings == Fixtures.fullOutline)
    let plain = try External.pandoc(html, from: "html", to: "plain")
    for text in ["Ligeværd og åbenhed", "Beskæftigelsesfrekvens", "Ikke godkendt", "Endnu ikke skrevet:", "Mangler"] {
      #expect(plain.contains(text), "missing: \(text)")
    }
  }

  @Test("A standalone Danish page: lang, charset, print CSS, no scripts and no external resources")
  func standalonePage() throws {
    let html = String(decoding: try Assembler().render(Fixtures.document(), as: .html), as: UTF8.self)
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"da\">"))
    #expect(html.contains("<meta charset=\"utf-8\">"))
    #expect(html.contains("@media print"))
    #expect(html.contains("main h1, .appendix h1 { break-before: page;"))
    for forbidden in ["<script", "<link", "@import", "src=", "url(", "<iframe", "<object"] {
      #expect(!html.contains(forbidden), "found \(forbidden)")
    }
    #expect(html.contains("class=\"watermark\""))
    #expect(html.contains("<aside class=\"draft-mark\" role=\"note\"><strong>Ikke godkendt</strong> — "))
    #expect(html.contains("<p class=\"placeholder\"><em><strong>Endnu ikke skrevet:</strong> "))
  }

  @Test("Every contents link targets an id on the page; ids come from section ids")
  func contentsLinks() throws {
    let html = String(decoding: try Assembler().render(Fixtures.document(), as: .html), as: UTF8.self)
    let targets = html.components(separatedBy: "href=\"#").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    #expect(targets.count == 7)
    for target in targets { #expect(html.occurrences(of: "id=\"\(target)\"") == 1, "id \(target)") }
    #expect(html.contains("<h2 id=\"beskaeftigelse\">1. Beskæftigelsesområdet</h2>"))
  }

  @Test("A document that is not a draft carries no draft marking")
  func approvedDocument() throws {
    var document = Fixtures.document(isDraft: false)
    document.sections[3].mark = nil
    let html = String(decoding: try Assembler().render(document, as: .html), as: UTF8.self)
    #expect(!html.contains("UDKAST"))
    #expect(!html.contains("class=\"watermark\""))
  }
}
