import ArgumentParser
import Foundation
import PolicyFlow

struct SectionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "section",
    abstract: "Change which sections a running policy has (the secretariat).",
    discussion: """
      `section retire ID` takes a section out of the policy (policy.yaml marks it retired); `policyflow withdraw`
      instead ends its review in the workflow's final state while it stays listed.
      """,
    subcommands: [SectionAdd.self, SectionRetire.self])
}

struct SectionAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a section to the running policy: a signed change to policy.yaml, then its start in the record.",
    discussion: """
      policyflow section add ID --title TITLE --owners CODE[,CODE] [--committees CODE,…] [--kind area|common]
        [--file SKELETON.md]
      If policy.yaml lists ID already (an authorised change made with git), only its start is recorded.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The section's id: lower-case ASCII letters, digits and hyphens.") var id: String
  @Option(help: "The section's title.") var title: String?
  @Option(help: "Owning department codes, comma-separated.") var owners: String?
  @Option(help: "Reviewing committee codes, comma-separated (default: the owners' committees).") var committees: String?
  @Option(help: "area (numbered, written by its departments) or common.") var kind: String = "area"
  @Option(help: "Revision 0's text, e.g. the required sub-headings (default: empty).") var file: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let listed = workspace.definition.manifest.section(id) != nil
      guard listed || (title != nil && owners != nil) else {
        throw PolicyFlowError(.usage, "a new section needs --title and --owners (policy.yaml does not list `\(id)`).")
      }
      func codes(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      }
      var data: Data?
      if let file {
        guard let read = FileManager.default.contents(atPath: file) else {
          throw PolicyFlowError(.missing, "cannot read \(file).")
        }
        data = read
      }
      let result = try workspace.addSection(
        NewSection(
          id: id, title: title ?? "", kind: kind, owners: codes(owners), committees: codes(committees), text: data,
          file: file), actor: actor)
      if let commit = result.definitionCommit {
        print("policy.yaml lists section \(id) (commit \(commit.hex.prefix(10)) on main, signed by \(actor.id))")
      }
      print("section \(id) started: revision 0 is commit \(result.revisionCommit.hex.prefix(10)) on sections/\(id)")
    }
  }
}
