import Foundation
import Testing

/// README's "Working from several machines" is run as written: its shell block, line by line, with `policyflow` the
/// built binary, in a directory holding the tour's workspace `politik` and a draft `udkast.md`.
@Suite("README: working from several machines, run as written")
struct ReadmeSyncTests {
  /// The commands of the first `sh` block after the heading.
  static func commands() throws -> String {
    let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let section = try #require(readme.components(separatedBy: "## Working from several machines").dropFirst().first)
    let block = try #require(section.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
    return block
  }

  @Test("the README's commands publish, clone, submit, sync and show the section under review on both copies")
  func readmeCommandsRun() throws {
    let scratch = try Scratch("pf-readme-sync")
    let keys = try TestKeys.link(in: scratch)
    let made = try CLI.policyflow(["init", scratch.url.appendingPathComponent("politik").path, "--generate-keys", keys.path])
    #expect(made.status == 0, "\(made.stderr)")
    _ = try scratch.file("udkast.md", Roster.areaText("kultur-og-fritid"))
    let script = try Self.commands()
    #expect(script.contains("policyflow sync") && script.contains("policyflow clone"))
    let path = CLI.binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
    let run = try CLI.run(
      "/bin/bash", ["-euo", "pipefail", "-c", script], in: scratch.url,
      environment: ["PATH": path, "POLICYFLOW_KEYS_DIR": keys.path])
    #expect(run.status == 0, "README block failed: \(run.stderr)\n\(run.stdout)")
    #expect(run.stdout.contains("synced with origin"), "\(run.stdout)")
    #expect(run.stdout.contains("0 action(s) of this copy not yet on origin"), "\(run.stdout)")
    // Both copies hold the submission: the secretariat's received it through the remote.
    for copy in ["politik", "kff"] {
      let state = try CLI.sqlite(scratch.url.appendingPathComponent(copy), "SELECT state FROM section WHERE id = 'kultur-og-fritid'")
      #expect(state == "committee_review", "\(copy): \(state)")
    }
  }
}
