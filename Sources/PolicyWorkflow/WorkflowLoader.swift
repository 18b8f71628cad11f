import Foundation
import PolicyYAML

extension WorkflowDefinition {
  /// Loads and validates a workflow file.
  ///
  /// - Parameter displayName: how the file is named in messages; by default
  ///   `workflows/<file name>` when the file lies in a `workflows` directory, else the file name.
  /// - Throws: ``WorkflowError`` listing every problem, each with file, line and path.
  public static func load(contentsOf url: URL, displayName: String? = nil) throws -> WorkflowDefinition {
    let fileName = url.lastPathComponent
    let file = displayName
      ?? (url.deletingLastPathComponent().lastPathComponent == "workflows" ? "workflows/\(fileName)" : fileName)
    let diagnostics = YAMLDiagnostics()
    let root = YAMLLoader.load(contentsOf: url, file: file, diagnostics: diagnostics)
    var parser = WorkflowParser(diagnostics: diagnostics)
    let definition = root.flatMap { parser.parse($0, expectedName: url.deletingPathExtension().lastPathComponent) }
    guard let definition, diagnostics.isEmpty else {
      throw WorkflowError(issues: diagnostics.issues.sortedForDisplay())
    }
    return definition
  }

  /// Parses and validates workflow YAML; `file` is the name shown in messages.
  ///
  /// - Throws: ``WorkflowError`` listing every problem, each with file, line and path.
  public static func parse(_ yaml: String, file: String) throws -> WorkflowDefinition {
    let diagnostics = YAMLDiagnostics()
    let root = YAMLLoader.parse(yaml, file: file, diagnostics: diagnostics)
    var parser = WorkflowParser(diagnostics: diagnostics)
    let definition = root.flatMap { parser.parse($0, expectedName: nil) }
    guard let definition, diagnostics.isEmpty else {
      throw WorkflowError(issues: diagnostics.issues.sortedForDisplay())
    }
    return definition
  }
}

/// Reads the YAML tree into a ``WorkflowDefinition`` and checks it, reporting every problem to the
/// diagnostics rather than stopping at the first.
struct WorkflowParser {
  let diagnostics: YAMLDiagnostics
  private var hasUnknownStateReferences = false

  init(diagnostics: YAMLDiagnostics) {
    self.diagnostics = diagnostics
  }

  mutating func parse(_ root: YAMLNode, expectedName: String?) -> WorkflowDefinition? {
    guard
      let top = root.mapping(
        allowedKeys: ["name", "label", "description", "initial", "states", "transitions", "permissions"])
    else { return nil }

    let name = top.requiredString("name")
    if let name, let node = top["name"] {
      if !IdentifierSyntax.isSlug(name) {
        node.error(
          "`\(name)` is not a valid workflow name; use lower-case letters, digits and hyphens "
            + "(e.g. `section-review`)")
      } else if let expectedName, expectedName != name {
        node.error("the name `\(name)` does not match the file name `\(expectedName).yaml`; make them the same")
      }
    }
    let label = top.optionalString("label") ?? name ?? ""
    _ = top.optionalString("description")

    let parsedStates = parseStates(top)
    let states = parsedStates.map(\.state)
    let stateIDs = states.map(\.id)
    let finalStates = Set(states.filter(\.isFinal).map(\.id))

    var initial: String?
    if let value = top.requiredString("initial"), let node = top["initial"] {
      if stateIDs.contains(value) {
        initial = value
      } else if !states.isEmpty {
        node.error("the initial state `\(value)` is not declared under `states` \(known(stateIDs))")
      }
    }

    var edges: [(from: [String], to: String)] = []
    let transitions = parseTransitions(top, stateIDs: stateIDs, finalStates: finalStates, edges: &edges)

    // Reachability is only meaningful once every transition names real states; otherwise a typo in
    // one `from` would also be reported as an unreachable state further down.
    if let initial, !hasUnknownStateReferences {
      reportUnreachable(states: parsedStates, edges: edges, initial: initial)
    }
    if !states.isEmpty && !states.contains(where: \.isApproved) {
      (top["states"] ?? top.node).error(
        "no state has `approved: true`; mark the state whose text is approved (it goes on `main` and "
          + "into the assembled policy)")
    }

    let permissions = parsePermissions(top)
    guard let name, let initial, let permissions else { return nil }
    return WorkflowDefinition(
      name: name, label: label, initial: initial, states: states, transitions: transitions.map(\.transition),
      permissions: permissions)
  }

  // MARK: Permissions

  /// `permissions:` — each key optional, each a non-empty list; nil after reporting an error.
  private func parsePermissions(_ top: YAMLMapping) -> WorkflowPermissions? {
    var permissions = WorkflowPermissions.defaults
    guard let node = top["permissions"] else { return permissions }
    guard let mapping = node.mapping(allowedKeys: ["resolve_blocking", "resolve", "waive"]) else { return nil }
    var valid = true
    func actors(_ key: String, allowAuthor: Bool) -> [WorkflowPermissions.Actor]? {
      guard let nodes = mapping.optionalSequence(key) else { return nil }
      if nodes.isEmpty {
        mapping[key]?.error("name at least one capacity\(allowAuthor ? " (or `author`)" : "")")
        valid = false
      }
      var result: [WorkflowPermissions.Actor] = []
      for item in nodes {
        guard let name = item.nonEmptyString() else {
          valid = false
          continue
        }
        guard let actor = WorkflowPermissions.Actor(name: name), allowAuthor || actor != .author else {
          let known = (allowAuthor ? ["author"] : []) + Capacity.names
          item.error("unknown capacity `\(name)` \(YAMLNode.suggestion(for: name, among: known))")
          valid = false
          continue
        }
        if !result.contains(actor) { result.append(actor) }
      }
      return result
    }
    if let list = actors("resolve_blocking", allowAuthor: true) { permissions.resolveBlocking = list }
    if let list = actors("resolve", allowAuthor: true) { permissions.resolve = list }
    if let list = actors("waive", allowAuthor: false) {
      permissions.waive = list.compactMap { if case .capacity(let capacity) = $0 { return capacity } else { return nil } }
    }
    return valid ? permissions : nil
  }

  // MARK: States

  private func parseStates(_ top: YAMLMapping) -> [(state: WorkflowState, node: YAMLNode)] {
    guard let nodes = top.requiredSequence("states") else { return [] }
    if nodes.isEmpty { top["states"]?.error("declare at least one state") }
    var states: [(state: WorkflowState, node: YAMLNode)] = []
    var seen: [String: Int?] = [:]
    for node in nodes {
      guard let mapping = node.mapping(allowedKeys: ["id", "label", "description", "final", "approved"]),
        let id = mapping.requiredString("id"), let idNode = mapping["id"]
      else { continue }
      guard IdentifierSyntax.isSnakeCase(id) else {
        idNode.error(
          "`\(id)` is not a valid state id; use lower-case letters, digits and underscores, starting with a letter")
        continue
      }
      if let earlier = seen[id] {
        idNode.error("duplicate state id `\(id)`\(earlierLine(earlier))")
        continue
      }
      seen[id] = node.line
      _ = mapping.optionalString("description")
      let state = WorkflowState(
        id: id, label: mapping.optionalString("label") ?? id, isFinal: mapping.optionalBool("final") ?? false,
        isApproved: mapping.optionalBool("approved") ?? false, line: node.line)
      states.append((state, node))
    }
    return states
  }

  // MARK: Transitions

  /// A parsed transition with the nodes that later checks point at.
  struct ParsedTransition {
    var transition: WorkflowTransition
    var node: YAMLNode
  }

  /// Parses the transitions; `edges` receives the moves of every transition whose states are known,
  /// even one with other problems, so that reachability is not misreported because of them.
  private mutating func parseTransitions(
    _ top: YAMLMapping, stateIDs: [String], finalStates: Set<String>, edges: inout [(from: [String], to: String)]
  ) -> [ParsedTransition] {
    guard let nodes = top.requiredSequence("transitions") else { return [] }
    if nodes.isEmpty { top["transitions"]?.error("declare at least one transition") }
    var parsed: [ParsedTransition] = []
    var seenIDs: [String: Int?] = [:]
    // (event, from state) → the transition that already claims it, to refuse ambiguous commands.
    var claimed: [String: String] = [:]

    for node in nodes {
      guard
        let mapping = node.mapping(allowedKeys: ["id", "description", "on", "auto", "from", "to", "by", "guards"])
      else { continue }
      var valid = true

      let id = mapping.requiredString("id")
      if let id, let idNode = mapping["id"] {
        if !IdentifierSyntax.isSnakeCase(id) {
          idNode.error(
            "`\(id)` is not a valid transition id; use lower-case letters, digits and underscores, "
              + "starting with a letter")
          valid = false
        } else if let earlier = seenIDs[id] {
          idNode.error("duplicate transition id `\(id)`\(earlierLine(earlier))")
          valid = false
        } else {
          seenIDs[id] = node.line
        }
      } else {
        valid = false
      }
      _ = mapping.optionalString("description")

      // Either a command event or `auto: true`, never both, never neither.
      let event = mapping.optionalString("on")
      let isAutomatic = mapping.optionalBool("auto") ?? false
      if event != nil && isAutomatic {
        node.error(
          "a transition has either `on:` (fired by a command) or `auto: true` (fires by itself when its "
            + "guards hold), not both")
        valid = false
      } else if event == nil && !isAutomatic {
        if !mapping.contains("on") || mapping["on"]?.isNull == true {
          node.error(
            "a transition needs either `on:` (fired by a command: \(Self.eventList)) or `auto: true` "
              + "(fires by itself when its guards hold)")
        }
        valid = false
      }
      if let event, let eventNode = mapping["on"], !WorkflowDefinition.events.contains(event) {
        if event == "approve" {
          eventNode.error(
            "unknown event `approve`: sign-offs are given with the approve command and take effect through an "
              + "`auto: true` transition with `signoffs` guards (known events: \(Self.eventList))")
        } else {
          eventNode.error("unknown event `\(event)` \(YAMLNode.suggestion(for: event, among: WorkflowDefinition.events))")
        }
        valid = false
      }

      // States.
      var from: [String] = []
      if let fromNodes = mapping.requiredSequence("from") {
        if fromNodes.isEmpty { mapping["from"]?.error("name at least one state the transition leaves") }
        for fromNode in fromNodes {
          guard let state = fromNode.nonEmptyString() else {
            valid = false
            continue
          }
          if !stateIDs.contains(state) {
            fromNode.error("unknown state `\(state)` \(known(stateIDs))")
            hasUnknownStateReferences = true
            valid = false
          } else if finalStates.contains(state) {
            fromNode.error("`\(state)` is a final state; no transition may leave it")
            valid = false
          } else {
            from.append(state)
          }
        }
      } else {
        valid = false
      }
      let to = mapping.requiredString("to")
      if let to, let toNode = mapping["to"], !stateIDs.contains(to) {
        toNode.error("unknown state `\(to)` \(known(stateIDs))")
        hasUnknownStateReferences = true
        valid = false
      } else if let to {
        edges.append((from, to))
      }

      // Who may fire it.
      var allowed: [Capacity] = []
      if isAutomatic, let byNode = mapping["by"] {
        byNode.error(
          "`by` is not allowed on an automatic transition: it fires by itself, and who may sign off follows "
            + "from its `signoffs` guards")
        valid = false
      } else if !isAutomatic && event != nil {
        if let byNodes = mapping.requiredSequence("by") {
          if byNodes.isEmpty { mapping["by"]?.error("name at least one capacity that may fire the transition") }
          for byNode in byNodes {
            guard let name = byNode.nonEmptyString() else { continue }
            if let capacity = Capacity(rawValue: name) {
              if !allowed.contains(capacity) { allowed.append(capacity) }
            } else {
              byNode.error("unknown capacity `\(name)` \(YAMLNode.suggestion(for: name, among: Capacity.names))")
              valid = false
            }
          }
        } else {
          valid = false
        }
      }

      let guards = parseGuards(mapping, isAutomatic: isAutomatic, valid: &valid)

      if valid, let event, !isAutomatic {
        for state in from {
          let key = "\(event) \(state)"
          if let other = claimed[key] {
            node.error(
              "both `\(other)` and `\(id ?? "")` fire on `\(event)` from `\(state)`; a command must lead to "
                + "exactly one transition")
            valid = false
          } else {
            claimed[key] = id
          }
        }
      }

      guard valid, let id, let to else { continue }
      parsed.append(
        ParsedTransition(
          transition: WorkflowTransition(
            id: id, event: isAutomatic ? nil : event, isAutomatic: isAutomatic, from: from, to: to,
            allowed: allowed, guards: guards, line: node.line),
          node: node))
    }
    return parsed
  }

  private func parseGuards(_ mapping: YAMLMapping, isAutomatic: Bool, valid: inout Bool) -> [Guard] {
    var guards: [Guard] = []
    if let guardNodes = mapping.optionalSequence("guards") {
      for guardNode in guardNodes {
        if let parsed = parseGuard(guardNode) {
          guards.append(parsed)
        } else {
          valid = false
        }
      }
    } else if mapping["guards"].map({ !$0.isNull }) == true {
      valid = false  // not a list; already reported
    }
    if isAutomatic && guards.isEmpty && valid {
      mapping.node.error(
        "an automatic transition needs at least one guard; without one it would fire as soon as the section "
          + "enters the state")
      valid = false
    }
    return guards
  }

  private func parseGuard(_ node: YAMLNode) -> Guard? {
    let simple: [String: Guard] = [
      "no_open_blocking_comments": .noOpenBlockingComments,
      "requirements_addressed": .requirementsAddressed,
      "required_headings_present": .requiredHeadingsPresent,
    ]
    func unknown(_ name: String, at node: YAMLNode) {
      node.error("unknown guard `\(name)` \(YAMLNode.suggestion(for: name, among: Guard.names))")
    }

    switch node.node {
    case .scalar:
      guard let name = node.nonEmptyString() else { return nil }
      if let known = simple[name] { return known }
      if name == "signoffs" {
        node.error(
          "`signoffs` needs settings, e.g. `- signoffs: {capacity: committee_reviewer, count: 2, per: committee}`")
      } else {
        unknown(name, at: node)
      }
      return nil
    case .mapping(let pairs):
      guard pairs.count == 1, case .scalar(let keyScalar) = pairs[pairs.startIndex].key else {
        node.error("a guard is a name (`- requirements_addressed`) or one `name: {settings}` pair")
        return nil
      }
      let name = keyScalar.string
      guard name == "signoffs" else {
        if simple[name] != nil {
          node.error("`\(name)` takes no settings; write it as `- \(name)`")
        } else {
          unknown(name, at: node)
        }
        return nil
      }
      guard let settings = node.mapping(allowedKeys: ["signoffs"])?.required("signoffs"),
        let fields = settings.mapping(allowedKeys: ["capacity", "count", "per"])
      else { return nil }
      var ok = true
      var capacity: Capacity?
      if let capacityName = fields.requiredString("capacity"), let capacityNode = fields["capacity"] {
        capacity = Capacity(rawValue: capacityName)
        if capacity == nil {
          capacityNode.error(
            "unknown capacity `\(capacityName)` \(YAMLNode.suggestion(for: capacityName, among: Capacity.names))")
        }
      }
      var count = 1
      if let countNode = fields.optional("count") {
        if let value = countNode.int() {
          count = value
          if value < 1 {
            countNode.error("`count` must be at least 1 (found \(value))")
            ok = false
          }
        } else {
          ok = false
        }
      }
      var per = Grouping.section
      if let perName = fields.optionalString("per"), let perNode = fields["per"] {
        if let grouping = Grouping(rawValue: perName) {
          per = grouping
        } else {
          let names = Grouping.allCases.map(\.rawValue)
          perNode.error("unknown grouping `\(perName)` \(YAMLNode.suggestion(for: perName, among: names))")
          ok = false
        }
      }
      guard ok, let capacity else { return nil }
      return .signoffs(capacity: capacity, count: count, per: per)
    default:
      node.error("a guard is a name (`- requirements_addressed`) or one `name: {settings}` pair")
      return nil
    }
  }

  // MARK: Reachability

  private func reportUnreachable(
    states: [(state: WorkflowState, node: YAMLNode)], edges: [(from: [String], to: String)], initial: String
  ) {
    var reached: Set<String> = [initial]
    var queue = [initial]
    while let state = queue.popLast() {
      for edge in edges where edge.from.contains(state) {
        if reached.insert(edge.to).inserted { queue.append(edge.to) }
      }
    }
    for (state, node) in states where !reached.contains(state.id) {
      node.error(
        "state `\(state.id)` cannot be reached from the initial state `\(initial)`; add a transition to it or "
          + "remove it")
    }
  }

  // MARK: Message helpers

  private static var eventList: String { WorkflowDefinition.events.joined(separator: ", ") }

  private func known(_ ids: [String]) -> String {
    "(known: \(ids.joined(separator: ", ")))"
  }

  private func earlierLine(_ line: Int?) -> String {
    line.map { " (already declared on line \($0))" } ?? ""
  }
}
