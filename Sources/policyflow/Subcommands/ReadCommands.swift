import ArgumentParser
import Foundation
import PolicyFlow

struct Show: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Print a revision of a section (default: the latest).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(help: "Revision number.") var revision: Int?
  @Flag(help: "Number the lines and mark where comments sit.") var lineNumbers = false
  @Flag(help: "Print invisible and bidirectional control characters as they are, not as <U+XXXX>.") var raw = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let (number, stored) = try workspace.text(sectionId: section, revision: revision)
      let id = try workspace.readableSectionID(section)
      if let warning = SectionText.invisibleCharacterWarning(
        SectionText.invisibleCharacters(in: stored), subject: "section \(id) revision \(number)", shownAs: !raw)
      {
        Terminal.warning(warning)
      }
      let text = raw ? stored : SectionText.showingInvisibleCharacters(stored)
      guard lineNumbers else {
        print(Terminal.safe(text), terminator: "")
        return
      }
      let marks = try workspace.commentedLines(sectionId: section, revision: number)
      let lines = SectionText.lines(text)
      let width = String(lines.count).count
      for (index, line) in lines.enumerated() {
        let number = String(index + 1)
        let padded = String(repeating: " ", count: width - number.count) + number
        let mark = marks[index + 1].map { ids in Terminal.paint(" ◆ " + ids.map { "#\($0)" }.joined(separator: ","), "33") } ?? ""
        print("\(padded) │ \(Terminal.safe(line))\(mark)")
      }
    }
  }
}

struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Unified diff between two revisions of a section (default: the previous and the latest).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Option(help: "Older revision.") var from: Int?
  @Option(help: "Newer revision.") var to: Int?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let diff = try workspace.diff(sectionId: section, from: from, to: to)
      // The same revisions `diff` compared (its defaults: the latest, and the one before it).
      let id = try workspace.readableSectionID(section)
      let new = try workspace.text(sectionId: id, revision: to)
      let oldNumber = from ?? max(new.revision - 1, 0)
      let old = oldNumber == new.revision ? new : try workspace.text(sectionId: id, revision: oldNumber)
      for (number, text) in oldNumber == new.revision ? [new] : [old, new] {
        if let warning = SectionText.invisibleCharacterWarning(
          SectionText.invisibleCharacters(in: text), subject: "section \(id) revision \(number)")
        {
          Terminal.warning(warning)
        }
      }
      for line in diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast(diff.hasSuffix("\n") ? 1 : 0) {
        let text = Terminal.safe(SectionText.showingInvisibleCharacters(String(line)))
        if text.hasPrefix("+++") || text.hasPrefix("---") { print(Terminal.paint(text, "1")) }
        else if text.hasPrefix("+") { print(Terminal.paint(text, "32")) }
        else if text.hasPrefix("-") { print(Terminal.paint(text, "31")) }
        else if text.hasPrefix("@@") { print(Terminal.paint(text, "36")) }
        else { print(Terminal.safe(text)) }
      }
    }
  }
}

/// Prints history entries in a readable form.
func printHistory(_ entries: [HistoryEntry], json: Bool) throws {
  if json {
    print(try Terminal.json(entries))
    return
  }
  let formatter = ISO8601DateFormatter()
  for entry in entries {
    var line = "\(formatter.string(from: entry.at))  \(entry.actor)  \(entry.action)"
    if let section = entry.section { line += "  \(section)" }
    if let revision = entry.revision { line += " r\(revision)" }
    if let from = entry.fromState, let to = entry.toState, from != to { line += "  \(from) → \(to)" }
    if !entry.detail.isEmpty { line += "  \(Terminal.safe(entry.detail.replacingOccurrences(of: "\n", with: " ")))" }
    if let commit = entry.commit { line += "  [\(commit.prefix(10))]" }
    print(line)
  }
}

struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "log", abstract: "A section's history: revisions, transitions, sign-offs and comments in time order.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      try printHistory(try workspace.history(sectionId: section), json: json)
      if !json {
        printRefusedAtSync(try workspace.refusedActions(sectionId: section), you: try? global.actor(in: workspace).id)
      }
    }
  }
}

struct Audit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "The event log of the whole policy (or one section).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "Section id.") var section: String?
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      try printHistory(try workspace.history(sectionId: section), json: json)
    }
  }
}

struct Verify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check git objects and refs, the database, and every revision, sign-off, approval and event against git.")
  @OptionGroup var global: GlobalOptions
  @Flag(help: "Stable JSON.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let report = try workspace.verify()
      if json {
        print(try Terminal.json(report))
      } else {
        print("checked \(report.sections) sections, \(report.revisions) revisions, \(report.signoffs) sign-offs, "
          + "\(report.approvals) approvals, \(report.events) events"
          + (report.refusedAtSync > 0 ? ", \(report.refusedAtSync) action(s) refused at sync" : ""))
        for finding in report.findings { print("  \(finding.check): \(finding.subject): \(finding.message)") }
        print(report.isClean ? "verify: clean" : "verify: \(report.findings.count) finding(s)")
      }
      if !report.isClean { throw ExitCode(1) }
    }
  }
}

struct Reindex: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reindex",
    abstract: "Rebuild the local index (.policyflow/) from the review record in git.",
    discussion: """
      The index is only a fast copy of what git records; reindex deletes it and replays every action of the
      record refs (refs/policyflow/*). In a plain `git clone`, which fetches only branches, it fetches the
      record refs from origin first.
      """)
  @OptionGroup var global: GlobalOptions

  func run() throws {
    try runUseCase {
      let environment = ProcessEnvironment.current
      let explicit = global.workspace ?? environment["POLICYFLOW_WORKSPACE"]
      let location = try WorkspaceLocation.find(
        explicit: explicit, from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
      let report = try Workspace.reindex(at: location)
      print("reindexed \(location.root.path): \(report.applied) events from the record"
        + (report.refused > 0 ? ", \(report.refused) action(s) refused by the rules (see `policyflow verify`)" : ""))
    }
  }
}

struct Signers: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "signers",
    abstract: "Print an allowed-signers file of every member's SSH keys, for plain git to verify the record.",
    discussion: """
      policyflow signers > allowed_signers
      git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed_signers log --show-signature refs/policyflow/policy
      Keys of every version of members.yaml on main are included, so acts of former members still verify.
      """)
  @OptionGroup var global: GlobalOptions

  func run() throws {
    try runUseCase { print(try global.openWorkspace().allowedSigners(), terminator: "") }
  }
}

struct Clone: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clone",
    abstract: "Make a new copy of a policy from a git remote (a shared directory, SSH or HTTPS).",
    discussion: """
      Fetches main, the section branches and the review record (refs/policyflow/*), checks out main and builds
      the index. DIR defaults to the last part of URL without `.git`. Prints the fingerprint of the key that signed
      the policy's first commit (the root of the definition's chain of trust); with --trust, a remote whose root
      was signed by another key is refused (77) and nothing is left behind.
      """)
  @Argument(help: "A path, file://, ssh:// (or user@host:path) or https:// URL of the policy's repository.") var url: String
  @Argument(help: "The directory to create.") var directory: String?
  @Option(
    help: ArgumentHelp(
      "Refuse the copy (exit 77) unless the policy's first commit is signed by the key with this fingerprint.",
      valueName: "SHA256:…"))
  var trust: String?

  func run() throws {
    try runUseCase {
      let name = directory ?? String(
        (url.split(separator: "/").last ?? "policy").replacingOccurrences(of: ".git", with: ""))
      let target = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
      let (workspace, root) = try RecordFetch.clone(url: url, into: target, trust: trust)
      let sections = try workspace.status().count
      print("cloned \(url) into \(workspace.location.root.path): \(sections) sections, index built from the record")
      if let fingerprint = root.fingerprint {
        print("root of trust: \(fingerprint)\(root.signer.map { " (\($0))" } ?? "") signed the first commit \(root.commit.prefix(10))"
          + (trust == nil ? "; compare it with the fingerprint the secretariat gave you (or clone with --trust)" : ", as --trust expects"))
      } else {
        Terminal.warning("the policy's first commit \(root.commit.prefix(10)) is not signed: nothing anchors its chain of trust.")
      }
      try warnUnauthorisedDefinitionChanges(workspace)
    }
  }
}
