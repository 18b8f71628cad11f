import Foundation
import Testing

@testable import PolicyGit

/// A fresh repository in its own temporary directory, removed when the fixture goes away, plus a way to ask the
/// real `git` CLI what PolicyGit wrote — the point of these tests is that other git tools agree with us.
final class Fixture {
  let root: URL
  let repo: Repository
  var workTree: URL { root.appendingPathComponent("repo", isDirectory: true) }

  init() throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("policygit-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    repo = try Repository.create(at: root.appendingPathComponent("repo", isDirectory: true))
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  static let approver = Signature(
    name: "Åse Ørsted-Bæk", email: "aase@kommune.example", time: Date(timeIntervalSince1970: 1_700_000_000),
    offsetMinutes: 60)

  func blob(_ text: String) throws -> ObjectID {
    try repo.writeBlob(Data(text.utf8))
  }

  /// Commits `files` on top of `parent` (nil = root commit) without moving any ref.
  func commit(_ files: [String: String], removing: [String] = [], parent: ObjectID?, message: String,
    at seconds: TimeInterval = 1_700_000_000) throws -> ObjectID
  {
    let base = try parent.map { try repo.commit($0).tree }
    let ids = try files.mapValues { try blob($0) }
    let tree = try repo.tree(base: base, setting: ids, removing: removing)
    var signature = Self.approver
    signature.time = Date(timeIntervalSince1970: seconds)
    return try repo.createCommit(
      tree: tree, parents: parent.map { [$0] } ?? [], author: signature, committer: signature, message: message)
  }

  /// Commits and moves `branch` by compare-and-swap from `parent`.
  @discardableResult
  func advance(_ files: [String: String], removing: [String] = [], message: String,
    at seconds: TimeInterval = 1_700_000_000, on branch: String = "refs/heads/main") throws -> ObjectID
  {
    let parent = try repo.referenceTarget(branch)
    let id = try commit(files, removing: removing, parent: parent, message: message, at: seconds)
    try repo.updateReference(branch, to: id, expected: parent, message: "policyflow: \(message)")
    return id
  }

  /// Runs `git` in the work tree with user and system configuration switched off, so the machine's settings cannot
  /// change what we observe.
  @discardableResult
  func git(_ arguments: String..., environment: [String: String] = [:], allowFailure: Bool = false) throws
    -> GitOutput
  {
    try run("git", arguments, environment: environment, allowFailure: allowFailure)
  }

  /// Runs `program` (found on PATH) in the work tree, with the same isolated environment as `git`.
  @discardableResult
  func run(_ program: String, _ arguments: [String], environment extra: [String: String] = [:],
    allowFailure: Bool = false) throws -> GitOutput
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.currentDirectoryURL = workTree
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    environment["HOME"] = root.path
    environment["LC_ALL"] = "C"
    environment["SSH_AUTH_SOCK"] = nil
    environment.merge(extra) { $1 }
    process.environment = environment
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Read before waiting, or a chatty command fills the pipe and never exits.
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let result = GitOutput(status: process.terminationStatus, data: out, error: String(decoding: err, as: UTF8.self))
    if !allowFailure && result.status != 0 {
      Issue.record("\(program) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.error)")
    }
    return result
  }

  func write(_ path: String, _ text: String) throws {
    let url = workTree.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func read(_ path: String) -> String? {
    (try? Data(contentsOf: workTree.appendingPathComponent(path))).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The loose object file for `id`.
  func objectFile(_ id: ObjectID) -> URL {
    let hex = id.hex
    return workTree.appendingPathComponent(".git/objects/\(hex.prefix(2))/\(hex.dropFirst(2))")
  }
}

struct GitOutput {
  let status: Int32
  let data: Data
  let error: String
  var text: String { String(decoding: data, as: UTF8.self) }
  var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastIfEmpty }
}

extension Array where Element == String {
  var dropLastIfEmpty: [String] { last == "" ? Array(dropLast()) : self }
}

/// `#expect(throws:)` that also checks the kind, which is what callers switch on.
func expectGitError(_ kind: GitError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void)
{
  do {
    try body()
    Issue.record("expected GitError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as GitError {
    #expect(error.kind == kind, "\(error.operation): \(error.message)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("expected GitError.\(kind), got \(error)", sourceLocation: sourceLocation)
  }
}
