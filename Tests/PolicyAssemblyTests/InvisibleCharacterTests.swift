import Foundation
import Testing

@testable import PolicyAssembly

/// Bidirectional controls and zero-width characters in a section reach the HTML reader as marked, visible code
/// points, never raw: raw, U+202E would reverse the text after it on screen and in print.
@Suite("invisible characters in the HTML edition")
struct InvisibleCharacterHTMLTests {
  static let body = """
    ## Situationen \u{2066}i\u{2069} København

    Vi giver \u{202E}00001\u{202C} kr. og\u{200B}mere, se `kode\u{200D}` og **fed\u{FEFF}**.

    ```
    blok\u{2060}kode
    ```

    | a\u{200E} | b |
    |---|---|
    | c | d\u{200F} |
    """

  func render() throws -> String {
    var document = Fixtures.document()
    document.sections[0].markdown = Self.body
    document.sections[0].title = "Indledning\u{200B}"
    return String(decoding: try Assembler().render(document, as: .html), as: UTF8.self)
  }

  @Test("every one is a marked span with its code point; none is left raw")
  func marked() throws {
    let html = try render()
    for scalar in ["\u{202E}", "\u{202C}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{2060}", "\u{2066}", "\u{2069}", "\u{200E}", "\u{200F}"] {
      #expect(!html.contains(scalar), "U+\(String(scalar.unicodeScalars.first!.value, radix: 16)) is raw in the page")
    }
    #expect(html.contains(
      "Vi giver <span class=\"invisible-char\" title=\"U+202E RIGHT-TO-LEFT OVERRIDE\">⟨U+202E⟩</span>00001"
        + "<span class=\"invisible-char\" title=\"U+202C POP DIRECTIONAL FORMATTING\">⟨U+202C⟩</span> kr."))
    #expect(html.contains("<code>kode<span class=\"invisible-char\" title=\"U+200D ZERO WIDTH JOINER\">⟨U+200D⟩</span></code>"))
    #expect(html.contains("blok<span class=\"invisible-char\" title=\"U+2060 WORD JOINER\">⟨U+2060⟩</span>kode"))
    #expect(html.contains(".invisible-char {"))
    // Attributes cannot hold markup: the section title's anchor and the page title carry no span.
    #expect(!html.contains("id=\"indledning<"))
    #expect(html.contains(">Indledning<span class=\"invisible-char\" title=\"U+200B ZERO WIDTH SPACE\">⟨U+200B⟩</span></h"))
  }

  @Test("pandoc reads the marks as text where the characters were")
  func readable() throws {
    let plain = try External.pandoc(Data(try render().utf8), from: "html", to: "plain")
    #expect(plain.contains("Vi giver ⟨U+202E⟩00001⟨U+202C⟩ kr. og⟨U+200B⟩mere"), "\(plain)")
  }

  @Test("text without such characters is escaped exactly as before")
  func unchanged() {
    #expect(Escape.htmlText("a <b> & \"c\" ø") == Escape.html("a <b> & \"c\" ø"))
    #expect(InvisibleCharacters.isInvisible("\u{00AD}"))
    #expect(!InvisibleCharacters.isInvisible("ø"))
    #expect(!InvisibleCharacters.isInvisible("\u{00A0}"))
  }
}
