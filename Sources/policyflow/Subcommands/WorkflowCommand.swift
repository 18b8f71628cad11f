import ArgumentParser
import Foundation
import PolicyFlow
import PolicyWorkflow

struct WorkflowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workflow", abstract: "Check or draw workflow definitions.",
    subcommands: [WorkflowCheck.self, WorkflowShow.self])
}

struct WorkflowCheck: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a workflow file.")
  @Argument(help: "workflows/<name>.yaml") var file: String

  func run() throws {
    try runUseCase {
      guard FileManager.default.fileExists(atPath: file) else {
        throw PolicyFlowError(.missing, "no such workflow file: \(file)")
      }
      do {
        let workflow = try WorkflowDefinition.load(contentsOf: URL(fileURLWithPath: file))
        print("\(file): workflow `\(workflow.name)` is valid: \(workflow.states.count) states, "
          + "\(workflow.transitions.count) transitions, initial state \(workflow.initial)")
      } catch {
        throw PolicyFlowError(.badInput, error.localizedDescription)
      }
    }
  }
}

struct WorkflowShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Draw the workspace's workflow (or FILE) as Mermaid or Graphviz dot.")
  @OptionGroup var global: GlobalOptions
  @Option(help: "mermaid or dot.") var format: String = "mermaid"
  @Argument(help: "A workflow file instead of the workspace's.") var file: String?

  func run() throws {
    try runUseCase {
      let workflow: WorkflowDefinition
      if let file {
        do { workflow = try WorkflowDefinition.load(contentsOf: URL(fileURLWithPath: file)) } catch {
          throw PolicyFlowError(.badInput, error.localizedDescription)
        }
      } else {
        workflow = try global.openWorkspace().workflow
      }
      switch format {
      case "mermaid": print(workflow.mermaid())
      case "dot": print(workflow.dot())
      default: throw PolicyFlowError(.usage, "--format must be mermaid or dot, not \(format).")
      }
    }
  }
}
