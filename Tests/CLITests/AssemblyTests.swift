import Foundation
import Testing

/// The consolidated policy as the secretariat assembles it, read back by pandoc, git and sha256sum.
@Suite("assembly through the binary")
struct AssemblyTests {
  static let formats = [("md", "gfm"), ("html", "html"), ("docx", "docx")]

  /// Headings and the first words of every paragraph and list item of a section's Markdown, in order: what a reader
  /// of any edition must find, independent of line wrapping and inline markup.
  static func landmarks(_ markdown: String) -> [String] {
    var result: [String] = []
    for block in markdown.components(separatedBy: "\n\n") {
      let trimmed = block.trimmingCharacters(in: .whitespacesAndNewlines)
      guard !trimmed.isEmpty else { continue }
      if trimmed.hasPrefix("#") {
        result.append(String(trimmed.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces))
        continue
      }
      let items: [String]
      if trimmed.hasPrefix("- ") {
        items = trimmed.components(separatedBy: "\n- ").map { String($0.drop { $0 == "-" || $0 == " " }) }
      } else if trimmed.first?.isNumber == true, trimmed.range(of: #"^\d+\. "#, options: .regularExpression) != nil {
        items = trimmed.components(separatedBy: "\n").filter { $0.first?.isNumber == true }
          .map { $0.replacingOccurrences(of: #"^\d+\. "#, with: "", options: .regularExpression) }
      } else {
        items = [trimmed]
      }
      for item in items {
        let words = oneLine(item.replacingOccurrences(of: "**", with: "")).split(separator: " ").prefix(6)
        result.append(words.joined(separator: " "))
      }
    }
    return result
  }

  /// Rows of every table in an HTML text, each as its cells' text joined by " | ".
  static func tableRows(_ html: String) -> [String] {
    html.components(separatedBy: "<tr").dropFirst().map { chunk in
      let row = chunk.drop { $0 != ">" }.dropFirst()
      return row.components(separatedBy: "</td>").dropLast().map { cell in
        oneLine(cell.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression))
          .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
          .replacingOccurrences(of: "&amp;", with: "&")
      }.joined(separator: " | ")
    }
  }

  /// The provenance table of an edition as HTML rows: ours directly, the others through pandoc.
  static func provenanceRows(_ out: URL, _ format: String) throws -> [String] {
    let file = out.appendingPathComponent("politik.\(format)")
    let html: String
    if format == "html" {
      html = try String(contentsOf: file, encoding: .utf8)
    } else {
      html = try CLI.run("pandoc", ["-f", format == "md" ? "gfm" : format, "-t", "html", file.path]).stdout
    }
    guard let start = html.range(of: "Bilag: Proveniens", options: .backwards) else { return [] }
    return tableRows(String(html[start.upperBound...]))
  }

  static func sha256(_ text: String) throws -> String {
    let scratch = try Scratch("pf-hash")
    let file = try scratch.file("t", text)
    return String(try CLI.run("sha256sum", [file.path]).stdout.prefix(64))
  }

  static func assemble(_ w: TemplateWorkspace, _ out: URL, draft: Bool = true, formats: String = "md,html,docx")
    throws -> Run
  {
    try w.pf(["assemble", "--format", formats, "--out", out.path] + (draft ? ["--draft"] : []), as: "pernille-sekretariat")
  }

  @Test("pandoc reads each edition back with every approved section's headings and paragraphs in manifest order")
  func editionsReadBackInOrder() throws {
    let w = try TemplateWorkspace()
    let targets = try w.requirementTargets()
    for section in Roster.commonChapters { try w.approveSection(section, targets: targets) }
    try w.approveSection("beskaeftigelse", text: try w.templateText("beskaeftigelse"), targets: targets)
    let out = w.scratch.url.appendingPathComponent("out")
    let result = try Self.assemble(w, out)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("approved text: 7 sections; drafts: 5"), "\(result.stdout)")

    // What must be read, in manifest order: each approved section's heading right before its first words.
    var expected: [String] = []
    let statuses = try JSONSerialization.jsonObject(with: Data(try w.ok(["status", "--json"]).stdout.utf8))
    let titles = Dictionary(
      uniqueKeysWithValues: (statuses as? [[String: Any]] ?? []).map { ($0["id"] as! String, $0["title"] as! String) })
    for section in Roster.sections.map(\.id)
    where Roster.commonChapters.contains(section) || section == "beskaeftigelse" {
      let title = try #require(titles[section])
      var landmarks = Self.landmarks(try w.templateText(section))
      if section == "beskaeftigelse" {
        expected.append("Udfordringer og visioner på 6 centrale områder")
        landmarks[0] = "1. \(title) \(landmarks[0])"
      } else {
        landmarks[0] = "\(title) \(landmarks[0])"
      }
      expected += landmarks
    }
    #expect(expected.count > 100)
    #expect(expected.contains("Forord Integrations- og medborgerskabspolitikken er udarbejdet med"))
    #expect(expected.contains("1. Beskæftigelsesområdet Situationen i København"))
    for (ext, reader) in Self.formats {
      let text = try Pandoc.text(of: out.appendingPathComponent("politik.\(ext)"), from: reader)
      expectInOrder(expected, in: text, "politik.\(ext)")
      // The sub-headings of the area come out as headings, one level below the area's.
      #expect(text.contains("Den beskæftigelsesrettede indsats Københavns Kommune arbejder for"), "politik.\(ext)")
    }
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    #expect(html.contains(">Forord</h1>"))
    #expect(html.contains(">1. Beskæftigelsesområdet</h2>"))
    #expect(html.contains("<h3>Situationen i København</h3>"))
    #expect(html.contains("<h4>Den beskæftigelsesrettede indsats</h4>"))
    let markdown = try String(contentsOf: out.appendingPathComponent("politik.md"), encoding: .utf8)
    #expect(markdown.contains("\n# Forord\n"))
    #expect(markdown.contains("\n## 1. Beskæftigelsesområdet\n"))
    let docx = try CLI.run("pandoc", ["-f", "docx", "-t", "html", out.appendingPathComponent("politik.docx").path])
    #expect(docx.stdout.range(of: #"<h1[^>]*>Forord</h1>"#, options: .regularExpression) != nil)
    #expect(docx.stdout.range(of: #"<h2[^>]*>1. Beskæftigelsesområdet</h2>"#, options: .regularExpression) != nil)
  }

  @Test("raw HTML and <script> in a section come out escaped in the HTML, as text in every edition")
  func sectionMarkupEscaped() throws {
    let w = try TemplateWorkspace()
    let text = Roster.areaText(
      "kultur-og-fritid",
      extra: """

        <script>alert(1)</script>

        Tekst med <img src=x onerror=alert(2)> og <b>fed</b> og [klik](javascript:alert(3)).

        <div onclick="alert(4)">blok</div>
        """)
    try w.ok(["submit", "kultur-og-fritid", w.scratch.file("k.md", text).path], as: "karen-kff")
    let out = w.scratch.url.appendingPathComponent("out")
    #expect(try Self.assemble(w, out).status == 0)
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
    for forbidden in ["<script", "<img", "<b>", "<div onclick", "href=\"javascript", "<iframe"] {
      #expect(html.range(of: forbidden, options: .caseInsensitive) == nil, "\(forbidden) in politik.html")
    }
    // Readers see the author's characters as text.
    for (ext, reader) in [("html", "html"), ("docx", "docx")] {
      let read = try Pandoc.text(of: out.appendingPathComponent("politik.\(ext)"), from: reader)
      #expect(read.contains("<script>alert(1)</script>"), "politik.\(ext)")
      #expect(read.contains("Tekst med <img src=x onerror=alert(2)> og <b>fed</b>"), "politik.\(ext)")
    }
    // The Markdown edition, rendered by an independent renderer, runs no script either.
    let rendered = try CLI.run("pandoc", ["-f", "gfm", "-t", "html", out.appendingPathComponent("politik.md").path])
    for forbidden in ["<script", "<img", "<b>", "href=\"javascript", "<div onclick"] {
      #expect(rendered.stdout.range(of: forbidden, options: .caseInsensitive) == nil, "\(forbidden) in politik.md")
    }
  }

  @Test("an open comment on a draft section appears in the draft, escaped")
  func draftCommentEscaped() throws {
    let w = try TemplateWorkspace()
    try w.ok(
      ["submit", "kultur-og-fritid", w.scratch.file("k.md", Roster.areaText("kultur-og-fritid")).path], as: "karen-kff")
    try w.ok(
      ["comment", "kultur-og-fritid", "--line", "3", "-m", "Kilde mangler <script>alert(1)</script> <b>her</b>"],
      as: "rasmus-kfu")
    let out = w.scratch.url.appendingPathComponent("out")
    #expect(try Self.assemble(w, out).status == 0)
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    #expect(html.range(of: "<script", options: .caseInsensitive) == nil)
    #expect(!html.contains("<b>her"))
    #expect(
      html.contains("Kilde mangler &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;her&lt;/b&gt;"),
      "the draft does not show the open comment on kultur-og-fritid")
  }

  @Test("assembling twice gives identical bytes; --release tags a commit on main holding the files")
  func reproducibleAndRelease() throws {
    let w = try TemplateWorkspace()
    try w.approveAll()
    let first = w.scratch.url.appendingPathComponent("first")
    let second = w.scratch.url.appendingPathComponent("second")
    let one = try Self.assemble(w, first, draft: false)
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout.contains("approved text: 12 sections; drafts: 0"), "\(one.stdout)")
    #expect(try Self.assemble(w, second, draft: false).status == 0)
    for ext in ["md", "html", "docx"] {
      let a = try Data(contentsOf: first.appendingPathComponent("politik.\(ext)"))
      let b = try Data(contentsOf: second.appendingPathComponent("politik.\(ext)"))
      #expect(a == b, "politik.\(ext) differs between two assemblies")
      #expect(a.count > 1000)
    }
    let markdown = try String(contentsOf: first.appendingPathComponent("politik.md"), encoding: .utf8)
    #expect(!markdown.contains("UDKAST") && !markdown.contains("Ikke godkendt"))
    #expect(markdown.contains("Godkendt tekst"))
    #expect(markdown.contains("## 2. By- og boligområdet"))
    #expect(markdown.contains("Situationen på området by-og-bolig beskrives"))

    // A release: a commit on main with the three files under releases/NAME/, tagged NAME.
    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    let release = w.scratch.url.appendingPathComponent("release")
    let released = try w.pf(
      ["assemble", "--format", "md,html,docx", "--out", release.path, "--release", "2023-vedtaget"],
      as: "pernille-sekretariat")
    #expect(released.status == 0, "\(released.stderr)")
    let main = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    #expect(try CLI.git(["rev-parse", "main^"], in: w.root).stdout == mainBefore)
    #expect(try CLI.git(["rev-parse", "refs/tags/2023-vedtaget^{commit}"], in: w.root).stdout == main)
    let files = try CLI.git(["ls-tree", "-r", "--name-only", "main", "releases/"], in: w.root).stdout
    #expect(
      files == "releases/2023-vedtaget/politik.docx\nreleases/2023-vedtaget/politik.html\nreleases/2023-vedtaget/politik.md\n")
    for ext in ["md", "html", "docx"] {
      let inGit = try CLI.git(["rev-parse", "main:releases/2023-vedtaget/politik.\(ext)"], in: w.root).stdout
      let written = try CLI.git(["hash-object", release.appendingPathComponent("politik.\(ext)").path], in: w.root).stdout
      let earlier = try CLI.git(["hash-object", first.appendingPathComponent("politik.\(ext)").path], in: w.root).stdout
      #expect(inGit == written && written == earlier, "released politik.\(ext) is not the assembled one")
    }
    let message = try CLI.git(["log", "main", "-1", "--format=%an|%B"], in: w.root).stdout
    #expect(message.hasPrefix("Pernille Protokol|"))
    #expect(message.contains("Policyflow-Release: 2023-vedtaget"))
    for section in Roster.sections.map(\.id) { #expect(message.contains("\(section): revision ")) }
    // The release changed only releases/: every approved section is still on main.
    #expect(try CLI.git(["diff", "--name-only", "main^", "main"], in: w.root).stdout.split(separator: "\n")
      .allSatisfy { $0.hasPrefix("releases/2023-vedtaget/") })
    #expect(try CLI.git(["fsck", "--strict"], in: w.root).status == 0)
    #expect(try w.pf(["verify"]).status == 0)

    // The same name twice, a draft release or a name that could escape are refused and change nothing.
    let before = try w.fingerprint()
    let elsewhere = w.scratch.url.appendingPathComponent("elsewhere")
    for (arguments, status) in [
      (["--release", "2023-vedtaget"], Int32(77)), (["--release", "udkast", "--draft"], 64),
      (["--release", "../../evil"], 64), (["--release", "a/b"], 64), (["--release", "-x"], 64),
    ] {
      let refused = try w.pf(["assemble", "--out", elsewhere.path] + arguments, as: "pernille-sekretariat")
      #expect(refused.status == status, "\(arguments): \(refused.stderr)")
      #expect(try w.fingerprint() == before, "\(arguments) changed the workspace")
    }
    #expect(!FileManager.default.fileExists(atPath: elsewhere.path), "a refused release wrote its files")
    #expect(try CLI.git(["tag", "--list"], in: w.root).stdout == "2023-vedtaget\n")

    // Reopening a section keeps its approved text in the policy until the successor is approved.
    let reopened = try w.templateText("forord") + "\nDenne sætning står kun i den nye revision.\n"
    try w.ok(["submit", "forord", w.scratch.file("f2.md", reopened).path], as: "anne-bif")
    #expect(try w.state("forord") == "committee_review")
    let after = w.scratch.url.appendingPathComponent("after")
    let again = try Self.assemble(w, after, draft: false)
    #expect(again.status == 0, "\(again.stderr)")
    for (ext, reader) in Self.formats {
      let text = try Pandoc.text(of: after.appendingPathComponent("politik.\(ext)"), from: reader)
      #expect(!text.contains("Denne sætning står kun i den nye revision"), "politik.\(ext) has unapproved text")
      #expect(text.contains("Forord Integrations- og medborgerskabspolitikken er udarbejdet"), "politik.\(ext)")
      #expect(!text.contains("UDKAST"), "politik.\(ext)")
    }
  }

  @Test("without --draft, assembly refuses while anything is unapproved, names the sections and writes nothing")
  func refusesUnapproved() throws {
    let w = try TemplateWorkspace()
    try w.approveSection("forord")
    let before = try w.fingerprint()
    let out = w.scratch.url.appendingPathComponent("out")
    let refused = try Self.assemble(w, out, draft: false)
    #expect(refused.status == 77)
    #expect(refused.stdout.isEmpty)
    #expect(refused.stderr.contains("11 sections are not approved"), "\(refused.stderr)")
    for section in Roster.sections.map(\.id) where section != "forord" {
      #expect(refused.stderr.contains("  \(section) ("), "\(section) not named: \(refused.stderr)")
    }
    #expect(!refused.stderr.contains("  forord ("))
    #expect(refused.stderr.contains("--draft") && refused.stderr.contains("Nothing was written"))
    #expect(!FileManager.default.fileExists(atPath: out.path))
    #expect(try w.fingerprint() == before)

    // An existing output directory keeps what it had.
    let existing = w.scratch.url.appendingPathComponent("existing")
    try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
    try "gammel udgave\n".write(to: existing.appendingPathComponent("politik.md"), atomically: true, encoding: .utf8)
    #expect(try Self.assemble(w, existing, draft: false).status == 77)
    #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path) == ["politik.md"])
    #expect(try String(contentsOf: existing.appendingPathComponent("politik.md"), encoding: .utf8) == "gammel udgave\n")

    // An output path that cannot be a directory is the user's to fix: a clear message, nothing written.
    let file = try w.scratch.file("a-file", "mine\n")
    for target in [file, file.appendingPathComponent("sub")] {
      let unusable = try w.pf(["assemble", "--draft", "--out", target.path], as: "pernille-sekretariat")
      #expect(unusable.status == 64, "\(unusable.stderr)")
      #expect(unusable.stderr.contains(target.path) && unusable.stderr.contains("--out"), "\(unusable.stderr)")
      #expect(!unusable.stderr.contains("internal error"), "\(unusable.stderr)")
    }
    #expect(try String(contentsOf: file, encoding: .utf8) == "mine\n")
    #expect(try w.fingerprint() == before)

    // Only the secretariat assembles, drafts included.
    for person in ["anne-bif", "soren-biu", "ase-biu", "karen-kff"] {
      let other = try w.pf(["assemble", "--draft", "--out", out.path], as: person)
      #expect(other.status == 77, "\(person): \(other.stderr)")
      #expect(other.stderr.contains("secretariat"))
    }
    #expect(!FileManager.default.fileExists(atPath: out.path))
    #expect(try w.fingerprint() == before)
    #expect(try w.pf(["assemble", "--draft", "--out", out.path], as: "carsten-sekretariat").status == 0)
  }

  @Test("a draft marks unapproved sections, shows guidance for empty ones and lists provenance of approved ones")
  func draftMarksAndProvenance() throws {
    let w = try TemplateWorkspace()
    try w.approveSection("forord")
    let area = Roster.areaText("beskaeftigelse")
    try w.ok(["submit", "beskaeftigelse", w.scratch.file("b.md", area).path], as: "anne-bif")
    try w.ok(["submit", "by-og-bolig", w.scratch.file("bb.md", try w.templateText("by-og-bolig")).path], as: "tine-tmf")
    try w.ok(["request-changes", "by-og-bolig", "-m", "Skriv afsnittet"], as: "peter-tmu")
    let out = w.scratch.url.appendingPathComponent("out")
    let result = try Self.assemble(w, out)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("DRAFT (UDKAST)"))

    let forordHash = try Self.sha256(try w.templateText("forord"))
    let areaHash = try Self.sha256(area)
    for (ext, reader) in Self.formats {
      let text = try Pandoc.text(of: out.appendingPathComponent("politik.\(ext)"), from: reader)
      #expect(text.contains("UDKAST — 11 af 12 afsnit er endnu ikke godkendt"), "politik.\(ext)")
      // Approved text carries no mark; everything else says whose it is, which revision and where it stands.
      #expect(text.contains("Forord Integrations- og medborgerskabspolitikken er udarbejdet"), "politik.\(ext)")
      expectInOrder(
        [
          "Indledning Ikke godkendt — Beskæftigelses- og Integrationsforvaltningen, revision 0: kladde Der er 100.826",
          "1. Beskæftigelsesområdet Ikke godkendt — Beskæftigelses- og Integrationsforvaltningen, revision 1: "
            + "i udvalgsbehandling Situationen i København Situationen på området beskaeftigelse",
          "2. By- og boligområdet Ikke godkendt — Teknik- og Miljøforvaltningen og Økonomiforvaltningen, revision 0: "
            + "ændringer ønsket Endnu ikke skrevet: Udfyldes af TMF (fx udsatte byområder) og ØKF (fx andel af almene "
            + "boliger) Situationen i København Det gør vi allerede",
          "3. Kultur- og fritidsområdet Ikke godkendt — Kultur- og Fritidsforvaltningen, revision 0: kladde "
            + "Endnu ikke skrevet: Udfyldes af KFF (fx andel som er aktive i kultur- og fritidstilbud)",
          "6. Børne- og ungdomsområdet Ikke godkendt — Børne- og Ungdomsforvaltningen, revision 0: kladde",
          "Statistiske definitioner Ikke godkendt",
          "Bilag: Proveniens",
        ], in: text, "politik.\(ext)")
      #expect(!text.contains("Forord Ikke godkendt"))

      // Provenance: revision, content hash and signers of approved text; drafts have no signers.
      let rows = try Self.provenanceRows(out, ext)
      let forord = rows.first { $0.hasPrefix("Forord |") }
      #expect(forord?.hasPrefix("Forord | Godkendt | 0 | \(forordHash) | ") == true, "politik.\(ext): \(forord ?? "none")")
      #expect(forord?.hasSuffix(" | Søren Prøvesen, Hanne Hypotese, Åse Testrup") == true, "politik.\(ext)")
      let besk = rows.first { $0.hasPrefix("Beskæftigelsesområdet |") }
      #expect(besk == "Beskæftigelsesområdet | I udvalgsbehandling | 1 | \(areaHash) | — | —", "politik.\(ext)")
      #expect(rows.filter { $0.contains(" | ") }.count >= 12, "politik.\(ext): \(rows.count) rows")
    }
    let html = try String(contentsOf: out.appendingPathComponent("politik.html"), encoding: .utf8)
    #expect(html.contains("<title>UDKAST — Københavns Kommunes Integrations- og medborgerskabspolitik</title>"))
    #expect(html.contains("<body class=\"draft\">"))
  }

  @Test("a reopened section contributes its approved revision, never the text under review")
  func reopenedSectionUsesApprovedText() throws {
    let w = try TemplateWorkspace()
    let approved = Roster.areaText("kultur-og-fritid")
    try w.approveSection("kultur-og-fritid", text: approved)
    let revision2 = Roster.areaText("kultur-og-fritid", extra: "\nDenne sætning findes kun i revision 2.\n")
    try w.ok(["submit", "kultur-og-fritid", w.scratch.file("k2.md", revision2).path], as: "karen-kff")
    #expect(try w.state("kultur-og-fritid") == "committee_review")
    let out = w.scratch.url.appendingPathComponent("out")
    let result = try Self.assemble(w, out)
    #expect(result.status == 0, "\(result.stderr)")
    let hash = try Self.sha256(approved)
    for (ext, reader) in Self.formats {
      let text = try Pandoc.text(of: out.appendingPathComponent("politik.\(ext)"), from: reader)
      #expect(!text.contains("Denne sætning findes kun i revision 2"), "politik.\(ext) shows text under review")
      expectInOrder(
        [
          "3. Kultur- og fritidsområdet Godkendt revision 1; revision 2 er til behandling",
          "Situationen på området kultur-og-fritid", "Fremadrettet vil vi styrke samarbejdet på området kultur-og-fritid",
          "4. Socialområdet",
        ], in: text, "politik.\(ext)")
      let row = try Self.provenanceRows(out, ext).first { $0.hasPrefix("Kultur- og fritidsområdet |") }
      #expect(row?.hasPrefix("Kultur- og fritidsområdet | I udvalgsbehandling | 1 | \(hash) | ") == true, "\(row ?? "none")")
      #expect(row?.hasSuffix(" | Rasmus Rollespil, Maja Mellemrum, Kirsten Kulisse") == true, "\(row ?? "none")")
    }
  }
}
