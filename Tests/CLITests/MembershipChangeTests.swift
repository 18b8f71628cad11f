import Foundation
import Testing

/// Members, departments and sections join and leave a running policy (issue 15): `member add|retire`,
/// `department add|retire`, `section retire`. Each is a signed secretariat change on main with its own event in the
/// record; refusals change nothing; `verify` and `git fsck --strict` stay clean; the index rebuilds identically.
@Suite("members, departments and sections join and leave a running policy")
struct MembershipChangeTests {
  /// A throwaway Ed25519 key in the workspace's scratch directory: (private key path, public key path).
  static func newKey(_ w: TemplateWorkspace, _ name: String) throws -> (URL, URL) {
    let key = w.scratch.url.appendingPathComponent("\(name)-key")
    #expect(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.path]).status == 0)
    return (key, key.appendingPathExtension("pub"))
  }

  /// Runs policyflow in `w` as `person`, signing with the key file `key`.
  static func pf(_ w: TemplateWorkspace, _ arguments: [String], as person: String, key: URL) throws -> Run {
    try CLI.policyflow(
      arguments,
      environment: [
        "POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_USER": person, "POLICYFLOW_SIGNING_KEY": key.path,
      ])
  }

  /// verify and git fsck clean; `rm -rf .policyflow && reindex` gives byte-identical `status --json` and `audit --json`.
  static func expectSoundAndRebuildable(_ w: TemplateWorkspace, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    #expect(try w.verifyFindings().isEmpty, sourceLocation: sourceLocation)
    let fsck = try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root)
    #expect(fsck.status == 0, "\(fsck.stderr)", sourceLocation: sourceLocation)
    let status = try w.ok(["status", "--json"]).stdout
    let audit = try w.ok(["audit", "--json"]).stdout
    try FileManager.default.removeItem(at: w.root.appendingPathComponent(".policyflow"))
    try w.ok(["reindex"])
    #expect(try w.ok(["status", "--json"]).stdout == status, "status --json differs after reindex", sourceLocation: sourceLocation)
    #expect(try w.ok(["audit", "--json"]).stdout == audit, "audit --json differs after reindex", sourceLocation: sourceLocation)
  }

  static func events(_ w: TemplateWorkspace, _ section: String? = nil) throws -> [[String: Any]] {
    let run = try w.ok(["audit"] + (section.map { [$0] } ?? []) + ["--json"])
    return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
  }

  @Test("member add with a key: a signed change to members.yaml, its own event; the new member signs off")
  func addMemberWhoSignsOff() throws {
    let w = try TemplateWorkspace()
    let (key, pub) = try Self.newKey(w, "nina")
    let add = [
      "member", "add", "nina-ou", "--name", "Nina Nærvær", "--email", "nina.naervaer@example.invalid",
      "--committee", "ØU", "--roles", "reviewer", "--key", pub.path,
    ]
    let before = try w.fingerprint()
    let refused = try w.pf(add, as: "maja-kfu")
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains("for the secretariat") && refused.stderr.contains("pernille-sekretariat"), "\(refused.stderr)")
    #expect(try w.fingerprint() == before)

    let added = try w.ok(add, as: "pernille-sekretariat")
    #expect(added.stdout.contains("Nyt medlem: Nina Nærvær (nina-ou)"), "\(added.stdout)")
    #expect(try CLI.git(["cat-file", "commit", "main"], in: w.root).stdout.contains("gpgsig -----BEGIN SSH SIGNATURE"))
    #expect(try CLI.git(["log", "-1", "--format=%s", "main"], in: w.root).stdout.contains("Nyt medlem: Nina Nærvær"))
    let members = try CLI.git(["show", "main:members.yaml"], in: w.root).stdout
    #expect(members.contains("- id: \"nina-ou\"") && members.contains("committees: [\"ØU\"]"), "\(members)")
    let event = try #require(try Self.events(w).last)
    #expect(event["action"] as? String == "member-add" && event["actor"] as? String == "pernille-sekretariat")
    #expect((event["detail"] as? String)?.hasPrefix("nina-ou: Nina Nærvær") == true, "\(event)")
    #expect(try w.ok(["audit"]).stdout.contains("member-add"))
    let again = try w.pf(add, as: "pernille-sekretariat")
    #expect(again.status == 77 && again.stderr.contains("lists nina-ou already"), "\(again.stderr)")

    // She reviews for ØU: by-og-bolig goes to TMU and ØU; her sign-off counts, signed with her key.
    try w.ok(["submit", "by-og-bolig", try w.scratch.file("b.md", Roster.areaText("by-og-bolig")).path], as: "tine-tmf")
    let signed = try Self.pf(w, ["approve", "by-og-bolig", "-m", "Fint"], as: "nina-ou", key: key)
    #expect(signed.status == 0, "\(signed.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='nina-ou'") == "1")
    try Self.expectSoundAndRebuildable(w)
  }

  @Test("member retire: past sign-offs stay valid and verify is clean; the member cannot act (77); open items shown")
  func retireMemberWhoSignedOff() throws {
    let w = try TemplateWorkspace()
    try w.ok(["submit", "by-og-bolig", try w.scratch.file("b.md", Roster.areaText("by-og-bolig")).path], as: "tine-tmf")
    try w.ok(["approve", "by-og-bolig"], as: "gitte-ou")
    let comment = try w.ok(["comment", "by-og-bolig", "-m", "Hvad koster det?"], as: "gitte-ou").stdout
    let commentID = try #require(comment.split(separator: " ").dropFirst().first.map(String.init))

    let before = try w.fingerprint()
    for (person, words) in [("maja-kfu", "for the secretariat"), ("pernille-sekretariat", "cannot retire yourself")] {
      let refused = try w.pf(["member", "retire", person == "maja-kfu" ? "gitte-ou" : person], as: person)
      #expect(refused.status == 77 && refused.stderr.contains(words), "\(refused.stderr)")
    }
    #expect(try w.fingerprint() == before)

    let retired = try w.ok(["member", "retire", "gitte-ou", "-m", "Fratrådt"], as: "pernille-sekretariat")
    #expect(retired.stdout.contains("Gitte Gættesen (gitte-ou) udtræder"), "\(retired.stdout)")
    #expect(retired.stdout.contains("open comment \(commentID) on by-og-bolig"), "\(retired.stdout)")
    let members = try CLI.git(["show", "main:members.yaml"], in: w.root).stdout
    #expect(members.contains("  - id: gitte-ou\n    retired: true\n"), "\(members)")
    #expect(try Self.events(w).last?["action"] as? String == "member-retire")

    // She can no longer act; her sign-off still counts and her comment is still open, under her name.
    let acting = try w.pf(["comment", "by-og-bolig", "-m", "Stadig mig"], as: "gitte-ou")
    #expect(acting.status == 77 && acting.stderr.contains("has retired"), "\(acting.stderr)")
    let byEmail = try w.pf(["approve", "by-og-bolig"], as: "gitte.gaettesen@example.invalid")
    #expect(byEmail.status == 77, "\(byEmail.stderr)")
    let status = try w.ok(["status", "by-og-bolig", "--json"]).stdout
    #expect(status.contains("\"have\":1") || status.contains("\"have\" : 1"), "\(status)")
    let open = try w.ok(["comments", "by-og-bolig", "--open"]).stdout
    #expect(open.contains(commentID) && open.contains("Gitte Gættesen"), "\(open)")
    // Her id is not given again.
    let reuse = try w.pf(
      ["member", "add", "gitte-ou", "--name", "Gitte Ny", "--email", "gitte.ny@example.invalid", "--committee", "ØU",
        "--roles", "reviewer"], as: "pernille-sekretariat")
    #expect(reuse.status == 77 && reuse.stderr.contains("never given again"), "\(reuse.stderr)")
    let twice = try w.pf(["member", "retire", "gitte-ou"], as: "pernille-sekretariat")
    #expect(twice.status == 77 && twice.stderr.contains("retired already"), "\(twice.stderr)")
    // The chair of ØU resolves what she left open; her approval stays in the approval's signers.
    try w.ok(["resolve", commentID], as: "grethe-ou")
    try Self.expectSoundAndRebuildable(w)
  }

  @Test("department add, a section it owns drafted by a new member; retiring the department is refused while it owns it")
  func departmentAndItsSection() throws {
    let w = try TemplateWorkspace()
    let added = try w.ok(
      ["department", "add", "DIG", "--name", "Digitaliseringsforvaltningen", "--committee", "ØU"],
      as: "pernille-sekretariat")
    #expect(added.stdout.contains("Ny afdeling: Digitaliseringsforvaltningen (DIG)"), "\(added.stdout)")
    #expect(try CLI.git(["show", "main:policy.yaml"], in: w.root).stdout.contains(
      "  - code: \"DIG\"\n    name: \"Digitaliseringsforvaltningen\"\n    committee: \"ØU\"\n"))
    let (key, pub) = try Self.newKey(w, "dina")
    try w.ok(
      ["member", "add", "dina-dig", "--name", "Dina Digital", "--email", "dina.digital@example.invalid",
        "--department", "dig", "--roles", "drafter", "--key", pub.path], as: "pernille-sekretariat")
    try w.ok(
      ["section", "add", "digital", "--title", "Digital inklusion", "--owners", "DIG", "--file",
        try w.scratch.file("s.md", SectionAdditionTests.skeleton).path], as: "pernille-sekretariat")
    let row = try w.ok(["status", "digital", "--json"]).stdout
    #expect(row.contains("\"DIG\"") && row.contains("\"ØU\""), "\(row)")
    let submitted = try Self.pf(
      w, ["submit", "digital", try w.scratch.file("d.md", Roster.areaText("digital")).path], as: "dina-dig", key: key)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    for signer in Roster.committees["ØU"]! { try w.ok(["approve", "digital"], as: signer) }
    #expect(try w.state("digital") == "approved")

    let before = try w.fingerprint()
    let refused = try w.pf(["department", "retire", "DIG"], as: "pernille-sekretariat")
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains("still owns the section digital") && refused.stderr.contains("section retire"))
    #expect(try w.fingerprint() == before)
    let secretariat = try w.pf(["department", "retire", "BIF"], as: "pernille-sekretariat")
    #expect(secretariat.status == 77 && secretariat.stderr.contains("still owns"), "\(secretariat.stderr)")
    let types = Set(try Self.events(w).compactMap { $0["action"] as? String })
    #expect(types.isSuperset(of: ["department-add", "member-add", "revision", "approved"]), "\(types)")
    try Self.expectSoundAndRebuildable(w)
  }

  @Test("section retire: it leaves status and the assembled policy (and main), its history stays; then its department retires")
  func retireSectionThenDepartment() throws {
    let w = try TemplateWorkspace()
    try w.ok(["department", "add", "DIG", "--name", "Digitaliseringsforvaltningen", "--committee", "KFU"], as: "pernille-sekretariat")
    try w.ok(["section", "add", "digital", "--title", "Digital inklusion", "--owners", "DIG"], as: "pernille-sekretariat")
    let text = try w.scratch.file("d.md", Roster.areaText("digital"))
    // A member of DIG drafts it; KFU approves it.
    let (key, pub) = try Self.newKey(w, "dan")
    try w.ok(
      ["member", "add", "dan-dig", "--name", "Dan Dansk", "--email", "dan.dansk@example.invalid", "--department", "DIG",
        "--roles", "drafter", "--key", pub.path], as: "pernille-sekretariat")
    let submitted = try Self.pf(w, ["submit", "digital", text.path], as: "dan-dig", key: key)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    for signer in Roster.committees["KFU"]! { try w.ok(["approve", "digital"], as: signer) }
    #expect(try w.state("digital") == "approved")
    #expect(try CLI.git(["cat-file", "-e", "main:sections/digital.md"], in: w.root).status == 0)

    // Refused: by anybody outside the secretariat; a section requirements target.
    let before = try w.fingerprint()
    let outsider = try w.pf(["section", "retire", "digital"], as: "rasmus-kfu")
    #expect(outsider.status == 77 && outsider.stderr.contains("for the secretariat"), "\(outsider.stderr)")
    let targeted = try w.pf(["section", "retire", "kultur-og-fritid"], as: "pernille-sekretariat")
    #expect(targeted.status == 77 && targeted.stderr.contains("req edit"), "\(targeted.stderr)")
    let unknown = try w.pf(["section", "retire", "findes-ikke"], as: "pernille-sekretariat")
    #expect(unknown.status == 66, "\(unknown.stderr)")
    #expect(try w.fingerprint() == before)

    let retired = try w.ok(["section", "retire", "digital", "-m", "Indgår i kultur-og-fritid"], as: "pernille-sekretariat")
    #expect(retired.stdout.contains("Afsnittet »Digital inklusion« udgår af politikken"), "\(retired.stdout)")
    #expect(retired.stdout.contains("approved text (revision 1) left main"), "\(retired.stdout)")
    #expect(try CLI.git(["cat-file", "-e", "main:sections/digital.md"], in: w.root).status != 0)
    #expect(try CLI.git(["show", "main:policy.yaml"], in: w.root).stdout.contains("  - id: \"digital\"\n    retired: true\n"))
    #expect(!(try w.ok(["status", "--json"]).stdout.contains("\"digital\"")))
    #expect(try w.ok(["status"]).stdout.contains("Retired (1, not part of the policy; history: `policyflow log ID`): digital (Digital inklusion)"))
    let out = w.scratch.url.appendingPathComponent("out")
    try w.ok(["assemble", "--format", "md", "--out", out.path, "--draft"], as: "pernille-sekretariat")
    let edition = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".md") }
      .map { try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8) }.joined()
    #expect(!edition.contains("Digital inklusion") && edition.contains("Kultur"), "\(edition.prefix(300))")
    // Its history stays readable; nothing more can be done on it.
    let log = try w.ok(["log", "digital"]).stdout
    #expect(log.contains("section-retire") && log.contains("approved"), "\(log)")
    #expect(try w.ok(["show", "digital"]).stdout.contains("## Situationen i København"))
    let submit = try Self.pf(w, ["submit", "digital", text.path], as: "dan-dig", key: key)
    #expect(submit.status == 77 && submit.stderr.contains("is retired"), "\(submit.stderr)")
    let readd = try w.pf(["section", "add", "digital", "--title", "Igen", "--owners", "KFF"], as: "pernille-sekretariat")
    #expect(readd.status == 77 && readd.stderr.contains("never given again"), "\(readd.stderr)")

    // With its section gone, the department retires; its code is not given again.
    let gone = try w.ok(["department", "retire", "DIG"], as: "pernille-sekretariat")
    #expect(gone.stdout.contains("Afdelingen Digitaliseringsforvaltningen (DIG) nedlægges"), "\(gone.stdout)")
    let reuse = try w.pf(["department", "add", "dig", "--name", "Igen", "--committee", "KFU"], as: "pernille-sekretariat")
    #expect(reuse.status == 77 && reuse.stderr.contains("never given again"), "\(reuse.stderr)")
    let owning = try w.pf(["section", "add", "ny", "--title", "Ny", "--owners", "DIG"], as: "pernille-sekretariat")
    #expect(owning.status == 77 || owning.status == 65, "\(owning.stderr)")
    let actions = try Self.events(w).compactMap { $0["action"] as? String }
    #expect(Array(actions.suffix(2)) == ["section-retire", "department-retire"], "\(actions.suffix(4))")
    #expect(try Self.events(w, "digital").last?["action"] as? String == "section-retire")
    try Self.expectSoundAndRebuildable(w)
  }

  @Test("bad names, e-mails, ids and codes: 65 with the rule, nothing changed")
  func badInput() throws {
    let w = try TemplateWorkspace()
    let before = try w.fingerprint()
    func member(_ id: String, name: String = "Eva Ny", email: String = "eva.ny@example.invalid") -> [String] {
      ["member", "add", id, "--name", name, "--email", email, "--department", "ØKF", "--roles", "drafter"]
    }
    let cases: [([String], String)] = [
      (member("eva-ny", name: "Eva <root>"), "`<`"),
      (member("eva-ny", name: "Eva\nNy"), "line break"),
      (member("eva-ny", name: "Eva\u{202E}yN"), "bidirectional"),
      (member("eva-ny", email: "eva>@example.invalid"), "`>`"),
      (member("eva-ny", email: "ikke-en-adresse"), "not an e-mail address"),
      (member("eva-ny", email: "pernille.protokol@example.invalid"), "is already used by `pernille-sekretariat`"),
      (member("Eva Ny"), "not a valid person id"),
      (member("æble"), "not a valid person id"),
      (member(String(repeating: "a", count: 101)), "at most 100"),
      (["member", "add", "eva-ny", "--name", "Eva", "--email", "eva.ny@example.invalid", "--department", "B1F",
        "--roles", "drafter"], "looks like `BIF`"),
      (["member", "add", "eva-ny", "--name", "Eva", "--email", "eva.ny@example.invalid", "--roles", "drafter,boss"],
        "unknown role `boss`"),
      (["department", "add", "ВIF", "--name", "Blandet", "--committee", "ØU"], "mixes letters of different scripts"),
      (["department", "add", "B1F", "--name", "Ligner", "--committee", "ØU"], "looks the same as `BIF`"),
      (["department", "add", "ＸＹＺ", "--name", "Bred", "--committee", "ØU"], "compatibility characters"),
      (["department", "add", "ABC", "--name", "Navn\nmed linjeskift", "--committee", "ØU"], "line break"),
      (["department", "add", "ABC", "--name", "Uden udvalg", "--committee", "XYZ"], "unknown committee `XYZ`"),
    ]
    for (arguments, words) in cases {
      let run = try w.pf(arguments, as: "pernille-sekretariat")
      #expect(run.status == 65, "\(arguments): exit \(run.status): \(run.stderr)")
      #expect(run.stderr.contains(words), "\(arguments): \(run.stderr)")
      #expect(run.stderr.contains("othing was changed") || run.stderr.contains("nothing was changed"), "\(run.stderr)")
    }
    let existing = try w.pf(["department", "add", "økf", "--name", "Igen", "--committee", "ØU"], as: "pernille-sekretariat")
    #expect(existing.status == 77 && existing.stderr.contains("ØKF"), "\(existing.stderr)")
    let unknownMember = try w.pf(["member", "retire", "ingen"], as: "pernille-sekretariat")
    #expect(unknownMember.status == 66, "\(unknownMember.stderr)")
    let unknownDepartment = try w.pf(["department", "retire", "XYZ"], as: "pernille-sekretariat")
    #expect(unknownDepartment.status == 66, "\(unknownDepartment.stderr)")
    #expect(try w.fingerprint() == before)
    // Danish letters are fine in a code and a name.
    try w.ok(["department", "add", "ØKO", "--name", "Økologiforvaltningen", "--committee", "ØU"], as: "pernille-sekretariat")
    try Self.expectSoundAndRebuildable(w)
  }
}
