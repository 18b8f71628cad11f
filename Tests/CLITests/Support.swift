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
    let result = try CLI.policyflow(["init", root.path])
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
    let refs = try CLI.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: root).stdout
    let counts = try CLI.sqlite(
      root,
      "SELECT (SELECT count(*) FROM revision)||'/'||(SELECT count(*) FROM signoff)||'/'||(SELECT count(*) FROM comment)"
        + "||'/'||(SELECT count(*) FROM event)||'/'||(SELECT count(*) FROM requirementLink)||'/'||"
        + "(SELECT group_concat(id||':'||state||':'||latestRevision, ',') FROM section)||'/'||"
        + "(SELECT group_concat(id||':'||status, ',') FROM comment)")
    return refs + "\n" + counts
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
