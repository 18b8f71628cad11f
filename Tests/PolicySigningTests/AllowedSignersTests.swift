import Foundation
import Testing

@testable import PolicySigning

@Suite("Allowed-signers files as git and ssh-keygen read them")
struct AllowedSignersTests {
  @Test("rendered lines are what ssh-keygen -Y find-principals and -Y verify accept")
  func renderedForSshKeygen() throws {
    let bench = try KeyBench()
    let anna = try SSHPrivateKey(contentsOf: try bench.makeKey("anna"))
    let bo = try SSHPrivateKey(contentsOf: try bench.makeKey("bo"))
    let file = AllowedSigners([
      try AllowedSigner(principal: "anna@kommune.example", publicKey: anna.publicKey),
      try AllowedSigner(principal: "bo@kommune.example", publicKey: bo.publicKey),
    ])
    #expect(file.text == """
      anna@kommune.example namespaces="git" ssh-ed25519 \(anna.publicKey.base64)
      bo@kommune.example namespaces="git" ssh-ed25519 \(bo.publicKey.base64)

      """)
    let signersFile = try bench.write("allowed_signers", file.text)
    let message = sampleMessages[0]
    let signature = try SSHSignature.sign(message: message, namespace: "git", with: bo)
    let signatureFile = try bench.write("message.sig", signature)
    let found = try bench.run(
      "ssh-keygen", "-Y", "find-principals", "-f", signersFile.path, "-s", signatureFile.path)
    #expect(found.stdout == "bo@kommune.example\n")
    #expect(try bench.sshKeygenVerify(signature, message: message, allowedSigners: file.text,
      principal: "bo@kommune.example").status == 0)
    #expect(try bench.sshKeygenVerify(signature, message: message, allowedSigners: file.text,
      principal: "anna@kommune.example").status != 0, "Bo's key does not speak for Anna")
    // namespaces="git" keeps the key out of other namespaces, for ssh-keygen and for us.
    let fileSignature = try SSHSignature.sign(message: message, namespace: "file", with: bo)
    #expect(try bench.sshKeygenVerify(fileSignature, message: message, allowedSigners: file.text,
      principal: "bo@kommune.example", namespace: "file").status != 0)
    #expect(file.principals(for: bo.publicKey, namespace: "git") == ["bo@kommune.example"])
    #expect(file.principals(for: bo.publicKey, namespace: "file").isEmpty)
  }

  @Test("a rendered file parses back to the same signers")
  func roundTrip() throws {
    let bench = try KeyBench()
    let keys = try (0..<3).map { try bench.publicKey(try bench.makeKey("k\($0)")) }
    let file = AllowedSigners([
      try AllowedSigner(principal: "anna", publicKey: keys[0]),
      try AllowedSigner(principals: ["bo", "bo@kommune.example"], namespaces: nil, publicKey: keys[1]),
      try AllowedSigner(principal: "carl", namespaces: ["git", "file"], publicKey: keys[2]),
    ])
    #expect(try AllowedSigners(parsing: file.text) == file)
  }

  @Test("hand-written files: comments, blank lines, quoted options, key comments and several principals")
  func handWritten() throws {
    let bench = try KeyBench()
    let anna = try bench.publicKey(try bench.makeKey("anna"))
    let bo = try bench.publicKey(try bench.makeKey("bo"))
    let text = """
      # Sekretariatet
      \t
      anna@kommune.example,anna ssh-ed25519 \(anna.base64) anna@laptop
        bo@kommune.example namespaces="git,file" ssh-ed25519 \(bo.base64)
      "carl@kommune.example" ssh-ed25519 \(bo.base64)
      """
    let file = try AllowedSigners(parsing: text)
    #expect(file.signers.count == 3)
    #expect(file.signers[0].principals == ["anna@kommune.example", "anna"])
    #expect(file.signers[0].namespaces == nil)
    #expect(file.signers[0].publicKey == anna)
    #expect(file.signers[1].namespaces == ["git", "file"])
    #expect(file.signers[2].principals == ["carl@kommune.example"])
    #expect(file.principals(for: bo, namespace: "git") == ["bo@kommune.example", "carl@kommune.example"])
    #expect(file.principals(for: anna, namespace: "anything") == ["anna@kommune.example", "anna"])
  }

  @Test("bad lines are refused with the file and line number")
  func badLines() throws {
    let bench = try KeyBench()
    let key = try bench.publicKey(try bench.makeKey("anna"))
    let cases: [(String, String)] = [
      ("anna", "the key is missing"),
      ("anna cert-authority ssh-ed25519 \(key.base64)", "cert-authority"),
      ("anna valid-before=\"20300101\" ssh-ed25519 \(key.base64)", "valid-before"),
      ("anna frobnicate ssh-ed25519 \(key.base64)", "unknown option"),
      ("anna,,bo ssh-ed25519 \(key.base64)", "empty principal"),
      ("anna ssh-ed25519 AAAA", "not an OpenSSH public key"),
    ]
    for (line, reason) in cases {
      let error = signingError { _ = try AllowedSigners(parsing: "# first\n\(line)\n", source: "members.yaml") }
      guard case .malformedAllowedSigners(let source, let number, let text) = error else {
        Issue.record("\(line): \(String(describing: error))")
        continue
      }
      #expect(source == "members.yaml")
      #expect(number == 2)
      #expect(text.contains(reason), "\(text)")
    }
  }

  @Test("principals that would match others or break the line are refused when rendering")
  func invalidPrincipals() throws {
    let bench = try KeyBench()
    let key = try bench.publicKey(try bench.makeKey("anna"))
    for name in ["", "anna bo", "anna,bo", "*", "*@kommune.example", "an?a", "!anna", "\"anna\"", "#anna"] {
      expectSigningError(.invalidPrincipal(name)) { _ = try AllowedSigner(principal: name, publicKey: key) }
    }
    #expect(try AllowedSigner(principal: "åse.ørsted-bæk@kommune.example", publicKey: key).principals.count == 1)
  }
}
