import Foundation
import PolicyManifest
import PolicyWorkflow
import Testing

@Suite("Loading a policy definition")
struct DefinitionTests {
  @Test("the fixture loads with sections, derived committees, members and requirements")
  func loadsFixture() throws {
    let definition = try PolicyFixture().load()
    let manifest = definition.manifest
    #expect(manifest.title == "Testpolitik")
    #expect(manifest.period == "2024-2027")
    #expect(manifest.language == "da")
    #expect(manifest.workflow == "section-review")
    #expect(manifest.workflowPath == "workflows/section-review.yaml")
    #expect(manifest.secretariat == "BIF")
    #expect(manifest.committees.map(\.code) == ["BIU", "ØU"])
    #expect(manifest.departments == [
      Department(code: "BIF", name: "Beskæftigelses- og Integrationsforvaltningen", committee: "BIU"),
      Department(code: "ØKF", name: "Økonomiforvaltningen", committee: "ØU"),
    ])

    #expect(manifest.sections.map(\.id) == ["forord", "beskaeftigelse", "by-og-bolig"])
    #expect(manifest.sections.map(\.number) == [nil, 1, 2])
    let forord = try #require(manifest.section("forord"))
    #expect(forord.kind == .common)
    #expect(forord.committees == ["BIU"])
    #expect(forord.requiredHeadings.isEmpty)
    #expect(forord.guidance == nil)
    #expect(forord.part == nil)
    let joint = try #require(manifest.section("by-og-bolig"))
    #expect(joint.owners == ["ØKF", "BIF"], "codes are stored as the manifest declares them")
    #expect(joint.committees == ["ØU", "BIU"], "derived from the owners, in owner order")
    #expect(joint.guidance == "[Udfyldes af ØKF og BIF]")
    #expect(manifest.section("beskaeftigelse")?.requiredHeadings == ["Situationen i København", "Det gør vi allerede"])
    #expect(manifest.section("nope") == nil)

    let members = definition.members
    #expect(members.members.map(\.id) == ["sara-secretariat", "dorte-drafter", "rune-reviewer", "clara-chair"])
    #expect(members.member(id: "rune-reviewer")?.committees == ["ØU", "BIU"])
    #expect(members.member(id: "dorte-drafter")?.roles == [.drafter, .head])
    #expect(members.member(email: "dorte.drafter@example.INVALID")?.id == "dorte-drafter")
    #expect(members.resolve(" clara@EXAMPLE.invalid ")?.id == "clara-chair")
    #expect(members.resolve("clara-chair")?.email == "clara@example.invalid")
    #expect(members.resolve("nobody") == nil)
    #expect(members.members(withRole: .secretariat).map(\.id) == ["sara-secretariat"])

    #expect(definition.requirements.map(\.id) == ["WS-UDD-01", "WS-BES-01", "PR-A"])
    #expect(
      definition.requirement("WS-BES-01")
        == Requirement(
          id: "WS-BES-01", kind: .workshop, source: "Workshop med københavnere, august 2022", theme: "Beskæftigelse",
          text: "Flere praktikpladser", targets: ["beskaeftigelse", "by-og-bolig"],
          file: "requirements/a-workshop.yaml"))
    #expect(definition.requirement("PR-A")?.theme == nil)
    #expect(definition.requirement("PR-A")?.kind == .princip)
  }

  @Test("codes match in lower case and NFD; stored codes are NFC as the manifest writes them")
  func codeNormalisation() throws {
    let nfdUpper = "A\u{030A}KF"  // ÅKF, decomposed
    let nfdLower = "a\u{030A}kf"
    var fixture = PolicyFixture()
    fixture.policy = fixture.policy.replacingOccurrences(of: "code: ØKF", with: "code: \(nfdUpper)")
      .replacingOccurrences(of: "owners: [økf, BIF]", with: "owners: [åkf, BIF]")
    fixture.members = fixture.members.replacingOccurrences(of: "departments: [ØKF]", with: "departments: [\(nfdLower)]")
    let definition = try fixture.load()
    let manifest = definition.manifest

    #expect(manifest.departments[1].code == "ÅKF")
    #expect(manifest.departments[1].code.unicodeScalars.count == 3, "stored in NFC")
    #expect(manifest.section("by-og-bolig")?.owners == ["ÅKF", "BIF"])
    #expect(definition.members.member(id: "dorte-drafter")?.departments == ["ÅKF"])
    for spelling in ["ÅKF", "åkf", nfdUpper, nfdLower, " Åkf "] {
      #expect(manifest.department(spelling)?.name == "Økonomiforvaltningen", "\(spelling)")
    }
    #expect(manifest.committee("øu")?.name == "Økonomiudvalget")
    #expect(manifest.committee("BIU")?.code == "BIU")
    #expect(manifest.departmentName("bif") == "Beskæftigelses- og Integrationsforvaltningen")
    #expect(manifest.departmentName("XYZ") == "XYZ")
    #expect(manifest.committeeName("øU") == "Økonomiudvalget")
    #expect(manifest.department("ØKF") == nil)
    #expect(normalizedCode("økf") == "ØKF")
    #expect(normalizedCode(nfdLower) == "ÅKF")
  }

  @Test("capacities for a jointly owned section name the department or committee they apply to")
  func jointCapacities() throws {
    let definition = try PolicyFixture().load()
    let joint = try #require(definition.manifest.section("by-og-bolig"))
    let single = try #require(definition.manifest.section("beskaeftigelse"))
    func capacities(_ id: String, _ section: SectionSpec) -> [String] {
      let member = definition.members.member(id: id)!
      return definition.capacities(of: member, for: section).map { "\($0.capacity.rawValue)@\($0.group ?? "-")" }
    }

    #expect(capacities("rune-reviewer", joint) == ["committee_reviewer@ØU", "committee_reviewer@BIU"])
    #expect(capacities("clara-chair", joint) == ["committee_reviewer@BIU", "committee_chair@BIU"])
    #expect(capacities("dorte-drafter", joint) == ["owner_drafter@ØKF", "owner_head@ØKF"])
    #expect(capacities("sara-secretariat", joint) == ["owner_drafter@BIF", "secretariat@-"])

    #expect(capacities("rune-reviewer", single) == ["committee_reviewer@BIU"])
    #expect(capacities("dorte-drafter", single).isEmpty)
    #expect(capacities("sara-secretariat", single) == ["owner_drafter@BIF", "secretariat@-"])

    // An explicit reviewing committee replaces the derived ones.
    let reviewedByBIU = SectionSpec(id: "x", title: "X", kind: .area, owners: ["ØKF"], committees: ["BIU"])
    #expect(capacities("rune-reviewer", reviewedByBIU) == ["committee_reviewer@BIU"])
    #expect(capacities("dorte-drafter", reviewedByBIU) == ["owner_drafter@ØKF", "owner_head@ØKF"])
  }

  @Test("explicit committees on a section are used instead of the owners'")
  func explicitCommittees() throws {
    let fixture = PolicyFixture().replacing(
      "    owners: [BIF]\n    required_headings", with: "    owners: [BIF]\n    committees: [øu]\n    required_headings",
      in: "policy.yaml")
    let definition = try fixture.load()
    #expect(definition.manifest.section("beskaeftigelse")?.committees == ["ØU"])
  }

  @Test("a missing requirements directory means no requirements")
  func noRequirements() throws {
    let directory = try PolicyFixture().write()
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.removeItem(at: directory.appendingPathComponent("requirements"))
    #expect(try PolicyDefinition.load(from: directory).requirements.isEmpty)
  }
}
