import ArgumentParser
import Foundation
import PolicyFlow

struct Sync: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract: "Exchange the policy with a git remote: fetch, join what parted, push.",
    discussion: """
      Fetches main, the section branches and the review record (refs/policyflow/*) from REMOTE, joins the lines
      that parted while this copy and others acted apart (join commits carry no action; nothing signed is
      rewritten), pushes what the remote lacks and brings the index up to date. Repeated when someone else pushed
      in between. Actions that the joined history no longer permits take no effect and are listed as refused at
      sync, with their reason. The rules are in docs/sync.md.
      --status prints what only this copy knows: actions not yet on the remote, and the time of the last sync.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The git remote (default origin).") var remote: String = "origin"
  @Flag(help: "Show actions not yet on the remote and the time of the last sync; no network.") var status = false

  func run() throws {
    try runUseCase {
      let workspace: Workspace
      do {
        workspace = try global.openWorkspace(catchUpNow: true)
      } catch let error as PolicyFlowError where error.isMissingObject && !status {
        // The record names commits this copy lacks: fetch them (no local ref moves), then open as always.
        Terminal.note("the record names commits this copy does not have; fetching them from \(remote) first.")
        try PolicySync.fetchBeforeOpening(at: try global.location(), remote: remote)
        workspace = try global.openWorkspace()
      }
      let sync = PolicySync(workspace: workspace, remote: remote)
      if status {
        let state = try sync.status()
        print("\(state.remote): \(state.url)")
        print("last sync: \(state.lastSync.map(Terminal.timestamp) ?? "never")"
          + (state.lastFetch.map { ", last fetch: \(Terminal.timestamp($0))" } ?? ""))
        print("\(state.unsent.count) action(s) of this copy not yet on \(state.remote)"
          + (state.unreceived > 0 ? "; \(state.unreceived) fetched but not taken in (run `policyflow sync`)" : ""))
        for entry in state.unsent.sorted(by: { $0.sequence < $1.sequence }) {
          print("  \(entry.shortID)  \(Terminal.timestamp(entry.time))  \(entry.actor)  \(entry.subject)")
        }
        return
      }
      let report = try sync.run()
      var parts = ["received \(report.received) action(s)", "sent \(report.sent)"]
      if !report.joined.isEmpty { parts.append("joined \(report.joined.count) ref(s)") }
      parts.append(report.pushed.isEmpty ? "nothing to push" : "pushed \(report.pushed.count) ref(s)")
      if report.rounds > 1 { parts.append("\(report.rounds) rounds: \(remote) changed meanwhile") }
      print("synced with \(remote): " + parts.joined(separator: ", "))
      // In the words of `status`, `log` and `inbox` (InboxWording, the one home).
      let you = try? global.actor(in: workspace).id
      for refused in report.newlyRefused {
        let lines = InboxWording.english.refusedLines(
          id: refused.shortID, actor: refused.actor, action: refused.action, section: refused.section,
          reason: refused.reason, you: you)
        print(Terminal.safe("refused at sync: " + lines.joined(separator: "\n")))
      }
    }
  }
}
