import Foundation
import Testing

/// One entry of `req list --json` / `req coverage --json`, decoded independently of the library's types so that a
/// change of the stable JSON contract fails here.
private struct Requirement: Decodable {
  struct Answer: Decodable {
    let section: String
    let status: String
    let note: String
    let revision: Int
    let lines: String?
    let quoted: [String]
  }
  let id: String
  let kind: String
  let theme: String?
  let text: String
  let targets: [String]
  let answers: [Answer]
  let status: String
}

/// `status SECTION --json`, the fields these tests read.
private struct Status: Decodable {
  struct Count: Decodable {
    let have: Int
    let needed: Int
  }
  let id: String
  let state: String
  let latestRevision: Int
  let approvedRevision: Int?
  let signoffs: Count
  let requirements: Count
  let blockers: [String]
}

extension TemplateWorkspace {
  fileprivate func requirements(_ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [Requirement]
  {
    let result = try ok(["req", "list", "--json"] + extra, sourceLocation: sourceLocation)
    return try JSONDecoder().decode([Requirement].self, from: Data(result.stdout.utf8))
  }

  fileprivate func coverage(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Requirement {
    let result = try ok(["req", "coverage", "--json"], sourceLocation: sourceLocation)
    let all = try JSONDecoder().decode([Requirement].self, from: Data(result.stdout.utf8))
    return try #require(all.first { $0.id == id }, sourceLocation: sourceLocation)
  }

  fileprivate func status(_ section: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Status {
    let result = try ok(["status", section, "--json"], sourceLocation: sourceLocation)
    let all = try JSONDecoder().decode([Status].self, from: Data(result.stdout.utf8))
    return try #require(all.first, sourceLocation: sourceLocation)
  }
}

@Suite("requirements and traceability through the binary")
struct RequirementsTests {
  static let workshopIds =
    (1...7).map { String(format: "WS-UDD-%02d", $0) } + (1...5).map { String(format: "WS-BES-%02d", $0) }
    + (1...9).map { String(format: "WS-MED-%02d", $0) }

  @Test("req list --json: the 21 workshop inputs, 5 pejlemærker and 5 principper, ids stable, themes right, targets valid")
  func templateRequirements() throws {
    let w = try TemplateWorkspace()
    let all = try w.requirements()
    #expect(all.count == 31)
    let workshop = all.filter { $0.kind == "workshop" }
    let pejlemaerker = all.filter { $0.kind == "pejlemaerke" }
    let principper = all.filter { $0.kind == "princip" }
    #expect(workshop.map(\.id) == Self.workshopIds)
    #expect(pejlemaerker.map(\.id) == ["PM-1", "PM-2", "PM-3", "PM-4", "PM-5"])
    #expect(principper.map(\.id) == ["PR-A", "PR-B", "PR-C", "PR-D", "PR-E"])

    // Themes follow the workshop's three tables; pejlemærker and principper have none.
    for entry in workshop {
      let expected = entry.id.hasPrefix("WS-UDD") ? "Uddannelse" : entry.id.hasPrefix("WS-BES") ? "Beskæftigelse" : "Medborgerskab"
      #expect(entry.theme == expected, "\(entry.id) has theme \(entry.theme ?? "none")")
    }
    #expect((pejlemaerker + principper).allSatisfy { ($0.theme ?? "").isEmpty })

    // Every target is a section of this policy; every workshop input is answered somewhere.
    let sections = Set(Roster.sections.map(\.id))
    for entry in all {
      #expect(Set(entry.targets).isSubset(of: sections), "\(entry.id) targets \(entry.targets)")
      #expect(entry.status == "open" && entry.answers.isEmpty, "\(entry.id) is \(entry.status) in a fresh workspace")
    }
    #expect(workshop.allSatisfy { !$0.targets.isEmpty })
    let byId = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
    #expect(byId["WS-UDD-04"]?.targets == ["boern-og-unge", "beskaeftigelse"])
    #expect(byId["WS-MED-02"]?.targets == ["principper", "kultur-og-fritid"])
    #expect(byId["WS-MED-08"]?.targets == ["beskaeftigelse", "social"])
    #expect(byId["PM-2"]?.targets == ["beskaeftigelse"])
    #expect(byId["PM-1"]?.targets == [])
    // Folded YAML text arrives as one line, in correct Danish.
    #expect(
      byId["WS-BES-01"]?.text
        == "Beskæftigelsesindsatsen i jobcentret er præget af for mange meningsløse praktikker uden mulighed for job "
        + "eller reel opkvalificering af kompetencer")
    #expect(byId["PR-D"]?.text == "Er langsigtede og i videst mulig udstrækning forankres i kommunens normalindsats")
    #expect(all.allSatisfy { !$0.text.contains("\n") && !$0.text.isEmpty })

    // The ids are the ones in the requirement files on main (the same a second workspace gets).
    let files = try CLI.git(["show", "main:requirements/workshop-2022.yaml"], in: w.root).stdout
    for id in Self.workshopIds { #expect(files.contains("id: \(id)\n"), "\(id) is not in workshop-2022.yaml") }
    let other = try TemplateWorkspace()
    #expect(try other.pf(["req", "list", "--json"]).stdout == (try w.pf(["req", "list", "--json"]).stdout))

    // --section narrows to what targets a section; --uncovered drops what is answered.
    let beskaeftigelse = try w.requirements(["--section", "beskaeftigelse"]).map(\.id)
    #expect(Set(beskaeftigelse) == [
      "PM-2", "WS-UDD-04", "WS-BES-01", "WS-BES-02", "WS-BES-03", "WS-BES-04", "WS-BES-05", "WS-MED-05", "WS-MED-08",
    ])
    #expect(beskaeftigelse.count == 9)
    try w.ok(["req", "link", "WS-BES-01", "beskaeftigelse", "--lines", "37-42", "-m", "Virksomhedsrettet indsats"], as: "anne-bif")
    let uncovered = try w.requirements(["--uncovered"]).map(\.id)
    #expect(uncovered.count == 30 && !uncovered.contains("WS-BES-01"))
    // The stable JSON names exactly these fields.
    let raw = try JSONSerialization.jsonObject(with: Data(try w.ok(["req", "list", "--json"]).stdout.utf8))
    let entries = try #require(raw as? [[String: Any]])
    let bes01 = try #require(entries.first { $0["id"] as? String == "WS-BES-01" })
    #expect(Set(bes01.keys) == ["id", "kind", "theme", "text", "targets", "answers", "status"])
    let answer = try #require((bes01["answers"] as? [[String: Any]])?.first)
    #expect(Set(answer.keys) == ["section", "status", "note", "revision", "lines", "quoted"])
    let linked = try w.coverage("WS-BES-01")
    #expect(linked.status == "draft")
    #expect(linked.answers.map(\.section) == ["beskaeftigelse"])
    #expect(linked.answers.first?.lines == "37-42")
    let templateLines = try w.templateText("beskaeftigelse").components(separatedBy: "\n")
    #expect(linked.answers.first?.quoted == Array(templateLines[36...41]))
  }

  @Test("approval waits for the last requirement; the drafter's link fires it in the same command")
  func gatedApproval() throws {
    let w = try TemplateWorkspace()
    try w.waiveTargets(of: "beskaeftigelse", keeping: ["WS-BES-03"])
    let text = try w.scratch.file("b.md", try w.templateText("beskaeftigelse"))
    try w.ok(["submit", "beskaeftigelse", text.path], as: "anne-bif")
    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    for signer in Roster.signers("beskaeftigelse") { try w.ok(["approve", "beskaeftigelse"], as: signer) }

    // All three sign-offs, yet the section waits, and status says for what.
    var status = try w.status("beskaeftigelse")
    #expect(status.state == "committee_review")
    #expect(status.signoffs.have == 3 && status.signoffs.needed == 3)
    #expect(status.requirements.have == 8 && status.requirements.needed == 9)
    #expect(status.blockers.count == 1)
    #expect(status.blockers.first?.contains("WS-BES-03") == true, "\(status.blockers)")
    #expect(try CLI.git(["rev-parse", "main"], in: w.root).stdout == mainBefore)
    #expect(try CLI.git(["cat-file", "-e", "main:sections/beskaeftigelse.md"], in: w.root).status != 0)

    // The drafter's link is the last condition: the approval lands in that same command.
    let link = try w.ok(
      ["req", "link", "WS-BES-03", "beskaeftigelse", "--lines", "98-102", "-m", "Indsats mod ubevidst diskrimination"],
      as: "anne-bif")
    #expect(link.stdout.contains("approved text is on main"), "\(link.stdout)")
    status = try w.status("beskaeftigelse")
    #expect(status.state == "approved" && status.approvedRevision == 0)
    #expect(status.requirements.have == 9)
    #expect(try CLI.git(["rev-parse", "main^"], in: w.root).stdout == mainBefore)
    let message = try CLI.git(["log", "main", "-1", "--format=%B"], in: w.root).stdout
    #expect(message.contains("Policyflow-Section: beskaeftigelse"))
    #expect(message.contains("Policyflow-Revision: 0"))
    for name in ["Søren Prøvesen", "Hanne Hypotese", "Åse Testrup"] {
      #expect(message.contains("Signed-off-by: \(name) <"), "\(name) missing in \(message)")
    }
    #expect(
      try CLI.git(["show", "main:sections/beskaeftigelse.md"], in: w.root).stdout == (try w.templateText("beskaeftigelse")))
    // The event log has the link before the approval, both in one write.
    let actions = try CLI.sqlite(
      w.root, "SELECT group_concat(action, ',') FROM (SELECT action FROM event WHERE sectionId='beskaeftigelse' ORDER BY id)")
    #expect(actions.hasSuffix("signoff,signoff,signoff,req-link,approved"), "\(actions)")
    // The answer now counts as approved text.
    #expect(try w.coverage("WS-BES-03").status == "approved")
    #expect(try w.coverage("WS-BES-02").status == "waived")

    // The same with a waiver as the last condition: the secretariat's waiver fires the approval of principper.
    try w.ok(["submit", "principper", w.scratch.file("p.md", try w.templateText("principper")).path], as: "anne-bif")
    try w.ok(["req", "link", "WS-UDD-06", "principper", "--lines", "5-6", "-m", "Princip B"], as: "anne-bif")
    for signer in Roster.signers("principper") { try w.ok(["approve", "principper"], as: signer) }
    #expect(try w.state("principper") == "committee_review")
    #expect(try w.status("principper").blockers.first?.contains("WS-MED-02") == true)
    let waived = try w.ok(
      ["req", "waive", "WS-MED-02", "principper", "-m", "Besvares i Kultur- og fritidsområdet"], as: "pernille-sekretariat")
    #expect(waived.stdout.contains("approved text is on main"), "\(waived.stdout)")
    #expect(try w.state("principper") == "approved")
    #expect(try CLI.git(["log", "main", "-1", "--format=%an|%(trailers:key=Policyflow-Section,valueonly)"], in: w.root)
      .stdout.hasPrefix("Pernille Protokol|principper"))
    #expect(try w.pf(["verify"]).status == 0)
  }

  @Test("a link turns suspect when its lines change; shifted but unchanged lines follow the text; confirm clears it")
  func suspectWhenLinesChange() throws {
    let w = try TemplateWorkspace()
    let first = [
      "## Situationen i København",  // 1
      "",  // 2
      "Kunst og teater samler københavnere på tværs af baggrund.",  // 3
      "",  // 4
      "## Det gør vi allerede",  // 5
      "",  // 6
      "Bibliotekerne hjælper borgere med MitID og digital post.",  // 7
      "",  // 8
      "## Det vil vi arbejde for fremadrettet",  // 9
      "",  // 10
      "Flere foreninger skal bruge rollemodeller.",  // 11
      "",
    ].joined(separator: "\n")
    try w.ok(["submit", "kultur-og-fritid", w.scratch.file("k1.md", first).path, "-m", "Første udkast"], as: "karen-kff")
    try w.ok(["req", "link", "WS-MED-03", "kultur-og-fritid", "--lines", "3", "-m", "Kunst og teater"], as: "karen-kff")
    try w.ok(["req", "link", "WS-MED-06", "kultur-og-fritid", "--lines", "7-7", "-m", "Digital hjælp"], as: "karen-kff")
    #expect(try w.coverage("WS-MED-03").status == "draft")

    // Revision 2: line 3 is reworded and a paragraph is inserted before line 7, which is otherwise untouched.
    var lines = first.components(separatedBy: "\n")
    lines[2] = "Musik, kunst og teater samler københavnere på tværs af baggrund."
    lines.insert(contentsOf: ["Biblioteket er åbent for alle.", ""], at: 6)
    let second = lines.joined(separator: "\n")
    try w.ok(["submit", "kultur-og-fritid", w.scratch.file("k2.md", second).path, "-m", "Musik med"], as: "karen-kff")

    let changed = try w.coverage("WS-MED-03")
    #expect(changed.status == "suspect")
    #expect(changed.answers.first?.status == "suspect")
    let moved = try w.coverage("WS-MED-06")
    #expect(moved.status == "draft", "an untouched line that only moved stays sound")
    #expect(moved.answers.first?.lines == "9-9")
    #expect(moved.answers.first?.revision == 2)
    #expect(moved.answers.first?.quoted == ["Bibliotekerne hjælper borgere med MitID og digital post."])
    #expect(try w.requirements(["--uncovered"]).map(\.id).contains("WS-MED-03"))
    let status = try w.status("kultur-og-fritid")
    #expect(status.blockers.contains { $0.contains("WS-MED-03") }, "\(status.blockers)")
    #expect(!status.blockers.contains { $0.contains("WS-MED-06") }, "\(status.blockers)")

    // A suspect link holds approval back even with every sign-off.
    try w.waiveTargets(of: "kultur-og-fritid", keeping: ["WS-MED-03", "WS-MED-06"])
    for signer in Roster.signers("kultur-og-fritid") { try w.ok(["approve", "kultur-og-fritid"], as: signer) }
    #expect(try w.state("kultur-og-fritid") == "committee_review")

    // Someone outside the owning department cannot confirm it.
    let before = try w.fingerprint()
    let refused = try w.pf(["req", "confirm", "WS-MED-03", "kultur-og-fritid"], as: "rasmus-kfu")
    #expect(refused.status == 77)
    #expect(try w.fingerprint() == before)

    // The drafter confirms the link against the new text: it is sound again and the approval fires.
    let confirmed = try w.ok(["req", "confirm", "WS-MED-03", "kultur-og-fritid"], as: "karen-kff")
    #expect(confirmed.stdout.contains("confirmed"))
    let cleared = try w.coverage("WS-MED-03")
    #expect(cleared.answers.first?.revision == 2)
    #expect(cleared.answers.first?.quoted == ["Musik, kunst og teater samler københavnere på tværs af baggrund."])
    #expect(try w.state("kultur-og-fritid") == "approved")
    #expect(cleared.status == "approved")
    #expect(try CLI.git(["show", "main:sections/kultur-og-fritid.md"], in: w.root).stdout == second)
  }

  /// `req edit` is the documented interface for changing a requirement's text (issue 5); the requirement file on
  /// `main` and the database change together, so links made against the old wording turn suspect.
  @Test("a link and a waiver turn suspect when the requirement's text changes (req edit); confirm clears them")
  func suspectWhenRequirementChanges() throws {
    let w = try TemplateWorkspace()
    try w.ok(["req", "link", "WS-MED-02", "principper", "--lines", "5-6", "-m", "Princip B"], as: "anne-bif")
    try w.ok(["req", "waive", "WS-MED-02", "kultur-og-fritid", "-m", "Besvares i principperne"], as: "pernille-sekretariat")
    try w.ok(["req", "link", "WS-MED-07", "pejlemaerker", "--lines", "12-13", "-m", "Pejlemærke 4"], as: "anne-bif")
    #expect(try w.coverage("WS-MED-02").answers.map(\.status) == ["draft", "waived"])

    let help = try w.pf(["req", "--help"])
    #expect(help.stdout.contains("\n  edit "), "`policyflow req edit` is listed:\n\(help.stdout)")

    // Only the secretariat edits requirements; refusals and unknown ids change nothing.
    let before = try w.fingerprint()
    let newText = "Øget inddragelse af civilsamfundsorganisationer, foreninger og brug af rollemodeller"
    let drafter = try w.pf(["req", "edit", "WS-MED-02", "--text", newText], as: "anne-bif")
    #expect(drafter.status == 77, "\(drafter.stderr)")
    let unknown = try w.pf(["req", "edit", "WS-MED-99", "--text", newText], as: "pernille-sekretariat")
    #expect(unknown.status == 66, "\(unknown.stderr)")
    #expect(try w.fingerprint() == before)

    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    try w.ok(["req", "edit", "WS-MED-02", "--text", newText], as: "pernille-sekretariat")
    // The requirement file on main says the new text, in a commit by the secretariat.
    #expect(try CLI.git(["rev-parse", "main^"], in: w.root).stdout == mainBefore)
    #expect(try CLI.git(["log", "main", "-1", "--format=%an"], in: w.root).stdout == "Pernille Protokol\n")
    let grep = try CLI.git(["grep", "-F", "-c", newText, "main", "--", "requirements/"], in: w.root)
    #expect(grep.status == 0, "the new text is not in requirements/ on main")
    #expect(try CLI.git(["diff", "--name-only", "main^", "main"], in: w.root).stdout.hasPrefix("requirements/"))
    #expect(try CLI.git(["fsck", "--strict"], in: w.root).status == 0)

    let edited = try w.coverage("WS-MED-02")
    #expect(edited.text == newText)
    #expect(edited.answers.map(\.status) == ["suspect", "suspect"], "both the link and the waiver are suspect")
    #expect(edited.status == "suspect")
    #expect(try w.coverage("WS-MED-07").status == "draft", "an unedited requirement stays sound")
    #expect(try w.status("principper").blockers.contains { $0.contains("WS-MED-02") })

    try w.ok(["req", "confirm", "WS-MED-02", "principper"], as: "anne-bif")
    #expect(try w.coverage("WS-MED-02").answers.map(\.status) == ["draft", "suspect"])
    try w.ok(["req", "confirm", "WS-MED-02", "kultur-og-fritid"], as: "pernille-sekretariat")
    let confirmed = try w.coverage("WS-MED-02")
    #expect(confirmed.answers.map(\.status) == ["draft", "waived"])
    #expect(try w.pf(["verify"]).status == 0)
  }

  @Test("the disposition report of the demo workspace: Danish themes, every input, quotes, reasons, open inputs")
  func reportOfDemo() throws {
    let scratch = try Scratch("pf-demo")
    let workspace = scratch.url.appendingPathComponent("ws")
    let out = scratch.url.appendingPathComponent("out")
    let demo = try CLI.run(
      CLI.packageRoot.appendingPathComponent("scripts/demo").path, [],
      environment: [
        "POLICYFLOW_BIN": CLI.binary.path, "DEMO_WORKSPACE": workspace.path, "DEMO_OUT": out.path,
        "DEMO_KEYS": scratch.url.appendingPathComponent("keys").path,
      ])
    try #require(demo.status == 0, "scripts/demo failed: \(demo.stderr)")

    let markdown = try String(contentsOf: out.appendingPathComponent("tilbagemelding.md"), encoding: .utf8)
    #expect(markdown.hasPrefix("# Sådan svarer politikken på jeres input\n"))
    #expect(markdown.contains("- Input i alt: 21\n"))
    expectInOrder(["## Uddannelse\n", "## Beskæftigelse\n", "## Medborgerskab\n", "## Endnu åbne input\n"], in: markdown, "themes")
    // Every workshop input under its heading, in order; pejlemærker and principper are not the citizens' inputs.
    expectInOrder(Self.workshopIds.map { "\n### \($0): " }, in: markdown, "inputs")
    #expect(!markdown.contains("PM-2") && !markdown.contains("PR-B"))
    #expect(markdown.contains("### WS-BES-02: Mere rummelige virksomheder fx gennem nedsættelse af en taskforce.\n"))

    // Answered: where, in approved text, with the lines quoted from the approved revision.
    let bes01 = try #require(section(of: markdown, from: "### WS-BES-01:", to: "### WS-BES-02:"))
    #expect(bes01.contains("**Besvaret i Beskæftigelsesområdet** (godkendt tekst, linje 37-42): Virksomhedsrettet indsats"))
    let revision1 = try CLI.git(["show", "main:sections/beskaeftigelse.md"], in: workspace).stdout.components(separatedBy: "\n")
    for line in revision1[36...41] where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      #expect(bes01.contains("> \(line)"), "quote of \"\(line)\" missing")
    }
    // Waived: with the secretariat's reason.
    let bes02 = try #require(section(of: markdown, from: "### WS-BES-02:", to: "### WS-BES-03:"))
    #expect(bes02.contains("**Ikke besvaret i Beskæftigelsesområdet**, begrundelse: En taskforce er ikke besluttet"))
    // Answered in a common chapter that is approved too.
    let med07 = try #require(section(of: markdown, from: "### WS-MED-07:", to: "### WS-MED-08:"))
    #expect(med07.contains("**Besvaret i Pejlemærker for integration og medborgerskab** (godkendt tekst, linje 12-13)"))
    // Quoted policy text reads as the policy does: its Markdown is rendered, not shown as asterisks.
    let udd06 = try #require(section(of: markdown, from: "### WS-UDD-06:", to: "### WS-UDD-07:"))
    #expect(udd06.contains("(godkendt tekst, linje 5-6): Princip B: samarbejde på tværs af forvaltninger"))
    #expect(udd06.contains("> - **B)** I høj udstrækning gennemføres igennem videndeling"), "\(udd06)")
    // Open: said so under the input, and listed at the end.
    let open = try #require(section(of: markdown, from: "## Endnu åbne input\n", to: nil))
    for id in ["WS-UDD-01", "WS-UDD-02", "WS-MED-01", "WS-MED-03", "WS-MED-09"] {
      #expect(open.contains("- \(id): "), "\(id) should be listed as open")
    }
    for id in ["WS-BES-01", "WS-BES-02", "WS-MED-07", "WS-UDD-06"] {
      #expect(!open.contains("- \(id): "), "\(id) is answered or waived, not open")
    }
    let udd01 = try #require(section(of: markdown, from: "### WS-UDD-01:", to: "### WS-UDD-02:"))
    #expect(udd01.contains("*Endnu åben:*"))
    #expect(markdown.contains("- Endnu åbne: \(open.components(separatedBy: "\n- ").count - 1)\n"))

    // The HTML edition says the same, readable by pandoc, with the themes as headings.
    let htmlFile = out.appendingPathComponent("tilbagemelding.html")
    let html = try String(contentsOf: htmlFile, encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<html lang=\"da\">"))
    for theme in ["Uddannelse", "Beskæftigelse", "Medborgerskab"] {
      #expect(html.range(of: #"<h\d[^>]*>\#(theme)</h\d>"#, options: .regularExpression) != nil, "no heading \(theme)")
    }
    let text = try Pandoc.text(of: htmlFile, from: "html")
    expectInOrder(
      Self.workshopIds.map { "\($0):" } + ["Endnu åbne input"], in: text, "inputs in the HTML report")
    #expect(text.contains("Ikke besvaret i Beskæftigelsesområdet, begrundelse: En taskforce er ikke besluttet"))
    #expect(text.contains(oneLine(revision1[36])))
    #expect(text.contains("B) I høj udstrækning gennemføres igennem videndeling") && !text.contains("**B)**"))

    // A note or a quoted line with markup is shown as text, never run: in HTML escaped, in Markdown neutralised.
    let env = ["POLICYFLOW_WORKSPACE": workspace.path, "POLICYFLOW_USER": "karen-kff"]
    let hostile = "Se <script>alert(1)</script> og <b>fed</b> [link](javascript:alert(2))"
    let linked = try CLI.policyflow(["req", "link", "WS-MED-03", "kultur-og-fritid", "-m", hostile], environment: env)
    #expect(linked.status == 0, "\(linked.stderr)")
    let quotedLine = "Biblioteket <img src=x onerror=alert(5)> hjælper [her](javascript:alert(6)) <script>alert(7)</script>"
    let text2 = Roster.areaText("kultur-og-fritid", extra: "\n\(quotedLine)\n")
    let lineNumber = text2.components(separatedBy: "\n").firstIndex(of: quotedLine)! + 1
    let file = try scratch.file("k.md", text2)
    #expect(try CLI.policyflow(["submit", "kultur-og-fritid", file.path], environment: env).status == 0)
    let quoting = try CLI.policyflow(
      ["req", "link", "WS-MED-06", "kultur-og-fritid", "--lines", "\(lineNumber)", "-m", "Digital hjælp"], environment: env)
    #expect(quoting.status == 0, "\(quoting.stderr)")
    let report = try CLI.policyflow(["req", "report", "--format", "html"], environment: env)
    #expect(report.status == 0)
    #expect(report.stdout.contains("Se &lt;script&gt;alert(1)&lt;/script&gt; og &lt;b&gt;fed&lt;/b&gt;"))
    #expect(report.stdout.range(of: "<script", options: .caseInsensitive) == nil)
    #expect(!report.stdout.contains("<b>fed"))
    #expect(!report.stdout.contains("href=\"javascript"))
    #expect(report.stdout.range(of: "<img", options: .caseInsensitive) == nil)
    let reportFile = try scratch.file("r.html", report.stdout)
    let reportText = try Pandoc.text(of: reportFile, from: "html")
    #expect(reportText.contains("Se <script>alert(1)</script> og <b>fed</b>"))
    #expect(reportText.contains("Biblioteket <img src=x onerror=alert(5)> hjælper"), "\(reportText)")
    let md = try CLI.policyflow(["req", "report", "--format", "md"], environment: env)
    let mdFile = try scratch.file("r.md", md.stdout)
    let rendered = try CLI.run("pandoc", ["-f", "gfm", "-t", "html", mdFile.path]).stdout
    #expect(rendered.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(rendered.contains("Biblioteket &lt;img src=x onerror=alert(5)&gt; hjælper"))
    for forbidden in ["<script", "<img", "<b>", "href=\"javascript"] {
      #expect(rendered.range(of: forbidden, options: .caseInsensitive) == nil, "\(forbidden) in the Markdown report")
    }
    #expect(try CLI.policyflow(["req", "report", "--format", "pdf"], environment: env).status == 64)
  }

  @Test("refused requirement actions (wrong person, unknown requirement or section, bad lines) change nothing")
  func refusalsChangeNothing() throws {
    let w = try TemplateWorkspace()
    try w.ok(["submit", "beskaeftigelse", w.scratch.file("b.md", try w.templateText("beskaeftigelse")).path], as: "anne-bif")
    try w.ok(["req", "link", "WS-BES-01", "beskaeftigelse", "-m", "Virksomhedsrettet indsats"], as: "anne-bif")
    let before = try w.fingerprint()
    let cases: [(arguments: [String], person: String, status: Int32)] = [
      // Wrong person: a reviewer, another department's drafter, the secretariat linking (only owners link).
      (["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "x"], "soren-biu", 77),
      (["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "x"], "karen-kff", 77),
      (["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "x"], "pernille-sekretariat", 77),
      (["req", "waive", "WS-BES-02", "beskaeftigelse", "-m", "x"], "karen-kff", 77),
      (["req", "waive", "WS-BES-02", "beskaeftigelse", "-m", "x"], "soren-biu", 77),
      (["req", "confirm", "WS-BES-01", "beskaeftigelse"], "hanne-biu", 77),
      // Unknown requirement or section, or one outside the workspace.
      (["req", "link", "WS-BES-99", "beskaeftigelse", "-m", "x"], "anne-bif", 66),
      (["req", "waive", "WS-BES-99", "beskaeftigelse", "-m", "x"], "pernille-sekretariat", 66),
      (["req", "link", "WS-BES-02", "beskaeftigelsen", "-m", "x"], "anne-bif", 66),
      (["req", "waive", "WS-BES-02", "../../etc/passwd", "-m", "x"], "pernille-sekretariat", 66),
      (["req", "confirm", "WS-BES-02", "beskaeftigelse"], "anne-bif", 66),
      (["req", "list", "--section", "nope"], "anne-bif", 66),
      // No note, lines outside the text, an unknown person.
      (["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "  "], "anne-bif", 64),
      (["req", "waive", "WS-BES-02", "beskaeftigelse", "-m", ""], "pernille-sekretariat", 64),
      (["req", "link", "WS-BES-02", "beskaeftigelse", "--lines", "120-500", "-m", "x"], "anne-bif", 64),
      (["req", "link", "WS-BES-02", "beskaeftigelse", "--lines", "9-3", "-m", "x"], "anne-bif", 64),
      (["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "x"], "nobody-at-all", 66),
    ]
    for refusal in cases {
      let result = try w.pf(refusal.arguments, as: refusal.person)
      let command = "req \(refusal.arguments.dropFirst().joined(separator: " ")) as \(refusal.person)"
      #expect(result.status == refusal.status, "\(command): \(result.status) \(result.stderr)")
      #expect(!result.stderr.isEmpty, "\(command) gave no message")
      #expect(result.stdout.isEmpty, "\(command) printed \(result.stdout)")
      if refusal.status == 77 { #expect(result.stderr.contains("Nothing was changed"), "\(command): \(result.stderr)") }
      #expect(try w.fingerprint() == before, "\(command) changed the workspace")
    }
    let wrong = try w.pf(["req", "link", "WS-BES-02", "beskaeftigelse", "-m", "x"], as: "karen-kff")
    #expect(wrong.stderr.contains("WS-BES-02") && wrong.stderr.contains("beskaeftigelse"))
    #expect(wrong.stderr.contains("Beskæftigelses- og Integrationsforvaltningen"))
    let unknown = try w.pf(["req", "link", "WS-BES-99", "beskaeftigelse", "-m", "x"], as: "anne-bif")
    #expect(unknown.stderr.contains("WS-BES-99") && unknown.stderr.contains("req list"))
    #expect(try w.coverage("WS-BES-01").answers.map(\.note) == ["Virksomhedsrettet indsats"])
    #expect(try w.pf(["verify"]).status == 0)
  }

  /// The part of `text` from the line starting with `start` up to (not including) `end`, or to the end.
  private func section(of text: String, from start: String, to end: String?) -> String? {
    guard let from = text.range(of: start) else { return nil }
    let rest = text[from.lowerBound...]
    guard let end, let to = rest.range(of: end) else { return end == nil ? String(rest) : nil }
    return String(rest[..<to.lowerBound])
  }
}
