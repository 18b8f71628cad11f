import Foundation
import Testing

@testable import PolicyAssembly

@Suite("Escaping and link safety")
struct EscapingTests {
  @Test(
    "Only http, https, mailto and relative links are allowed",
    arguments: [
      ("https://kk.dk", true), ("http://kk.dk/a?b=c:d", true), ("mailto:borger@kk.dk", true), ("HTTPS://KK.DK", true),
      ("afsnit.html", true), ("../a:b", true), ("#mål", true), ("?q=1:2", true), ("", true),
      ("javascript:alert(1)", false), ("JaVaScRiPt:alert(1)", false), (" javascript:alert(1)", false),
      ("java\tscript:alert(1)", false), ("java\nscript:alert(1)", false), ("\u{1}javascript:x", false),
      ("data:text/html,<b>", false), ("vbscript:msgbox", false), ("file:///etc/passwd", false),
    ])
  func linkSafety(url: String, safe: Bool) {
    #expect(Escape.isSafeLink(url) == safe)
  }

  @Test("XML escaping covers markup characters and drops characters XML 1.0 forbids")
  func xmlEscaping() {
    #expect(Escape.xml("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    #expect(Escape.xml("a\u{0}b\u{1}c\u{8}d\u{B}e\u{1F}f\u{FFFE}g\u{FFFF}h\tæ\n") == "abcdefgh\tæ\n")
  }

  @Test("Markdown escaping neutralises emphasis, links, HTML and table pipes")
  func markdownEscaping() {
    #expect(Escape.markdownInline("a|b *c* [d](e) <f> #g") == "a\\|b \\*c\\* \\[d\\](e) \\<f\\> \\#g")
    #expect(Escape.markdownInline("linje\nto") == "linje to")
  }

  @Test("GitHub slugs match pandoc's gfm_auto_identifiers")
  func slugs() {
    #expect(Escape.githubSlug("1. Beskæftigelsesområdet") == "1-beskæftigelsesområdet")
    #expect(Escape.githubSlug("Kultur- og fritidsområdet") == "kultur--og-fritidsområdet")
    #expect(Escape.githubSlug("Bilag: Proveniens") == "bilag-proveniens")
    var registry = SlugRegistry()
    #expect(["a", "a", "a-1", "a"].map { registry.unique($0) } == ["a", "a-1", "a-1-1", "a-2"])
  }

  @Test("Section ids become ASCII anchors")
  func anchors() {
    #expect(Escape.anchor("Beskæftigelse og Ørsted-Å") == "beskaeftigelse-og-oersted-aa")
    #expect(Escape.anchor("  ") == "section")
  }
}
