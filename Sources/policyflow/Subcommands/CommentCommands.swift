import ArgumentParser
import Foundation
import PolicyFlow

struct Comment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "comment",
    abstract: "Comment on a section's revision, optionally on lines; --blocking holds approval back until resolved.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(name: .shortAndLong, help: "The comment's text (else --file, else $EDITOR).") var message: String?
  @Option(help: "Read the comment's text from this file.") var file: String?
  @Option(help: "Line or lines, N or N-M, of the revision.") var line: LineRange?
  @Option(help: "Revision to comment on (default: the latest).") var revision: Int?
  @Flag(help: "Approval waits until this comment is resolved.") var blocking = false
  @Option(help: "Reply to comment ID (joins its thread).") var reply: String?

  func run() throws {
    try runUseCase {
      // Before an editor opens, the index is brought up to date: whatever stops that (a commit to fetch, say) must
      // stop the command before the person has typed their text, not after.
      let workspace = try global.openWorkspace(catchUpNow: message == nil && file == nil)
      let actor = try global.actor(in: workspace)
      let id = try workspace.section(section).id
      let body = try readMessage(message: message, file: file, editorHint: "Comment on section \(id)")
      let comment = try workspace.comment(
        sectionId: id, body: body, lines: line?.range, revision: revision, blocking: blocking, replyTo: reply,
        actor: actor)
      let anchor = comment.lineStart.map { start in
        " on line\(comment.lineEnd != start ? "s \(start)-\(comment.lineEnd!)" : " \(start)")" } ?? ""
      print("comment \(comment.shortID) on \(id) revision \(comment.revisionNumber)\(anchor)\(comment.blocking ? " (blocking)" : "")")
    }
  }
}

struct Comments: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "comments",
    abstract: "Show a section's comment threads with the lines they quote.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Flag(help: "Only open threads.") var open = false
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let threads = try workspace.commentThreads(sectionId: section, openOnly: open)
      if json {
        print(try Terminal.json(threads))
        return
      }
      if threads.isEmpty { print("no \(open ? "open " : "")comments on \(section)") }
      for thread in threads {
        var head = "#\(thread.id) [\(thread.status)\(thread.blocking ? ", blocking" : "")\(thread.outdated ? ", outdated" : "")]"
        head += " revision \(thread.revision)"
        if let lines = thread.lines { head += ", line\(lines.contains("-") ? "s" : "") \(lines)" }
        if thread.anchorRevision != thread.revision, !thread.outdated, thread.lines != nil {
          head += " (now in revision \(thread.anchorRevision))"
        }
        print(Terminal.paint(head, "1"))
        for quoted in thread.quoted { print("  > \(Terminal.safe(quoted))") }
        for entry in thread.entries {
          print("  \(entry.authorName) (\(entry.author)), #\(entry.id):")
          for line in entry.body.split(separator: "\n", omittingEmptySubsequences: false) {
            print("    \(Terminal.safe(String(line)))")
          }
        }
        if let by = thread.resolvedBy { print("  resolved by \(by)") }
        print("")
      }
    }
  }
}

struct Resolve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Resolve a comment thread (its author, the section's drafters or the committee chair).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Comment id (as `comments` shows it; any unique prefix of 4 or more characters).") var id: String
  @Option(name: .shortAndLong, help: "A closing note.") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let (comment, outcome) = try workspace.resolve(commentId: id, message: message, actor: actor)
      print("comment \(comment.shortID) on \(comment.sectionId) is resolved")
      if let outcome { report(outcome, in: workspace) }
    }
  }
}

struct Reopen: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "reopen", abstract: "Reopen a resolved comment thread.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Comment id (as `comments` shows it; any unique prefix of 4 or more characters).") var id: String
  @Option(name: .shortAndLong, help: "Why.") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let comment = try workspace.reopen(commentId: id, message: message, actor: actor)
      print("comment \(comment.shortID) on \(comment.sectionId) is open again")
    }
  }
}
