import Foundation
import PolicyManifest
import Testing

@Suite("Policy definition errors name file, line and path")
struct DefinitionErrorTests {
  @Test("the fixture itself is valid")
  func fixtureIsValid() {
    #expect(PolicyFixture().issues() == ["loaded"])
  }

  @Test("each problem in policy.yaml is reported", arguments: [
    ("title: Testpolitik\n", "",
     ["policy.yaml:1: missing required key `title`"]),
    ("period:", "periode:",
     ["policy.yaml:1: missing required key `period`",
      "policy.yaml:2: periode: unknown key `periode` (did you mean `period`?)"]),
    ("workflow: section-review", "workflow: Section Review",
     ["policy.yaml:3: workflow: `Section Review` is not a valid workflow name; use lower-case letters, digits and "
      + "hyphens, as in the file name workflows/<name>.yaml"]),
    ("secretariat: BIF", "secretariat: XYZ",
     ["policy.yaml:4: secretariat: unknown department `XYZ` (known: BIF, ØKF)"]),
    ("    committee: BIU", "    committee: XYZ",
     ["policy.yaml:13: departments[0].committee: unknown committee `XYZ` (known: BIU, ØU)"]),
    ("  - code: ØKF", "  - code: bif",
     ["policy.yaml:14: departments[1].code: duplicate department code `bif` (already used on line 11)",
      "policy.yaml:30: sections[2].owners[0]: unknown department `økf` (known: BIF)",
      "members.yaml:10: members[1].departments[0]: unknown department `ØKF` (known: BIF)",
      "members.yaml:11: members[1].roles: role `drafter` needs at least one department under `departments`",
      "members.yaml:11: members[1].roles: role `head` needs at least one department under `departments`"]),
    ("  - code: BIU", "  - code: B I U",
     ["policy.yaml:6: committees[0].code: `B I U` is not a valid committee code; use letters and digits only "
      + "(e.g. `ØKF`)",
      "policy.yaml:13: departments[0].committee: unknown committee `BIU` (known: ØU)",
      "members.yaml:15: members[2].committees[1]: unknown committee `BIU` (known: ØU)",
      "members.yaml:20: members[3].committees[0]: unknown committee `BIU` (known: ØU)",
      "members.yaml:21: members[3].roles: role `reviewer` needs at least one committee under `committees`",
      "members.yaml:21: members[3].roles: role `chair` needs at least one committee under `committees`"]),
    ("    owners: [BIF]", "    owners: [BIF, XYZ]",
     ["policy.yaml:21: sections[0].owners[1]: unknown department `XYZ` (known: BIF, ØKF)"]),
    ("    owners: [BIF]", "    owners: [BIF, bif]",
     ["policy.yaml:21: sections[0].owners[1]: `bif` is listed more than once"]),
    ("    owners: [BIF]", "    owners: []",
     ["policy.yaml:21: sections[0].owners: list at least one owning department"]),
    ("    owners: [BIF]\n", "    owners: [BIF]\n    committees: [UU]\n",
     ["policy.yaml:22: sections[0].committees[0]: unknown committee `UU` (known: BIU, ØU)"]),
    ("    owners: [BIF]\n", "    owners: [BIF]\n    committees: []\n",
     ["policy.yaml:22: sections[0].committees: list at least one committee, or leave `committees` out to use the "
      + "owners' committees"]),
    ("    kind: area", "    kind: areal",
     ["policy.yaml:24: sections[1].kind: unknown kind `areal` (did you mean `area`?)"]),
    ("  - id: forord", "  - id: Forord",
     ["policy.yaml:18: sections[0].id: `Forord` is not a valid section id; use lower-case ASCII letters, digits and "
      + "hyphens (æ → ae, ø → oe, å → aa), as it is also the file name sections/<id>.md"]),
    ("  - id: beskaeftigelse", "  - id: forord",
     ["policy.yaml:22: sections[1].id: duplicate section id `forord` (already used on line 18)",
      "requirements/a-workshop.yaml:7: requirements[0].targets[0]: unknown section `beskaeftigelse` (known: "
      + "forord, by-og-bolig)",
      "requirements/a-workshop.yaml:11: requirements[1].targets[0]: unknown section `beskaeftigelse` (known: "
      + "forord, by-og-bolig)"]),
    ("    title: Forord\n", "    title: Forord\n    guidence: Skriv kort\n",
     ["policy.yaml:20: sections[0].guidence: unknown key `guidence` (did you mean `guidance`?)"]),
    ("    required_headings: [Situationen i København, Det gør vi allerede]",
     "    required_headings: Situationen i København",
     ["policy.yaml:26: sections[1].required_headings: expected a list, found text"]),
  ])
  func policyProblems(original: String, replacement: String, expected: [String]) {
    #expect(PolicyFixture().replacing(original, with: replacement, in: "policy.yaml").issues() == expected)
  }

  @Test("each problem in members.yaml is reported", arguments: [
    ("departments: [ØKF]", "departments: [XKF]",
     ["members.yaml:10: members[1].departments[0]: unknown department `XKF` (known: BIF, ØKF)",
      "members.yaml:11: members[1].roles: role `drafter` needs at least one department under `departments`",
      "members.yaml:11: members[1].roles: role `head` needs at least one department under `departments`"]),
    ("committees: [øu, BIU]", "committees: [øu, BIU, TMU]",
     ["members.yaml:15: members[2].committees[2]: unknown committee `TMU` (known: BIU, ØU)"]),
    ("roles: [reviewer]", "roles: [reviewr]",
     ["members.yaml:16: members[2].roles[0]: unknown role `reviewr` (did you mean `reviewer`?)"]),
    ("roles: [reviewer]", "roles: []",
     ["members.yaml:16: members[2].roles: give the person at least one role"]),
    ("email: rune@example.invalid", "email: SARA@example.invalid",
     ["members.yaml:14: members[2].email: the e-mail address `SARA@example.invalid` is already used by "
      + "`sara-secretariat` (line 4)"]),
    ("email: clara@example.invalid", "email: clara",
     ["members.yaml:19: members[3].email: `clara` is not an e-mail address"]),
    ("id: rune-reviewer", "id: dorte-drafter",
     ["members.yaml:12: members[2].id: duplicate person id `dorte-drafter` (already used on line 7)"]),
    ("id: rune-reviewer", "id: Rune",
     ["members.yaml:12: members[2].id: `Rune` is not a valid person id; use lower-case ASCII letters, digits and "
      + "hyphens"]),
    ("roles: [secretariat, drafter]", "roles: [drafter]",
     ["members.yaml:2: members: nobody has the role `secretariat`; at least one person must, to assemble the "
      + "policy and manage requirements"]),
    ("roles: [secretariat, drafter]", "roles: [secretary, drafter]",
     ["members.yaml:6: members[0].roles[0]: unknown role `secretary` (known: drafter, head, reviewer, chair, "
      + "secretariat)"]),
    ("    committees: [BIU]\n    roles: [chair, reviewer]", "    roles: [chair, reviewer]",
     ["members.yaml:20: members[3].roles: role `reviewer` needs at least one committee under `committees`",
      "members.yaml:20: members[3].roles: role `chair` needs at least one committee under `committees`"]),
    ("    name: Clara Chair\n", "",
     ["members.yaml:17: members[3]: missing required key `name`"]),
    ("    roles: [reviewer]", "    roles: [reviewer]\n    phone: 12345678",
     ["members.yaml:17: members[2].phone: unknown key `phone` (known: id, name, email, departments, committees, "
      + "roles, keys, retired)"]),
  ])
  func memberProblems(original: String, replacement: String, expected: [String]) {
    #expect(PolicyFixture().replacing(original, with: replacement, in: "members.yaml").issues() == expected)
  }

  @Test("each problem in requirements/*.yaml is reported", arguments: [
    ("b-principper.yaml", "id: PR-A", "id: WS-UDD-01",
     ["requirements/b-principper.yaml:4: requirements[0].id: duplicate requirement id `WS-UDD-01` (already "
      + "defined in requirements/a-workshop.yaml:4)"]),
    ("b-principper.yaml", "id: PR-A", "id: pr-a",
     ["requirements/b-principper.yaml:4: requirements[0].id: `pr-a` is not a valid requirement id; use upper-case "
      + "ASCII letters, digits and hyphens (e.g. `WS-UDD-01`)"]),
    ("b-principper.yaml", "kind: princip", "kind: principle",
     ["requirements/b-principper.yaml:2: kind: unknown kind `principle` (did you mean `princip`?)"]),
    ("b-principper.yaml", "targets: []", "targets: [alle]",
     ["requirements/b-principper.yaml:6: requirements[0].targets[0]: unknown section `alle` (known: forord, "
      + "beskaeftigelse, by-og-bolig)"]),
    ("a-workshop.yaml", "targets: [beskaeftigelse]", "targets: [beskæftigelse]",
     ["requirements/a-workshop.yaml:7: requirements[0].targets[0]: unknown section `beskæftigelse` (did you mean "
      + "`beskaeftigelse`?)"]),
    ("a-workshop.yaml", "    theme: Uddannelse\n", "",
     ["requirements/a-workshop.yaml:4: requirements[0]: missing required key `theme`"]),
    ("a-workshop.yaml", "    text: Flere praktikpladser\n", "",
     ["requirements/a-workshop.yaml:8: requirements[1]: missing required key `text`"]),
    ("a-workshop.yaml", "source: Workshop med københavnere, august 2022\n", "",
     ["requirements/a-workshop.yaml:1: missing required key `source`"]),
  ])
  func requirementProblems(file: String, original: String, replacement: String, expected: [String]) {
    #expect(PolicyFixture().replacing(original, with: replacement, in: file).issues() == expected)
  }

  @Test("missing files are reported; a malformed file does not hide problems in the others")
  func filesAndSyntax() throws {
    #expect(PolicyFixture().issues(omitting: ["members.yaml"]) == ["members.yaml: file not found"])

    do {
      let directory = try PolicyFixture().write(omitting: ["policy.yaml"])
      defer { try? FileManager.default.removeItem(at: directory) }
      _ = try PolicyDefinition.load(from: directory)
      Issue.record("expected an error")
    } catch let error as PolicyDefinitionError {
      #expect(error.isMissingManifest)
      #expect(error.issues.first?.description == "policy.yaml: file not found")
    }

    let fixture = PolicyFixture()
      .replacing("    roles: [reviewer]", with: "    roles: [reviewer", in: "members.yaml")
      .replacing("secretariat: BIF", with: "secretariat: XYZ", in: "policy.yaml")
      .replacing("id: PR-A", with: "id: WS-UDD-01", in: "b-principper.yaml")
    let issues = fixture.issues()
    #expect(issues.count == 3)
    #expect(issues.first == "policy.yaml:4: secretariat: unknown department `XYZ` (known: BIF, ØKF)")
    #expect(issues.dropFirst().first?.hasPrefix("members.yaml:17: malformed YAML at column ") == true)
    #expect(
      issues.last
        == "requirements/b-principper.yaml:4: requirements[0].id: duplicate requirement id `WS-UDD-01` (already "
        + "defined in requirements/a-workshop.yaml:4)")
  }

  @Test("the error's description lists every issue, one per line")
  func errorDescription() {
    let fixture = PolicyFixture()
      .replacing("secretariat: BIF", with: "secretariat: XYZ", in: "policy.yaml")
      .replacing("roles: [reviewer]", with: "roles: [reviewr]", in: "members.yaml")
    do {
      let directory = try fixture.write()
      defer { try? FileManager.default.removeItem(at: directory) }
      _ = try PolicyDefinition.load(from: directory)
      Issue.record("expected an error")
    } catch {
      #expect(
        error.localizedDescription == """
          policy.yaml:4: secretariat: unknown department `XYZ` (known: BIF, ØKF)
          members.yaml:16: members[2].roles[0]: unknown role `reviewr` (did you mean `reviewer`?)
          """)
    }
  }
}
