import ArgumentParser
import Foundation
import PolicyFlow

/// Prints what a review command did and what comes next.
func report(_ outcome: ReviewOutcome, in workspace: Workspace) {
  if outcome.fromState != outcome.toState {
    print("\(outcome.section): \(workspace.workflow.state(outcome.fromState)?.label ?? outcome.fromState) → "
      + "\(workspace.workflow.state(outcome.toState)?.label ?? outcome.toState) (revision \(outcome.revision))")
  } else {
    print("\(outcome.section): still \(workspace.workflow.state(outcome.toState)?.label ?? outcome.toState) (revision \(outcome.revision))")
  }
  if let commit = outcome.revisionCommit { print("  revision \(outcome.revision) is commit \(commit) on sections/\(outcome.section)") }
  if let commit = outcome.approvalCommit { print("  approved text is on main as commit \(commit)") }
  for note in outcome.notes { print("  note: \(note)") }
  for blocker in outcome.blockers { print("  next: \(Terminal.safe(blocker))") }
}

struct Submit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit", abstract: "Submit a new revision of a section (owner drafter); it goes to committee review.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Argument(help: "Markdown file with the section's full text (UTF-8, at most 1 MiB).") var file: String
  @Option(name: .shortAndLong, help: "What changed, for the history.") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      _ = try workspace.section(section)
      guard let data = FileManager.default.contents(atPath: file) else {
        throw PolicyFlowError(.missing, "cannot read \(file): no such file or not readable; nothing was submitted.")
      }
      report(try workspace.submit(sectionId: section, text: data, file: file, message: message, actor: actor), in: workspace)
    }
  }
}

struct Approve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "approve",
    abstract: "Sign off the current revision of a section (committee reviewers and chair, per the workflow).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "A note with the sign-off.") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.approve(sectionId: section, message: message, actor: actor), in: workspace)
    }
  }
}

struct RequestChanges: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "request-changes",
    abstract: "Send the current revision back to its drafters, saying what must change.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "What must change.") var message: String

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.requestChanges(sectionId: section, message: message, actor: actor), in: workspace)
    }
  }
}

struct Withdraw: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "withdraw",
    abstract: "Take a section out of the policy (the workflow's withdraw transition; default: the secretariat).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "Why.") var message: String

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.fire(event: "withdraw", sectionId: section, message: message, actor: actor), in: workspace)
    }
  }
}
