import Foundation
import PolicyWorkflow

/// `policyflow workflow check` and `workflow show`: a workflow definition read from a file of its own (a draft
/// checked before it goes into a workspace) or the workspace's, summarised or drawn. Loading, validating and
/// drawing are PolicyWorkflow's; this is the use case, so that callers need no import of PolicyWorkflow.
public struct WorkflowDescription: Sendable {
  let workflow: WorkflowDefinition

  /// Reads and validates the workflow file at `path` for `workflow check`: a file that is not there is
  /// `.missing`; one that does not load or validate is `.badInput` with the loader's located message.
  public static func check(file path: String) throws -> WorkflowDescription {
    guard FileManager.default.fileExists(atPath: path) else {
      throw PolicyFlowError(.missing, "no such workflow file: \(path)")
    }
    return try WorkflowDescription(file: path)
  }

  /// Reads and validates the workflow file at `path`; any failure to load it (a missing file too) is
  /// `.badInput` with the loader's message.
  public init(file path: String) throws {
    do {
      workflow = try WorkflowDefinition.load(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw PolicyFlowError(.badInput, error.localizedDescription)
    }
  }

  /// The workflow `workspace` is governed by.
  public init(workspace: Workspace) {
    workflow = workspace.workflow
  }

  public var name: String { workflow.name }
  public var stateCount: Int { workflow.states.count }
  public var transitionCount: Int { workflow.transitions.count }
  /// The id of the state a new section starts in.
  public var initialState: String { workflow.initial }

  /// The state diagram as Mermaid (`mermaid`) or Graphviz (`dot`) source; another format is a usage error.
  public func diagram(format: String) throws -> String {
    switch format {
    case "mermaid": return workflow.mermaid()
    case "dot": return workflow.dot()
    default: throw PolicyFlowError(.usage, "--format must be mermaid or dot, not \(format).")
    }
  }
}
