import Foundation
import Testing

@Suite("a whole review round through the binary")
struct ReviewRoundTests {
  @Test("submit, change request, resubmission, sign-offs, approval on main with trailers; checked with git and sqlite3")
  func reviewRound() throws {
    let w = try TemplateWorkspace()
    let original = try w.templateText("beskaeftigelse")
    // Drafter submits revision 0 (template text) for review unchanged: no new revision.
    let first = try w.pf(["submit", "beskaeftigelse", w.scratch.file("r0.md", original).path, "-m", "Til udvalget"], as: "anne-bif")
    #expect(first.status == 0, "\(first.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT state||'/'||latestRevision FROM section WHERE id='beskaeftigelse'") == "committee_review/0")
    // A reviewer requests changes.
    let changes = try w.pf(["request-changes", "beskaeftigelse", "-m", "Skriv MitID ens"], as: "hanne-biu")
    #expect(changes.status == 0, "\(changes.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='beskaeftigelse'") == "changes_requested")
    // Approving in changes_requested is refused and changes nothing.
    let before = try w.fingerprint()
    let early = try w.pf(["approve", "beskaeftigelse"], as: "soren-biu")
    #expect(early.status == 77)
    #expect(early.stderr.contains("nothing to sign off"))
    #expect(try w.fingerprint() == before)
    // Resubmission: revision 1.
    let revised = original.replacingOccurrences(of: "Mit-ID", with: "MitID").replacingOccurrences(of: "MIT-ID", with: "MitID")
    let second = try w.pf(["submit", "beskaeftigelse", w.scratch.file("r1.md", revised).path, "-m", "MitID ens"], as: "anne-bif")
    #expect(second.status == 0, "\(second.stderr)")
    // A reviewer signs off revision 1, then the drafter submits revision 2: that sign-off goes stale.
    #expect(try w.pf(["approve", "beskaeftigelse"], as: "soren-biu").status == 0)
    let revised2 = revised.replacingOccurrences(of: "Det gælder både", with: "Det gælder både\n")
    let third = try w.pf(["submit", "beskaeftigelse", w.scratch.file("r2.md", revised2).path], as: "anne-bif")
    #expect(third.status == 0)
    #expect(third.stdout.contains("no longer count"))
    var status = try w.pf(["status", "beskaeftigelse", "--json"]).stdout
    #expect(status.contains("\"have\" : 0"))
    #expect(status.contains("needs 2 more sign-offs from a reviewer of Beskæftigelses- og Integrationsudvalget"))
    // Requirements targeting the section must be linked or waived before approval can fire.
    for requirement in ["WS-UDD-04", "WS-BES-01", "WS-BES-02", "WS-BES-03", "WS-BES-04", "WS-BES-05", "WS-MED-05", "WS-MED-08", "PM-2"] {
      let waived = try w.pf(["req", "waive", requirement, "beskaeftigelse", "-m", "Besvares senere"], as: "pernille-sekretariat")
      #expect(waived.status == 0, "\(waived.stderr)")
    }
    #expect(try w.pf(["approve", "beskaeftigelse", "-m", "ok"], as: "soren-biu").status == 0)
    #expect(try w.pf(["approve", "beskaeftigelse"], as: "hanne-biu").status == 0)
    status = try w.pf(["status", "beskaeftigelse", "--json"]).stdout
    #expect(status.contains("needs 1 more sign-off from the chair of Beskæftigelses- og Integrationsudvalget"))
    let last = try w.pf(["approve", "beskaeftigelse", "-m", "Godkendt"], as: "ase-biu")
    #expect(last.status == 0, "\(last.stderr)")
    #expect(last.stdout.contains("approved text is on main"))

    // From outside: git log main shows the approval commit with trailers.
    let message = try CLI.git(["log", "main", "-1", "--format=%an|%B"], in: w.root).stdout
    #expect(message.hasPrefix("Åse Testrup|Godkendt: Beskæftigelsesområdet, revision 2"))
    #expect(message.contains("Policyflow-Section: beskaeftigelse"))
    #expect(message.contains("Policyflow-Revision: 2"))
    #expect(message.contains("Signed-off-by: Søren Prøvesen <"))
    #expect(message.contains("Signed-off-by: Hanne Hypotese <"))
    #expect(message.contains("Signed-off-by: Åse Testrup <"))
    let trailers = try CLI.git(["log", "main", "-1", "--format=%(trailers:key=Signed-off-by,valueonly)"], in: w.root)
    #expect(trailers.stdout.split(separator: "\n").count == 3)
    #expect(try CLI.git(["show", "main:sections/beskaeftigelse.md"], in: w.root).stdout == revised2)
    #expect(try CLI.git(["fsck", "--strict"], in: w.root).status == 0)
    // The section branch holds every revision (0, 1, 2).
    let branch = try CLI.git(["log", "main..sections/beskaeftigelse", "--format=%an|%s"], in: w.root).stdout
    #expect(branch.split(separator: "\n").count == 3)
    #expect(branch.hasPrefix("Anne Eksempel|"))
    // The database holds the events, in order.
    let actions = try CLI.sqlite(w.root, "SELECT group_concat(action, ',') FROM (SELECT action FROM event WHERE sectionId='beskaeftigelse' ORDER BY id)")
    #expect(actions.hasPrefix("revision,submit,request_changes,submit,signoff,submit,"))
    #expect(actions.hasSuffix("signoff,signoff,signoff,approved"))
    #expect(try CLI.sqlite(w.root, "SELECT fromState||'>'||toState||'>'||(commitId IS NOT NULL) FROM event WHERE action='approved'") == "committee_review>approved>1")
    #expect(try w.pf(["verify"]).status == 0)

    // Reopening: a new submission leaves the approved text on main until the successor is approved.
    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    let reopened = try w.pf(["submit", "beskaeftigelse", w.scratch.file("r3.md", revised2 + "\nTilføjelse.\n").path], as: "anne-bif")
    #expect(reopened.status == 0)
    #expect(try CLI.git(["rev-parse", "main"], in: w.root).stdout == mainBefore)
    #expect(try CLI.sqlite(w.root, "SELECT state||'/'||approvedRevision||'/'||latestRevision FROM section WHERE id='beskaeftigelse'") == "committee_review/2/3")
  }

  @Test("nobody signs off their own text; a person counts once per revision")
  func selfSignoff() throws {
    let w = try TemplateWorkspace()
    // Søren (a BIU reviewer) cannot author BIF text, so use the chair reviewing text she did not write
    // and then a reviewer who wrote the revision: make the secretariat's revision 0 go to review.
    #expect(try w.pf(["submit", "forord", w.scratch.file("f.md", try w.templateText("forord")).path], as: "anne-bif").status == 0)
    #expect(try w.pf(["approve", "forord"], as: "soren-biu").status == 0)
    let before = try w.fingerprint()
    let twice = try w.pf(["approve", "forord"], as: "soren-biu")
    #expect(twice.status == 77)
    #expect(twice.stderr.contains("already signed off"))
    #expect(try w.fingerprint() == before)
    let drafter = try w.pf(["approve", "forord"], as: "anne-bif")
    #expect(drafter.status == 77)
    #expect(try w.fingerprint() == before)
  }
}
