import ArgumentParser
import Foundation
import PolicyFlow

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
      let workflow = try WorkflowDescription.check(file: file)
      print("\(file): workflow `\(workflow.name)` is valid: \(workflow.stateCount) states, "
        + "\(workflow.transitionCount) transitions, initial state \(workflow.initialState)")
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
      let workflow: WorkflowDescription
      if let file {
        workflow = try WorkflowDescription(file: file)
      } else {
        workflow = WorkflowDescription(workspace: try global.openWorkspace())
      }
      print(try workflow.diagram(format: format))
    }
  }
}
