import Foundation
import PolicyManifest

/// A tiny two-department policy written to a temporary directory, with the line numbers the tests
/// rely on noted in the text.
struct PolicyFixture {
  var policy = """
    title: Testpolitik
    period: "2024-2027"
    workflow: section-review
    secretariat: BIF
    committees:
      - code: BIU
        name: Beskæftigelses- og Integrationsudvalget
      - code: ØU
        name: Økonomiudvalget
    departments:
      - code: BIF
        name: Beskæftigelses- og Integrationsforvaltningen
        committee: BIU
      - code: ØKF
        name: Økonomiforvaltningen
        committee: ØU
    sections:
      - id: forord
        title: Forord
        kind: common
        owners: [BIF]
      - id: beskaeftigelse
        title: Beskæftigelse
        kind: area
        owners: [BIF]
        required_headings: [Situationen i København, Det gør vi allerede]
      - id: by-og-bolig
        title: By og bolig
        kind: area
        owners: [økf, BIF]
        guidance: "[Udfyldes af ØKF og BIF]"

    """

  var members = """
    members:
      - id: sara-secretariat
        name: Sara Sekretær
        email: sara@example.invalid
        departments: [BIF]
        roles: [secretariat, drafter]
      - id: dorte-drafter
        name: Dorte Drafter
        email: Dorte.Drafter@Example.invalid
        departments: [ØKF]
        roles: [drafter, head]
      - id: rune-reviewer
        name: Rune Reviewer
        email: rune@example.invalid
        committees: [øu, BIU]
        roles: [reviewer]
      - id: clara-chair
        name: Clara Chair
        email: clara@example.invalid
        committees: [BIU]
        roles: [chair, reviewer]

    """

  var workshop = """
    source: Workshop med københavnere, august 2022
    kind: workshop
    requirements:
      - id: WS-UDD-01
        theme: Uddannelse
        text: Brug af flere rollemodeller
        targets: [beskaeftigelse]
      - id: WS-BES-01
        theme: Beskæftigelse
        text: Flere praktikpladser
        targets: [beskaeftigelse, by-og-bolig]

    """

  var principles = """
    source: Integrationspolitikkens principper
    kind: princip
    requirements:
      - id: PR-A
        text: Borgeren i centrum
        targets: []

    """

  /// Writes the files (leaving out those set to `nil` by `omit`) and returns the directory.
  func write(omitting omit: Set<String> = []) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)")
    let requirements = directory.appendingPathComponent("requirements")
    try FileManager.default.createDirectory(at: requirements, withIntermediateDirectories: true)
    let files = [
      "policy.yaml": policy, "members.yaml": members, "requirements/a-workshop.yaml": workshop,
      "requirements/b-principper.yaml": principles, "requirements/README.md": "not YAML: ignored\n",
    ]
    for (name, text) in files where !omit.contains(name) {
      try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return directory
  }

  /// Loads the fixture.
  func load() throws -> PolicyDefinition {
    let directory = try write()
    defer { try? FileManager.default.removeItem(at: directory) }
    return try PolicyDefinition.load(from: directory)
  }

  /// The problems loading reports, as printed, or `["loaded"]` when there are none.
  func issues(omitting omit: Set<String> = []) -> [String] {
    do {
      let directory = try write(omitting: omit)
      defer { try? FileManager.default.removeItem(at: directory) }
      _ = try PolicyDefinition.load(from: directory)
      return ["loaded"]
    } catch let error as PolicyDefinitionError {
      return error.issues.map(\.description)
    } catch {
      return ["unexpected error: \(error)"]
    }
  }

  /// A copy with the first occurrence of `original` (which must occur) replaced in the file called
  /// `file`.
  func replacing(_ original: String, with replacement: String, in file: String) -> PolicyFixture {
    var copy = self
    func edit(_ text: inout String) {
      guard let range = text.range(of: original) else { preconditionFailure("\(file) does not contain \(original)") }
      text.replaceSubrange(range, with: replacement)
    }
    switch file {
    case "policy.yaml": edit(&copy.policy)
    case "members.yaml": edit(&copy.members)
    case "a-workshop.yaml": edit(&copy.workshop)
    case "b-principper.yaml": edit(&copy.principles)
    default: preconditionFailure("unknown fixture file \(file)")
    }
    return copy
  }
}
