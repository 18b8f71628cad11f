import ArgumentParser
import Foundation
import PolicyFlow

struct Assemble: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "assemble",
    abstract: "Assemble the consolidated policy (Markdown, HTML, Word) from approved text (the secretariat).")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Comma-separated formats: md, html, docx.") var format: String = "md,html,docx"
  @Option(help: "Output directory.") var out: String = "out"
  @Flag(help: "Include unapproved sections, clearly marked; the document is marked UDKAST.") var draft = false
  @Option(help: "Commit the outputs to main under releases/NAME/ and tag that commit NAME.") var release: String?

  func run() throws {
    try runUseCase {
      let formats = try AssemblyFormats.parse(format)
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let result = try workspace.assemble(
        formats: formats, outputDirectory: URL(fileURLWithPath: out), draft: draft, release: release, actor: actor)
      print(result.isDraft ? "Assembled a DRAFT (UDKAST) of the policy:" : "Assembled the policy from approved text:")
      for file in result.files { print("  \(file.path)") }
      print("  approved text: \(result.approved.count) sections; drafts: \(result.drafts.count)")
      if let tag = result.releaseTag, let commit = result.releaseCommit {
        print("  release \(tag): commit \(commit) on main, files under releases/\(tag)/")
      }
    }
  }
}
