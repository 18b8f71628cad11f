import Foundation
import Testing

@Suite("the review workflow through the binary: own text, wrong state, joint sections, workflow files")
struct WorkflowCLITests {
  /// A template in which Anne drafts for BIF and also reviews for BIU.
  static func drafterWhoAlsoReviews() throws -> EditableTemplate {
    let template = try EditableTemplate()
    try template.replace(
      in: "members.yaml",
      """
        - id: anne-bif
          name: Anne Eksempel
          email: anne.eksempel@example.invalid
          departments: [BIF]
          committees: []
          roles: [drafter]
      """,
      with: """
          - id: anne-bif
            name: Anne Eksempel
            email: anne.eksempel@example.invalid
            departments: [BIF]
            committees: [BIU]
            roles: [drafter, reviewer]
        """)
    return template
  }

  @Test("a drafter who also reviews cannot approve or request changes on a revision they wrote")
  func selfSignoff() throws {
    // Anne drafts for BIF and, in this template, also reviews for BIU: she has both capacities for beskaeftigelse.
    let template = try Self.drafterWhoAlsoReviews()
    let w = try CustomWorkspace(template)
    let text =
      try String(
        contentsOf: template.url.appendingPathComponent("sections/beskaeftigelse.md"), encoding: .utf8)
      + "\nNyt afsnit.\n"
    let submitted = try w.pf(["submit", "beskaeftigelse", w.scratch.file("r1.md", text).path], as: "anne-bif")
    #expect(submitted.status == 0, "\(submitted.stderr)")
    #expect(
      try CLI.sqlite(w.root, "SELECT authorId FROM revision WHERE sectionId='beskaeftigelse' AND number=1")
        == "anne-bif")

    let before = try w.fingerprint()
    let approve = try w.pf(["approve", "beskaeftigelse", "-m", "Fint"], as: "anne-bif")
    #expect(approve.status == 77)
    #expect(approve.stderr.contains("nobody signs off their own text"), "\(approve.stderr)")
    #expect(approve.stderr.contains("beskaeftigelse"))
    #expect(try w.fingerprint() == before)

    let changes = try w.pf(["request-changes", "beskaeftigelse", "-m", "Hmm"], as: "anne-bif")
    #expect(changes.status == 77)
    #expect(changes.stderr.contains("nobody signs off their own text"), "\(changes.stderr)")
    #expect(try w.fingerprint() == before)

    // Another reviewer of the same committee may sign off the same revision.
    #expect(try w.pf(["approve", "beskaeftigelse"], as: "hanne-biu").status == 0)
    #expect(
      try CLI.sqlite(w.root, "SELECT group_concat(personId) FROM signoff WHERE sectionId='beskaeftigelse'")
        == "hanne-biu")
  }

  @Test("whoever sends revision 0 (the template's text) to review unchanged may not sign it off either")
  func selfSignoffOfUnchangedSubmission() throws {
    let template = try Self.drafterWhoAlsoReviews()
    let w = try CustomWorkspace(template)
    let file = template.url.appendingPathComponent("sections/forord.md")
    #expect(try w.pf(["submit", "forord", file.path], as: "anne-bif").status == 0)
    #expect(try CLI.sqlite(w.root, "SELECT authorId FROM revision WHERE sectionId='forord'") != "anne-bif")
    let before = try w.fingerprint()
    let approve = try w.pf(["approve", "forord"], as: "anne-bif")
    #expect(approve.status == 77)
    #expect(approve.stderr.contains("submitted revision 0"), "\(approve.stderr)")
    #expect(try w.fingerprint() == before)
  }

  @Test("wrong state: approve or request changes in draft (77), resubmitting the text under review (65)")
  func wrongState() throws {
    let w = try TemplateWorkspace()
    var before = try w.fingerprint()
    let approve = try w.pf(["approve", "beskaeftigelse"], as: "soren-biu")
    #expect(approve.status == 77)
    #expect(approve.stderr.contains("section beskaeftigelse is Kladde (draft)"), "\(approve.stderr)")
    #expect(approve.stderr.contains("nothing to sign off"))
    #expect(try w.fingerprint() == before)

    let changes = try w.pf(["request-changes", "beskaeftigelse", "-m", "Nej"], as: "ase-biu")
    #expect(changes.status == 77)
    #expect(changes.stderr.contains("allows request-changes only from committee_review"), "\(changes.stderr)")
    #expect(try w.fingerprint() == before)

    let text = try w.templateText("beskaeftigelse") + "\nÆndret.\n"
    let file = try w.scratch.file("r1.md", text)
    #expect(try w.pf(["submit", "beskaeftigelse", file.path], as: "anne-bif").status == 0)
    before = try w.fingerprint()
    let again = try w.pf(["submit", "beskaeftigelse", w.scratch.file("same.md", text).path], as: "anne-bif")
    #expect(again.status == 65)
    #expect(again.stderr.contains("identical to revision 1"), "\(again.stderr)")
    #expect(again.stderr.contains("nothing to submit"))
    #expect(try w.fingerprint() == before)
  }

  @Test("withdraw needs a reason; a withdrawn section is final: no submission, sign-off or second withdrawal")
  func withdrawnIsFinal() throws {
    let w = try TemplateWorkspace()
    var before = try w.fingerprint()
    let blank = try w.pf(["withdraw", "kultur-og-fritid", "-m", "  "], as: "pernille-sekretariat")
    #expect(blank.status == 64, "\(blank.stderr)")
    #expect(blank.stderr.contains("kultur-og-fritid"))
    #expect(try w.fingerprint() == before)
    let text = try w.templateText("kultur-og-fritid") + "\nTekst.\n"
    #expect(try w.pf(["submit", "kultur-og-fritid", w.scratch.file("r1.md", text).path], as: "karen-kff").status == 0)
    let withdrawn = try w.pf(["withdraw", "kultur-og-fritid", "-m", "Indgår i social"], as: "pernille-sekretariat")
    #expect(withdrawn.status == 0, "\(withdrawn.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='kultur-og-fritid'") == "withdrawn")
    before = try w.fingerprint()
    let again = try w.pf(["submit", "kultur-og-fritid", w.scratch.file("r2.md", text + "Mere.\n").path], as: "karen-kff")
    #expect(again.status == 77)
    #expect(again.stderr.contains("Trukket tilbage (withdrawn)"), "\(again.stderr)")
    #expect(try w.pf(["approve", "kultur-og-fritid"], as: "rasmus-kfu").status == 77)
    #expect(try w.pf(["request-changes", "kultur-og-fritid", "-m", "x"], as: "rasmus-kfu").status == 77)
    #expect(try w.pf(["withdraw", "kultur-og-fritid", "-m", "Igen"], as: "pernille-sekretariat").status == 77)
    #expect(try w.fingerprint() == before)
  }

  /// The blockers `status --json` gives for one section.
  func blockers(_ w: TemplateWorkspace, _ section: String) throws -> [String] {
    let json = try w.pf(["status", section, "--json"]).stdout
    let statuses = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
    return statuses.first?["blockers"] as? [String] ?? []
  }

  @Test(
    "a joint section is approved only after 2 reviewers and the chair of EACH committee; status names the one missing")
  func jointSection() throws {
    let w = try TemplateWorkspace()
    let section = "by-og-bolig"
    let text = try w.templateText(section) + "\nTMF og ØKF skriver sammen.\n"
    let submitted = try w.pf(["submit", section, try w.scratch.file("r1.md", text).path, "--as", "tine-tmf"])
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let requirements = try w.requirementsTargeting(section)
    #expect(!requirements.isEmpty)
    for requirement in requirements {
      let waived = try w.pf(["req", "waive", requirement, section, "-m", "Senere", "--as", "pernille-sekretariat"])
      #expect(waived.status == 0, "\(waived.stderr)")
    }
    // Teknik- og Miljøudvalget: all three sign-offs.
    for person in ["peter-tmu", "lene-tmu", "erik-tmu"] {
      let approved = try w.pf(["approve", section, "--as", person])
      #expect(approved.status == 0, "\(person): \(approved.stderr)")
    }
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='\(section)'") == "committee_review")
    var open = try blockers(w, section)
    #expect(open.contains("needs 2 more sign-offs from a reviewer of Økonomiudvalget"), "\(open)")
    #expect(open.contains("needs 1 more sign-off from the chair of Økonomiudvalget"), "\(open)")
    #expect(!open.contains { $0.contains("Teknik- og Miljøudvalget") }, "\(open)")
    let status = try w.pf(["status", section, "--json"]).stdout
    #expect(status.contains("\"have\" : 3"))
    #expect(status.contains("\"needed\" : 6"))

    // Økonomiudvalget's reviewers, then its chair: only the chair's sign-off completes the approval.
    for person in ["gitte-ou", "thomas-ou"] {
      #expect(try w.pf(["approve", section, "--as", person]).status == 0)
    }
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='\(section)'") == "committee_review")
    open = try blockers(w, section)
    #expect(open == ["needs 1 more sign-off from the chair of Økonomiudvalget"], "\(open)")
    let last = try w.pf(["approve", section, "-m", "Godkendt", "--as", "grethe-ou"])
    #expect(last.status == 0, "\(last.stderr)")
    #expect(last.stdout.contains("approved text is on main"))
    #expect(
      try CLI.sqlite(w.root, "SELECT state||'/'||approvedRevision FROM section WHERE id='\(section)'")
        == "approved/1")
    let trailers = try CLI.git(["log", "main", "-1", "--format=%(trailers:key=Signed-off-by,valueonly)"], in: w.root)
    #expect(trailers.stdout.split(separator: "\n").count == 6)
    #expect(
      try CLI.git(["log", "main", "-1", "--format=%B"], in: w.root).stdout
        .contains("godkendt af Teknik- og Miljøudvalget og Økonomiudvalget"))

    // Department and committee filters take any case of codes with æ, ø, å.
    for (flag, code) in [("--department", "økf"), ("--department", "ØKF"), ("--committee", "øu")] {
      let filtered = try w.pf(["status", flag, code, "--json"])
      #expect(filtered.status == 0, "\(flag) \(code): \(filtered.stderr)")
      let ids = (try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [[String: Any]] ?? [])
        .compactMap { $0["id"] as? String }
      #expect(ids == [section], "\(flag) \(code): \(ids)")
    }
    let tmf = try w.pf(["status", "--department", "tmf"])
    #expect(tmf.status == 0)
    #expect(tmf.stdout.contains("by-og-bolig"))
    #expect(!tmf.stdout.contains("beskaeftigelse"))
    #expect(try w.pf(["status", "--department", "xyz"]).status == 66)
  }

  // MARK: - workflow files

  static let defaultWorkflow = CLI.packageRoot.appendingPathComponent("workflows/section-review.yaml")

  /// A copy of the default workflow with `old` replaced by `new`, and the 1-based line where `marker` now is.
  func brokenCopy(_ scratch: Scratch, _ name: String, replacing old: String, with new: String, marker: String) throws
    -> (file: URL, line: Int)
  {
    let text = try String(contentsOf: Self.defaultWorkflow, encoding: .utf8)
    #expect(text.contains(old), "the default workflow no longer contains \(old)")
    let broken = text.replacingOccurrences(of: old, with: new)
    let directory = scratch.url.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent("section-review.yaml")
    try broken.write(to: file, atomically: true, encoding: .utf8)
    let lines = broken.components(separatedBy: "\n")
    let line = (lines.firstIndex { $0.contains(marker) } ?? -1) + 1
    return (file, line)
  }

  @Test("workflow check: the default is valid; broken copies exit 65 naming file and line")
  func workflowCheck() throws {
    let good = try CLI.policyflow(["workflow", "check", Self.defaultWorkflow.path])
    #expect(good.status == 0, "\(good.stderr)")
    #expect(good.stdout.contains("is valid"))
    #expect(good.stdout.contains("5 states"))

    let scratch = try Scratch("pf-wf")
    let cases: [(name: String, old: String, new: String, marker: String, words: String)] = [
      (
        "unknown-state", "from: [committee_review]\n    to: changes_requested",
        "from: [comittee_review]\n    to: changes_requested", "comittee_review", "unknown state `comittee_review`"
      ),
      (
        "unreachable-state", "    final: true           # no transition may leave a final state",
        "    final: true\n  - id: archived\n    label: Arkiveret", "- id: archived", "archived"
      ),
      (
        "leaves-final", "from: [draft, changes_requested, committee_review, approved]",
        "from: [draft, changes_requested, committee_review, approved, withdrawn]", "approved, withdrawn]", "withdrawn"
      ),
      ("malformed-yaml", "label: Sektionsbehandling", "label: [Sektionsbehandling", "label: [Sektionsbehandling", ""),
      (
        "unknown-capacity", "by: [secretariat]", "by: [secretariats]", "by: [secretariats]",
        "unknown capacity `secretariats`"
      ),
    ]
    for broken in cases {
      let (file, line) = try brokenCopy(
        scratch, broken.name, replacing: broken.old, with: broken.new, marker: broken.marker)
      #expect(line > 0)
      let result = try CLI.policyflow(["workflow", "check", file.path])
      #expect(result.status == 65, "\(broken.name): \(result.status) \(result.stderr)")
      #expect(result.stdout.isEmpty)
      if broken.name == "malformed-yaml" {
        // The parser notices the unclosed bracket at the bracket's line or the next one.
        #expect(result.stderr.contains("malformed YAML"), "\(result.stderr)")
        #expect(
          result.stderr.contains("section-review.yaml:\(line):")
            || result.stderr.contains("section-review.yaml:\(line + 1):"), "line \(line): \(result.stderr)")
      } else {
        #expect(result.stderr.contains("section-review.yaml:\(line):"), "\(broken.name) line \(line): \(result.stderr)")
        #expect(result.stderr.contains(broken.words), "\(broken.name): \(result.stderr)")
      }
    }
    #expect(
      try CLI.policyflow(["workflow", "check", scratch.url.appendingPathComponent("none.yaml").path]).status == 66)
  }

  @Test("workflow show draws every transition in Mermaid and in dot")
  func workflowShow() throws {
    // Every (from, to, name) of the default workflow, read from the file.
    let text = try String(contentsOf: Self.defaultWorkflow, encoding: .utf8)
    var edges: [(from: String, to: String, label: String)] = []
    var from: [String] = []
    var label = ""
    var inTransitions = false
    for raw in text.split(separator: "\n") {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingCharacters(in: .whitespaces)
      if raw.hasPrefix("transitions:") { inTransitions = true }
      guard inTransitions else { continue }
      if line.hasPrefix("on:") { label = line.dropFirst(3).trimmingCharacters(in: .whitespaces) }
      if line.hasPrefix("auto: true") { label = "auto" }
      if line.hasPrefix("from:") {
        from = line.dropFirst(5).trimmingCharacters(in: CharacterSet(charactersIn: " []")).split(separator: ",")
          .map { $0.trimmingCharacters(in: .whitespaces) }
      }
      if line.hasPrefix("to:") {
        let to = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        edges += from.map { ($0, to, label) }
      }
    }
    #expect(edges.count == 9)

    let mermaid = try CLI.policyflow(["workflow", "show", "--format", "mermaid", Self.defaultWorkflow.path])
    #expect(mermaid.status == 0, "\(mermaid.stderr)")
    #expect(mermaid.stdout.hasPrefix("stateDiagram-v2"))
    let dot = try CLI.policyflow(["workflow", "show", "--format", "dot", Self.defaultWorkflow.path])
    #expect(dot.status == 0, "\(dot.stderr)")
    #expect(dot.stdout.hasPrefix("digraph"))
    for edge in edges {
      #expect(mermaid.stdout.contains("\(edge.from) --> \(edge.to): \(edge.label)\n"), "mermaid lacks \(edge)")
      #expect(dot.stdout.contains("\"\(edge.from)\" -> \"\(edge.to)\" [label=\"\(edge.label)\""), "dot lacks \(edge)")
    }
    let arrows = mermaid.stdout.split(separator: "\n").filter { $0.contains(" --> ") && !$0.contains("[*]") }
    #expect(arrows.count == edges.count, "\(arrows)")
    let dotArrows = dot.stdout.split(separator: "\n").filter { $0.contains(" -> ") && !$0.contains("__start") }
    #expect(dotArrows.count == edges.count, "\(dotArrows)")
    #expect(try CLI.policyflow(["workflow", "show", "--format", "svg", Self.defaultWorkflow.path]).status == 64)
    // Inside a workspace, without a file: the workspace's own workflow.
    let w = try TemplateWorkspace()
    #expect(try w.pf(["workflow", "show"]).stdout == mermaid.stdout)
  }
}
