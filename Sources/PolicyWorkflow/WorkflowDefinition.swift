import Foundation
import PolicyYAML

/// A state a section can be in.
public struct WorkflowState: Equatable, Hashable, Sendable {
  public var id: String
  /// The display name (in the policy's language), e.g. "I udvalgsbehandling".
  public var label: String
  /// No transition may leave a final state.
  public var isFinal: Bool
  /// Text in this state is approved: it lands on `main` and goes into the assembled policy.
  public var isApproved: Bool
  /// Where the state is declared, for messages that point back at the workflow file.
  public var line: Int?

  public init(id: String, label: String, isFinal: Bool = false, isApproved: Bool = false, line: Int? = nil) {
    self.id = id
    self.label = label
    self.isFinal = isFinal
    self.isApproved = isApproved
    self.line = line
  }
}

/// How the sign-offs a `signoffs` guard demands are counted.
public enum Grouping: String, CaseIterable, Sendable, Hashable {
  /// `count` sign-offs in all, whoever gives them.
  case section
  /// `count` sign-offs from each reviewing committee of the section, given by its own members.
  case committee
  /// `count` sign-offs from each owning department of the section, given by its own members.
  case department
}

/// A condition a transition needs before it may fire.
public enum Guard: Equatable, Hashable, Sendable {
  /// At least `count` people acting in `capacity` have signed off the current revision,
  /// counted per `per`.
  case signoffs(capacity: Capacity, count: Int, per: Grouping)
  /// No blocking comment on the section is still open.
  case noOpenBlockingComments
  /// Every requirement assigned to the section is addressed or waived.
  case requirementsAddressed
  /// The section's text contains all its required sub-headings.
  case requiredHeadingsPresent

  /// The name used in workflow files.
  public var name: String {
    switch self {
    case .signoffs: return "signoffs"
    case .noOpenBlockingComments: return "no_open_blocking_comments"
    case .requirementsAddressed: return "requirements_addressed"
    case .requiredHeadingsPresent: return "required_headings_present"
    }
  }

  /// Every guard name a workflow file may use.
  public static let names = ["signoffs", "no_open_blocking_comments", "requirements_addressed",
    "required_headings_present"]
}

/// A move from one of several states to another.
public struct WorkflowTransition: Equatable, Hashable, Sendable {
  public var id: String
  /// The command event that fires it (`submit`, `request_changes`, `withdraw`); `nil` for automatic
  /// transitions.
  public var event: String?
  /// Fires by itself, after any action, as soon as all its guards hold.
  public var isAutomatic: Bool
  public var from: [String]
  public var to: String
  /// Who may fire it by command; empty for automatic transitions.
  public var allowed: [Capacity]
  public var guards: [Guard]
  public var line: Int?

  public init(
    id: String, event: String?, isAutomatic: Bool, from: [String], to: String, allowed: [Capacity] = [],
    guards: [Guard] = [], line: Int? = nil
  ) {
    self.id = id
    self.event = event
    self.isAutomatic = isAutomatic
    self.from = from
    self.to = to
    self.allowed = allowed
    self.guards = guards
    self.line = line
  }
}

/// Who, besides the rules of transitions and sign-offs, may act on comments and requirements of a section.
///
/// Each list names capacities relative to the section; the comment lists may also name `author`, the person who
/// wrote the comment. Absent from the workflow file, the defaults apply: a blocking comment is resolved (or reopened)
/// by its author or the chair of a reviewing committee — never by the drafter whose text it blocks; any other comment
/// also by a drafter of the section; a requirement is waived by the secretariat or a committee chair — never by the
/// department whose text should answer it.
public struct WorkflowPermissions: Equatable, Hashable, Sendable {
  public enum Actor: Equatable, Hashable, Sendable {
    case author
    case capacity(Capacity)

    public var name: String {
      switch self {
      case .author: return "author"
      case .capacity(let capacity): return capacity.rawValue
      }
    }

    public init?(name: String) {
      if name == "author" {
        self = .author
      } else if let capacity = Capacity(rawValue: name) {
        self = .capacity(capacity)
      } else {
        return nil
      }
    }
  }

  public var resolveBlocking: [Actor]
  public var resolve: [Actor]
  public var waive: [Capacity]

  public static let defaults = WorkflowPermissions(
    resolveBlocking: [.author, .capacity(.committeeChair)],
    resolve: [.author, .capacity(.ownerDrafter), .capacity(.committeeChair)],
    waive: [.secretariat, .committeeChair])

  public init(resolveBlocking: [Actor], resolve: [Actor], waive: [Capacity]) {
    self.resolveBlocking = resolveBlocking
    self.resolve = resolve
    self.waive = waive
  }

  /// Who may resolve or reopen a thread: `resolve_blocking` for a blocking one, `resolve` for any other.
  public func resolvers(blocking: Bool) -> [Actor] { blocking ? resolveBlocking : resolve }

  /// The capacities among `resolvers(blocking:)`.
  public func resolvingCapacities(blocking: Bool) -> Set<Capacity> {
    Set(resolvers(blocking: blocking).compactMap { if case .capacity(let capacity) = $0 { return capacity } else { return nil } })
  }

  /// Whether a person may resolve or reopen a thread: as its author (where `author` is listed), or holding, for the
  /// thread's section, one of the listed capacities (`held`). The one rule, for `resolve`, `reopen` and `inbox`.
  public func mayResolve(blocking: Bool, isAuthor: Bool, held: Set<Capacity>) -> Bool {
    (isAuthor && resolvers(blocking: blocking).contains(.author))
      || !resolvingCapacities(blocking: blocking).isDisjoint(with: held)
  }
}

/// A validated workflow: the state machine every section of a policy goes through.
///
/// Instances come from ``load(contentsOf:displayName:)`` or ``parse(_:file:)``, which guarantee
/// that the initial state exists, every state is reachable, no transition leaves a final state,
/// at least one state means "approved", and every capacity, guard and event is known.
public struct WorkflowDefinition: Equatable, Sendable {
  /// The events a command can fire. Sign-offs (the `approve` command) are not an event: they act
  /// through automatic transitions whose `signoffs` guards they satisfy.
  public static let events = ["submit", "request_changes", "withdraw"]

  public var name: String
  public var label: String
  public var initial: String
  public var states: [WorkflowState]
  public var transitions: [WorkflowTransition]
  public var permissions: WorkflowPermissions

  public init(
    name: String, label: String, initial: String, states: [WorkflowState], transitions: [WorkflowTransition],
    permissions: WorkflowPermissions = .defaults
  ) {
    self.name = name
    self.label = label
    self.initial = initial
    self.states = states
    self.transitions = transitions
    self.permissions = permissions
  }

  public func state(_ id: String) -> WorkflowState? {
    states.first { $0.id == id }
  }

  /// The command transition for `event` out of `state`, if the workflow has one. (Validation
  /// guarantees there is at most one.)
  public func transition(on event: String, from state: String) -> WorkflowTransition? {
    transitions.first { !$0.isAutomatic && $0.event == event && $0.from.contains(state) }
  }

  /// Every transition out of `state`, in file order.
  public func transitions(from state: String) -> [WorkflowTransition] {
    transitions.filter { $0.from.contains(state) }
  }

  /// The automatic transitions out of `state`, in file order (the order in which they are tried).
  public func automaticTransitions(from state: String) -> [WorkflowTransition] {
    transitions.filter { $0.isAutomatic && $0.from.contains(state) }
  }

  /// The capacities in which a person may sign off a section in `state`: those that a `signoffs`
  /// guard of an automatic transition out of the state counts. Empty means nobody can sign off now.
  public func signoffCapacities(in state: String) -> Set<Capacity> {
    var capacities = Set<Capacity>()
    for transition in automaticTransitions(from: state) {
      for case .signoffs(let capacity, _, _) in transition.guards {
        capacities.insert(capacity)
      }
    }
    return capacities
  }

  /// The states whose text counts as approved.
  public var approvedStates: [WorkflowState] {
    states.filter(\.isApproved)
  }
}

/// Everything wrong with a workflow file, reported at once.
public struct WorkflowError: Error, LocalizedError, CustomStringConvertible, Equatable, Sendable {
  public var issues: [YAMLError]

  public init(issues: [YAMLError]) {
    self.issues = issues
  }

  /// One issue per line, in file order.
  public var description: String {
    issues.map(\.description).joined(separator: "\n")
  }

  public var errorDescription: String? { description }
}
