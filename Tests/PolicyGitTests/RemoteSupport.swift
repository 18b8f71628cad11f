import Foundation
import Testing

@testable import PolicyGit

/// The real servers of `scripts/test-servers` (gitolite over sshd, git-http-backend behind apache2 with TLS), started
/// once for the suite that carries `.testServers` and stopped when it ends. If they cannot start, the suite fails
/// with the script's explanation: these tests never skip themselves.
struct TestServers: Sendable {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let script = packageRoot.appendingPathComponent("scripts/test-servers")

  @TaskLocal static var current: TestServers?

  let directory: URL
  let variables: [String: String]

  subscript(_ name: String) -> String {
    guard let value = variables[name] else {
      Issue.record("scripts/test-servers env printed no \(name)")
      return ""
    }
    return value
  }

  var sshURL: String { self["PF_SSH_URL"] }
  var sshPort: String { self["PF_SSH_PORT"] }
  var httpsURL: String { self["PF_HTTPS_URL"] }
  var caFile: URL { URL(fileURLWithPath: self["PF_CA_FILE"]) }
  var knownHosts: URL { URL(fileURLWithPath: self["PF_KNOWN_HOSTS"]) }
  var hashedKnownHosts: URL { URL(fileURLWithPath: self["PF_KNOWN_HOSTS_HASHED"]) }
  var wrongKnownHosts: URL { URL(fileURLWithPath: self["PF_KNOWN_HOSTS_WRONG"]) }

  func key(_ member: String) -> URL {
    URL(fileURLWithPath: self["PF_SSH_KEYS"]).appendingPathComponent(member)
  }

  /// Credentials of a gitolite member: their key file and nothing else (no agent, no helper).
  func ssh(_ member: String) -> RemoteCredentials {
    RemoteCredentials(
      sshKey: .init(privateKey: key(member), publicKey: key(member).appendingPathExtension("pub")))
  }

  func sshTrust(_ knownHosts: URL? = nil) -> RemoteTrust {
    RemoteTrust(knownHostsFiles: [knownHosts ?? self.knownHosts])
  }

  var https: RemoteCredentials {
    RemoteCredentials(httpUser: self["PF_HTTPS_USER"], httpPassword: self["PF_HTTPS_PASSWORD"])
  }

  /// The test CA only (what a municipality's own CA file is to policyflow).
  var httpsTrust: RemoteTrust { RemoteTrust(knownHostsFiles: [], caFile: caFile) }

  static func start() throws -> TestServers {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("policyflow-servers-\(UUID().uuidString.prefix(8))", isDirectory: true)
    let started = try Shell.run(script.path, ["start", directory.path])
    guard started.status == 0 else {
      throw ServersUnavailable(reason: "scripts/test-servers start failed (\(started.status)): \(started.error)")
    }
    let printed = try Shell.run(script.path, ["env", directory.path])
    guard printed.status == 0 else { throw ServersUnavailable(reason: "scripts/test-servers env: \(printed.error)") }
    var variables: [String: String] = [:]
    for line in printed.output.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
        .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
    }
    return TestServers(directory: directory, variables: variables)
  }

  func stop() {
    let stopped = try? Shell.run(Self.script.path, ["stop", directory.path])
    if stopped?.status != 0 { Issue.record("scripts/test-servers stop failed: \(stopped?.error ?? "")") }
    try? FileManager.default.removeItem(at: directory)
  }

  /// Writes `conf` as gitolite's configuration (pushed to gitolite-admin by the admin key).
  func configureGitolite(_ conf: String) throws {
    let file = directory.appendingPathComponent("gitolite.conf.test")
    try Data(conf.utf8).write(to: file)
    let result = try Shell.run(Self.script.path, ["gitolite-conf", directory.path, file.path])
    guard result.status == 0 else { throw ServersUnavailable(reason: "gitolite-conf: \(result.error)") }
  }

  /// `git` as an independent client of the servers: with the member's key and the test known_hosts for SSH, the
  /// test CA and the member's password for HTTPS.
  func git(_ arguments: [String], member: String = "alice", in directory: URL? = nil) throws -> Shell.Result {
    let ssh =
      "ssh -i \(key(member).path) -o IdentitiesOnly=yes -o BatchMode=yes "
      + "-o UserKnownHostsFile=\(knownHosts.path) -o StrictHostKeyChecking=yes"
    return try Shell.run(
      "/usr/bin/git", arguments, directory: directory,
      environment: [
        "GIT_SSH_COMMAND": ssh, "GIT_SSL_CAINFO": caFile.path, "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
      ])
  }

  /// `git ls-remote URL` as a map from reference name to object.
  func lsRemote(_ url: String, member: String = "alice") throws -> [String: ObjectID] {
    let result = try git(["ls-remote", httpsWithPassword(url)], member: member)
    guard result.status == 0 else {
      Issue.record("git ls-remote \(url) failed: \(result.error)")
      return [:]
    }
    return Shell.parseRefs(result.output)
  }

  /// git's CLI needs the password in the URL (it has no helper here); PolicyGit gets it through credentials.
  private func httpsWithPassword(_ url: String) -> String {
    guard url.hasPrefix("https://") else { return url }
    return url.replacingOccurrences(
      of: "https://", with: "https://\(self["PF_HTTPS_USER"]):\(self["PF_HTTPS_PASSWORD"])@")
  }
}

struct ServersUnavailable: Error, CustomStringConvertible {
  let reason: String
  var description: String { "the test servers are not available: \(reason)" }
}

/// Starts the servers around the whole suite it is attached to (once, not per test).
struct TestServersTrait: SuiteTrait, TestScoping {
  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let servers = try TestServers.start()
    defer { servers.stop() }
    try await TestServers.$current.withValue(servers) { try await function() }
  }
}

extension Trait where Self == TestServersTrait {
  static var testServers: TestServersTrait { TestServersTrait() }
}

/// The servers of the running suite; a test that runs outside the trait's scope fails rather than skips.
func servers(sourceLocation: SourceLocation = #_sourceLocation) throws -> TestServers {
  try #require(TestServers.current, "the suite must carry .testServers", sourceLocation: sourceLocation)
}

enum Shell {
  struct Result {
    let status: Int32
    let output: String
    let error: String
  }

  static func run(
    _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String] = [:]
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while the process runs, or a chatty one fills its pipe and never exits.
    let errorData = Collected()
    let done = DispatchSemaphore(value: 0)
    Thread {
      errorData.data = error.fileHandleForReading.readDataToEndOfFile()
      done.signal()
    }.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    done.wait()
    return Result(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      error: String(decoding: errorData.data, as: UTF8.self))
  }

  /// Written by the reader thread before it signals, read after the wait: the semaphore orders the two.
  private final class Collected: @unchecked Sendable {
    var data = Data()
  }

  /// `OID<TAB>name` lines, as `git ls-remote` and `git for-each-ref --format='%(objectname)%09%(refname)'` print.
  static func parseRefs(_ text: String) -> [String: ObjectID] {
    var refs: [String: ObjectID] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: "\t")
      guard parts.count == 2, let id = ObjectID(hex: String(parts[0])) else { continue }
      refs[String(parts[1])] = id
    }
    return refs
  }
}

/// A local repository to push from and fetch into, in its own temporary directory.
final class LocalCopy {
  let root: URL
  let repo: Repository
  private var clock: TimeInterval = 1_700_000_000

  init(_ label: String = "copy") throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("policygit-remote-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    repo = try Repository.create(at: root.appendingPathComponent("repo", isDirectory: true))
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  /// Commits one file on top of `reference` (or of `parent`) and moves the reference there.
  @discardableResult
  func commit(_ text: String, on reference: String, parent: ObjectID? = nil, file: String = "note.md") throws
    -> ObjectID
  {
    clock += 60
    let base = try parent ?? repo.referenceTarget(reference)
    let tree = try repo.tree(
      base: try base.map { try repo.commit($0).tree }, setting: [file: try repo.writeBlob(Data(text.utf8))],
      removing: [])
    let signature = Signature(
      name: "Test Person", email: "test@kommune.example", time: Date(timeIntervalSince1970: clock))
    let id = try repo.createCommit(
      tree: tree, parents: base.map { [$0] } ?? [], author: signature, committer: signature, message: text)
    try repo.updateReference(reference, to: id, expected: try repo.referenceTarget(reference), message: text)
    return id
  }
}

/// A fresh bare repository, as on a shared drive.
func makeBareRepository(in directory: URL, name: String = "shared.git") throws -> URL {
  let url = directory.appendingPathComponent(name, isDirectory: true)
  let result = try Shell.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", url.path])
  guard result.status == 0 else { throw ServersUnavailable(reason: "git init --bare: \(result.error)") }
  return url
}

/// `#expect(throws:)` for `RemoteError`, returning it so a test can look at the message.
@discardableResult
func expectRemoteError(
  _ kind: RemoteError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> RemoteError? {
  do {
    try body()
    Issue.record("expected RemoteError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as RemoteError {
    #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
    // To read the messages a user would see: POLICYFLOW_SHOW_REMOTE_ERRORS=1 swift test --filter Remote
    if ProcessInfo.processInfo.environment["POLICYFLOW_SHOW_REMOTE_ERRORS"] == "1" {
      print("[\(kind)] \(error.errorDescription ?? "")")
    }
    return error
  } catch {
    Issue.record("expected RemoteError.\(kind), got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}
