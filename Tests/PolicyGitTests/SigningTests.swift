import Foundation
import PolicySigning
import Testing

@testable import PolicyGit

/// Signed commits written through libgit2 must be what `git commit -S` with `gpg.format=ssh` writes, so that plain
/// git verifies the record; and the signature read back must be exactly what was signed.
@Suite("Signed commits in git's SSH format")
struct SigningTests {
  /// A fixture with an Ed25519 key made by ssh-keygen and an allowed-signers file for the approver.
  final class SignedFixture {
    let fixture: Fixture
    let keyFile: URL
    let key: SSHPrivateKey
    let allowedSigners: URL

    init() throws {
      fixture = try Fixture()
      keyFile = fixture.root.appendingPathComponent("id_ed25519")
      try fixture.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "aase@laptop", "-f", keyFile.path])
      key = try SSHPrivateKey(contentsOf: keyFile)
      allowedSigners = fixture.root.appendingPathComponent("allowed_signers")
      try AllowedSigners([try AllowedSigner(principal: Fixture.approver.email, publicKey: key.publicKey)]).text
        .write(to: allowedSigners, atomically: true, encoding: .utf8)
    }

    var repo: Repository { fixture.repo }

    /// Builds, signs in-process and writes a commit of `files` on `parent`.
    func signedCommit(_ files: [String: String], parent: ObjectID?, message: String) throws -> ObjectID {
      let buffer = try bufferFor(files, parent: parent, message: message)
      let signature = try SSHSignature.sign(message: buffer, namespace: "git", with: key)
      return try repo.createSignedCommit(buffer: buffer, signature: signature)
    }

    func bufferFor(_ files: [String: String], parent: ObjectID?, message: String) throws -> Data {
      let base = try parent.map { try repo.commit($0).tree }
      let tree = try repo.tree(base: base, setting: try files.mapValues { try fixture.blob($0) }, removing: [])
      return try repo.commitBuffer(
        tree: tree, parents: parent.map { [$0] } ?? [], author: Fixture.approver, committer: Fixture.approver,
        message: message)
    }

    /// `git verify-commit` with SSH signatures and our allowed-signers file.
    func verifyCommit(_ id: ObjectID) throws -> GitOutput {
      try fixture.git(
        "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(allowedSigners.path)", "verify-commit", id.hex,
        allowFailure: true)
    }
  }

  @Test("a commit signed in-process is the very object git commit-tree -S writes, and git verifies it")
  func sameAsGit() throws {
    let signed = try SignedFixture()
    let fixture = signed.fixture
    let message = "Godkend forord\n\nPolicyflow-Section: forord\nPolicyflow-Revision: 1\n"
    let id = try signed.signedCommit(["sections/forord.md": "# Forord\n\nÆblerne i Ørestad.\n"], parent: nil,
      message: message)
    let tree = try signed.repo.commit(id).tree

    let messageFile = fixture.root.appendingPathComponent("message")
    try Data(message.utf8).write(to: messageFile)
    let date = "1700000000 +0100"
    let identity = [
      "GIT_AUTHOR_NAME": Fixture.approver.name, "GIT_AUTHOR_EMAIL": Fixture.approver.email, "GIT_AUTHOR_DATE": date,
      "GIT_COMMITTER_NAME": Fixture.approver.name, "GIT_COMMITTER_EMAIL": Fixture.approver.email,
      "GIT_COMMITTER_DATE": date,
    ]
    let gits = try fixture.git(
      "-c", "gpg.format=ssh", "-c", "user.signingkey=\(signed.keyFile.path)", "commit-tree", "-S", "-F",
      messageFile.path, tree.hex, environment: identity)
    #expect(gits.text == "\(id.hex)\n", "same tree, people, time, message and key: the same signed commit")

    let verified = try signed.verifyCommit(id)
    #expect(verified.status == 0, "\(verified.error)")
    #expect(verified.error.contains(
      "Good \"git\" signature for aase@kommune.example with ED25519 key \(signed.key.publicKey.fingerprint)"))
    try signed.repo.updateReference("refs/heads/main", to: id, expected: nil, message: "test")
    let fsck = try fixture.git("fsck", "--strict", "--no-dangling")
    #expect(fsck.status == 0 && fsck.error.isEmpty, "\(fsck.error)")
  }

  @Test("git log --show-signature verifies every commit of a signed chain")
  func signedChain() throws {
    let signed = try SignedFixture()
    var parent: ObjectID?
    for index in 1...3 {
      parent = try signed.signedCommit(["a.md": "version \(index)\n"], parent: parent, message: "Revision \(index)\n")
    }
    let head = try #require(parent)
    try signed.repo.updateReference("refs/heads/main", to: head, expected: nil, message: "test")
    let log = try signed.fixture.git(
      "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signed.allowedSigners.path)", "log",
      "--show-signature", "--format=%H %G?", "main")
    let good = "Good \"git\" signature for aase@kommune.example with ED25519 key \(signed.key.publicKey.fingerprint)"
    #expect(log.text.components(separatedBy: good).count - 1 == 3, "\(log.text)")
    #expect(log.lines.filter { $0.hasSuffix(" G") }.count == 3, "%G? is G (good, trusted signer) for all three")
  }

  @Test("commitSignature gives back the signature and exactly the bytes it signs; nil when unsigned")
  func readBack() throws {
    let signed = try SignedFixture()
    let buffer = try signed.bufferFor(["a.md": "a\n"], parent: nil, message: "Signeret\n")
    let signature = try SSHSignature.sign(message: buffer, namespace: "git", with: signed.key)
    let id = try signed.repo.createSignedCommit(buffer: buffer, signature: signature)

    let read = try #require(try signed.repo.commitSignature(id))
    #expect(read.signature == signature)
    #expect(read.signedData == buffer)
    #expect(try SSHSignature.verify(armored: read.signature, message: read.signedData, namespace: "git")
      == signed.key.publicKey)
    // The rest of the commit reads as usual.
    #expect(try signed.repo.commit(id).message == "Signeret\n")

    let unsigned = try signed.fixture.commit(["a.md": "a\n"], parent: nil, message: "Usigneret\n")
    #expect(try signed.repo.commitSignature(unsigned) == nil)
    let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
    expectGitError(.notFound) { _ = try signed.repo.commitSignature(missing) }
  }

  @Test("createCommit and commitBuffer agree: the buffer is the unsigned commit's object, byte for byte")
  func bufferIsTheCommit() throws {
    let signed = try SignedFixture()
    let parent = try signed.fixture.commit(["a.md": "a\n"], parent: nil, message: "Første\n")
    let tree = try signed.repo.commit(parent).tree
    let message = "\n  Indrykket æøå  \n\nslut uden linjeskift"
    let id = try signed.repo.createCommit(
      tree: tree, parents: [parent], author: Fixture.approver, committer: Fixture.approver, message: message)
    let buffer = try signed.repo.commitBuffer(
      tree: tree, parents: [parent], author: Fixture.approver, committer: Fixture.approver, message: message)
    #expect(try signed.fixture.git("cat-file", "commit", id.hex).data == buffer)
  }

  @Test("a commit signed with ssh-keygen -Y sign, as git does it, verifies in-process")
  func sshKeygenSignedCommit() throws {
    let signed = try SignedFixture()
    let buffer = try signed.bufferFor(["a.md": "a\n"], parent: nil, message: "Signeret af ssh-keygen\n")
    let bufferFile = signed.fixture.root.appendingPathComponent("buffer")
    try buffer.write(to: bufferFile)
    try signed.fixture.run("ssh-keygen", ["-q", "-Y", "sign", "-n", "git", "-f", signed.keyFile.path, bufferFile.path])
    let signature = try String(contentsOf: bufferFile.appendingPathExtension("sig"), encoding: .utf8)
    let id = try signed.repo.createSignedCommit(buffer: buffer, signature: signature)
    let read = try #require(try signed.repo.commitSignature(id))
    #expect(try SSHSignature.verify(armored: read.signature, message: read.signedData, namespace: "git")
      == signed.key.publicKey)
    #expect(try signed.verifyCommit(id).status == 0)
  }

  @Test("a signature copied onto another commit is refused by git and in-process")
  func copiedSignature() throws {
    let signed = try SignedFixture()
    let original = try signed.bufferFor(["a.md": "godkendt tekst\n"], parent: nil, message: "Godkend\n")
    let other = try signed.bufferFor(["a.md": "anden tekst\n"], parent: nil, message: "Godkend\n")
    let signature = try SSHSignature.sign(message: original, namespace: "git", with: signed.key)
    let forged = try signed.repo.createSignedCommit(buffer: other, signature: signature)
    let verified = try signed.verifyCommit(forged)
    #expect(verified.status != 0)
    let read = try #require(try signed.repo.commitSignature(forged))
    #expect(throws: SigningError.badSignature) {
      _ = try SSHSignature.verify(armored: read.signature, message: read.signedData, namespace: "git")
    }
  }

  @Test("NUL bytes, an empty signature and a buffer that is no commit are refused; nothing is written")
  func refusedInput() throws {
    let signed = try SignedFixture()
    let buffer = try signed.bufferFor(["a.md": "a\n"], parent: nil, message: "Godkend\n")
    let signature = try SSHSignature.sign(message: buffer, namespace: "git", with: signed.key)
    expectGitError(.invalid) {
      _ = try signed.repo.createSignedCommit(buffer: buffer + Data([0]), signature: signature)
    }
    expectGitError(.invalid) { _ = try signed.repo.createSignedCommit(buffer: buffer, signature: "a\0b") }
    expectGitError(.invalid) { _ = try signed.repo.createSignedCommit(buffer: buffer, signature: "\n") }
    #expect(throws: GitError.self) {
      _ = try signed.repo.createSignedCommit(buffer: Data("not a commit\n\nmessage".utf8), signature: signature)
    }
    let objects = try signed.fixture.git("count-objects", "-v").text
    #expect(objects.contains("count: 2\n"), "only the blob and the tree: \(objects)")
  }
}
