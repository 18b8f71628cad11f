import Foundation
import Testing

@testable import PolicySigning

/// Each test starts its own ssh-agent on a socket in its own directory and stops it before returning.
@Suite("Signing through a real ssh-agent")
struct AgentTests {
  @Test("the agent lists the keys ssh-add gave it, with their comments")
  func identities() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    defer { agent.stop() }
    let anna = try bench.makeKey("anna", comment: "anna@kommune.example")
    let bo = try bench.makeKey("bo", comment: "bo@kommune.example")
    let connection = try SSHAgent(socketPath: agent.socket)
    #expect(try connection.identities().isEmpty)
    try agent.add(anna, bench: bench)
    try agent.add(bo, bench: bench)
    // An ECDSA key in the agent is left out, not an error.
    try agent.add(try bench.makeKey("ecdsa", type: "ecdsa"), bench: bench)
    let identities = try connection.identities()
    #expect(identities.map(\.publicKey) == [try bench.publicKey(anna), try bench.publicKey(bo)])
    #expect(identities.map(\.comment) == ["anna@kommune.example", "bo@kommune.example"])
    let listed = try bench.run("ssh-add", "-l", environment: agent.environment).stdout
    for identity in identities { #expect(listed.contains(identity.publicKey.fingerprint)) }
  }

  @Test("a signature made through the agent verifies with ssh-keygen and equals the in-process one")
  func signThroughAgent() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    defer { agent.stop() }
    let file = try bench.makeKey("anna")
    try agent.add(file, bench: bench)
    let key = try bench.publicKey(file)
    let signer = try SSHAgent(socketPath: agent.socket).signer(for: key)
    let signers = try AllowedSigner(principal: "anna@kommune.example", publicKey: key).line
    for message in sampleMessages {
      let signature = try SSHSignature.sign(message: message, namespace: "git", with: signer)
      let result = try bench.sshKeygenVerify(
        signature, message: message, allowedSigners: signers, principal: "anna@kommune.example")
      #expect(result.status == 0, "\(result.stderr)")
      let inProcess = try SSHSignature.sign(message: message, namespace: "git", with: SSHPrivateKey(contentsOf: file))
      #expect(signature == inProcess)
      #expect(try SSHSignature.verify(armored: signature, message: message, namespace: "git") == key)
    }
  }

  @Test("a passphrase-protected key signs through the agent, found from its private or its .pub file")
  func protectedKeyThroughResolver() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    defer { agent.stop() }
    let file = try bench.makeKey("protected", passphrase: "hemmelig kode")
    let key = try bench.publicKey(file)
    let resolver = KeyResolver(agentSocket: agent.socket)

    // Before ssh-add: refused with the command that fixes it.
    expectSigningError(.encryptedPrivateKey(path: file.path)) { _ = try resolver.signer(named: file.path) }
    let missing = signingError { _ = try resolver.signer(named: file.path + ".pub") }
    guard case .keyNotAvailable(let fingerprint, let hint) = missing else {
      Issue.record("expected keyNotAvailable, got \(String(describing: missing))")
      return
    }
    #expect(fingerprint == key.fingerprint)
    #expect(hint.contains("ssh-add \(file.path)"))

    try agent.add(file, bench: bench, extraEnvironment: try bench.askpass("hemmelig kode"))
    let message = sampleMessages[0]
    let signers = try AllowedSigner(principal: "anna", publicKey: key).line
    for setting in [file.path, file.path + ".pub", "key::\(key.openSSHLine)", key.openSSHLine] {
      let signer = try resolver.signer(named: setting)
      #expect(signer is AgentSigner, "\(setting)")
      #expect(signer.publicKey == key)
      let signature = try SSHSignature.sign(message: message, namespace: "git", with: signer)
      #expect(try bench.sshKeygenVerify(signature, message: message, allowedSigners: signers, principal: "anna").status
        == 0)
    }
    // ssh-keygen -Y sign with the protected file and the agent makes the same signature.
    #expect(try bench.sshKeygenSign(message, key: file, environment: agent.environment)
      == SSHSignature.sign(message: message, namespace: "git", with: resolver.signer(named: file.path)))
  }

  @Test("a key wanted for a member is found in a key file first, then in the agent, else refused with advice")
  func signerForWantedKey() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    defer { agent.stop() }
    let anna = try bench.makeKey("anna")
    let bo = try bench.makeKey("bo")
    let carl = try bench.makeKey("carl")
    try agent.add(bo, bench: bench)
    let resolver = KeyResolver(agentSocket: agent.socket)
    let files = [anna, carl]

    let fromFile = try resolver.signer(for: try bench.publicKey(anna), keyFiles: files)
    #expect(fromFile is SSHPrivateKey)
    #expect(fromFile.publicKey == (try bench.publicKey(anna)))
    let fromAgent = try resolver.signer(for: try bench.publicKey(bo), keyFiles: files)
    #expect(fromAgent is AgentSigner)
    #expect(fromAgent.publicKey == (try bench.publicKey(bo)))

    let stranger = try bench.publicKey(try bench.makeKey("stranger"))
    let error = signingError { _ = try resolver.signer(for: stranger, keyFiles: files) }
    guard case .keyNotAvailable(let fingerprint, let hint) = error else {
      Issue.record("expected keyNotAvailable, got \(String(describing: error))")
      return
    }
    #expect(fingerprint == stranger.fingerprint)
    #expect(hint.contains("ssh-add"))
    #expect(error?.errorDescription?.contains(stranger.fingerprint) == true)

    // Without any agent the advice says to start one.
    let noAgent = signingError { _ = try KeyResolver(environment: [:]).signer(for: stranger, keyFiles: files) }
    guard case .keyNotAvailable(_, let noAgentHint) = noAgent else {
      Issue.record("expected keyNotAvailable, got \(String(describing: noAgent))")
      return
    }
    #expect(noAgentHint.contains("SSH_AUTH_SOCK is not set"))
    // And an unencrypted key file needs no agent at all.
    #expect(try KeyResolver(environment: [:]).signer(named: anna.path) is SSHPrivateKey)
  }

  @Test("a locked agent refuses to sign, and the error says how to unlock it")
  func lockedAgent() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    defer { agent.stop() }
    let file = try bench.makeKey("anna")
    try agent.add(file, bench: bench)
    let key = try bench.publicKey(file)
    let signer = try SSHAgent(socketPath: agent.socket).signer(for: key)
    try bench.run("ssh-add", "-x", environment: agent.environment.merging(try bench.askpass("laas")) { $1 })
    let error = signingError { _ = try SSHSignature.sign(message: sampleMessages[0], namespace: "git", with: signer) }
    #expect(error == .agentRefused(fingerprint: key.fingerprint))
    #expect(error?.errorDescription?.contains("ssh-add -X") == true)
  }

  @Test("no agent at the socket is agentUnavailable, naming the socket")
  func noAgent() throws {
    let bench = try KeyBench()
    let path = bench.url("nobody.sock").path
    guard case .agentUnavailable(let reason) = signingError({ _ = try SSHAgent(socketPath: path) }) else {
      Issue.record("expected agentUnavailable")
      return
    }
    #expect(reason.contains(path))
    guard case .agentUnavailable(let unset) = signingError({ _ = try SSHAgent(environment: [:]) }) else {
      Issue.record("expected agentUnavailable")
      return
    }
    #expect(unset.contains("SSH_AUTH_SOCK"))
  }

  @Test("an agent that has gone away mid-session is an error, not a crash")
  func agentGoneAway() throws {
    let bench = try KeyBench()
    let agent = try RunningAgent(in: bench)
    let file = try bench.makeKey("anna")
    try agent.add(file, bench: bench)
    let signer = try SSHAgent(socketPath: agent.socket).signer(for: try bench.publicKey(file))
    agent.stop()
    let error = signingError { _ = try SSHSignature.sign(message: sampleMessages[0], namespace: "git", with: signer) }
    switch error {
    case .agentUnavailable, .agentProtocol: break
    default: Issue.record("expected agentUnavailable or agentProtocol, got \(String(describing: error))")
    }
  }
}
