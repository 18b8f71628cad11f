import Foundation
import Testing

@Suite("user text cannot act on a reviewer's terminal")
struct TerminalSafetyTests {
  @Test("section text with an escape sequence is refused (65); messages with one are shown as visible symbols")
  func escapeSequences() throws {
    let w = try TemplateWorkspace()
    let before = try w.fingerprint()
    let text = try w.templateText("forord") + "\u{1B}[2J\u{1B}[HGODKENDT\n"
    let refused = try w.pf(["submit", "forord", w.scratch.file("esc.md", text).path], as: "anne-bif")
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("U+001B") && refused.stderr.contains("line"))
    #expect(try w.fingerprint() == before)

    let plain = try w.templateText("forord") + "\nEn ny linje.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("ok.md", plain).path, "-m", "Ryd\u{1B}[2J skærmen"], as: "anne-bif").status == 0)
    #expect(try w.pf(["request-changes", "forord", "-m", "Nej\u{1B}[31m rødt"], as: "soren-biu").status == 0)
    for arguments in [["log", "forord"], ["audit"], ["status"]] {
      let shown = try w.pf(arguments)
      #expect(shown.status == 0)
      #expect(!shown.stdout.contains("\u{1B}"), "\(arguments) printed a raw escape")
    }
    let log = try w.pf(["log", "forord"]).stdout
    #expect(log.contains("Ryd\u{241B}[2J skærmen"))
    #expect(log.contains("Nej\u{241B}[31m rødt"))
  }
}
