import Foundation
import Testing

@testable import PolicyGit

/// Fetch and push against real servers, started once for this suite by `scripts/test-servers`: gitolite on a private
/// sshd (per-member keys, per-reference rights) and git-http-backend behind apache2 (TLS from a test CA, basic
/// authentication). git's own CLI checks, as an independent client, what we pushed.
///
/// Serialized because the tests share the servers' repositories (`main` and the section branches).
@Suite("Remotes: real servers (gitolite over SSH, HTTPS)", .serialized, .testServers)
struct RealServerTests {
  static let mirror = ["+refs/heads/*:refs/remotes/origin/*", "+refs/policyflow/*:refs/remotes/origin/policyflow/*"]

  /// Fetches the remote's current value of `reference` into `copy` and commits on top of it, so the push is a
  /// fast-forward whatever earlier tests left there.
  @discardableResult
  func commitOnRemoteTip(
    _ copy: LocalCopy, _ reference: String, _ text: String, url: String, credentials: RemoteCredentials,
    trust: RemoteTrust
  ) throws -> ObjectID {
    let remoteTip = try copy.repo.remoteReferences(remote: url, credentials: credentials, trust: trust)
      .first { $0.name == reference }?.target
    if remoteTip != nil {
      try copy.repo.fetch(
        remote: url, refspecs: ["+\(reference):refs/remotes/origin/tip"], credentials: credentials, trust: trust)
    }
    return try copy.commit(text, on: reference, parent: remoteTip ?? copy.repo.referenceTarget(reference))
  }

  // MARK: - gitolite over SSH

  @Test(
    "SSH: a member pushes her section branch, main and a record ref; git ls-remote and a fetch by another member agree")
  func sshAllowedPushes() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let url = servers.sshURL
    let trust = servers.sshTrust()
    let section = try commitOnRemoteTip(
      alice, "refs/heads/sections/alpha", "alpha text\n", url: url, credentials: servers.ssh("alice"), trust: trust)
    let main = try commitOnRemoteTip(
      alice, "refs/heads/main", "approved\n", url: url, credentials: servers.ssh("alice"), trust: trust)
    let recordRef = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/records"
    let record = try alice.commit("sign-off\n", on: recordRef)

    let pushed = try alice.repo.push(
      remote: url, refspecs: ["refs/heads/sections/alpha", "refs/heads/main", recordRef],
      credentials: servers.ssh("alice"), trust: trust)
    #expect(pushed.updates.map(\.outcome) == [.updated, .updated, .updated])
    #expect(pushed.updates.last?.old == nil)

    let listed = try servers.lsRemote(url, member: "bob")
    #expect(listed["refs/heads/sections/alpha"] == section)
    #expect(listed["refs/heads/main"] == main)
    #expect(listed[recordRef] == record)

    let bob = try LocalCopy("bob")
    let fetched = try bob.repo.fetch(remote: url, refspecs: Self.mirror, credentials: servers.ssh("bob"), trust: trust)
    #expect(fetched.contains(FetchedReference(name: "refs/remotes/origin/main", old: nil, new: main)))
    #expect(
      try bob.repo.referenceTarget("refs/remotes/origin/policyflow/\(recordRef.dropFirst("refs/policyflow/".count))")
        == record)
    #expect(try bob.repo.commit(record).message == "sign-off\n")
  }

  @Test("SSH: pushing another department's section branch is declined, with gitolite's own words")
  func sshDeclinedSection() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let url = servers.sshURL
    let trust = servers.sshTrust()
    let before = try servers.lsRemote(url)["refs/heads/sections/beta"]
    let own = try commitOnRemoteTip(
      alice, "refs/heads/sections/alpha", "mine\n", url: url, credentials: servers.ssh("alice"), trust: trust)
    try commitOnRemoteTip(
      alice, "refs/heads/sections/beta", "not mine\n", url: url, credentials: servers.ssh("alice"), trust: trust)

    let refused = expectRemoteError(.pushRejected) {
      try alice.repo.push(
        remote: url, refspecs: ["refs/heads/sections/alpha", "refs/heads/sections/beta"],
        credentials: servers.ssh("alice"), trust: trust)
    }
    let updates = refused?.push?.updates ?? []
    // git_remote_push returned success; only the per-reference report shows the refusal.
    #expect(updates.map(\.reference) == ["refs/heads/sections/alpha", "refs/heads/sections/beta"])
    #expect(updates.first?.outcome == .updated)
    let rejection = updates.last?.rejection
    #expect(rejection?.reason == .declined)
    #expect(rejection?.message.contains("hook declined") == true, "\(rejection?.message ?? "")")
    #expect(rejection?.message.contains("DENIED") == true, "\(rejection?.message ?? "")")
    #expect(refused?.isOutdatedPush == false)
    #expect(refused?.recovery?.contains("administrator") == true)
    #expect(
      refused?.push?.serverMessages.contains { $0.contains("W refs/heads/sections/beta policy alice DENIED") } == true)

    let after = try servers.lsRemote(url)
    #expect(after["refs/heads/sections/beta"] == before)
    #expect(after["refs/heads/sections/alpha"] == own)
  }

  @Test("SSH: a push from a stale copy is refused as outdated before anything is sent")
  func sshNonFastForward() throws {
    let servers = try servers()
    let url = servers.sshURL
    let trust = servers.sshTrust()
    let alice = try LocalCopy("alice")
    let bob = try LocalCopy("bob")
    try commitOnRemoteTip(
      alice, "refs/heads/main", "alice's base\n", url: url, credentials: servers.ssh("alice"), trust: trust)
    try alice.repo.push(remote: url, refspecs: ["refs/heads/main"], credentials: servers.ssh("alice"), trust: trust)
    let stale = try alice.repo.referenceTarget("refs/heads/main")!
    try bob.repo.fetch(remote: url, refspecs: Self.mirror, credentials: servers.ssh("bob"), trust: trust)
    try bob.repo.updateReference("refs/heads/main", to: stale, expected: nil, message: "start")

    let moved = try alice.commit("alice moves on\n", on: "refs/heads/main")
    try alice.repo.push(remote: url, refspecs: ["refs/heads/main"], credentials: servers.ssh("alice"), trust: trust)
    try bob.commit("bob from the old state\n", on: "refs/heads/main")
    let refused = expectRemoteError(.pushRejected) {
      try bob.repo.push(remote: url, refspecs: ["refs/heads/main"], credentials: servers.ssh("bob"), trust: trust)
    }
    #expect(refused?.isOutdatedPush == true)
    #expect(refused?.push?.updates.first?.old == moved)
    #expect(try servers.lsRemote(url)["refs/heads/main"] == moved)
  }

  @Test("SSH: the server's compare-and-swap refuses a push that another push overtook; nothing is lost")
  func sshCompareAndSwap() throws {
    let servers = try servers()
    let url = servers.sshURL
    let trust = servers.sshTrust()
    let alice = try LocalCopy("alice")
    let reference = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/race"
    let base = try alice.commit("base\n", on: reference)
    try alice.repo.push(remote: url, refspecs: [reference], credentials: servers.ssh("alice"), trust: trust)
    // Bob's copy, made by git's CLI, prepares a commit on the same reference.
    let bobsWork = alice.root.appendingPathComponent("bob-cli")
    #expect(try servers.git(["clone", "-q", "--bare", url, bobsWork.path], member: "bob").status == 0)
    #expect(
      try servers.git(["fetch", "-q", url, "\(reference):\(reference)"], member: "bob", in: bobsWork).status == 0)
    let tree = try servers.git(["rev-parse", "\(base.hex)^{tree}"], in: bobsWork).output
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let bobsCommit = try servers.git(
      [
        "-c", "user.name=Bob", "-c", "user.email=bob@kommune.example", "commit-tree", tree, "-p", base.hex, "-m", "bob",
      ],
      in: bobsWork
    ).output.trimmingCharacters(in: .whitespacesAndNewlines)
    try alice.commit("alice\n", on: reference)

    var raced: Shell.Result?
    let refused = expectRemoteError(.pushRejected) {
      _ = try alice.repo.push(
        remote: url, refspecs: [reference], credentials: servers.ssh("alice"), trust: trust,
        beforeServerUpdate: {
          raced = try? servers.git(["push", "-q", url, "\(bobsCommit):\(reference)"], member: "bob", in: bobsWork)
        })
    }
    #expect(raced?.status == 0, "\(raced?.error ?? "")")
    #expect(refused?.isOutdatedPush == true, "\(refused?.message ?? "")")
    #expect(try servers.lsRemote(url)[reference]?.hex == bobsCommit)
  }

  @Test("SSH: a server missing from known_hosts is refused, naming host, fingerprint and how to add it")
  func sshUnknownHost() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let empty = alice.root.appendingPathComponent("known_hosts")
    let refused = expectRemoteError(.unknownHost) {
      _ = try alice.repo.remoteReferences(
        remote: servers.sshURL, credentials: servers.ssh("alice"), trust: servers.sshTrust(empty))
    }
    let hostKey = URL(fileURLWithPath: servers["PF_SERVERS_DIR"]).appendingPathComponent("ssh/host_ed25519_key.pub")
    let fingerprint = try Shell.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey.path]).output
      .split(separator: " ")[1]
    let message = refused?.errorDescription ?? ""
    #expect(message.contains("127.0.0.1 port \(servers.sshPort)"), "\(message)")
    #expect(message.contains(String(fingerprint)), "\(message)")
    #expect(message.contains("ssh-keyscan -p \(servers.sshPort) 127.0.0.1 >> \(empty.path)"), "\(message)")
  }

  @Test("SSH: a host key other than the known one is refused as a possible interception; nothing is pushed")
  func sshWrongHostKey() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let reference = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/never"
    try alice.commit("must not arrive\n", on: reference)
    let refused = expectRemoteError(.hostKeyMismatch) {
      try alice.repo.push(
        remote: servers.sshURL, refspecs: [reference], credentials: servers.ssh("alice"),
        trust: servers.sshTrust(servers.wrongKnownHosts))
    }
    #expect(refused?.message.contains("different host key") == true)
    #expect(refused?.recovery?.contains("ssh-keygen -R '[127.0.0.1]:\(servers.sshPort)'") == true)
    #expect(try servers.lsRemote(servers.sshURL)[reference] == nil)
  }

  @Test("SSH: hashed known_hosts entries are honoured")
  func sshHashedKnownHosts() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let refs = try alice.repo.remoteReferences(
      remote: servers.sshURL, credentials: servers.ssh("alice"), trust: servers.sshTrust(servers.hashedKnownHosts))
    #expect(refs.map(\.name) == Array(try servers.lsRemote(servers.sshURL).keys).sorted())
  }

  @Test("SSH: a key the server does not know is refused after one try, naming the key")
  func sshUnknownKey() throws {
    let servers = try servers()
    let made = try Shell.run(TestServers.script.path, ["key", servers.directory.path, "mallory"])
    #expect(made.status == 0, "\(made.error)")
    let alice = try LocalCopy("alice")
    let refused = expectRemoteError(.authenticationFailed) {
      _ = try alice.repo.remoteReferences(
        remote: servers.sshURL, credentials: servers.ssh("mallory"), trust: servers.sshTrust())
    }
    #expect(refused?.message.contains(servers.key("mallory").path) == true, "\(refused?.message ?? "")")
    let none = expectRemoteError(.authenticationFailed) {
      _ = try alice.repo.remoteReferences(remote: servers.sshURL, credentials: .none, trust: servers.sshTrust())
    }
    #expect(none?.recovery?.contains("POLICYFLOW_SSH_KEY") == true)
  }

  @Test("SSH: after a refused key file, the keys in ssh-agent are offered (once each), and work")
  func sshAgent() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let socket = alice.root.appendingPathComponent("agent.sock")
    // ssh-agent -D stays in the foreground: this test owns the process and ends it by its pid.
    let agent = Process()
    agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
    agent.arguments = ["-D", "-a", socket.path]
    agent.standardOutput = FileHandle.nullDevice
    agent.standardError = FileHandle.nullDevice
    try agent.run()
    defer {
      // SIGKILL: the agent inherits this thread's signal mask, in which SIGTERM is blocked.
      kill(agent.processIdentifier, SIGKILL)
      agent.waitUntilExit()
    }
    for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket.path) { usleep(20_000) }
    let added = try Shell.run(
      "/usr/bin/ssh-add", ["-q", servers.key("alice").path], environment: ["SSH_AUTH_SOCK": socket.path])
    #expect(added.status == 0, "\(added.error)")
    // libssh2 finds the agent through the process environment, as ssh does.
    let previous = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
    setenv("SSH_AUTH_SOCK", socket.path, 1)
    defer {
      if let previous { setenv("SSH_AUTH_SOCK", previous, 1) } else { unsetenv("SSH_AUTH_SOCK") }
    }
    _ = try Shell.run(TestServers.script.path, ["key", servers.directory.path, "mallory"])
    var credentials = servers.ssh("mallory")
    credentials.sshAgent = true
    let refs = try alice.repo.remoteReferences(
      remote: servers.sshURL, credentials: credentials, trust: servers.sshTrust())
    #expect(refs.contains { $0.name == "refs/heads/main" })
  }

  // MARK: - HTTPS

  @Test("HTTPS: the system's certificate bundle loads; a bundle that also holds the server's CA verifies it")
  func httpsSystemBundle() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let system = try #require(CertificateAuthorities.systemBundle(environment: [:]))
    let combined = alice.root.appendingPathComponent("bundle.pem")
    try (Data(contentsOf: system) + Data(contentsOf: servers.caFile)).write(to: combined)
    // Listing succeeds (the repository may still be empty at this point of the suite): the certificate verified.
    _ = try alice.repo.remoteReferences(
      remote: servers.httpsURL, credentials: servers.https, trust: RemoteTrust(knownHostsFiles: [], caFile: combined))
  }

  @Test("HTTPS: push and fetch with basic authentication, trusting the test CA; git ls-remote agrees")
  func httpsPushAndFetch() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let url = servers.httpsURL
    let main = try commitOnRemoteTip(
      alice, "refs/heads/main", "over https\n", url: url, credentials: servers.https, trust: servers.httpsTrust)
    let recordRef = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/records"
    let record = try alice.commit("comment\n", on: recordRef)
    let pushed = try alice.repo.push(
      remote: url, refspecs: ["refs/heads/main", recordRef], credentials: servers.https, trust: servers.httpsTrust)
    #expect(pushed.updates.map(\.outcome) == [.updated, .updated])
    let listed = try servers.lsRemote(url)
    #expect(listed["refs/heads/main"] == main)
    #expect(listed[recordRef] == record)

    let bob = try LocalCopy("bob")
    try bob.repo.fetch(remote: url, refspecs: Self.mirror, credentials: servers.https, trust: servers.httpsTrust)
    #expect(try bob.repo.referenceTarget("refs/remotes/origin/main") == main)
  }

  @Test("HTTPS: the CA file is found in POLICYFLOW_CA_FILE, GIT_SSL_CAINFO or http.sslCAInfo")
  func httpsConfiguredCA() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    for variable in ["POLICYFLOW_CA_FILE", "GIT_SSL_CAINFO"] {
      let trust = RemoteTrust.configured(environment: [variable: servers.caFile.path], repository: alice.repo)
      #expect(trust.caFile == servers.caFile)
      _ = try alice.repo.remoteReferences(remote: servers.httpsURL, credentials: servers.https, trust: trust)
    }
    let configured = try Shell.run(
      "/usr/bin/git", ["-C", alice.repo.path.path, "config", "http.sslCAInfo", servers.caFile.path])
    #expect(configured.status == 0)
    // With neither variable set (the test's own environment may set GIT_SSL_CAINFO, which wins, as in git).
    let trust = RemoteTrust.configured(environment: [:], repository: alice.repo)
    #expect(trust.caFile == servers.caFile)
    _ = try alice.repo.remoteReferences(remote: servers.httpsURL, credentials: servers.https, trust: trust)
  }

  @Test("HTTPS: without the test CA the certificate is refused as unknown, with its fingerprint; nothing is sent")
  func httpsUnknownCertificate() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let reference = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/never"
    try alice.commit("must not arrive\n", on: reference)
    let systemOnly = RemoteTrust(knownHostsFiles: [], caFile: nil)
    let refused = expectRemoteError(.untrustedCertificate) {
      try alice.repo.push(
        remote: servers.httpsURL, refspecs: [reference], credentials: servers.https, trust: systemOnly)
    }
    let certificate = URL(fileURLWithPath: servers["PF_SERVERS_DIR"]).appendingPathComponent("tls/server.pem")
    let fingerprint =
      try Shell.run("/usr/bin/openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", certificate.path])
      .output.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
    let message = refused?.errorDescription ?? ""
    #expect(message.contains(fingerprint), "\(message)")
    #expect(message.contains("localhost port \(servers["PF_HTTPS_PORT"])"), "\(message)")
    #expect(message.contains("POLICYFLOW_CA_FILE"), "\(message)")
    #expect(try servers.lsRemote(servers.httpsURL)[reference] == nil)

    // A CA that did not sign the server's certificate is no better than none.
    let otherCA = alice.root.appendingPathComponent("other-ca.pem")
    let made = try Shell.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
        "/CN=other",
        "-keyout", alice.root.appendingPathComponent("other-ca.key").path, "-out", otherCA.path,
      ])
    #expect(made.status == 0, "\(made.error)")
    expectRemoteError(.untrustedCertificate) {
      _ = try alice.repo.remoteReferences(
        remote: servers.httpsURL, credentials: servers.https, trust: RemoteTrust(knownHostsFiles: [], caFile: otherCA))
    }
  }

  @Test("HTTPS: a wrong password is refused once, clearly, without retrying in a loop")
  func httpsWrongPassword() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    let log = URL(fileURLWithPath: servers["PF_SERVERS_DIR"]).appendingPathComponent("https/access.log")
    let before = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").count ?? 0
    let wrong = RemoteCredentials(httpUser: "alice", httpPassword: "not-the-password")
    let refused = expectRemoteError(.authenticationFailed) {
      _ = try alice.repo.remoteReferences(remote: servers.httpsURL, credentials: wrong, trust: servers.httpsTrust)
    }
    #expect(refused?.message.contains("refused the password configured for alice") == true, "\(refused?.message ?? "")")
    let requests = ((try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").count ?? 0) - before
    #expect(requests <= 3, "libgit2 asked the server \(requests) times")

    let none = expectRemoteError(.authenticationFailed) {
      _ = try alice.repo.remoteReferences(remote: servers.httpsURL, credentials: .none, trust: servers.httpsTrust)
    }
    #expect(none?.recovery?.contains("POLICYFLOW_HTTP_USER") == true)
  }

  @Test("HTTPS: git's credential helper supplies the password when asked to")
  func httpsCredentialHelper() throws {
    let servers = try servers()
    let alice = try LocalCopy("alice")
    // git's `store` helper with its file (as a user's ~/.git-credentials), configured for this repository only.
    let store = alice.root.appendingPathComponent("git-credentials")
    let port = servers["PF_HTTPS_PORT"]
    try Data("https://alice:\(servers["PF_HTTPS_PASSWORD"])@localhost:\(port)\n".utf8).write(to: store)
    let configured = try Shell.run(
      "/usr/bin/git", ["-C", alice.repo.path.path, "config", "credential.helper", "store --file \(store.path)"])
    #expect(configured.status == 0, "\(configured.error)")

    // A ref of its own on the server first (with the known password), so the listing has something to show whether or
    // not another test pushed before this one (run alone, the repository was empty and the test failed).
    let ref = "refs/policyflow/test-\(UUID().uuidString.prefix(8))/helper"
    let record = try alice.commit("helper\n", on: ref)
    _ = try alice.repo.push(remote: servers.httpsURL, refspecs: [ref], credentials: servers.https, trust: servers.httpsTrust)

    let credentials = RemoteCredentials(gitCredentialHelper: true)
    let refs = try alice.repo.remoteReferences(
      remote: servers.httpsURL, credentials: credentials, trust: servers.httpsTrust)
    #expect(refs.first { $0.name == ref }?.target == record, "\(refs)")
  }
}
