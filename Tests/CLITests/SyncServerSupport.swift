import Foundation
import Testing

// Support for the `policyflow sync` tests against real remotes: the servers of `scripts/test-servers` (copied from
// Tests/PolicyGitTests/RemoteSupport.swift, which this target cannot import) and copies of one policy that act apart
// and sync through the binary.

/// The real servers of `scripts/test-servers` (gitolite over sshd, git-http-backend behind apache2 with TLS), started
/// once for the suite that carries `.syncServers` and stopped when it ends. If they cannot start, the suite fails
/// with the script's explanation: these tests never skip themselves.
struct SyncServers: Sendable {
  static let script = CLI.packageRoot.appendingPathComponent("scripts/test-servers")

  @TaskLocal static var current: SyncServers?

  let directory: URL
  let variables: [String: String]

  subscript(_ name: String) -> String {
    guard let value = variables[name] else {
      Issue.record("scripts/test-servers env printed no \(name)")
      return ""
    }
    return value
  }

  var knownHosts: String { self["PF_KNOWN_HOSTS"] }
  var caFile: String { self["PF_CA_FILE"] }

  /// ssh://pfgit@127.0.0.1:PORT/NAME: a gitolite repository.
  func sshURL(_ repository: String) -> String {
    "ssh://\(self["PF_SSH_USER"])@127.0.0.1:\(self["PF_SSH_PORT"])/\(repository)"
  }

  /// https://localhost:PORT/git/NAME.git, made by `https-repo`.
  func httpsURL(_ repository: String) -> String { "https://localhost:\(self["PF_HTTPS_PORT"])/git/\(repository).git" }

  /// The bare repository gitolite keeps for `repository`, read directly as the server's truth.
  func gitoliteRepository(_ repository: String) -> URL {
    directory.appendingPathComponent("gitolite/repositories/\(repository).git")
  }

  func httpsRepository(_ repository: String) -> URL {
    directory.appendingPathComponent("https/repos/\(repository).git")
  }

  /// The environment with which `member` syncs over SSH: their own key file, the server's host key, nothing else.
  func ssh(_ member: String) -> [String: String] {
    [
      "POLICYFLOW_SSH_KEY": URL(fileURLWithPath: self["PF_SSH_KEYS"]).appendingPathComponent(member).path,
      "POLICYFLOW_KNOWN_HOSTS": knownHosts, "SSH_AUTH_SOCK": "", "POLICYFLOW_GIT_CREDENTIAL_HELPER": "0",
    ]
  }

  /// Basic authentication as the test server's user; the test CA only when `trustingCA`.
  func https(trustingCA: Bool) -> [String: String] {
    var environment = [
      "POLICYFLOW_HTTP_USER": self["PF_HTTPS_USER"], "POLICYFLOW_HTTP_PASSWORD": self["PF_HTTPS_PASSWORD"],
      "POLICYFLOW_GIT_CREDENTIAL_HELPER": "0", "GIT_SSL_CAINFO": "", "SSL_CERT_FILE": "",
    ]
    // Empty is "not set" (and overrides the copy's own setting when merged over it).
    environment["POLICYFLOW_CA_FILE"] = trustingCA ? caFile : ""
    return environment
  }

  static func start() throws -> SyncServers {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("policyflow-sync-servers-\(UUID().uuidString.prefix(8))", isDirectory: true)
    let started = try CLI.run(script.path, ["start", directory.path])
    guard started.status == 0 else {
      throw SyncServersUnavailable(reason: "scripts/test-servers start failed (\(started.status)): \(started.stderr)")
    }
    let printed = try CLI.run(script.path, ["env", directory.path])
    guard printed.status == 0 else { throw SyncServersUnavailable(reason: "scripts/test-servers env: \(printed.stderr)") }
    var variables: [String: String] = [:]
    for line in printed.stdout.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
        .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
    }
    return SyncServers(directory: directory, variables: variables)
  }

  func stop() {
    let stopped = try? CLI.run(Self.script.path, ["stop", directory.path])
    if stopped?.status != 0 { Issue.record("scripts/test-servers stop failed: \(stopped?.stderr ?? "")") }
    try? FileManager.default.removeItem(at: directory)
  }

  /// An SSH key pair for gitolite member `name` (the login key, not the member's signing key).
  func makeKey(_ name: String) throws {
    let made = try CLI.run(Self.script.path, ["key", directory.path, name])
    guard made.status == 0 else { throw SyncServersUnavailable(reason: "key \(name): \(made.stderr)") }
  }

  /// Writes `conf` as gitolite's configuration (pushed to gitolite-admin by the admin key, with every key made).
  func configureGitolite(_ conf: String) throws {
    let file = directory.appendingPathComponent("gitolite.conf.sync-test")
    try Data(conf.utf8).write(to: file)
    let result = try CLI.run(Self.script.path, ["gitolite-conf", directory.path, file.path])
    guard result.status == 0 else { throw SyncServersUnavailable(reason: "gitolite-conf: \(result.stderr)") }
  }

  func makeHTTPSRepository(_ name: String) throws {
    let made = try CLI.run(Self.script.path, ["https-repo", directory.path, name])
    guard made.status == 0 else { throw SyncServersUnavailable(reason: "https-repo \(name): \(made.stderr)") }
  }
}

struct SyncServersUnavailable: Error, CustomStringConvertible {
  let reason: String
  var description: String { "the test servers are not available: \(reason)" }
}

/// Starts the servers around the whole suite it is attached to (once, not per test).
struct SyncServersTrait: SuiteTrait, TestScoping {
  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let servers = try SyncServers.start()
    defer { servers.stop() }
    try await SyncServers.$current.withValue(servers) { try await function() }
  }
}

extension Trait where Self == SyncServersTrait {
  static var syncServers: SyncServersTrait { SyncServersTrait() }
}

/// The servers of the running suite; a test outside the trait's scope fails rather than skips.
func syncServers(sourceLocation: SourceLocation = #_sourceLocation) throws -> SyncServers {
  try #require(SyncServers.current, "the suite must carry .syncServers", sourceLocation: sourceLocation)
}

/// One copy of the policy on one machine: a directory and the credentials its owner syncs with.
struct RemoteCopy {
  let name: String
  let root: URL
  var environment: [String: String]

  @discardableResult
  func pf(_ arguments: [String], as person: String? = nil, environment extra: [String: String] = [:]) throws -> Run {
    var environment = environment.merging(extra) { $1 }
    environment["POLICYFLOW_WORKSPACE"] = root.path
    if let person { environment["POLICYFLOW_USER"] = person }
    return try CLI.policyflow(arguments, in: root.deletingLastPathComponent(), environment: environment)
  }

  /// A command that must succeed.
  @discardableResult
  func ok(_ arguments: [String], as person: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> Run
  {
    let result = try pf(arguments, as: person)
    #expect(
      result.status == 0, "\(name): policyflow \(arguments.joined(separator: " ")) as \(person ?? "-"): \(result.stderr)",
      sourceLocation: sourceLocation)
    return result
  }

  /// `policyflow sync` with `POLICYFLOW_FAULT=fault`, telling a kill apart from an exit.
  func syncEnding(fault: String?) throws -> Ending {
    var environment = environment
    environment["POLICYFLOW_WORKSPACE"] = root.path
    if let fault { environment["POLICYFLOW_FAULT"] = fault }
    return try CLI.policyflowEnding(["sync"], environment: environment)
  }

  func git(_ arguments: [String]) throws -> String {
    let result = try CLI.git(arguments, in: root)
    #expect(result.status == 0, "\(name): git \(arguments.joined(separator: " ")): \(result.stderr)")
    return result.stdout
  }

  /// Every action on the record refs (the joins of `sync`, the only merges there, left out).
  func recordCommits() throws -> Set<String> {
    Set(try git(["rev-list", "--no-merges", "--glob=refs/policyflow"]).split(separator: "\n").map(String.init))
  }

  /// The policy's refs (main, section branches, record refs) as `name id` lines, in order.
  func policyRefs() throws -> String {
    try Self.policyRefs(of: root)
  }

  static func policyRefs(of repository: URL) throws -> String {
    let result = try CLI.run(
      "git",
      ["--git-dir", gitDirectory(repository).path, "for-each-ref", "--format=%(refname) %(objectname)",
       "refs/heads/main", "refs/heads/sections/", "refs/policyflow/"])
    #expect(result.status == 0, "for-each-ref in \(repository.path): \(result.stderr)")
    return result.stdout
  }

  static func gitDirectory(_ repository: URL) -> URL {
    let dotGit = repository.appendingPathComponent(".git")
    return FileManager.default.fileExists(atPath: dotGit.path) ? dotGit : repository
  }

  /// The three outputs that must be byte for byte the same on every synced copy.
  func sharedOutputs() throws -> [String] {
    try [["status", "--json"], ["audit", "--json"], ["req", "coverage", "--json"]].map { arguments in
      let result = try pf(arguments)
      #expect(result.status == 0 && !result.stdout.isEmpty, "\(name): \(arguments): \(result.stderr)")
      return result.stdout
    }
  }

  /// `verify` exits 0 and says clean.
  func expectVerifyClean(sourceLocation: SourceLocation = #_sourceLocation) throws {
    let verify = try pf(["verify"])
    #expect(verify.status == 0, "\(name): verify: \(verify.stdout) \(verify.stderr)", sourceLocation: sourceLocation)
  }

  /// Record commits the index holds as refused (of any kind).
  func refusedRecords() throws -> [String] {
    try CLI.sqlite(root, "SELECT action||' '||actor||': '||refusal FROM record WHERE refusal IS NOT NULL")
      .split(separator: "\n").map(String.init)
  }

  func state(_ section: String) throws -> String {
    try CLI.sqlite(root, "SELECT state FROM section WHERE id='\(section)'")
  }
}

extension TemplateWorkspace {
  /// This workspace as one of the copies, syncing with `environment`.
  func copy(_ name: String, environment: [String: String] = [:]) -> RemoteCopy {
    RemoteCopy(name: name, root: root, environment: environment)
  }

  /// `policyflow clone URL DIR` beside this workspace (so the test signing keys in `keys/` serve it too).
  func clone(
    _ url: String, as name: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> RemoteCopy {
    let directory = scratch.url.appendingPathComponent(name)
    let cloned = try CLI.policyflow(["clone", url, name], in: scratch.url, environment: environment)
    #expect(cloned.status == 0, "clone \(url) into \(name): \(cloned.stderr)", sourceLocation: sourceLocation)
    return RemoteCopy(name: name, root: directory, environment: environment)
  }
}

enum SyncCheck {
  /// Syncs every copy in turn, round after round, until a round changed nothing: every copy's refs are then the
  /// remote's (`remote`, a bare repository on disk). Expects that within `rounds`.
  static func settle(
    _ copies: [RemoteCopy], remote: URL, rounds: Int = 4, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    for _ in 0..<rounds {
      for copy in copies {
        let synced = try copy.pf(["sync"])
        #expect(synced.status == 0, "\(copy.name): sync: \(synced.stderr)", sourceLocation: sourceLocation)
      }
      let server = try RemoteCopy.policyRefs(of: remote)
      if try copies.allSatisfy({ try $0.policyRefs() == server }) { return }
    }
    Issue.record("the copies did not reach the remote's refs in \(rounds) rounds of sync", sourceLocation: sourceLocation)
  }

  /// All copies identical (refs, the shared outputs), verify clean, and every commit of `done` on every copy's record.
  static func expectIdentical(
    _ copies: [RemoteCopy], remote: URL, done: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let server = try RemoteCopy.policyRefs(of: remote)
    #expect(!server.isEmpty, sourceLocation: sourceLocation)
    let reference = try copies[0].sharedOutputs()
    for copy in copies {
      #expect(try copy.policyRefs() == server, "\(copy.name): refs differ from the remote's", sourceLocation: sourceLocation)
      let outputs = try copy.sharedOutputs()
      for (index, what) in ["status --json", "audit --json", "req coverage --json"].enumerated() {
        #expect(
          outputs[index] == reference[index], "\(copy.name): \(what) differs from \(copies[0].name)'s",
          sourceLocation: sourceLocation)
      }
      try copy.expectVerifyClean(sourceLocation: sourceLocation)
      let lost = done.subtracting(try copy.recordCommits())
      #expect(lost.isEmpty, "\(copy.name) lacks \(lost.count) action(s) reported done: \(lost.sorted())", sourceLocation: sourceLocation)
      let refused = try copy.refusedRecords()
      #expect(refused.isEmpty, "\(copy.name): refused \(refused)", sourceLocation: sourceLocation)
      // The index applied every one of them.
      let applied = Set(
        try CLI.sqlite(copy.root, "SELECT commitId FROM record WHERE refusal IS NULL").split(separator: "\n").map(String.init))
      let unapplied = done.subtracting(applied)
      #expect(unapplied.isEmpty, "\(copy.name): not applied: \(unapplied.sorted())", sourceLocation: sourceLocation)
    }
    let serverHeld = Set(
      try CLI.run("git", ["--git-dir", remote.path, "rev-list", "--no-merges", "--glob=refs/policyflow"]).stdout.split(separator: "\n")
        .map(String.init))
    #expect(done.isSubset(of: serverHeld), "the remote lacks actions reported done", sourceLocation: sourceLocation)
  }

  /// A section's text with a line of its own, so two copies' submissions differ.
  static func text(_ w: TemplateWorkspace, _ section: String, _ line: String) throws -> URL {
    try w.scratch.file("\(section)-\(UUID().uuidString.prefix(8)).md", try w.templateText(section) + "\n\(line)\n")
  }
}
