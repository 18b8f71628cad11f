import ArgumentParser
import Foundation
import PolicyFlow

/// Builds a large workspace for benchmarks: a generated template, then a review history written
/// through the PolicyFlow library — the same write path (workspace lock, git objects, one SQLite
/// transaction, compare-and-swap ref moves) as the CLI, never raw SQL.
@main
struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policyflow-gen",
    abstract: "Generate a large policyflow workspace (template + review history) for benchmarks.",
    discussion: """
      Writes a template (policy.yaml, members.yaml, sections/*.md, requirements/*.yaml, workflows/) next to DIR
      (DIR.template unless --template-out), runs `init` from it into DIR and then plays, round by round over all
      sections: a new revision per section, line comments and replies (some blocking, resolved later), stray
      sign-offs that a later revision makes stale, change requests, requirement links and waivers, and finally
      the full set of sign-offs that approves a share of the sections onto main.
      """)

  @Argument(help: "The workspace to create (must not exist or be empty).") var directory: String
  @Option(help: "Number of sections.") var sections = 1000
  @Option(help: "Number of departments (each with its own committee).") var departments = 20
  @Option(help: "Submitted revisions per section.") var revisions = 50
  @Option(help: "Comments in total (threads and replies).") var comments = 20000
  @Option(help: "Requirement links and waivers in total.") var links = 5000
  @Option(help: "Percentage of sections approved at the end (0-100).") var approved = 50
  @Option(help: "Random seed; the same sizes and seed give the same workspace.") var seed: UInt64 = 1
  @Option(help: "Where to write the template (default: DIR.template).") var templateOut: String?
  @Option(help: "The workflow to copy (default: workflows/section-review.yaml of this checkout).") var workflow: String?
  @Option(help: "Write a JSON summary (counts, seconds, ms per write) to this file.") var summary: String?
  @Option(help: ArgumentHelp(
    "Sign every act: a throwaway key per member in this directory (outside the workspace), signing: required.",
    valueName: "keys-dir")) var generateKeys: String?
  @Flag(help: "Write the template only.") var templateOnly = false
  @Flag(help: "No progress lines on stderr.") var quiet = false

  func validate() throws {
    guard sections >= 1 else { throw ValidationError("--sections must be at least 1") }
    guard departments >= 1 else { throw ValidationError("--departments must be at least 1") }
    guard revisions >= 0, comments >= 0, links >= 0 else { throw ValidationError("sizes must not be negative") }
    guard (0...100).contains(approved) else { throw ValidationError("--approved is a percentage, 0-100") }
  }

  func run() throws {
    let started = Date()
    let keys = generateKeys.map { URL(fileURLWithPath: $0).standardizedFileURL }
    // Where the library's signer finds each member's key; set before the process environment is first read.
    if let keys { setenv("POLICYFLOW_KEYS_DIR", keys.path, 1) }
    let target = URL(fileURLWithPath: directory).standardizedFileURL
    let templateURL = URL(fileURLWithPath: templateOut ?? target.path + ".template").standardizedFileURL
    var random = SeededGenerator(seed: seed)
    var policy = GeneratedPolicy(sections: sections, departments: departments, links: links, random: &random)
    let workflowURL = try workflow.map { URL(fileURLWithPath: $0) } ?? Self.defaultWorkflow()
    try policy.writeTemplate(to: templateURL, workflow: workflowURL, signing: keys == nil ? "optional" : "required")
    log("template: \(templateURL.path) (\(sections) sections, \(departments) departments, "
      + "\(policy.requirements.count) requirements)")
    if templateOnly { return }

    // A simulated clock: one second per reading, from a fixed start, so the history spans weeks and the
    // workspace's bytes depend only on the parameters.
    let clock = SimulatedClock(start: Date(timeIntervalSince1970: 1_735_812_000))
    let result = try InitWorkspace.run(
      directory: target, template: try TemplateLocation.given(templateURL), actor: GeneratedPolicy.secretariat[0],
      clock: clock.now, generateKeys: keys)
    log("init: \(result.sections) sections in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    let workspace = try Workspace(location: WorkspaceLocation(root: target), clock: clock.now)
    var player = HistoryPlayer(
      workspace: workspace, policy: policy, random: random, revisions: revisions, comments: comments,
      approvedPercent: approved, quiet: quiet)
    try player.play()
    policy = player.policy
    let elapsed = Date().timeIntervalSince(started)
    let stats = player.stats
    log(stats.report(elapsed: elapsed))
    if let summary {
      let json = try JSONSerialization.data(
        withJSONObject: stats.json(elapsed: elapsed, sizes: [
          "sections": sections, "departments": departments, "revisions": revisions, "comments": comments,
          "links": links, "approvedPercent": approved,
        ]), options: [.prettyPrinted, .sortedKeys])
      try json.write(to: URL(fileURLWithPath: summary))
    }
    print(target.path)
  }

  /// `workflows/section-review.yaml` of the checkout this binary was built in (`.build/<config>/policyflow-gen`).
  static func defaultWorkflow() throws -> URL {
    if let location = try? TemplateLocation.findDefault() {
      return location.workflows.appendingPathComponent("section-review.yaml")
    }
    throw ValidationError("cannot find workflows/section-review.yaml; pass --workflow PATH")
  }

  func log(_ line: String) {
    if !quiet { FileHandle.standardError.write(Data("[policyflow-gen] \(line)\n".utf8)) }
  }
}

/// A clock the library reads through `Workspace(location:clock:)`.
final class SimulatedClock: @unchecked Sendable {
  private var current: Date
  init(start: Date) { current = start }
  func now() -> Date {
    current += 1
    return current
  }
}
