import Foundation
import Testing

/// `policyflow inbox`: what waits for the acting member, from the index only, in the policy's language; its JSON the
/// same on every synced copy. And a record naming a commit the repository lacks: a clear error, not an internal one.
@Suite("inbox: what waits for a member; a record naming a missing commit")
struct InboxTests {
  static func json(_ run: Run) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
  }

  static func sections(_ list: Any?) -> [String] {
    (list as? [[String: Any]] ?? []).compactMap { $0["section"] as? String }
  }

  /// A bare repository holding what `refspecs` push from `w`, and a plain `git clone` of it in which `missing` is not
  /// present: a copy of the policy that lacks one commit its record names. Returns the clone's environment.
  static func incompleteClone(of w: TemplateWorkspace, pushing refspecs: [String], missing: String) throws -> (
    bare: URL, environment: [String: String]
  ) {
    let bare = w.scratch.url.appendingPathComponent("bare.git")
    #expect(try CLI.run("git", ["init", "-q", "--bare", "--initial-branch=main", bare.path]).status == 0)
    let pushed = try CLI.git(["push", "-q", bare.path] + refspecs, in: w.root)
    #expect(pushed.status == 0, "\(pushed.stderr)")
    let clone = w.scratch.url.appendingPathComponent("clone")
    #expect(try CLI.run("git", ["clone", "-q", "file://" + bare.path, clone.path]).status == 0)
    #expect(try CLI.git(["cat-file", "-e", missing], in: clone).status != 0, "\(missing) must be missing")
    return (bare, ["POLICYFLOW_WORKSPACE": clone.path])
  }

  /// Once the remote has what was missing, `sync` completes the copy: it then shows what the original shows.
  static func expectCompletedBySync(
    _ w: TemplateWorkspace, _ env: [String: String], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let synced = try CLI.policyflow(["sync"], environment: env)
    #expect(synced.status == 0, "\(synced.stderr)", sourceLocation: sourceLocation)
    let after = try CLI.policyflow(["status", "--json"], environment: env)
    #expect(after.status == 0, "\(after.stderr)", sourceLocation: sourceLocation)
    #expect(after.stdout == (try w.ok(["status", "--json"]).stdout), sourceLocation: sourceLocation)
    #expect(try CLI.policyflow(["verify"], environment: env).status == 0, sourceLocation: sourceLocation)
  }

  static func ids(_ list: Any?) -> [String] {
    (list as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
  }

  @Test("reviews, change requests, blocking comments to answer and to resolve, the secretariat's share; in Danish")
  func reviewRound() throws {
    let w = try TemplateWorkspace()
    let section = "kultur-og-fritid"
    // Nothing yet: one line, exit 0.
    let empty = try w.ok(["inbox"], as: "maja-kfu")
    #expect(empty.stdout.contains("Indbakke for") && empty.stdout.contains("Intet venter på dig."), "\(empty.stdout)")
    #expect(try Self.json(try w.ok(["inbox", "--json"], as: "maja-kfu"))["toReview"] as? [Any] != nil)

    try w.ok(["submit", section, try w.scratch.file("k.md", Roster.areaText(section)).path, "-m", "Udkast"], as: "karen-kff")
    // The committee's reviewers and chair are asked; the drafter is not (nobody reviews their own text).
    for reviewer in ["rasmus-kfu", "maja-kfu", "kirsten-kfu"] {
      #expect(Self.sections(try Self.json(try w.ok(["inbox", "--json"], as: reviewer))["toReview"]) == [section], "\(reviewer)")
    }
    #expect(Self.sections(try Self.json(try w.ok(["inbox", "--json"], as: "karen-kff"))["toReview"]).isEmpty)
    let maja = try w.ok(["inbox"], as: "maja-kfu").stdout
    #expect(maja.contains("Venter på din godkendelse (1)"), "\(maja)")
    #expect(maja.contains("som udvalgsmedlem i Kultur- og Fritidsudvalget: 0 af 2 godkendelser givet"), "\(maja)")
    #expect(maja.contains("policyflow approve \(section)"), "\(maja)")

    // A blocking comment: the drafter has it to answer; its author and the chair may resolve it, the drafter not.
    let comment = try w.ok(["comment", section, "--line", "3", "--blocking", "-m", "Kilde?"], as: "rasmus-kfu")
    let id = String(try #require(comment.stdout.split(whereSeparator: { !$0.isHexDigit }).first { $0.count >= 7 }))
    let karen = try Self.json(try w.ok(["inbox", "--json"], as: "karen-kff"))
    let answer = try #require((karen["toAnswer"] as? [[String: Any]])?.first)
    #expect(answer["section"] as? String == section)
    #expect(Self.ids(answer["blockingComments"]).first.map { id.hasPrefix($0) || $0.hasPrefix(id) } == true, "\(answer)")
    #expect(Self.ids(karen["toResolve"]).isEmpty, "the drafter may not resolve a blocking comment on her text")
    for resolver in ["rasmus-kfu", "kirsten-kfu"] {
      #expect(Self.ids(try Self.json(try w.ok(["inbox", "--json"], as: resolver))["toResolve"]).count == 1, "\(resolver)")
    }
    #expect(Self.ids(try Self.json(try w.ok(["inbox", "--json"], as: "maja-kfu"))["toResolve"]).isEmpty)
    let karenText = try w.ok(["inbox"], as: "karen-kff").stdout
    #expect(karenText.contains("Dine afsnit med ønskede ændringer eller blokerende kommentarer (1)"), "\(karenText)")
    #expect(karenText.contains("blokerende kommentar") && karenText.contains("»Kilde?«"), "\(karenText)")
    #expect(try w.ok(["inbox"], as: "kirsten-kfu").stdout.contains("Blokerende kommentarer, som du må løse (1)"))

    // The secretariat sees the requirements that hold the section up in review; a reviewer has no secretariat part.
    let pernille = try Self.json(try w.ok(["inbox", "--json"], as: "pernille-sekretariat"))
    let secretariat = try #require(pernille["secretariat"] as? [String: Any])
    #expect(Self.sections(secretariat["unaddressedRequirements"]) == [section], "\(secretariat)")
    #expect(try Self.json(try w.ok(["inbox", "--json"], as: "maja-kfu"))["secretariat"] == nil)
    #expect(try w.ok(["inbox"], as: "pernille-sekretariat").stdout.contains("Til sekretariatet"))

    // Maja signs off: her sign-off counts, so nothing is asked of her any more; Rasmus is still asked.
    try w.ok(["approve", section, "-m", "Fint"], as: "maja-kfu")
    #expect(Self.sections(try Self.json(try w.ok(["inbox", "--json"], as: "maja-kfu"))["toReview"]).isEmpty)
    let rasmus = try #require((try Self.json(try w.ok(["inbox", "--json"], as: "rasmus-kfu"))["toReview"] as? [[String: Any]])?.first)
    let role = try #require((rasmus["roles"] as? [[String: Any]])?.first)
    #expect(role["capacity"] as? String == "committee_reviewer" && role["have"] as? Int == 1 && role["needed"] as? Int == 2, "\(role)")

    // The chair asks for changes: the drafter has the request to answer, the reviewers have nothing to sign.
    try w.ok(["request-changes", section, "-m", "Tilføj tal for 2022"], as: "kirsten-kfu")
    let requests = try #require((try Self.json(try w.ok(["inbox", "--json"], as: "karen-kff"))["toAnswer"] as? [[String: Any]])?.first)
    let request = try #require((requests["changeRequests"] as? [[String: Any]])?.first)
    #expect(request["by"] as? String == "kirsten-kfu" && request["message"] as? String == "Tilføj tal for 2022")
    #expect(try w.ok(["inbox"], as: "karen-kff").stdout.contains("ønsker ændringer i revision 1: »Tilføj tal for 2022«"))
    #expect(Self.sections(try Self.json(try w.ok(["inbox", "--json"], as: "rasmus-kfu"))["toReview"]).isEmpty)

    // Someone outside members.yaml: 66, as for every command.
    let stranger = try w.pf(["inbox"], as: "nobody-here")
    #expect(stranger.status == 66, "\(stranger.stderr)")
  }

  @Test("the secretariat's inbox: a section the next action approves, and a policy ready for release until released")
  func secretariatReadiness() throws {
    let w = try TemplateWorkspace()
    let section = "kultur-og-fritid"
    let targets = try w.requirementsTargeting(section)
    #expect(!targets.isEmpty, "the template's requirements name \(section)")
    try w.ok(["submit", section, try w.scratch.file("k.md", Roster.areaText(section)).path], as: Roster.drafter(section))
    for signer in Roster.signers(section) { try w.ok(["approve", section], as: signer) }
    #expect(try w.state(section) == "committee_review", "its requirements hold it back")
    func secretariat() throws -> [String: Any] {
      try #require(try Self.json(try w.ok(["inbox", "--json"], as: "pernille-sekretariat"))["secretariat"] as? [String: Any])
    }
    #expect((try secretariat()["readyForApproval"] as? [String])?.isEmpty == true)
    #expect(Self.sections(try secretariat()["unaddressedRequirements"]) == [section])

    // The secretariat points those requirements at another section: nothing holds this one back any more, but no action
    // on it has been evaluated since, so it waits for the next one.
    for id in targets { try w.ok(["req", "edit", id, "--targets", "forord"], as: "pernille-sekretariat") }
    #expect(try w.state(section) == "committee_review")
    #expect(try secretariat()["readyForApproval"] as? [String] == [section])
    let text = try w.ok(["inbox"], as: "pernille-sekretariat").stdout
    #expect(text.contains("alle betingelser er opfyldt, den næste handling godkender: \(section)"), "\(text)")
    try w.ok(["comment", section, "-m", "Klar til godkendelse"], as: "maja-kfu")
    #expect(try w.state(section) == "approved", "the next action approved it, as the inbox said")
    #expect((try secretariat()["readyForApproval"] as? [String])?.isEmpty == true)

    // Everything approved: ready for release, until a release is made.
    #expect((try secretariat()["release"] as? [String: Any])?["ready"] as? Bool == false)
    let requirementTargets = try w.requirementTargets()
    for other in Roster.sections.map(\.id) where other != section {
      try w.approveSection(other, targets: requirementTargets)
    }
    let release = try #require(try secretariat()["release"] as? [String: Any])
    #expect(release["ready"] as? Bool == true && release["approved"] as? Int == release["sections"] as? Int, "\(release)")
    #expect(try w.ok(["inbox"], as: "pernille-sekretariat").stdout.contains("klar til udgivelse med `policyflow assemble --release NAVN`"))
    #expect(try w.ok(["inbox"], as: "maja-kfu").stdout.contains("Intet venter på dig."), "only the secretariat is told")
    try w.ok(["assemble", "--format", "md", "--out", w.scratch.url.appendingPathComponent("out").path, "--release", "vedtaget"],
      as: "pernille-sekretariat")
    #expect((try secretariat()["release"] as? [String: Any])?["ready"] as? Bool == false, "released since the last approval")
  }

  @Test("an English policy's inbox speaks English")
  func english() throws {
    let template = try EditableTemplate()
    try template.replace(in: "policy.yaml", "language: da", with: "language: en")
    let w = try CustomWorkspace(template)
    let empty = try w.pf(["inbox"], as: "maja-kfu")
    #expect(empty.status == 0 && empty.stdout.contains("Nothing is waiting for you."), "\(empty.stdout)\(empty.stderr)")
    let section = "kultur-og-fritid"
    let submitted = try w.pf(["submit", section, try w.scratch.file("k.md", Roster.areaText(section)).path], as: "karen-kff")
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let maja = try w.pf(["inbox"], as: "maja-kfu").stdout
    #expect(maja.contains("Waiting for your sign-off (1)") && maja.contains("as a reviewer of"), "\(maja)")
    #expect(!maja.contains("godkend"), "one language: \(maja)")
  }

  @Test("an action refused at sync is in its actor's inbox on every copy, with its reason, and in nobody else's")
  func refusedAtSync() throws {
    let shared = try SharedPolicy()
    let section = "forord"
    // Apart: on a the committee signs off the text; on b the drafter replaces it.
    let (a, b) = try shared.approvalsOvertakenApart(section)
    try a.ok(["sync"])
    try SyncTests.settle([a, b])
    let refused = try CLI.sqlite(a.root, "SELECT actor || '|' || commitId FROM record WHERE refusedAtSync = 1 ORDER BY sequence")
      .split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
    let actor = try #require(refused.first?.first)
    let commit = refused.first![1]
    for copy in [a, b] {
      let inbox = try Self.json(try copy.ok(["inbox", "--json"], as: actor))
      let own = try #require(inbox["refusedAtSync"] as? [[String: Any]])
      #expect(own.contains { $0["commit"] as? String == commit && $0["action"] as? String == "signoff" }, "\(own)")
      #expect(own.allSatisfy { ($0["reason"] as? String)?.contains("no longer applies") == true }, "\(own)")
      let text = try copy.ok(["inbox"], as: actor).stdout
      #expect(text.contains("Afvist ved sync") && text.contains("din godkendelse i afsnittet \(section)"), "\(text)")
      #expect(text.contains("no longer applies"), "the rules' reason, quoted on its own line: \(text)")
      // Not in the inbox of someone whose action it was not.
      for other in ["anne-bif", "pernille-sekretariat"] {
        let theirs = try Self.json(try copy.ok(["inbox", "--json"], as: other))["refusedAtSync"] as? [Any]
        #expect(theirs?.isEmpty == true, "\(other) on \(copy.root.lastPathComponent)")
      }
    }
    // The same inbox on both copies, for every member concerned.
    for member in Set(refused.map { $0[0] }).sorted() + ["anne-bif", "pernille-sekretariat"] {
      #expect(try a.ok(["inbox", "--json"], as: member).stdout == (try b.ok(["inbox", "--json"], as: member).stdout), "\(member)")
    }
    // status and log use the same words (InboxWording): "your sign-off on forord".
    #expect(try a.ok(["status"], as: actor).stdout.contains("your sign-off on \(section)"))
    #expect(try a.ok(["log", section], as: actor).stdout.contains("your sign-off on \(section)"))
  }

  @Test("a record naming a revision commit the repository lacks: 66 naming the ref, the commit and what to fetch")
  func missingRevisionCommit() throws {
    let w = try TemplateWorkspace()
    let section = "kultur-og-fritid"
    try w.ok(["submit", section, try w.scratch.file("k.md", Roster.areaText(section)).path], as: "karen-kff")
    let revision = try CLI.git(["rev-parse", "sections/\(section)"], in: w.root).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    // With plain git: the record and every branch, but the section's branch only at revision 0.
    var refspecs = ["refs/heads/main:refs/heads/main", "refs/policyflow/*:refs/policyflow/*"]
    for other in Roster.sections.map(\.id) where other != section {
      refspecs.append("refs/heads/sections/\(other):refs/heads/sections/\(other)")
    }
    refspecs.append("refs/heads/sections/\(section)~1:refs/heads/sections/\(section)")
    let (bare, env) = try Self.incompleteClone(of: w, pushing: refspecs, missing: revision)
    let reindex = try CLI.policyflow(["reindex"], environment: env)
    #expect(reindex.status == 66, "\(reindex.status): \(reindex.stderr)")
    #expect(reindex.stderr.contains("refs/policyflow/sections/\(section)"), "\(reindex.stderr)")
    #expect(reindex.stderr.contains(revision) && reindex.stderr.contains("Policyflow-Revision-Commit"), "\(reindex.stderr)")
    #expect(reindex.stderr.contains("sections/\(section)") && reindex.stderr.contains("policyflow sync"), "\(reindex.stderr)")
    #expect(!reindex.stderr.contains("internal error"), "\(reindex.stderr)")
    let status = try CLI.policyflow(["status"], environment: env)
    #expect(status.status == 66 && status.stderr.contains(revision), "\(status.stderr)")
    // While the remote lacks the branch too, `sync` fetches first and stops at the same message.
    let early = try CLI.policyflow(["sync"], environment: env)
    #expect(early.status == 66 && early.stderr.contains(revision), "\(early.stderr)")
    // The branch arrives on the remote: `sync`, the next step the message names, completes the copy, which then shows
    // what the original shows.
    #expect(try CLI.git(["push", "-q", bare.path, "refs/heads/sections/\(section):refs/heads/sections/\(section)"], in: w.root).status == 0)
    try Self.expectCompletedBySync(w, env)
  }

  @Test("a record naming a definition commit the repository lacks (main not fetched): 66 naming it and what to fetch")
  func missingDefinitionCommit() throws {
    let w = try TemplateWorkspace()
    try w.ok(
      ["req", "add", "WS-MED-98", "--file", "requirements/workshop-2022.yaml", "--theme", "Medborgerskab", "--text",
       "Flere møder", "--targets", "social"], as: "pernille-sekretariat")
    try w.ok(["comment", "forord", "-m", "Efter ændringen"], as: "soren-biu")
    let definition = try CLI.git(["rev-parse", "main"], in: w.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // With plain git: the record and the section branches, but main as it was before the change.
    let (bare, env) = try Self.incompleteClone(
      of: w, pushing: ["main~1:refs/heads/main", "refs/policyflow/*:refs/policyflow/*", "refs/heads/sections/*:refs/heads/sections/*"],
      missing: definition)
    let reindex = try CLI.policyflow(["reindex"], environment: env)
    #expect(reindex.status == 66, "\(reindex.status): \(reindex.stderr)")
    #expect(reindex.stderr.contains(definition) && reindex.stderr.contains("Policyflow-Definition"), "\(reindex.stderr)")
    #expect(reindex.stderr.contains("main") && reindex.stderr.contains("policyflow sync"), "\(reindex.stderr)")
    // A comment written in the editor: the command stops before the editor opens, so nobody types text for nothing.
    let marker = w.scratch.url.appendingPathComponent("editor-ran")
    let editor = "sh -c 'touch \(marker.path); echo Tekst > \"$1\"' editor"
    let typed = try CLI.policyflow(["comment", "forord"], environment: env.merging(
      ["EDITOR": editor, "POLICYFLOW_USER": "soren-biu"]) { _, new in new })
    #expect(typed.status == 66, "\(typed.status): \(typed.stderr)")
    #expect(!FileManager.default.fileExists(atPath: marker.path), "the editor must not have been opened")
    // Not a refusal kept in the index: once main arrives, `sync` completes the copy and it shows what the original shows.
    #expect(try CLI.git(["push", "-q", bare.path, "main:refs/heads/main"], in: w.root).status == 0)
    try Self.expectCompletedBySync(w, env)
  }
}
