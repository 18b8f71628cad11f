extension WorkflowDefinition {
  /// The workflow as a Mermaid state diagram, which GitHub, GitLab and most Markdown viewers draw,
  /// so a workflow file can be reviewed as a picture before it is put in force.
  ///
  /// Edges are labelled with the command event, or `auto` for automatic transitions; approved
  /// states are highlighted and final states lead to the end marker.
  public func mermaid() -> String {
    var lines = ["stateDiagram-v2"]
    for state in states {
      lines.append("  state \"\(mermaidEscape(state.label))\" as \(state.id)")
    }
    lines.append("  [*] --> \(initial)")
    for transition in transitions {
      for from in transition.from {
        lines.append("  \(from) --> \(transition.to): \(transition.event ?? "auto")")
      }
    }
    for state in states where state.isFinal {
      lines.append("  \(state.id) --> [*]")
    }
    let approved = approvedStates.map(\.id)
    if !approved.isEmpty {
      lines.append("  classDef approved fill:#d8f0d8,stroke:#2e7d32")
      lines.append("  class \(approved.joined(separator: ",")) approved")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The workflow as a Graphviz digraph (`dot -Tsvg`), for documents and tools that prefer it.
  public func dot() -> String {
    var lines = [
      "digraph \(dotQuote(name)) {",
      "  label=\(dotQuote(label));",
      "  labelloc=t;",
      "  rankdir=LR;",
      "  node [shape=box, style=rounded];",
      "  \"__start\" [shape=point, label=\"\"];",
    ]
    for state in states {
      var attributes = ["label=\(dotQuote(state.label))"]
      if state.isApproved { attributes.append("style=\"rounded,bold\"") }
      if state.isFinal { attributes.append("peripheries=2") }
      lines.append("  \(dotQuote(state.id)) [\(attributes.joined(separator: ", "))];")
    }
    lines.append("  \"__start\" -> \(dotQuote(initial));")
    for transition in transitions {
      let style = transition.isAutomatic ? ", style=dashed" : ""
      for from in transition.from {
        lines.append(
          "  \(dotQuote(from)) -> \(dotQuote(transition.to)) [label=\(dotQuote(transition.event ?? "auto"))\(style)];")
      }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Mermaid labels are double-quoted; a quote inside is written as an entity.
private func mermaidEscape(_ text: String) -> String {
  text.replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "\n", with: " ")
}

private func dotQuote(_ text: String) -> String {
  let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    .replacingOccurrences(of: "\n", with: "\\n")
  return "\"\(escaped)\""
}
