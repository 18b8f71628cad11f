import Foundation
import Testing

@testable import PolicyGit

/// known_hosts as OpenSSH writes and reads it: plain and hashed names, non-standard ports, patterns, @revoked.
/// Where OpenSSH's own tools can produce the answer (`ssh-keygen -l`, `ssh-keygen -H`, `ssh-keygen -F`), the test
/// asks them instead of trusting our reading of the format.
@Suite("known_hosts")
final class KnownHostsTests {
  let root: URL

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("known-hosts-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  /// A fresh host key: its known_hosts form ("ssh-ed25519 AAAA…") and the key as a server presents it.
  func hostKey(_ name: String, type: String = "ed25519") throws -> (line: String, key: HostKey) {
    let file = root.appendingPathComponent(name)
    let made = try Shell.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", file.path])
    #expect(made.status == 0, "\(made.error)")
    let line = try String(contentsOf: file.appendingPathExtension("pub"), encoding: .utf8)
    let fields = line.split(separator: " ")
    return ("\(fields[0]) \(fields[1])", HostKey(blob: Data(base64Encoded: String(fields[1]))!))
  }

  func knownHosts(_ lines: [String]) throws -> KnownHosts {
    let file = root.appendingPathComponent("known_hosts-\(UUID().uuidString.prefix(6))")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
    return try KnownHosts.load([file])
  }

  @Test("type and SHA-256 fingerprint are the ones ssh-keygen -l prints")
  func fingerprint() throws {
    for type in ["ed25519", "ecdsa", "rsa"] {
      let (_, key) = try hostKey("server-\(type)", type: type)
      let printed = try Shell.run(
        "/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", root.appendingPathComponent("server-\(type).pub").path])
      let fields = printed.output.split(separator: " ")
      #expect(String(fields[1]) == key.fingerprint)
      #expect(key.type == ["ed25519": "ssh-ed25519", "ecdsa": "ecdsa-sha2-nistp256", "rsa": "ssh-rsa"][type])
    }
  }

  @Test("plain names, [host]:port, comma lists and wildcards; the port is part of the name")
  func plainNames() throws {
    let (line, key) = try hostKey("git")
    let hosts = try knownHosts([
      "# a comment", "", "git.kommune.example,10.0.0.7 \(line)", "[127.0.0.1]:2222 \(line) comment",
      "*.intern.kommune.example,!evil.intern.kommune.example \(line)",
    ])
    #expect(hosts.verdict(for: "git.kommune.example", key: key).isTrusted)
    #expect(hosts.verdict(for: "10.0.0.7", key: key).isTrusted)
    #expect(hosts.verdict(for: "GIT.kommune.example", key: key).isTrusted)
    #expect(hosts.verdict(for: "[127.0.0.1]:2222", key: key).isTrusted)
    #expect(hosts.verdict(for: "127.0.0.1", key: key).isUnknown)
    #expect(hosts.verdict(for: "[127.0.0.1]:2223", key: key).isUnknown)
    #expect(hosts.verdict(for: "git.intern.kommune.example", key: key).isTrusted)
    #expect(hosts.verdict(for: "evil.intern.kommune.example", key: key).isUnknown)
    #expect(hosts.verdict(for: "intern.kommune.example", key: key).isUnknown)
  }

  @Test("hashed names written by ssh-keygen -H match exactly the host and port they hash")
  func hashedNames() throws {
    let (line, key) = try hostKey("git")
    let file = root.appendingPathComponent("hashed")
    try Data("[127.0.0.1]:2222 \(line)\ngit.kommune.example \(line)\n".utf8).write(to: file)
    let hashed = try Shell.run("/usr/bin/ssh-keygen", ["-q", "-H", "-f", file.path])
    #expect(hashed.status == 0, "\(hashed.error)")
    let text = try String(contentsOf: file, encoding: .utf8)
    #expect(text.hasPrefix("|1|") && !text.contains("127.0.0.1") && !text.contains("kommune"))

    let hosts = try KnownHosts.load([file])
    #expect(hosts.verdict(for: "[127.0.0.1]:2222", key: key).isTrusted)
    #expect(hosts.verdict(for: "git.kommune.example", key: key).isTrusted)
    #expect(hosts.verdict(for: "[127.0.0.1]:22", key: key).isUnknown)
    #expect(hosts.verdict(for: "127.0.0.1", key: key).isUnknown)
    #expect(hosts.verdict(for: "git.kommune.example.evil", key: key).isUnknown)
  }

  @Test("a different key of the same type is a change; only other types known is unknown; @revoked refuses")
  func mismatches() throws {
    let (line, key) = try hostKey("git")
    let (otherLine, otherKey) = try hostKey("impostor")
    let (rsaLine, _) = try hostKey("git-rsa", type: "rsa")
    let hosts = try knownHosts([
      "changed.example \(otherLine)", "rsa-only.example \(rsaLine)", "@revoked * \(otherLine)",
      "@cert-authority *.example \(line)", "good.example \(line)",
    ])
    guard case .changed(let entries) = hosts.verdict(for: "changed.example", key: key) else {
      Issue.record("expected a changed key")
      return
    }
    #expect(entries.first?.origin.hasSuffix(":1") == true)
    guard case .otherTypesOnly = hosts.verdict(for: "rsa-only.example", key: key) else {
      Issue.record("expected otherTypesOnly")
      return
    }
    guard case .revoked = hosts.verdict(for: "changed.example", key: otherKey) else {
      Issue.record("expected revoked")
      return
    }
    // A certificate authority line vouches for nothing here: libssh2 cannot check host certificates.
    #expect(hosts.verdict(for: "other.example", key: key).isUnknown)
    #expect(hosts.verdict(for: "good.example", key: key).isTrusted)
  }

  @Test("missing files are empty; malformed lines are skipped as OpenSSH skips them")
  func robustness() throws {
    let missing = try KnownHosts.load([root.appendingPathComponent("none")])
    #expect(missing.entries.isEmpty)
    let (line, key) = try hostKey("git")
    let hosts = try knownHosts([
      "onlyonefield", "host ssh-ed25519 not-base64!!", "|1|bad|hash \(line)", "ok.example \(line)",
    ])
    #expect(hosts.entries.count == 1)
    #expect(hosts.verdict(for: "ok.example", key: key).isTrusted)
  }

  @Test("OpenSSH host patterns")
  func patterns() {
    #expect(globMatches("*.example", "a.example"))
    #expect(!globMatches("*.example", "example"))
    #expect(globMatches("git?.example", "git1.example"))
    #expect(!globMatches("git?.example", "git12.example"))
    #expect(globMatches("*", "anything"))
    #expect(globMatches("a*b*c", "axxbyyc"))
    #expect(!globMatches("a*b*c", "axxbyy"))
  }
}

@Suite("Remote URLs")
struct RemoteLocationTests {
  @Test("transport, user, host and port as git reads them; passwords never reach messages")
  func parsing() {
    let ssh = RemoteLocation("ssh://pfgit@127.0.0.1:2222/policy")
    #expect(ssh.transport == .ssh && ssh.user == "pfgit" && ssh.host == "127.0.0.1" && ssh.port == 2222)
    #expect(ssh.knownHostsName(for: "127.0.0.1") == "[127.0.0.1]:2222")
    #expect(ssh.keyscanCommand(for: "127.0.0.1") == "ssh-keyscan -p 2222 127.0.0.1")

    let scp = RemoteLocation("git@git.kommune.example:politik/policy.git")
    #expect(scp.transport == .ssh && scp.user == "git" && scp.host == "git.kommune.example" && scp.port == nil)
    #expect(scp.knownHostsName(for: "Git.Kommune.Example") == "git.kommune.example")
    #expect(scp.path == "politik/policy.git")

    let https = RemoteLocation("https://anna:hemmelig@localhost:8443/git/policy.git")
    #expect(https.transport == .https && https.port == 8443)
    #expect(https.redacted == "https://anna:***@localhost:8443/git/policy.git")
    #expect(!https.redacted.contains("hemmelig"))

    #expect(RemoteLocation("/mnt/fælles/policy.git").transport == .local)
    #expect(RemoteLocation("../policy.git").transport == .local)
    let file = RemoteLocation("file:///mnt/f%C3%A6lles/policy.git")
    #expect(file.transport == .local && file.path == "/mnt/fælles/policy.git")
  }
}

extension KnownHosts.Verdict {
  var isTrusted: Bool {
    if case .trusted = self { return true }
    return false
  }

  var isUnknown: Bool {
    if case .unknown = self { return true }
    return false
  }
}

@Suite("Remote credentials and trust from the environment")
struct RemoteConfigurationTests {
  @Test("POLICYFLOW_* variables, SSH_AUTH_SOCK and HOME decide credentials and trust")
  func fromEnvironment() {
    let credentials = RemoteCredentials.fromEnvironment([
      "POLICYFLOW_SSH_KEY": "/home/anna/.ssh/id_ed25519", "SSH_AUTH_SOCK": "/run/agent", "USER": "anna",
      "POLICYFLOW_HTTP_TOKEN": "glpat-123", "POLICYFLOW_GIT_CREDENTIAL_HELPER": "0",
    ])
    #expect(credentials.sshKey?.privateKey.path == "/home/anna/.ssh/id_ed25519")
    #expect(credentials.sshAgent && credentials.sshUser == "anna")
    // The token's user is the URL's when it names one (the session decides), else oauth2.
    #expect(credentials.httpUser == nil && credentials.httpUserIfUnnamed == "oauth2" && credentials.httpPassword == "glpat-123")
    #expect(!credentials.gitCredentialHelper)
    let plain = RemoteCredentials.fromEnvironment(["POLICYFLOW_HTTP_USER": "anna", "POLICYFLOW_HTTP_PASSWORD": "x"])
    #expect(plain.httpUser == "anna" && plain.httpPassword == "x" && plain.gitCredentialHelper && !plain.sshAgent)

    let trust = RemoteTrust.configured(environment: ["HOME": "/home/anna"])
    #expect(trust.knownHostsFiles.map(\.path) == ["/home/anna/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"])
    #expect(trust.caFile == nil)
    let chosen = RemoteTrust.configured(environment: [
      "HOME": "/home/anna", "POLICYFLOW_KNOWN_HOSTS": "~/policy_known_hosts", "GIT_SSL_CAINFO": "/etc/git-ca.pem",
      "POLICYFLOW_CA_FILE": "/etc/kommune-ca.pem",
    ])
    #expect(chosen.knownHostsFiles.map(\.path) == ["/home/anna/policy_known_hosts"])
    #expect(chosen.caFile?.path == "/etc/kommune-ca.pem")
  }
}
