/// A sign-off that counts towards a `signoffs` guard.
public struct CountedSignoff: Equatable, Hashable, Sendable {
  public var personID: String
  public var capacity: Capacity
  /// The committee or department code the sign-off was given for (`nil` for capacities that are
  /// not tied to a group, such as `secretariat`).
  public var group: String?

  public init(personID: String, capacity: Capacity, group: String? = nil) {
    self.personID = personID
    self.capacity = capacity
    self.group = group
  }
}

/// Facts the use-case layer gathers about a section; the engine stays pure.
public struct SectionFacts: Equatable, Sendable {
  /// The section's reviewing committees (codes).
  public var committees: [String]
  /// The section's owning departments (codes).
  public var departments: [String]
  /// Only the sign-offs that count: on the current revision, and not by the revision's author.
  public var signoffs: [CountedSignoff]
  /// Ids of open blocking comments.
  public var openBlockingComments: [String]
  /// Ids of requirements assigned to the section that are neither addressed nor waived.
  public var unaddressedRequirements: [String]
  /// Required sub-headings missing from the current text.
  public var missingHeadings: [String]

  public init(
    committees: [String] = [], departments: [String] = [], signoffs: [CountedSignoff] = [],
    openBlockingComments: [String] = [], unaddressedRequirements: [String] = [], missingHeadings: [String] = []
  ) {
    self.committees = committees
    self.departments = departments
    self.signoffs = signoffs
    self.openBlockingComments = openBlockingComments
    self.unaddressedRequirements = unaddressedRequirements
    self.missingHeadings = missingHeadings
  }
}

/// A guard that does not hold yet, with what is missing, so that `status` can tell a person what
/// blocks the next step.
public enum Unmet: Equatable, Hashable, Sendable {
  /// `group` is the committee or department that lacks sign-offs; `nil` when counted per section.
  case signoffs(capacity: Capacity, group: String?, needed: Int, have: Int)
  case openBlockingComments([String])
  case requirements([String])
  case missingHeadings([String])
}

extension WorkflowDefinition {
  /// The guards of `transition` that do not hold for a section with these facts; empty when the
  /// transition may fire.
  ///
  /// Sign-offs are counted per distinct person, so signing twice does not count twice. With
  /// `per: committee` (or `department`) each of the section's committees (departments) needs its
  /// own quota, from sign-offs given for that group; codes are compared with ``normalizedCode(_:)``.
  /// A section without any such group is counted as a whole instead, so that a missing committee
  /// can never let a section through without sign-offs.
  public func unmet(_ transition: WorkflowTransition, facts: SectionFacts) -> [Unmet] {
    var result: [Unmet] = []
    for condition in transition.guards {
      switch condition {
      case .signoffs(let capacity, let count, let per):
        let relevant = facts.signoffs.filter { $0.capacity == capacity }
        let groups: [String]
        switch per {
        case .section: groups = []
        case .committee: groups = facts.committees
        case .department: groups = facts.departments
        }
        if groups.isEmpty {
          let have = Set(relevant.map(\.personID)).count
          if have < count { result.append(.signoffs(capacity: capacity, group: nil, needed: count, have: have)) }
        } else {
          var seenGroups = Set<String>()
          for group in groups where seenGroups.insert(normalizedCode(group)).inserted {
            let key = normalizedCode(group)
            let have = Set(relevant.filter { $0.group.map(normalizedCode) == key }.map(\.personID)).count
            if have < count { result.append(.signoffs(capacity: capacity, group: group, needed: count, have: have)) }
          }
        }
      case .noOpenBlockingComments:
        if !facts.openBlockingComments.isEmpty { result.append(.openBlockingComments(facts.openBlockingComments)) }
      case .requirementsAddressed:
        if !facts.unaddressedRequirements.isEmpty { result.append(.requirements(facts.unaddressedRequirements)) }
      case .requiredHeadingsPresent:
        if !facts.missingHeadings.isEmpty { result.append(.missingHeadings(facts.missingHeadings)) }
      }
    }
    return result
  }

  /// The first automatic transition out of `state` whose guards all hold, if any.
  public func firableAutomaticTransition(from state: String, facts: SectionFacts) -> WorkflowTransition? {
    automaticTransitions(from: state).first { unmet($0, facts: facts).isEmpty }
  }
}
