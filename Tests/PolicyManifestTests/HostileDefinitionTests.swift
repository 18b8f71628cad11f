import Foundation
import Testing

@testable import PolicyManifest

/// Definitions written to deceive or to break what is built from them later (issue 15): look-alike codes, names
/// that break git's author line, ids too long for a file or branch name. Each is refused at load, naming file,
/// line, entry and what to do.
@Suite("hostile definitions are refused at load")
struct HostileDefinitionTests {
  /// Cyrillic В (U+0412) and І (U+0406) with a Latin F: reads as `BIF`.
  static let cyrillicBIF = "\u{0412}\u{0406}F"

  @Test("a code mixing Cyrillic and Latin letters is refused, naming the letters and their scripts")
  func mixedScriptCode() {
    let issues = PolicyFixture().replacing(
      "  - code: ØKF\n    name: Økonomiforvaltningen", with: "  - code: \(Self.cyrillicBIF)\n    name: Økonomiforvaltningen",
      in: "policy.yaml"
    ).issues()
    let first = issues.first ?? ""
    #expect(first.hasPrefix("policy.yaml:14: departments[1].code: the department code `\(Self.cyrillicBIF)` is refused"))
    #expect(first.contains("Cyrillic \u{0412}, \u{0406}; Latin F"), "\(first)")
    #expect(first.contains("type the whole code in one script"))
  }

  @Test("a code that looks like another (all Cyrillic ВІЕ next to Latin BIE) is refused as a look-alike")
  func lookalikeCodes() {
    let fixture = PolicyFixture()
      .replacing("  - code: BIU\n", with: "  - code: BIE\n    name: Et udvalg\n  - code: \u{0412}\u{0406}\u{0415}\n", in: "policy.yaml")
    let issues = fixture.issues()
    #expect(issues.contains { $0.contains("the committee code `\u{0412}\u{0406}\u{0415}` looks the same as `BIE` (line 6)") },
      "\(issues)")
    #expect(issues.contains { $0.contains("U+0412 CYRILLIC CAPITAL LETTER VE") }, "\(issues)")
  }

  @Test("a digit zero for the letter O, and fullwidth letters, are refused too")
  func zeroAndFullwidth() {
    let zero = PolicyFixture().replacing("  - code: ØKF", with: "  - code: B1F", in: "policy.yaml").issues()
    #expect(zero.first?.contains("`B1F` looks the same as `BIF` (line 11)") == true, "\(zero)")
    let fullwidth = PolicyFixture().replacing("  - code: ØKF", with: "  - code: ＸＹＺ", in: "policy.yaml").issues()
    #expect(fullwidth.first?.contains("compatibility characters") == true, "\(fullwidth)")
    #expect(fullwidth.first?.contains("type it as `XYZ`") == true, "\(fullwidth)")
  }

  @Test("a reference written with look-alike letters says which letters, not just 'unknown'")
  func lookalikeReference() {
    let issues = PolicyFixture().replacing("    owners: [BIF]\n", with: "    owners: [\(Self.cyrillicBIF)]\n", in: "policy.yaml")
      .issues()
    #expect(issues == [
      "policy.yaml:21: sections[0].owners[0]: unknown department `\(Self.cyrillicBIF)`: it looks like `BIF` but is "
        + "written with other characters (\u{0412} (U+0412 CYRILLIC CAPITAL LETTER VE), \u{0406} (U+0406 CYRILLIC "
        + "CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I)); retype it as `BIF`"
    ])
  }

  @Test("Danish, Greek-only and Cyrillic-only codes that look like no other code are kept", arguments: [
    "ØKF", "ÆØÅ", "Øko-2", "ΔΣΦ", "ЖЩД",
  ])
  func singleScriptCodes(_ code: String) throws {
    let definition = try PolicyFixture().replacing("  - code: ØKF", with: "  - code: \(code)", in: "policy.yaml")
      .replacing("departments: [ØKF]", with: "departments: [\(code)]", in: "members.yaml")
      .replacing("owners: [økf, BIF]", with: "owners: [\(code), BIF]", in: "policy.yaml")
      .load()
    #expect(definition.manifest.departments.map(\.code) == ["BIF", code])
  }

  @Test("the script of letters, digits and marks", arguments: [
    ("B", "Latin"), ("Ø", "Latin"), ("\u{0412}", "Cyrillic"), ("Δ", "Greek"), ("7", nil), ("-", nil),
    ("\u{0301}", nil), ("日", "Han/Kana/Hangul"),
  ] as [(String, String?)])
  func scripts(_ letter: String, _ script: String?) {
    #expect(CodeScripts.script(of: letter.unicodeScalars.first!) == script)
  }

  // MARK: - Names and e-mail addresses that would break a git author line

  @Test("names with <, >, line breaks, control or bidi characters are refused", arguments: [
    ("Clara <Chair>", "`<`"), ("Clara > Chair", "`>`"), ("\"Clara\\nChair\"", "a line break (U+000A)"),
    ("\"Clara\\tChair\"", "the control character U+0009"), ("\"Clara\\u0085Chair\"", "a line break (U+0085)"),
    ("\"Clara \\u202Eriahc\"", "the invisible bidirectional control U+202E"),
  ])
  func badNames(_ yaml: String, _ problem: String) {
    let issues = PolicyFixture().replacing("name: Clara Chair", with: "name: \(yaml)", in: "members.yaml").issues()
    #expect(issues.count == 1, "\(issues)")
    let issue = issues.first ?? ""
    #expect(issue.hasPrefix("members.yaml:18: members[3].name: the name `"), "\(issue)")
    #expect(issue.contains("contains \(problem); a name goes into the author line of every commit"), "\(issue)")
    #expect(!issue.contains("\n"), "the message shows the break, it does not contain one: \(issue)")
  }

  @Test("e-mail addresses with <, >, line breaks or control characters are refused", arguments: [
    ("\"clara@example.invalid>\"", "`>`"), ("\"<clara@example.invalid\"", "`<`"),
    ("\"clara@example.invalid\\n\"", "a line break (U+000A)"), ("\"cla\\u0000ra@example.invalid\"", "U+0000"),
  ])
  func badEmails(_ yaml: String, _ problem: String) {
    let issues = PolicyFixture().replacing("email: clara@example.invalid", with: "email: \(yaml)", in: "members.yaml")
      .issues()
    #expect(issues.count == 1, "\(issues)")
    #expect(issues.first?.hasPrefix("members.yaml:19: members[3].email: the e-mail address `") == true, "\(issues)")
    #expect(issues.first?.contains(problem) == true, "\(issues)")
  }

  @Test("Danish and accented names are fine")
  func goodNames() throws {
    let definition = try PolicyFixture().replacing("name: Clara Chair", with: "name: Åse Ørsted-Løvgren Zoë d'Été", in: "members.yaml")
      .load()
    #expect(definition.members.member(id: "clara-chair")?.name == "Åse Ørsted-Løvgren Zoë d'Été")
  }

  // MARK: - Id lengths

  @Test("a section id of 100 characters is accepted; 101 is refused naming the limit")
  func sectionIDLength() throws {
    let hundred = String(repeating: "a", count: 98) + "-b"
    let accepted = try PolicyFixture().replacing("  - id: forord", with: "  - id: \(hundred)", in: "policy.yaml").load()
    #expect(accepted.manifest.sections.first?.id == hundred)
    let long = String(repeating: "x", count: 252)
    let issues = PolicyFixture().replacing("  - id: forord", with: "  - id: \(long)", in: "policy.yaml").issues()
    #expect(issues.count == 1, "\(issues)")
    #expect(issues.first?.hasPrefix("policy.yaml:18: sections[0].id: the section id `xxxx") == true, "\(issues)")
    #expect(issues.first?.contains("is 252 characters long; section ids may have at most 100") == true, "\(issues)")
    let justOver = PolicyFixture().replacing("  - id: forord", with: "  - id: \(hundred)c", in: "policy.yaml").issues()
    #expect(justOver.first?.contains("is 101 characters long") == true, "\(justOver)")
  }

  @Test("a person id over 100 characters is refused")
  func personIDLength() {
    let issues = PolicyFixture().replacing("id: rune-reviewer", with: "id: \(String(repeating: "r", count: 101))", in: "members.yaml")
      .issues()
    #expect(issues.first?.hasPrefix("members.yaml:12: members[2].id: the person id") == true, "\(issues)")
  }
}
