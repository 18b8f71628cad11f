import Foundation
import Testing

/// Sections join a running policy (issue 15): adding one to policy.yaml used to make every command exit 70. Now the
/// secretariat adds it with `section add` (a signed definition change, then its start in the record), or with a
/// signed plain-git change that `status` reports until `section add` records the start. Retiring is `withdraw`.
@Suite("a section joins a running policy")
struct SectionAdditionTests {
  static let skeleton = "## Situationen i København\n\n## Det gør vi allerede\n\n## Det vil vi arbejde for fremadrettet\n"

  @Test("section add: a signed change to policy.yaml and revision 0; the owners draft it; only the secretariat may add")
  func addWithTheCommand() throws {
    let w = try TemplateWorkspace()
    let skeleton = try w.scratch.file("skel.md", Self.skeleton)
    let before = try w.fingerprint()
    let refused = try w.pf(["section", "add", "digital", "--title", "Digital inklusion", "--owners", "ØKF"], as: "ditte-okf")
    #expect(refused.status == 77 && refused.stderr.contains("secretariat"), "\(refused.stderr)")
    #expect(try w.fingerprint() == before)

    let added = try w.ok(
      ["section", "add", "digital", "--title", "Digital inklusion", "--owners", "ØKF", "--file", skeleton.path],
      as: "pernille-sekretariat")
    #expect(added.stdout.contains("policy.yaml lists section digital") && added.stdout.contains("revision 0"))
    #expect(try w.state("digital") == "draft")
    let policy = try CLI.git(["show", "main:policy.yaml"], in: w.root).stdout
    #expect(policy.contains("- id: \"digital\"") && policy.contains("owners: [\"ØKF\"]"))
    // The definition change is signed (a gpgsig header) and in force; the start is an action with its event.
    #expect(try CLI.git(["cat-file", "commit", "main"], in: w.root).stdout.contains("gpgsig -----BEGIN SSH SIGNATURE"))
    let audit = try w.ok(["audit", "digital", "--json"]).stdout
    #expect(audit.contains("\"revision\"") && audit.contains("pernille-sekretariat"), "\(audit)")
    #expect(try CLI.git(["cat-file", "-e", "sections/digital:sections/digital.md"], in: w.root).status == 0)
    // The owning department drafts it like any section.
    try w.ok(["submit", "digital", try w.scratch.file("d.md", Roster.areaText("digital")).path], as: "ditte-okf")
    #expect(try w.state("digital") == "committee_review")
    let again = try w.pf(["section", "add", "digital"], as: "pernille-sekretariat")
    #expect(again.status == 77 && again.stderr.contains("part of the policy already"), "\(again.stderr)")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }

  @Test("a section added to policy.yaml with a signed git commit: status names it as not started; section add starts it")
  func addedWithGit() throws {
    let w = try TemplateWorkspace()
    let url = w.root.appendingPathComponent("policy.yaml")
    let text = try String(contentsOf: url, encoding: .utf8)
    try (text + "\n  - id: nyt-afsnit\n    title: Et nyt afsnit\n    kind: area\n    owners: [SOF]\n")
      .write(to: url, atomically: true, encoding: .utf8)
    let commit = try CLI.git(
      TestKeys.signing() + ["-c", "user.name=Pernille Protokol", "-c", "user.email=pernille.protokol@example.invalid",
        "commit", "-q", "-m", "Nyt afsnit", "--", "policy.yaml"], in: w.root)
    #expect(commit.status == 0, "\(commit.stderr)")

    let status = try w.pf(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("not started: nyt-afsnit"), "\(status.stdout)")
    let json = try w.pf(["status", "--json"])
    #expect(json.status == 0 && !json.stdout.contains("nyt-afsnit"))
    let one = try w.pf(["status", "nyt-afsnit"])
    #expect(one.status == 66 && one.stderr.contains("policyflow section add nyt-afsnit"), "\(one.stderr)")

    let started = try w.ok(["section", "add", "nyt-afsnit"], as: "pernille-sekretariat")
    #expect(!started.stdout.contains("policy.yaml lists"), "policy.yaml listed it already: \(started.stdout)")
    #expect(try w.state("nyt-afsnit") == "draft")
    #expect(try w.ok(["status", "--json"]).stdout.contains("nyt-afsnit"))
    #expect(try w.verifyFindings().isEmpty)
  }
}
