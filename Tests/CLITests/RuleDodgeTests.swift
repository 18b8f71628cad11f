import Foundation
import Testing

/// Rules that could be dodged (issue 15): a change request answered by re-sending the same text, a drafter resolving
/// the blocking comment on her own text or waiving the requirements her text should answer. Who may resolve and waive
/// is the workflow's (`permissions:`), with defaults that keep those decisions away from the drafter.
@Suite("rules that could be dodged: change requests, blocking comments, waivers")
struct RuleDodgeTests {
  static let section = "kultur-og-fritid"

  @Test("a change request is not dodged by re-sending the same text: the earlier sign-offs no longer count")
  func identicalResubmission() throws {
    let w = try TemplateWorkspace()
    let file = try w.scratch.file("k.md", Roster.areaText(Self.section))
    try w.ok(["submit", Self.section, file.path], as: "karen-kff")
    for person in ["rasmus-kfu", "maja-kfu", "kirsten-kfu"] { try w.ok(["approve", Self.section], as: person) }
    #expect(try w.state(Self.section) == "committee_review", "requirements are still open")
    try w.ok(["request-changes", Self.section, "-m", "Tallene mangler"], as: "maja-kfu")
    let resent = try w.ok(["submit", Self.section, file.path], as: "karen-kff")
    #expect(resent.stdout.contains("sign-offs given before that request no longer count"), "\(resent.stdout)")
    try w.waiveTargets(of: Self.section)
    #expect(try w.state(Self.section) == "committee_review", "the old sign-offs must not approve the text")
    let status = try w.ok(["status", Self.section, "--json"]).stdout
    #expect(status.contains("\"have\" : 0") || status.contains("\"have\":0"), "\(status)")
    #expect(try CLI.git(["cat-file", "-e", "main:sections/\(Self.section).md"], in: w.root).status != 0)
    // Signing again, after the request, approves it.
    for person in ["rasmus-kfu", "maja-kfu", "kirsten-kfu"] { try w.ok(["approve", Self.section], as: person) }
    #expect(try w.state(Self.section) == "approved")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("by default the drafter may neither resolve a blocking comment on her text nor waive its requirements")
  func defaultsKeepTheDrafterOut() throws {
    let w = try TemplateWorkspace()
    try w.ok(["submit", Self.section, try w.scratch.file("k.md", Roster.areaText(Self.section)).path], as: "karen-kff")
    let made = try w.ok(["comment", Self.section, "--blocking", "-m", "Kilde?"], as: "rasmus-kfu")
    let id = try #require(made.stdout.split(separator: " ").dropFirst().first.map(String.init))
    let requirement = try #require(try w.requirementsTargeting(Self.section).first)
    let before = try w.fingerprint()
    let resolve = try w.pf(["resolve", id], as: "karen-kff")
    #expect(resolve.status == 77 && resolve.stderr.contains("blocking comment") && resolve.stderr.contains("its author"))
    let waive = try w.pf(["req", "waive", requirement, Self.section, "-m", "Ikke relevant"], as: "karen-kff")
    #expect(waive.status == 77 && waive.stderr.contains("the secretariat"), "\(waive.stderr)")
    #expect(try w.fingerprint() == before, "a refusal changes nothing")
    // The committee's chair may do both; the drafter still resolves an ordinary comment.
    try w.ok(["resolve", id, "-m", "Besvaret"], as: "kirsten-kfu")
    try w.ok(["req", "waive", requirement, Self.section, "-m", "Besvares andetsteds"], as: "kirsten-kfu")
    let plain = try w.ok(["comment", Self.section, "-m", "Stavefejl i linje 2"], as: "rasmus-kfu")
    let plainID = try #require(plain.stdout.split(separator: " ").dropFirst().first.map(String.init))
    try w.ok(["resolve", plainID], as: "karen-kff")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a workflow's permissions: block decides; an unknown capacity in it is refused at init (65)")
  func workflowDecides() throws {
    let template = try EditableTemplate()
    try template.replace(
      in: "workflows/section-review.yaml", "waive: [secretariat, committee_chair]", with: "waive: [owner_drafter]")
    let w = try CustomWorkspace(template)
    let requirement = try #require(
      try TemplateWorkspace.requirements(in: w, targeting: Self.section).first)
    let bySecretariat = try w.pf(["req", "waive", requirement, Self.section, "-m", "x"], as: "pernille-sekretariat")
    #expect(bySecretariat.status == 77, "\(bySecretariat.stderr)")
    let byDrafter = try w.pf(["req", "waive", requirement, Self.section, "-m", "Besvares andetsteds"], as: "karen-kff")
    #expect(byDrafter.status == 0, "\(byDrafter.stderr)")

    let broken = try EditableTemplate()
    try broken.replace(
      in: "workflows/section-review.yaml", "waive: [secretariat, committee_chair]", with: "waive: [author]")
    let target = broken.scratch.url.appendingPathComponent("policy")
    let refused = try CLI.policyflow(["init", target.path, "--template", broken.url.path])
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains("unknown capacity `author`"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target.path))
  }
}

extension TemplateWorkspace {
  /// The requirements targeting `section` in any workspace the binary can read.
  static func requirements(in w: CustomWorkspace, targeting section: String) throws -> [String] {
    let listed = try w.pf(["req", "list", "--section", section, "--json"])
    let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
    return entries.filter { ($0["targets"] as? [String] ?? []).contains(section) }.compactMap { $0["id"] as? String }
  }
}
