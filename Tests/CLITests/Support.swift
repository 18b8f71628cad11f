import Foundation
import Testing

/// The result of running a program: what a user would see.
struct Run {
  let status: Int32
  let stdout: String
  let stderr: String
}

/// Runs the built `policyflow` binary and independent clients (`git`, `sqlite3`) the way a user types them.
enum CLI {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static let binary: URL = {
    let environment = ProcessInfo.processInfo.environment
    if let explicit = environment["POLICYFLOW_BIN"] { return URL(fileURLWithPath: explicit) }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [
      besideTests.appendingPathComponent("policyflow"),
      besideTests.deletingLastPathComponent().appendingPathComponent("policyflow"),
      packageRoot.appendingPathComponent(".build/debug/policyflow"),
    ] where FileManager.default.isExecutableFile(atPath: candidate.path) {
      return candidate
    }
    return packageRoot.appendingPathComponent(".build/debug/policyflow")
  }()

  @discardableResult
  static func run(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:],
    stdin: Data? = nil
  ) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment.removeValue(forKey: "POLICYFLOW_WORKSPACE")
    environment.removeValue(forKey: "POLICYFLOW_USER")
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["HOME"] = FileManager.default.temporaryDirectory.path
    for (key, value) in extra { environment[key] = value }
    // Test workspaces keep the throwaway keys of `init --generate-keys` in `keys/` beside them (TemplateWorkspace,
    // CustomWorkspace); acting in a workspace, or a clone of it in the same scratch directory, uses them.
    if environment["POLICYFLOW_KEYS_DIR"] == nil, let keys = TestKeys.beside(extra["POLICYFLOW_WORKSPACE"], directory) {
      environment["POLICYFLOW_KEYS_DIR"] = keys.path
    }
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
      let input = Pipe()
      process.standardInput = input
      try process.run()
      input.fileHandleForWriting.write(stdin)
      try input.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    // Read stderr on another thread so a chatty process never blocks on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errBox.data = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Everything that must not change when a command is refused: refs, row counts, states, comment statuses.
  static func fingerprint(of root: URL) throws -> String {
    let refs = try CLI.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: root).stdout
    let counts = try CLI.sqlite(
      root,
      "SELECT (SELECT count(*) FROM revision)||'/'||(SELECT count(*) FROM signoff)||'/'||(SELECT count(*) FROM comment)"
        + "||'/'||(SELECT count(*) FROM event)||'/'||(SELECT count(*) FROM requirementLink)||'/'||"
        + "ifnull((SELECT group_concat(id||':'||state||':'||latestRevision, ',') FROM section), '')||'/'||"
        + "ifnull((SELECT group_concat(id||':'||status, ',') FROM comment), '')")
    return refs + "\n" + counts
  }

  @discardableResult
  static func policyflow(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
    throws -> Run
  {
    try run(binary.path, arguments, in: directory, environment: environment)
  }

  static func git(_ arguments: [String], in directory: URL) throws -> Run {
    try run("git", ["-C", directory.path] + arguments)
  }

  static func sqlite(_ workspace: URL, _ sql: String) throws -> String {
    try run("sqlite3", [workspace.appendingPathComponent(".policyflow/policy.sqlite").path, sql]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// A fresh temporary directory per test, removed afterwards.
final class Scratch {
  let url: URL
  init(_ name: String = "pf") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }

  func file(_ name: String, _ contents: String) throws -> URL {
    let file = url.appendingPathComponent(name)
    try contents.write(to: file, atomically: true, encoding: .utf8)
    return file
  }

  func file(_ name: String, data: Data) throws -> URL {
    let file = url.appendingPathComponent(name)
    try data.write(to: file)
    return file
  }
}

/// A workspace made from the embedded template through the binary.
final class TemplateWorkspace {
  let scratch: Scratch
  let root: URL

  init() throws {
    scratch = try Scratch("pf-ws")
    root = scratch.url.appendingPathComponent("policy")
    // The template requires signed acts: a throwaway key per member beside the workspace (see `CLI.run`).
    let result = try CLI.policyflow(["init", root.path, "--generate-keys", try TestKeys.link(in: scratch).path])
    #expect(result.status == 0, "init failed: \(result.stderr)")
  }

  @discardableResult
  func pf(_ arguments: [String], as person: String? = nil) throws -> Run {
    var environment = ["POLICYFLOW_WORKSPACE": root.path]
    if let person { environment["POLICYFLOW_USER"] = person }
    return try CLI.policyflow(arguments, in: scratch.url, environment: environment)
  }

  func templateText(_ section: String) throws -> String {
    try String(
      contentsOf: CLI.packageRoot.appendingPathComponent("repo-template/sections/\(section).md"), encoding: .utf8)
  }

  /// Everything that must not change when a command is refused.
  func fingerprint() throws -> String {
    try CLI.fingerprint(of: root)
  }
}

/// A copy of the embedded template and its workflows in a scratch directory, to edit before `init --template`.
final class EditableTemplate {
  let scratch: Scratch
  let url: URL

  init() throws {
    scratch = try Scratch("pf-template")
    url = scratch.url.appendingPathComponent("template")
    try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("repo-template"), to: url)
    try FileManager.default.copyItem(
      at: CLI.packageRoot.appendingPathComponent("workflows"), to: url.appendingPathComponent("workflows"))
  }

  /// Replaces `old` (which must occur exactly once) by `new` in the template file at `path`.
  func replace(in path: String, _ old: String, with new: String) throws {
    let file = url.appendingPathComponent(path)
    let text = try String(contentsOf: file, encoding: .utf8)
    #expect(text.components(separatedBy: old).count == 2, "\(path) should contain exactly one \(old)")
    try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
  }
}

/// A workspace made through the binary from an edited template; same helpers as `TemplateWorkspace`.
final class CustomWorkspace {
  let template: EditableTemplate
  let scratch: Scratch
  let root: URL

  init(_ template: EditableTemplate) throws {
    self.template = template
    scratch = try Scratch("pf-ws")
    root = scratch.url.appendingPathComponent("policy")
    let result = try CLI.policyflow([
      "init", root.path, "--template", template.url.path, "--generate-keys", try TestKeys.link(in: scratch).path,
    ])
    #expect(result.status == 0, "init --template failed: \(result.stderr)")
  }

  @discardableResult
  func pf(_ arguments: [String], as person: String? = nil) throws -> Run {
    var environment = ["POLICYFLOW_WORKSPACE": root.path]
    if let person { environment["POLICYFLOW_USER"] = person }
    return try CLI.policyflow(arguments, in: scratch.url, environment: environment)
  }

  /// The same fingerprint as `TemplateWorkspace.fingerprint()`.
  func fingerprint() throws -> String {
    try CLI.fingerprint(of: root)
  }
}

// MARK: - Whole rounds, for the requirement and assembly tests

/// Who drafts and who signs off each section of the Copenhagen template (repo-template/policy.yaml and members.yaml),
/// in manifest order, so tests can take sections to approval without repeating the roster.
enum Roster {
  static let committees: [String: [String]] = [
    "BIU": ["soren-biu", "hanne-biu", "ase-biu"],
    "TMU": ["peter-tmu", "lene-tmu", "erik-tmu"],
    "ØU": ["gitte-ou", "thomas-ou", "grethe-ou"],
    "KFU": ["rasmus-kfu", "maja-kfu", "kirsten-kfu"],
    "SOU": ["anders-sou", "louise-sou", "poul-sou"],
    "SUU": ["frederik-suu", "mette-suu", "jorgen-suu"],
    "BUU": ["line-buu", "kasper-buu", "dorte-buu"],
  ]

  static let sections: [(id: String, drafter: String, committees: [String])] = [
    ("forord", "anne-bif", ["BIU"]),
    ("indledning", "anne-bif", ["BIU"]),
    ("pejlemaerker", "anne-bif", ["BIU"]),
    ("principper", "anne-bif", ["BIU"]),
    ("beskaeftigelse", "anne-bif", ["BIU"]),
    ("by-og-bolig", "tine-tmf", ["TMU", "ØU"]),
    ("kultur-og-fritid", "karen-kff", ["KFU"]),
    ("social", "sofie-sof", ["SOU"]),
    ("sundhed-og-omsorg", "signe-suf", ["SUU"]),
    ("boern-og-unge", "birgit-buf", ["BUU"]),
    ("tilblivelsen", "anne-bif", ["BIU"]),
    ("statistiske-definitioner", "anne-bif", ["BIU"]),
  ]

  static let commonChapters = [
    "forord", "indledning", "pejlemaerker", "principper", "tilblivelsen", "statistiske-definitioner",
  ]
  static let areas = ["beskaeftigelse", "by-og-bolig", "kultur-og-fritid", "social", "sundhed-og-omsorg", "boern-og-unge"]

  static func drafter(_ section: String) -> String { sections.first { $0.id == section }!.drafter }

  /// Two reviewers and the chair of each reviewing committee: the default workflow's approval.
  static func signers(_ section: String) -> [String] {
    sections.first { $0.id == section }!.committees.flatMap { committees[$0]! }
  }

  /// An area's text with prose under its three required sub-headings; `extra` goes at the end.
  static func areaText(_ section: String, extra: String = "") -> String {
    """
    ## Situationen i København

    Situationen på området \(section) beskrives med tal fra Danmarks Statistik.

    ## Det gør vi allerede

    Forvaltningen har allerede indsatser på området \(section).

    ## Det vil vi arbejde for fremadrettet

    Fremadrettet vil vi styrke samarbejdet på området \(section).
    \(extra)
    """
  }
}

extension TemplateWorkspace {
  /// Runs the binary on this workspace with extra environment variables (e.g. EDITOR).
  @discardableResult
  func pf(_ arguments: [String], as person: String?, environment extra: [String: String]) throws -> Run {
    var environment = ["POLICYFLOW_WORKSPACE": root.path]
    if let person { environment["POLICYFLOW_USER"] = person }
    for (key, value) in extra { environment[key] = value }
    return try CLI.policyflow(arguments, in: scratch.url, environment: environment)
  }

  /// The requirements whose targets name `section` (they must be linked or waived before approval).
  func requirementsTargeting(_ section: String) throws -> [String] {
    let listed = try pf(["req", "list", "--section", section, "--json"])
    let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
    return entries.filter { ($0["targets"] as? [String] ?? []).contains(section) }.compactMap { $0["id"] as? String }
  }
}

// MARK: - Integrity tests: processes that may be killed

/// How a process ended, telling death by a signal apart from an exit code (which `Run.status` cannot).
struct Ending {
  let status: Int32
  let killed: Bool
  let stdout: String
  let stderr: String
}

extension CLI {
  /// Runs the binary with output going to files (no pipe a dying process could leave half-read), optionally
  /// sending it SIGKILL after `killAfter` seconds if it still runs, as `kill -9` from outside would.
  static func policyflowEnding(
    _ arguments: [String], environment extra: [String: String], killAfter: Double? = nil
  ) throws -> Ending {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["HOME"] = FileManager.default.temporaryDirectory.path
    for key in ["POLICYFLOW_WORKSPACE", "POLICYFLOW_USER", "POLICYFLOW_FAULT"] { environment.removeValue(forKey: key) }
    for (key, value) in extra { environment[key] = value }
    if environment["POLICYFLOW_KEYS_DIR"] == nil, let keys = TestKeys.beside(extra["POLICYFLOW_WORKSPACE"], nil) {
      environment["POLICYFLOW_KEYS_DIR"] = keys.path
    }
    // Test workspaces keep the throwaway keys of `init --generate-keys` in `keys/` beside them (TemplateWorkspace,
    // CustomWorkspace); acting in a workspace, or a clone of it in the same scratch directory, uses them.
    if environment["POLICYFLOW_KEYS_DIR"] == nil, let keys = TestKeys.beside(extra["POLICYFLOW_WORKSPACE"], nil) {
      environment["POLICYFLOW_KEYS_DIR"] = keys.path
    }
    process.environment = environment
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("pf-out-\(UUID().uuidString)")
    let outURL = base.appendingPathExtension("out")
    let errURL = base.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    if let killAfter {
      let pid = process.processIdentifier
      let deadline = Date().addingTimeInterval(killAfter)
      while process.isRunning && Date() < deadline { usleep(2_000) }
      if process.isRunning { kill(pid, SIGKILL) }
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Ending(
      status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal,
      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
  }
}

extension TemplateWorkspace {
  /// Runs a command that must succeed, recording its stderr as the failure message otherwise.
  @discardableResult
  func ok(_ arguments: [String], as person: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> Run
  {
    let result = try pf(arguments, as: person)
    #expect(
      result.status == 0, "policyflow \(arguments.joined(separator: " ")) as \(person ?? "-"): \(result.stderr)",
      sourceLocation: sourceLocation)
    return result
  }

  func state(_ section: String) throws -> String {
    try CLI.sqlite(root, "SELECT state FROM section WHERE id='\(section)'")
  }

  /// Requirement id → the sections it targets, from `req list --json`.
  func requirementTargets() throws -> [String: [String]] {
    let list = try ok(["req", "list", "--json"])
    let entries = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
    var targets: [String: [String]] = [:]
    for entry in entries { targets[entry["id"] as! String] = entry["targets"] as? [String] ?? [] }
    return targets
  }

  /// Waives, as the secretariat, every requirement that names `section` as a target (except `keeping`).
  func waiveTargets(
    of section: String, keeping: Set<String> = [], targets known: [String: [String]]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let targets = try known ?? requirementTargets()
    for (requirement, sections) in targets.sorted(by: { $0.key < $1.key })
    where sections.contains(section) && !keeping.contains(requirement) {
      try ok(
        ["req", "waive", requirement, section, "-m", "Besvares i et andet afsnit"], as: "pernille-sekretariat",
        sourceLocation: sourceLocation)
    }
  }

  /// Takes `section` through submission and the sign-offs of its committees to approval on `main`, waiving its
  /// requirements first. Common chapters go in with the template's text, areas with `Roster.areaText`.
  func approveSection(
    _ section: String, text: String? = nil, targets: [String: [String]]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    try waiveTargets(of: section, targets: targets, sourceLocation: sourceLocation)
    let body = try text ?? (Roster.areas.contains(section) ? Roster.areaText(section) : templateText(section))
    let file = try scratch.file("\(section)-\(UUID().uuidString).md", body)
    try ok(["submit", section, file.path, "-m", "Til udvalget"], as: Roster.drafter(section), sourceLocation: sourceLocation)
    for signer in Roster.signers(section) {
      try ok(["approve", section], as: signer, sourceLocation: sourceLocation)
    }
    #expect(try state(section) == "approved", "\(section) did not reach approval", sourceLocation: sourceLocation)
  }

  /// Every section of the template approved: what a release needs.
  func approveAll(sourceLocation: SourceLocation = #_sourceLocation) throws {
    let targets = try requirementTargets()
    for section in Roster.sections.map(\.id) {
      try approveSection(section, targets: targets, sourceLocation: sourceLocation)
    }
  }
}

/// pandoc as the independent reader of what policyflow writes.
enum Pandoc {
  /// The text pandoc reads from `file` (format `docx`, `html` or `gfm`), with all runs of white space made one space,
  /// so that line wrapping in the source or the output does not matter.
  static func text(of file: URL, from format: String, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> String
  {
    let result = try CLI.run("pandoc", ["-f", format, "-t", "plain", "--wrap=none", file.path])
    #expect(result.status == 0, "pandoc could not read \(file.lastPathComponent): \(result.stderr)", sourceLocation: sourceLocation)
    return oneLine(result.stdout)
  }
}

/// `text` with every run of white space (newlines included) replaced by one space.
func oneLine(_ text: String) -> String {
  text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// Expects each of `needles` in `haystack`, each after the one before; names the first that is missing or out of order.
func expectInOrder(
  _ needles: [String], in haystack: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  var cursor = haystack.startIndex
  for needle in needles {
    guard let found = haystack.range(of: needle, range: cursor..<haystack.endIndex) else {
      let anywhere = haystack.contains(needle)
      Issue.record(
        "\(what): \"\(needle)\" \(anywhere ? "is out of order" : "is missing")", sourceLocation: sourceLocation)
      return
    }
    cursor = found.upperBound
  }
}

extension TemplateWorkspace {
  /// Runs policyflow in this workspace as `person`, with `POLICYFLOW_FAULT=fault` and/or an outside kill.
  func pfEnding(_ arguments: [String], as person: String? = nil, fault: String? = nil, killAfter: Double? = nil)
    throws -> Ending
  {
    var environment = ["POLICYFLOW_WORKSPACE": root.path]
    if let person { environment["POLICYFLOW_USER"] = person }
    if let fault { environment["POLICYFLOW_FAULT"] = fault }
    return try CLI.policyflowEnding(arguments, environment: environment, killAfter: killAfter)
  }

  /// `verify --json`'s findings, decoded independently of the app's types.
  func verifyFindings() throws -> [VerifyFindingJSON] {
    let run = try pf(["verify", "--json"])
    let report = try JSONDecoder().decode(VerifyReportJSON.self, from: Data(run.stdout.utf8))
    #expect(run.status == (report.findings.isEmpty ? 0 : 1), "verify exit \(run.status): \(run.stderr)")
    return report.findings
  }

  /// Each section branch is linear and holds exactly the recorded revisions 0...N in order; empty when so.
  func branchHistoryProblems() throws -> [String] {
    var problems: [String] = []
    let sections = try CLI.sqlite(root, "SELECT group_concat(id, ' ') FROM section").split(separator: " ")
    for section in sections {
      let numbers = try CLI.sqlite(
        root, "SELECT group_concat(number, ' ') FROM (SELECT number FROM revision WHERE sectionId='\(section)' ORDER BY number)")
      let commits = try CLI.sqlite(
        root, "SELECT group_concat(commitId, ' ') FROM (SELECT commitId FROM revision WHERE sectionId='\(section)' ORDER BY number)")
      let expected = (0..<numbers.split(separator: " ").count).map(String.init).joined(separator: " ")
      // From revision 0 (whose parent is main's first commit) to the branch tip, following first parents.
      let first = commits.split(separator: " ").first.map(String.init) ?? "HEAD"
      let branch = try CLI.git(["rev-list", "--reverse", "--first-parent", "sections/\(section)", "^\(first)^"], in: root)
        .stdout.split(separator: "\n").joined(separator: " ")
      let merges = try CLI.git(["rev-list", "--min-parents=2", "sections/\(section)"], in: root).stdout
      if numbers != expected { problems.append("\(section): revisions [\(numbers)] are not 0...N") }
      if branch != commits { problems.append("\(section): branch [\(branch)] is not the recorded revisions [\(commits)]") }
      if !merges.isEmpty { problems.append("\(section): merge commits on the branch") }
    }
    return problems
  }
}

extension TemplateWorkspace {
  /// Replaces this workspace's directory with a copy of `prepared` (a workspace no process is using), so tests
  /// that each tamper with the same history need not replay it through the binary.
  func replaceContents(withCopyOf prepared: URL) throws {
    try FileManager.default.removeItem(at: root)
    try FileManager.default.copyItem(at: prepared, to: root)
  }
}

/// One set of throwaway member keys for the whole test run: `ssh-keygen` for the template's 35 members costs
/// about a second, once, instead of at every test's `init`. `init --generate-keys` reuses the keys a directory
/// already holds, so each workspace's `keys/` is a link to these.
enum TestKeys {
  static let shared: URL = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pf-test-keys-\(getpid())")
    let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("pf-test-keys-ws-\(getpid())")
    let made = try? CLI.policyflow(["init", workspace.path, "--generate-keys", directory.path])
    precondition(made?.status == 0, "cannot make the test keys: \(made?.stderr ?? "no run")")
    try? FileManager.default.removeItem(at: workspace)
    return directory
  }()

  /// The `keys/` directory beside the workspace (or beside one of the working directory's parents), if any.
  static func beside(_ workspace: String?, _ directory: URL?) -> URL? {
    var candidates: [URL] = []
    if let workspace { candidates.append(URL(fileURLWithPath: workspace).deletingLastPathComponent()) }
    var cursor = directory
    for _ in 0..<4 {
      guard let current = cursor else { break }
      candidates.append(current)
      cursor = current.deletingLastPathComponent()
    }
    return candidates.map { $0.appendingPathComponent("keys") }.first {
      FileManager.default.fileExists(atPath: $0.appendingPathComponent("pernille-sekretariat").path)
    }
  }

  /// git options that make `git commit` sign in git's SSH format with `member`'s throwaway key, as a secretariat
  /// member does with `git commit -S` (`gpg.format=ssh`): a change to the definition counts only when so signed.
  static func signing(as member: String = "pernille-sekretariat") -> [String] {
    [
      "-c", "gpg.format=ssh", "-c", "user.signingkey=\(shared.appendingPathComponent(member).path)",
      "-c", "commit.gpgsign=true",
    ]
  }

  /// `scratch/keys`, a link to the shared keys.
  static func link(in scratch: Scratch) throws -> URL {
    let link = scratch.url.appendingPathComponent("keys")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: shared)
    return link
  }
}
