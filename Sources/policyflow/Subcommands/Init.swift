import ArgumentParser
import Foundation
import PolicyFlow

struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create a policy workspace from a repository template (by default the one installed with policyflow).")

  @Argument(help: "Directory to create (must not exist, or be empty).")
  var directory: String = "."

  @Option(help: "Repository template directory (policy.yaml, members.yaml, sections/, requirements/).")
  var template: String?

  @Option(name: .customLong("as"), help: "The person making the first commit (default: the first secretariat member).")
  var actingAs: String?

  @Option(
    help: ArgumentHelp(
      "For demos and tests: make a throwaway SSH key for every member in DIR (outside the workspace) and list them in members.yaml.",
      valueName: "DIR"))
  var generateKeys: String?

  func run() throws {
    try runUseCase {
      let environment = ProcessEnvironment.current
      let location = try template.map { try TemplateLocation.given(URL(fileURLWithPath: $0)) }
        ?? TemplateLocation.findDefault()
      let keys = generateKeys.map { URL(fileURLWithPath: $0).standardizedFileURL }
      let result = try InitWorkspace.run(
        directory: URL(fileURLWithPath: directory), template: location,
        actor: actingAs ?? environment["POLICYFLOW_USER"], generateKeys: keys)
      print("Created the policy workspace \(result.root.path)")
      print("  main: \(result.mainCommit) by \(result.author)")
      print("  \(result.sections) sections, each at revision 0 on its branch sections/<id>; \(result.requirements) requirements")
      if let keys {
        print("  a throwaway SSH key for every member in \(keys.path) (not for real use); act with them by")
        print("  `export POLICYFLOW_KEYS_DIR=\(keys.path)` and `--as PERSON`")
      }
      print("Next: `cd \(result.root.path) && policyflow status`")
    }
  }
}

struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Every section: owners, committees, state, revision, sign-offs, comments, requirements, what blocks it.")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Only this section.") var section: String?
  @Option(help: "Only sections owned by this department (code, e.g. ØKF; any case).") var department: String?
  @Option(help: "Only sections reviewed by this committee (code, e.g. ØU; any case).") var committee: String?
  @Flag(help: "Stable JSON for scripts.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      // On stderr, so that --json stays the stable list it is.
      try warnUnauthorisedDefinitionChanges(workspace)
      var statuses = try workspace.status(sectionId: section)
      if let department {
        let code = try workspace.departmentCode(department)
        statuses = statuses.filter { $0.owners.contains(code) }
      }
      if let committee {
        let code = try workspace.committeeCode(committee)
        statuses = statuses.filter { $0.committees.contains(code) }
      }
      if json {
        // The status list is the one large JSON output; JSONOutput writes what Terminal.json would, faster.
        var text = JSONOutput.bytes(.array(statuses.map(\.jsonValue)))
        text.append(UInt8(ascii: "\n"))
        Terminal.writeStandardOutput(text)
        return
      }
      let rows = statuses.map { status -> [String] in
        [
          status.number.map { "\($0). \(status.id)" } ?? status.id,
          status.owners.joined(separator: "+"),
          status.committees.joined(separator: "+"),
          status.stateLabel,
          "\(status.latestRevision)" + (status.approvedRevision.map { $0 == status.latestRevision ? "" : " (godk. \($0))" } ?? ""),
          "\(status.signoffs.have)/\(status.signoffs.needed)",
          "\(status.openComments)",
          status.requirements.needed == 0 ? "-" : "\(status.requirements.have)/\(status.requirements.needed)",
        ]
      }
      print(workspace.definition.manifest.title + " " + workspace.definition.manifest.period)
      print(Terminal.table(
        ["section", "owners", "committee", "state", "rev", "sign-offs", "comments", "requirements"], rows))
      let blocked = statuses.filter { !$0.blockers.isEmpty }
      if !blocked.isEmpty {
        print("")
        print(Terminal.paint("Next steps", "1"))
        for status in blocked {
          for blocker in status.blockers { print("  \(status.id): \(Terminal.safe(blocker))") }
        }
      }
      let notStarted = try workspace.sectionsNotStarted()
      if section == nil && !notStarted.isEmpty {
        print("")
        print("Listed in policy.yaml but not started: \(notStarted.joined(separator: ", ")) — the secretariat records "
          + "their start with `policyflow section add ID`.")
      }
      let retired = workspace.definition.manifest.retiredSections
      if section == nil && department == nil && committee == nil && !retired.isEmpty {
        print("")
        print("Retired (\(retired.count), not part of the policy; history: `policyflow log ID`): "
          + retired.map { "\($0.id) (\(Terminal.safe($0.title)))" }.joined(separator: ", "))
      }
      printRefusedAtSync(try workspace.refusedActions(sectionId: section), you: try? global.actor(in: workspace).id)
      let proposals = section == nil ? try workspace.keyProposals() : []
      if !proposals.isEmpty {
        print("")
        print("Key proposals waiting for the secretariat: "
          + proposals.map { "\($0.shortID) (\($0.member)\($0.signedWith == nil ? ", unsigned" : ""))" }
            .joined(separator: ", ") + " — `policyflow key proposals`.")
      }
      // This copy's own facts about its remotes: here, never in --json (which is the same on every synced copy).
      for remote in try workspace.syncStatuses() {
        print("")
        print("\(remote.remote): \(remote.unsent.count) action(s) of this copy not yet sent; last sync "
          + (remote.lastSync.map(Terminal.timestamp) ?? "never") + " (`policyflow sync --status`)")
      }
    }
  }
}

/// Actions that took no effect when copies that acted apart were joined, with their reason; the reader's own first.
/// The words are `InboxWording`'s (the one home, which `inbox` speaks too); `status` and `log` speak English.
func printRefusedAtSync(_ refused: [RefusedAction], you: String?) {
  let atSync = refused.filter(\.atSync).sorted { ($0.actor == you ? 0 : 1) < ($1.actor == you ? 0 : 1) }
  guard !atSync.isEmpty else { return }
  let words = InboxWording.english
  print("")
  print(Terminal.paint(words.refusedHeading, "1"))
  for action in atSync {
    for line in words.refusedLines(
      id: action.shortID, actor: action.actor, action: action.action, section: action.section, reason: action.reason,
      you: you)
    {
      print("  " + Terminal.safe(line))
    }
  }
}
