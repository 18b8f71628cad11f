import ArgumentParser
import Foundation
import PolicyFlow

struct Req: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "req",
    abstract: "Workshop-derived requirements, pejlemærker and principper, and where the policy answers them.",
    subcommands: [
      ReqList.self, ReqLink.self, ReqWaive.self, ReqConfirm.self, ReqCoverage.self, ReqReport.self, ReqAdd.self,
      ReqEdit.self,
    ])
}

struct ReqList: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List requirements.")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Only requirements that target this section.") var section: String?
  @Flag(help: "Only requirements answered nowhere.") var uncovered = false
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let wanted = try section.map { try workspace.section($0).id }
      let entries = try workspace.coverage().filter { entry in
        (wanted == nil || entry.targets.contains(wanted!) || entry.answers.contains { $0.section == wanted })
          && (!uncovered || entry.status == "open" || entry.status == "suspect")
      }
      if json {
        print(try Terminal.json(entries))
        return
      }
      print(Terminal.table(
        ["id", "theme", "status", "targets", "text"],
        entries.map { [$0.id, $0.theme ?? $0.kind, $0.status, $0.targets.joined(separator: ","), $0.text] }))
    }
  }
}

struct ReqLink: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "link", abstract: "Say where and how a section's text answers a requirement (the section's drafters).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Requirement id.") var requirement: String
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "How the text answers it.") var message: String
  @Option(help: "The lines, N-M, of the latest revision that answer it.") var lines: LineRange?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let outcome = try workspace.link(
        requirementId: requirement, sectionId: section, note: message, lines: lines?.range, actor: actor)
      print("\(requirement.uppercased()) is answered in \(section)\(lines.map { " lines \($0.range.lowerBound)-\($0.range.upperBound)" } ?? "")")
      if let outcome { report(outcome, in: workspace) }
    }
  }
}

struct ReqWaive: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "waive", abstract: "Say why a requirement is not answered in a section (secretariat or owners).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Requirement id.") var requirement: String
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "Why it is not answered there.") var message: String

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let outcome = try workspace.waive(requirementId: requirement, sectionId: section, reason: message, actor: actor)
      print("\(requirement.uppercased()) is waived in \(section)")
      if let outcome { report(outcome, in: workspace) }
    }
  }
}

struct ReqConfirm: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "confirm", abstract: "Confirm a suspect link against the current text and requirement.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Requirement id.") var requirement: String
  @Argument(help: "Section id.") var section: String

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let outcome = try workspace.confirm(requirementId: requirement, sectionId: section, actor: actor)
      print("\(requirement.uppercased()) in \(section) is confirmed")
      if let outcome { report(outcome, in: workspace) }
    }
  }
}

struct ReqCoverage: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coverage",
    abstract: "For each requirement: answered in approved text, only in a draft, waived, or not at all.")
  @OptionGroup var global: GlobalOptions
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let entries = try workspace.coverage()
      if json {
        print(try Terminal.json(entries))
        return
      }
      print(Terminal.table(
        ["id", "status", "answers"],
        entries.map { entry in
          [entry.id, entry.status, entry.answers.map { "\($0.section) (\($0.status))" }.joined(separator: ", ")]
        }))
      let counts = Dictionary(grouping: entries, by: \.status).mapValues(\.count)
      print("")
      print(["approved", "draft", "waived", "suspect", "open"].map { "\($0): \(counts[$0] ?? 0)" }.joined(separator: "  "))
    }
  }
}

struct ReqReport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "The disposition report for the citizens of the workshop (Danish).")
  @OptionGroup var global: GlobalOptions
  @Option(help: "md or html.") var format: String = "md"
  @Option(help: "Write to this file instead of standard output.") var out: String?

  func run() throws {
    try runUseCase {
      guard format == "md" || format == "html" else {
        throw PolicyFlowError(.usage, "--format must be md or html, not \(format).")
      }
      let workspace = try global.openWorkspace()
      let data = try workspace.dispositionReport(html: format == "html")
      if let out {
        try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        print("wrote \(out)")
      } else {
        FileHandle.standardOutput.write(data)
      }
    }
  }
}

/// Parses `a,b,c` section lists.
private func sectionList(_ text: String?) -> [String]? {
  text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty } }
}

struct ReqAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add", abstract: "Add a requirement to a requirements file and commit it to main (the secretariat).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "New requirement id, e.g. WS-MED-10.") var requirement: String
  @Option(help: "The requirements file, e.g. requirements/workshop-2022.yaml.") var file: String
  @Option(help: "The requirement's text.") var text: String
  @Option(help: "Theme (workshop inputs).") var theme: String?
  @Option(help: "Suggested target sections, comma-separated.") var targets: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let record = try workspace.addRequirement(
        id: requirement, file: file,
        change: RequirementChange(text: text, theme: theme, targets: sectionList(targets)), actor: actor)
      print("\(record.id) added to \(record.file) and committed to main")
    }
  }
}

struct ReqEdit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edit",
    abstract: "Change a requirement's text, theme or targets and commit it to main (the secretariat); links to a changed text become suspect.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Requirement id.") var requirement: String
  @Option(help: "New text.") var text: String?
  @Option(help: "New theme.") var theme: String?
  @Option(help: "New suggested target sections, comma-separated.") var targets: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let record = try workspace.editRequirement(
        id: requirement, change: RequirementChange(text: text, theme: theme, targets: sectionList(targets)), actor: actor)
      print("\(record.id) changed in \(record.file) and committed to main")
      let suspect = try workspace.coverage().first { $0.id == record.id }?.answers.filter { $0.status == "suspect" } ?? []
      for answer in suspect {
        print("  the link in \(answer.section) is now suspect: confirm it with `policyflow req confirm \(record.id) \(answer.section)`")
      }
    }
  }
}
