import Foundation
import Testing

/// Acts signed with the acting member's SSH key, checked by plain git and OpenSSH, and forgeries refused.
@Suite("signed acts: plain git verifies who did what; forged or unsigned acts take no effect")
struct SigningTests {
  static let section = "kultur-og-fritid"

  /// A workspace (signing: required) with a submission, a comment and a sign-off.
  static func prepared() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    try w.ok(["submit", section, w.scratch.file("k.md", Roster.areaText(section)).path, "-m", "Udkast"], as: "karen-kff")
    try w.ok(["comment", section, "--line", "1", "-m", "Kilde?"], as: "rasmus-kfu")
    try w.ok(["approve", section, "-m", "Enig"], as: "maja-kfu")
    return w
  }

  static func git(_ w: TemplateWorkspace, _ arguments: [String], env: [String: String] = [:]) throws -> String {
    let run = try CLI.run("git", ["-C", w.root.path] + arguments, environment: env)
    #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func allowedSigners(_ w: TemplateWorkspace) throws -> URL {
    try w.scratch.file("allowed_signers", try w.ok(["signers"]).stdout)
  }

  static let ref = "refs/policyflow/sections/\(section)"

  @Test("every record and approval commit verifies with plain git and the allowed-signers file; ssh-keygen agrees")
  func plainGitVerifies() throws {
    let w = try TemplateWorkspace()
    try w.approveSection("forord")
    let signers = try Self.allowedSigners(w)
    #expect(try String(contentsOf: signers, encoding: .utf8).contains("namespaces=\"git\" ssh-ed25519 "))
    let config = ["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers.path)"]
    for ref in ["refs/policyflow/policy", "refs/policyflow/sections/forord", "main", "sections/forord"] {
      let marks = try Self.git(w, config + ["log", "--format=%G?", ref]).split(separator: "\n")
      #expect(!marks.isEmpty && marks.allSatisfy { $0 == "G" }, "\(ref): \(marks)")
    }
    let approval = try Self.git(w, ["rev-parse", "main"])
    let verified = try CLI.run("git", ["-C", w.root.path] + config + ["verify-commit", approval])
    #expect(verified.status == 0 && verified.stderr.contains("Good \"git\" signature"), "\(verified.stderr)")
    // OpenSSH itself, on the signature and the signed payload git would check.
    let raw = try Self.git(w, ["cat-file", "commit", approval]) + "\n"
    var payload: [Substring] = []
    var signature: [String] = []
    var inSignature = false
    for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("gpgsig ") { inSignature = true; signature.append(String(line.dropFirst(7))); continue }
      if inSignature, line.hasPrefix(" ") { signature.append(String(line.dropFirst())); continue }
      inSignature = false
      payload.append(line)
    }
    let message = w.scratch.url.appendingPathComponent("payload")
    try Data(payload.joined(separator: "\n").utf8).write(to: message)
    let sig = try w.scratch.file("payload.sig", signature.joined(separator: "\n") + "\n")
    let author = try Self.git(w, ["log", "-1", "--format=%ae", approval])
    let keygen = try CLI.run(
      "/bin/sh", ["-c", "ssh-keygen -Y verify -f '\(signers.path)' -I '\(author)' -n git -s '\(sig.path)' < '\(message.path)'"])
    #expect(keygen.status == 0, "\(keygen.stdout) \(keygen.stderr)")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a key served by a running ssh-agent signs; without any key the act is refused (77) saying how to add one")
  func agentAndMissingKey() throws {
    let w = try Self.prepared()
    let keys = w.scratch.url.appendingPathComponent("keys")
    let socket = w.scratch.url.appendingPathComponent("agent.sock").path
    // The agent in the foreground (-D), as a child of this test: no daemon inherits the test's descriptors.
    let agent = Process()
    agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
    agent.arguments = ["-D", "-a", socket]
    agent.standardOutput = FileHandle.nullDevice
    agent.standardError = FileHandle.nullDevice
    agent.standardInput = FileHandle.nullDevice
    try agent.run()
    defer { kill(agent.processIdentifier, SIGKILL) }
    for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
    #expect(FileManager.default.fileExists(atPath: socket), "ssh-agent did not start")
    #expect(try CLI.run("ssh-add", [keys.appendingPathComponent("kirsten-kfu").path], environment: ["SSH_AUTH_SOCK": socket]).status == 0)
    let noKeys = w.scratch.url.appendingPathComponent("no-keys")
    try FileManager.default.createDirectory(at: noKeys, withIntermediateDirectories: true)
    let env = ["POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_KEYS_DIR": noKeys.path, "SSH_AUTH_SOCK": socket]
    let before = try w.fingerprint()
    // Rasmus's key is in no agent and no key file: refused, nothing changed.
    let refused = try CLI.policyflow(["approve", Self.section, "--as", "rasmus-kfu"], environment: env)
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains("ssh-add") && refused.stderr.contains("SHA256:"), "\(refused.stderr)")
    #expect(try w.fingerprint() == before)
    // Kirsten's key is in the agent: the sign-off is made and signed through it.
    let signed = try CLI.policyflow(["approve", Self.section, "--as", "kirsten-kfu"], environment: env)
    #expect(signed.status == 0, "\(signed.stderr)")
    let signers = try Self.allowedSigners(w)
    let mark = try Self.git(w, ["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers.path)", "log", "-1",
      "--format=%G? %ae", Self.ref])
    #expect(mark.hasPrefix("G kirsten"), "\(mark)")
  }

  /// Appends a record commit to the section's record ref, made by plain git from a copy of `template`'s message
  /// with `edit` applied, authored by `author`, signed with `key` (or unsigned).
  static func forge(
    _ w: TemplateWorkspace, from template: String, author: (name: String, email: String), key: URL?,
    edit: (String) -> String
  ) throws {
    let message = edit(try git(w, ["log", "-1", "--format=%B", template]))
    let tip = try git(w, ["rev-parse", ref])
    let empty = try git(w, ["hash-object", "-t", "tree", "/dev/null"])
    var arguments = ["-c", "gpg.format=ssh"]
    if let key { arguments += ["-c", "user.signingkey=\(key.path)"] }
    arguments += ["commit-tree", empty, "-p", tip, "-m", message] + (key == nil ? [] : ["-S"])
    let env = [
      "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_COMMITTER_NAME": author.name,
      "GIT_COMMITTER_EMAIL": author.email,
    ]
    let forged = try git(w, arguments, env: env)
    _ = try git(w, ["update-ref", ref, forged, tip])
  }

  static func expectRefused(_ w: TemplateWorkspace, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let findings = try w.verifyFindings()
    #expect(
      findings.contains { $0.check == "record" && $0.message.contains(words) }, "\(findings)", sourceLocation: sourceLocation)
  }

  static let kirsten = (name: "Kirsten Kulisse", email: "kirsten.kulisse@example.invalid")

  @Test("forged: a chair's sign-off signed with a reviewer's key takes no effect and is reported")
  func signedWithAnothersKey() throws {
    let w = try Self.prepared()
    let signoff = try Self.git(w, ["rev-parse", Self.ref])
    let keys = w.scratch.url.appendingPathComponent("keys")
    let email = try Self.git(w, ["log", "-1", "--format=%ae", signoff])
    try Self.forge(w, from: signoff, author: (name: "Kirsten Kulisse", email: try Self.email(w, "kirsten-kfu")),
      key: keys.appendingPathComponent("rasmus-kfu")) {
      $0.replacingOccurrences(of: "Policyflow-Actor: maja-kfu", with: "Policyflow-Actor: kirsten-kfu")
        .replacingOccurrences(of: "Policyflow-Capacity: committee_reviewer", with: "Policyflow-Capacity: committee_chair")
        .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    }
    #expect(!email.isEmpty)
    try Self.expectRefused(w, "which members.yaml does not list for kirsten-kfu")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='kirsten-kfu'") == "0")
  }

  static func email(_ w: TemplateWorkspace, _ member: String) throws -> String {
    let members = try Self.git(w, ["show", "main:members.yaml"])
    let block = try #require(members.range(of: "id: \(member)"))
    let line = try #require(members[block.upperBound...].split(separator: "\n").first { $0.contains("email:") })
    return line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
  }

  @Test("forged: an unsigned action added with plain git takes no effect and is reported")
  func unsignedAction() throws {
    let w = try Self.prepared()
    let signoff = try Self.git(w, ["rev-parse", Self.ref])
    try Self.forge(w, from: signoff, author: (name: "Kirsten Kulisse", email: try Self.email(w, "kirsten-kfu")), key: nil) {
      $0.replacingOccurrences(of: "Policyflow-Actor: maja-kfu", with: "Policyflow-Actor: kirsten-kfu")
        .replacingOccurrences(of: "Policyflow-Capacity: committee_reviewer", with: "Policyflow-Capacity: committee_chair")
        .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    }
    try Self.expectRefused(w, "is not signed")
  }

  @Test("forged: a signature copied onto another commit does not verify and is reported")
  func copiedSignature() throws {
    let w = try Self.prepared()
    let signoff = try Self.git(w, ["rev-parse", Self.ref])
    let raw = try Self.git(w, ["cat-file", "commit", signoff]) + "\n"
    let edited = raw.replacingOccurrences(of: "Policyflow-Content-Hash: ", with: "Policyflow-Content-Hash: 0")
    #expect(edited != raw)
    let run = try CLI.run("git", ["-C", w.root.path, "hash-object", "-t", "commit", "-w", "--stdin"], stdin: Data(edited.utf8))
    let forged = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let parent = try Self.git(w, ["rev-parse", "\(signoff)^"])
    _ = try Self.git(w, ["update-ref", Self.ref, forged, signoff])
    #expect(parent.count == 40)
    try Self.expectRefused(w, "does not verify")
  }

  @Test("forged: trailers edited and re-signed by the secretariat's key are reported")
  func resignedAfterEdit() throws {
    let w = try Self.prepared()
    let comment = try Self.git(w, ["log", "--format=%H %(trailers:key=Policyflow-Action,valueonly,separator=)", Self.ref])
      .split(separator: "\n").first { $0.hasSuffix(" comment") }.map { String($0.prefix(40)) }
    let keys = w.scratch.url.appendingPathComponent("keys")
    try Self.forge(w, from: try #require(comment), author: (name: "Rasmus Rollespil", email: try Self.email(w, "rasmus-kfu")),
      key: keys.appendingPathComponent("pernille-sekretariat")) {
      $0.replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
        .replacingOccurrences(of: "Policyflow-Blocking", with: "X-Ignored")
        + "Policyflow-Blocking: true\n"
    }
    try Self.expectRefused(w, "does not list for rasmus-kfu")
  }

  @Test("a member removed from members.yaml after signing off: the sign-off stays valid history, verify is clean")
  func removedMemberStaysValid() throws {
    let w = try Self.prepared()
    let members = try Self.git(w, ["show", "main:members.yaml"])
    let start = try #require(members.range(of: "  - id: maja-kfu"))
    let next = members[start.upperBound...].range(of: "\n  - id: ").map { members.index(after: $0.lowerBound) }
    var without = members
    without.removeSubrange(start.lowerBound..<(next ?? members.endIndex))
    try without.write(to: w.root.appendingPathComponent("members.yaml"), atomically: true, encoding: .utf8)
    _ = try Self.git(w, ["add", "members.yaml"])
    _ = try Self.git(w, TestKeys.signing() + ["-c", "user.name=Pernille Protokol", "-c", "user.email=x@example.invalid", "commit", "-qm", "Maja er stoppet"])
    #expect(try w.pf(["status"]).status == 0)
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='maja-kfu'") == "1")
    // Her key no longer lets anyone act as her.
    let refused = try w.pf(["comment", Self.section, "-m", "Stadig her"], as: "maja-kfu")
    #expect(refused.status == 66 || refused.status == 77, "\(refused.stderr)")
  }
}
