import Foundation
import PolicyWorkflow
import PolicyYAML

/// Whether a section is a common chapter (written by the secretariat, not numbered) or a focus area
/// (written by its owning departments, numbered 1, 2, 3 … in the assembled policy).
public enum SectionKind: String, CaseIterable, Sendable, Hashable {
  case common
  case area
}

/// A political committee ("udvalg").
public struct Committee: Equatable, Hashable, Sendable {
  /// As written in the manifest (NFC), e.g. `ØU`.
  public var code: String
  public var name: String

  public init(code: String, name: String) {
    self.code = code
    self.name = name
  }
}

/// A department ("forvaltning") and the committee whose remit covers it.
public struct Department: Equatable, Hashable, Sendable {
  /// As written in the manifest (NFC), e.g. `ØKF`.
  public var code: String
  public var name: String
  /// The code of the committee, spelt as in the manifest's `committees`.
  public var committee: String

  public init(code: String, name: String, committee: String) {
    self.code = code
    self.name = name
    self.committee = committee
  }
}

/// One section of the policy, in document order.
public struct SectionSpec: Equatable, Hashable, Sendable {
  public var id: String
  public var title: String
  public var kind: SectionKind
  /// Owning department codes, spelt as in the manifest's `departments`.
  public var owners: [String]
  /// Reviewing committee codes: as listed in the section, or else the owners' committees
  /// (deduplicated, in owner order).
  public var committees: [String]
  /// A heading grouping consecutive sections in the assembled document.
  public var part: String?
  /// Sub-headings the section text must contain (`## Situationen i København` …).
  public var requiredHeadings: [String]
  /// A drafting instruction shown while nothing is written.
  public var guidance: String?
  /// 1-based among area sections, in document order; `nil` for common sections.
  public var number: Int?

  public init(
    id: String, title: String, kind: SectionKind, owners: [String], committees: [String], part: String? = nil,
    requiredHeadings: [String] = [], guidance: String? = nil, number: Int? = nil
  ) {
    self.id = id
    self.title = title
    self.kind = kind
    self.owners = owners
    self.committees = committees
    self.part = part
    self.requiredHeadings = requiredHeadings
    self.guidance = guidance
    self.number = number
  }
}

/// `signing:` in policy.yaml.
public enum SigningMode: String, Equatable, Sendable, CaseIterable {
  /// Acting as someone needs their key; unsigned or wrongly signed actions take no effect.
  case required
  /// Actions are signed when a key is at hand; `--as` alone is trusted.
  case optional
}

/// The content of `policy.yaml`.
public struct PolicyManifest: Equatable, Sendable {
  public var title: String
  public var period: String
  /// Language code of the policy text (default `da`).
  public var language: String
  /// Names `workflows/<workflow>.yaml`.
  public var workflow: String
  /// The code of the department acting as secretariat, spelt as in `departments`.
  public var secretariat: String
  public var committees: [Committee]
  /// The departments taking part; retired ones (`retired: true`) are in `retiredDepartments`.
  public var departments: [Department]
  /// The sections of the policy in document order; retired ones (`retired: true`) are in `retiredSections`.
  public var sections: [SectionSpec]
  /// Whether every act must be signed with the actor's SSH key (`signing:` in policy.yaml; absent = optional).
  public var signing: SigningMode
  /// Departments marked `retired: true`: they own no sections any more and their codes are not given again, but
  /// their names stay readable for the history (members may still list them).
  public var retiredDepartments: [Department]
  /// Sections marked `retired: true`: no longer part of the policy (not assembled, nothing can be done on them),
  /// their record and history kept and readable.
  public var retiredSections: [SectionSpec]

  public init(
    title: String, period: String, language: String = "da", workflow: String, secretariat: String,
    committees: [Committee], departments: [Department], sections: [SectionSpec], signing: SigningMode = .optional,
    retiredDepartments: [Department] = [], retiredSections: [SectionSpec] = []
  ) {
    self.signing = signing
    self.retiredDepartments = retiredDepartments
    self.retiredSections = retiredSections
    self.title = title
    self.period = period
    self.language = language
    self.workflow = workflow
    self.secretariat = secretariat
    self.committees = committees
    self.departments = departments
    self.sections = sections
  }

  /// The repository path of the workflow file the manifest names.
  public var workflowPath: String { "workflows/\(workflow).yaml" }

  public func section(_ id: String) -> SectionSpec? {
    sections.first { $0.id == id }
  }

  /// A section marked `retired: true`.
  public func retiredSection(_ id: String) -> SectionSpec? {
    retiredSections.first { $0.id == id }
  }

  /// A department marked `retired: true`, however its code is spelt.
  public func retiredDepartment(_ code: String) -> Department? {
    if let exact = retiredDepartments.first(where: { $0.code == code }) { return exact }
    let key = normalizedCode(code)
    return retiredDepartments.first { normalizedCode($0.code) == key }
  }

  /// The department with this code, however it is spelt (case, NFC/NFD).
  public func department(_ code: String) -> Department? {
    // Codes are unique after normalisation, so an exact match is the only match; normalising every code
    // on every lookup dominated `status` at 1,000 sections.
    if let exact = departments.first(where: { $0.code == code }) { return exact }
    let key = normalizedCode(code)
    return departments.first { normalizedCode($0.code) == key }
  }

  /// The committee with this code, however it is spelt (case, NFC/NFD).
  public func committee(_ code: String) -> Committee? {
    if let exact = committees.first(where: { $0.code == code }) { return exact }
    let key = normalizedCode(code)
    return committees.first { normalizedCode($0.code) == key }
  }

  /// The department's full name, or the code itself when unknown (for messages that must not fail).
  public func departmentName(_ code: String) -> String {
    department(code)?.name ?? retiredDepartment(code)?.name ?? code
  }

  /// The committee's full name, or the code itself when unknown.
  public func committeeName(_ code: String) -> String {
    committee(code)?.name ?? code
  }
}

/// A role a person holds (members.yaml); capacities relative to a section derive from it.
public enum Role: String, CaseIterable, Sendable, Hashable {
  case drafter
  case head
  case reviewer
  case chair
  case secretariat
}

/// A person who takes part (members.yaml).
public struct Member: Equatable, Hashable, Sendable {
  public var id: String
  public var name: String
  public var email: String
  /// Department codes, spelt as in the manifest.
  public var departments: [String]
  /// Committee codes, spelt as in the manifest.
  public var committees: [String]
  public var roles: Set<Role>
  /// OpenSSH public keys (`ssh-ed25519 AAAA… comment`), as in git's and OpenSSH's allowed-signers files:
  /// the keys whose signatures count as this member's acts.
  public var keys: [String]

  public init(
    id: String, name: String, email: String, departments: [String] = [], committees: [String] = [],
    roles: Set<Role>, keys: [String] = []
  ) {
    self.id = id
    self.name = name
    self.email = email
    self.departments = departments
    self.committees = committees
    self.roles = roles
    self.keys = keys
  }
}

/// The people of members.yaml, looked up by id or e-mail.
///
/// `members` are the people who take part: every rule (who may act, whose key counts, who authorises a definition
/// change) reads them alone. People marked `retired: true` are in `retired`: they can no longer act, their ids and
/// e-mail addresses are not given to anybody else, and their names stay readable beside their past acts.
public struct MemberDirectory: Equatable, Sendable {
  public var members: [Member]
  public var retired: [Member]

  public init(members: [Member], retired: [Member] = []) {
    self.members = members
    self.retired = retired
  }

  /// A retired member, by id or e-mail.
  public func retiredMember(_ idOrEmail: String) -> Member? {
    let key = idOrEmail.trimmingCharacters(in: .whitespaces)
    return key.contains("@")
      ? retired.first { $0.email.lowercased() == key.lowercased() } : retired.first { $0.id == key }
  }

  /// Anybody members.yaml names, taking part or retired: for showing who did something in the past.
  public func anyone(id: String) -> Member? {
    member(id: id) ?? retired.first { $0.id == id }
  }

  public func member(id: String) -> Member? {
    members.first { $0.id == id }
  }

  /// E-mail addresses are matched without regard to case, as mail systems do.
  public func member(email: String) -> Member? {
    let key = email.trimmingCharacters(in: .whitespaces).lowercased()
    return members.first { $0.email.lowercased() == key }
  }

  /// The person named by `--as`, `POLICYFLOW_USER` or git's `user.email`: an e-mail address if it
  /// contains `@`, else a person id.
  public func resolve(_ idOrEmail: String) -> Member? {
    let trimmed = idOrEmail.trimmingCharacters(in: .whitespaces)
    return trimmed.contains("@") ? member(email: trimmed) : member(id: trimmed)
  }

  /// Everyone holding `role`, in file order.
  public func members(withRole role: Role) -> [Member] {
    members.filter { $0.roles.contains(role) }
  }
}

/// Where a requirement comes from.
public enum RequirementKind: String, CaseIterable, Sendable, Hashable {
  /// Asked for by citizens at the workshop.
  case workshop
  /// One of the policy's pejlemærker (guiding targets).
  case pejlemaerke
  /// One of the policy's principper (principles).
  case princip
}

/// A requirement from requirements/*.yaml.
public struct Requirement: Equatable, Hashable, Sendable {
  public var id: String
  public var kind: RequirementKind
  public var source: String
  public var theme: String?
  public var text: String
  /// Suggested target section ids (may be empty).
  public var targets: [String]
  /// The file it was read from, relative to the repository (`requirements/workshop.yaml`).
  public var file: String

  public init(
    id: String, kind: RequirementKind, source: String, theme: String? = nil, text: String, targets: [String] = [],
    file: String
  ) {
    self.id = id
    self.kind = kind
    self.source = source
    self.theme = theme
    self.text = text
    self.targets = targets
    self.file = file
  }
}

/// Everything a policy repository declares: manifest, members and requirements, validated together.
public struct PolicyDefinition: Equatable, Sendable {
  public var manifest: PolicyManifest
  public var members: MemberDirectory
  /// In file-name order, and within a file in file order.
  public var requirements: [Requirement]

  public init(manifest: PolicyManifest, members: MemberDirectory, requirements: [Requirement]) {
    self.manifest = manifest
    self.members = members
    self.requirements = requirements
  }

  public func requirement(_ id: String) -> Requirement? {
    requirements.first { $0.id == id }
  }
}

/// Everything wrong with a policy definition, across its files, reported at once.
public struct PolicyDefinitionError: Error, LocalizedError, CustomStringConvertible, Equatable, Sendable {
  public var issues: [YAMLError]

  public init(issues: [YAMLError]) {
    self.issues = issues
  }

  /// Whether the definition could not be found at all (no policy.yaml), as opposed to being wrong.
  public var isMissingManifest: Bool {
    issues.contains { $0.kind == .fileNotFound && $0.file == "policy.yaml" }
  }

  /// One issue per line, by file and line.
  public var description: String {
    issues.map(\.description).joined(separator: "\n")
  }

  public var errorDescription: String? { description }
}
