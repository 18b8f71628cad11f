import Foundation
import Testing

@testable import PolicySigning

/// Messages of the shapes policyflow signs: commit buffers with Danish text, empty, binary, long.
let sampleMessages: [Data] = [
  Data(
    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Åse <aase@kommune.example> 1700000000 +0100\n\nGodkend\n"
      .utf8),
  Data(),
  Data((0...255).map { UInt8($0) }),
  Data(repeating: 0x61, count: 100_000),
]

@Suite("SSHSIG signatures agree with ssh-keygen -Y sign and -Y verify")
struct SignatureTests {
  @Test("our signature verifies with ssh-keygen -Y verify")
  func oursVerifyWithSshKeygen() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    let signers = try AllowedSigner(principal: "anna@kommune.example", publicKey: key.publicKey).line + "\n"
    for message in sampleMessages {
      let signature = try SSHSignature.sign(message: message, namespace: "git", with: key)
      let result = try bench.sshKeygenVerify(
        signature, message: message, allowedSigners: signers, principal: "anna@kommune.example")
      #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
      #expect(result.stdout.contains("Good \"git\" signature for anna@kommune.example with ED25519 key"))
      #expect(result.stdout.contains(key.publicKey.fingerprint))
    }
  }

  @Test("ssh-keygen's signature verifies in-process and names its key")
  func sshKeygenVerifiesInProcess() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id")
    for message in sampleMessages {
      let signature = try bench.sshKeygenSign(message, key: file)
      #expect(try SSHSignature.verify(armored: signature, message: message, namespace: "git") == bench.publicKey(file))
    }
  }

  @Test("the armour is byte for byte what ssh-keygen writes for the same key and message")
  func identicalArmour() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id")
    let key = try SSHPrivateKey(contentsOf: file)
    for message in sampleMessages {
      let theirs = try bench.sshKeygenSign(message, key: file)
      let ours = try SSHSignature.sign(message: message, namespace: "git", with: key)
      #expect(ours == theirs)
      // Ed25519 is deterministic: signing again gives the same bytes, which is what makes the comparison possible.
      #expect(try SSHSignature.sign(message: message, namespace: "git", with: key) == ours)
    }
    let file2 = try bench.makeKey("id2")
    let theirs = try bench.sshKeygenSign(sampleMessages[0], key: file2, namespace: "file")
    #expect(try SSHSignature.sign(message: sampleMessages[0], namespace: "file", with: SSHPrivateKey(contentsOf: file2))
      == theirs)
  }

  @Test("a signature made for another namespace is refused as such, in-process and by ssh-keygen")
  func wrongNamespace() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    let message = sampleMessages[0]
    let signature = try SSHSignature.sign(message: message, namespace: "file", with: key)
    expectSigningError(.wrongNamespace(expected: "git", found: "file")) {
      _ = try SSHSignature.verify(armored: signature, message: message, namespace: "git")
    }
    let signers = try AllowedSigner(principal: "anna", namespaces: nil, publicKey: key.publicKey).line
    let result = try bench.sshKeygenVerify(signature, message: message, allowedSigners: signers, principal: "anna")
    #expect(result.status != 0, "ssh-keygen agrees: wrong namespace")
  }

  @Test("a changed message is refused: every single flipped bit, and a dropped or added byte")
  func tamperedMessage() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    let message = Data("Policyflow-Section: beskaeftigelse\nPolicyflow-Revision: 3\n".utf8)
    let signature = try SSHSignature.sign(message: message, namespace: "git", with: key)
    #expect(try SSHSignature.verify(armored: signature, message: message, namespace: "git") == key.publicKey)
    for index in message.indices {
      var changed = message
      changed[index] ^= 0x01
      expectSigningError(.badSignature) {
        _ = try SSHSignature.verify(armored: signature, message: changed, namespace: "git")
      }
    }
    expectSigningError(.badSignature) {
      _ = try SSHSignature.verify(armored: signature, message: message.dropLast(), namespace: "git")
    }
    expectSigningError(.badSignature) {
      _ = try SSHSignature.verify(armored: signature, message: message + Data([0x0A]), namespace: "git")
    }
  }

  @Test("a signature claiming another key than the one that signed is refused")
  func otherKey() throws {
    let bench = try KeyBench()
    let anna = try SSHPrivateKey(contentsOf: try bench.makeKey("anna"))
    let bo = try SSHPrivateKey(contentsOf: try bench.makeKey("bo"))
    let message = sampleMessages[0]
    // Bo signs, then puts Anna's key into the signature to pass it off as hers.
    let parsed = try SSHSignature(armored: try SSHSignature.sign(message: message, namespace: "git", with: bo))
    let forged = SSHSignature(
      publicKey: anna.publicKey, namespace: parsed.namespace, hashAlgorithm: parsed.hashAlgorithm,
      signature: parsed.signature
    ).armored
    expectSigningError(.badSignature) {
      _ = try SSHSignature.verify(armored: forged, message: message, namespace: "git")
    }
    let annaOnly = try AllowedSigner(principal: "anna", publicKey: anna.publicKey).line
    #expect(
      try bench.sshKeygenVerify(forged, message: message, allowedSigners: annaOnly, principal: "anna").status != 0)

    // Bo's honest signature verifies, but names Bo: whoever checks who may sign sees it is not Anna's key.
    let honest = try SSHSignature.sign(message: message, namespace: "git", with: bo)
    #expect(try SSHSignature.verify(armored: honest, message: message, namespace: "git") == bo.publicKey)
    #expect(try AllowedSigners(parsing: annaOnly).principals(for: bo.publicKey, namespace: "git").isEmpty)
    #expect(
      try bench.sshKeygenVerify(honest, message: message, allowedSigners: annaOnly, principal: "anna").status != 0)
  }

  @Test("SHA-256 signatures (which ssh-keygen also accepts) verify both ways")
  func sha256Signatures() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    let message = sampleMessages[0]
    let signature = try SSHSignature.sign(message: message, namespace: "git", with: key, hashAlgorithm: .sha256)
    #expect(try SSHSignature(armored: signature).hashAlgorithm == .sha256)
    #expect(try SSHSignature.verify(armored: signature, message: message, namespace: "git") == key.publicKey)
    let signers = try AllowedSigner(principal: "anna", publicKey: key.publicKey).line
    #expect(
      try bench.sshKeygenVerify(signature, message: message, allowedSigners: signers, principal: "anna").status == 0)
  }

  @Test("damaged armour and unknown algorithms are refused with the matching error")
  func malformedSignatures() throws {
    let bench = try KeyBench()
    let key = try SSHPrivateKey(contentsOf: try bench.makeKey("id"))
    let message = sampleMessages[0]
    let armored = try SSHSignature.sign(message: message, namespace: "git", with: key)
    let blob = try SSHSignature(armored: armored).blob

    func verify(_ text: String) -> SigningError? {
      signingError { _ = try SSHSignature.verify(armored: text, message: message, namespace: "git") }
    }
    func armour(_ blob: Data) -> String {
      (["-----BEGIN SSH SIGNATURE-----"] + Armor.wrap(blob, width: 70) + ["-----END SSH SIGNATURE-----"])
        .joined(separator: "\n")
    }
    for text in ["", "hello", armored.replacingOccurrences(of: "-----END SSH SIGNATURE-----\n", with: ""),
      armored.replacingOccurrences(of: "U1NIU0lH", with: "U1NIU0l*"), armour(blob.dropLast()),
      armour(blob + Data([0])), armour(Data("SSHSIX".utf8) + blob.dropFirst(6))]
    {
      guard case .malformedSignature = verify(text) else {
        Issue.record("expected malformedSignature for \(text.prefix(60))…")
        continue
      }
    }
    // CRLF line ends and indentation (as in a git header) are only layout.
    let relaidOut = armored.split(separator: "\n").map { " " + $0 }.joined(separator: "\r\n")
    #expect(try SSHSignature.verify(armored: relaidOut, message: message, namespace: "git") == key.publicKey)

    // The same signature with the hash named "md5", and with the signature algorithm named "ssh-rsa".
    let sha512 = Data("sha512".utf8)
    let md5ish = Data("md5xxx".utf8)
    let hashRange = try #require(blob.range(of: sha512))
    var unknownHash = blob
    unknownHash.replaceSubrange(hashRange, with: md5ish)
    #expect(verify(armour(unknownHash)) == .unsupportedAlgorithm("the hash \"md5xxx\""))

    var inner = WireWriter()
    inner.string("ssh-rsa")
    inner.string(try SSHSignature(armored: armored).signature)
    var outer = WireWriter()
    outer.raw(Array("SSHSIG".utf8))
    outer.uint32(1)
    outer.string(key.publicKey.blob)
    outer.string("git")
    outer.string([UInt8]())
    outer.string("sha512")
    outer.string(inner.data)
    #expect(verify(armour(outer.data)) == .unsupportedAlgorithm("the signature algorithm \"ssh-rsa\""))
  }
}
