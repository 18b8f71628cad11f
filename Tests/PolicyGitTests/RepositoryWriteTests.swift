import Foundation
import Testing

@testable import PolicyGit

@Suite("Writing objects and commits")
struct RepositoryWriteTests {
  @Test("create + first commit on main is what git sees, byte for byte, and fsck --strict is clean")
  func firstCommitOnMain() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    #expect(try repo.referenceTarget("HEAD") == nil, "HEAD starts on an unborn main")
    #expect(try fixture.git("symbolic-ref", "HEAD").text == "refs/heads/main\n")

    let forord = "# Forord\n\nKommunens politik for åbne data — æ ø å Æ Ø Å.\n"
    let message = "Godkend forord til datapolitik\n\nFørste udgave, vedtaget af udvalget.\n"
    let tree = try repo.tree(
      base: nil, setting: ["sections/forord.md": try fixture.blob(forord), "policy.yaml": try fixture.blob("id: 1\n")])
    let id = try repo.createCommit(
      tree: tree, parents: [], author: Fixture.approver, committer: Fixture.approver, message: message)
    #expect(try repo.referenceTarget("refs/heads/main") == nil, "createCommit must not move any ref")

    try repo.updateReference("refs/heads/main", to: id, expected: nil, message: "policyflow: approve forord")
    #expect(try repo.referenceTarget("HEAD") == id)
    #expect(try repo.referenceTarget("refs/heads/main") == id)

    let fsck = try fixture.git("fsck", "--strict", "--no-dangling")
    #expect(fsck.status == 0)
    #expect(fsck.error.isEmpty, "fsck reported: \(fsck.error)")
    #expect(try fixture.git("rev-parse", "main").text == "\(id.hex)\n")
    #expect(try fixture.git("cat-file", "-t", id.hex).text == "commit\n")
    #expect(try fixture.git("show", "main:sections/forord.md").data == Data(forord.utf8))
    #expect(try fixture.git("log", "-1", "--format=%an|%ae|%at|%ai", "main").text
      == "Åse Ørsted-Bæk|aase@kommune.example|1700000000|2023-11-14 23:13:20 +0100\n")

    // The raw object: message bytes after the header's blank line must be exactly ours.
    let raw = try fixture.git("cat-file", "commit", id.hex).data
    let separator = raw.range(of: Data("\n\n".utf8))!
    #expect(raw[separator.upperBound...] == Data(message.utf8))

    let commit = try repo.commit(id)
    #expect(commit.id == id)
    #expect(commit.tree == tree)
    #expect(commit.parents.isEmpty)
    #expect(commit.author == Fixture.approver)
    #expect(commit.committer == Fixture.approver)
    #expect(commit.message == message)
    #expect(commit.summary == "Godkend forord til datapolitik")
    #expect(try fixture.git("reflog", "show", "--format=%gs", "main").text == "policyflow: approve forord\n")
  }

  @Test("messages are stored exactly: no cleanup of leading blank lines, trailing spaces or a missing newline")
  func messagesAreByteExact() throws {
    let fixture = try Fixture()
    let message = "\n  Indrykket linje med æøå  \n\n\n# ikke en kommentar\nslut uden linjeskift"
    let id = try fixture.commit(["a.md": "a\n"], parent: nil, message: message)
    let raw = try fixture.git("cat-file", "commit", id.hex).data
    let separator = raw.range(of: Data("\n\n".utf8))!
    #expect(raw[separator.upperBound...] == Data(message.utf8))
    #expect(try fixture.repo.commit(id).message == message)
    #expect(try fixture.git("fsck", "--strict", "--no-dangling").status == 0)
  }

  @Test("nested paths create intermediate trees; removals prune directories left empty")
  func nestedTreePaths() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let first = try repo.tree(
      base: nil,
      setting: [
        "sections/forord.md": try fixture.blob("forord\n"), "sections/bilag/a.md": try fixture.blob("bilag a\n"),
        "sections/bilag/dybt/b.md": try fixture.blob("b\n"), "README.md": try fixture.blob("læs mig\n"),
      ])
    #expect(try fixture.git("ls-tree", "-r", "-t", "--name-only", first.hex).lines == [
      "README.md", "sections", "sections/bilag", "sections/bilag/a.md", "sections/bilag/dybt",
      "sections/bilag/dybt/b.md", "sections/forord.md",
    ])

    let second = try repo.tree(
      base: first,
      setting: ["sections/forord.md": try fixture.blob("nyt forord\n"), "sections/ny.md": try fixture.blob("ny\n")],
      removing: ["sections/bilag/dybt/b.md", "README.md"])
    #expect(try fixture.git("ls-tree", "-r", "-t", "--name-only", second.hex).lines == [
      "sections", "sections/bilag", "sections/bilag/a.md", "sections/forord.md", "sections/ny.md",
    ])
    #expect(try repo.tree(base: second, setting: [:]) == second, "no changes → same tree")
    let emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    #expect(try repo.tree(base: nil, setting: [:]).hex == emptyTree, "git's well-known empty tree")

    let commit = try repo.createCommit(
      tree: second, parents: [], author: Fixture.approver, committer: Fixture.approver, message: "tree\n")
    #expect(try repo.fileContents(at: "sections/forord.md", in: commit) == Data("nyt forord\n".utf8))
    #expect(try repo.fileContents(at: "sections/bilag/dybt/b.md", in: commit) == nil)
    #expect(try repo.fileContents(at: "sections/bilag", in: commit) == nil, "a directory is not a file")
    #expect(try repo.blobID(at: "sections/ny.md", in: commit) == fixture.blob("ny\n"))
    #expect(try repo.blobID(at: "nowhere/ny.md", in: commit) == nil)
    #expect(try repo.files(in: commit, under: "sections") == ["forord.md", "ny.md"])
    #expect(try repo.files(in: commit, under: "sections/bilag/") == ["a.md"])
    #expect(try repo.files(in: commit, under: "") == [])
    #expect(try repo.files(in: commit, under: "missing") == [])
    #expect(try fixture.git("fsck", "--strict", "--no-dangling").status == 0)
  }

  @Test(
    "unsafe paths are rejected as invalid before anything is written",
    arguments: [
      "../x", "/abs", "a//b", ".git/config", "sections/../../etc/passwd", "./a", "a/.", "a/", "", ".GIT/config",
      "sections/.git", ".git. /hooks", "git~1/config",
    ])
  func unsafePathsRejected(path: String) throws {
    let fixture = try Fixture()
    let blob = try fixture.blob("x\n")
    expectGitError(.invalid) { _ = try fixture.repo.tree(base: nil, setting: [path: blob]) }
    expectGitError(.invalid) { _ = try fixture.repo.tree(base: nil, setting: ["ok.md": blob], removing: [path]) }
    let commit = try fixture.commit(["ok.md": "x\n"], parent: nil, message: "ok\n")
    expectGitError(.invalid) { _ = try fixture.repo.fileContents(at: path, in: commit) }
    // Nothing but the blob and the one good commit may exist: rejected requests leave no half-built trees behind.
    let objects = try fixture.git("count-objects", "-v").lines.first { $0.hasPrefix("count:") }
    #expect(objects == "count: 3")
  }

  @Test("tree requests that cannot be applied are refused with a precise kind")
  func inapplicableTreeRequests() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let blob = try fixture.blob("x\n")
    let base = try repo.tree(base: nil, setting: ["sections/a.md": blob, "file.md": blob])

    expectGitError(.invalid) {
      _ = try repo.tree(base: base, setting: ["sections/a.md": blob], removing: ["sections/a.md"])
    }
    expectGitError(.invalid) { _ = try repo.tree(base: nil, setting: ["d": blob, "d/e.md": blob]) }
    expectGitError(.invalid) { _ = try repo.tree(base: base, setting: ["sections": blob]) }
    expectGitError(.invalid) { _ = try repo.tree(base: base, setting: ["file.md/inner.md": blob]) }
    expectGitError(.invalid) { _ = try repo.tree(base: nil, setting: ["tree-as-file.md": base]) }
    expectGitError(.notFound) {
      _ = try repo.tree(base: nil, setting: ["ghost.md": ObjectID(hex: String(repeating: "1", count: 40))!])
    }
    expectGitError(.notFound) { _ = try repo.tree(base: base, setting: [:], removing: ["sections/missing.md"]) }
    expectGitError(.notFound) { _ = try repo.tree(base: nil, setting: [:], removing: ["a.md"]) }
    // Removing a directory takes its contents with it.
    let pruned = try repo.tree(base: base, setting: [:], removing: ["sections"])
    #expect(try fixture.git("ls-tree", "-r", "--name-only", pruned.hex).lines == ["file.md"])
  }

  @Test("blobs round-trip arbitrary bytes, including empty; verifyObject checks what is on disk")
  func blobsAndVerification() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let bytes = Data([0, 1, 2, 0xff, 0xfe, 0x0a])
    let id = try repo.writeBlob(bytes)
    #expect(try repo.readBlob(id) == bytes)
    #expect(try fixture.git("cat-file", "blob", id.hex).data == bytes)
    let empty = try repo.writeBlob(Data())
    #expect(empty.hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
    #expect(try repo.readBlob(empty).isEmpty)

    let commit = try fixture.commit(["a.md": "a\n"], parent: nil, message: "m\n")
    #expect(repo.objectExists(commit))
    #expect(repo.verifyObject(commit))
    #expect(repo.verifyObject(try repo.commit(commit).tree))
    #expect(repo.verifyObject(id))
    expectGitError(.notFound) { _ = try repo.readBlob(commit) }

    // Swap the blob's file for another valid object: it still inflates, but no longer hashes to its name.
    let victim = fixture.objectFile(id)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: victim.path)
    try Data(contentsOf: fixture.objectFile(empty)).write(to: victim)
    #expect(!repo.verifyObject(id), "same handle, cached or not, must see the corruption")
    #expect(try !Repository.open(at: fixture.workTree).verifyObject(id))

    // Garbage that does not even inflate.
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.objectFile(empty).path)
    try Data("not zlib".utf8).write(to: fixture.objectFile(empty))
    #expect(!repo.verifyObject(empty))

    // Gone entirely.
    let missing = try fixture.blob("soon gone\n")
    try FileManager.default.removeItem(at: fixture.objectFile(missing))
    #expect(!repo.verifyObject(missing))
    #expect(!repo.objectExists(missing))
    #expect(!repo.verifyObject(ObjectID(hex: String(repeating: "ab", count: 20))!))
  }

  @Test("signatures with æøå and offsets round-trip; bad signatures are invalid input")
  func signatures() throws {
    let fixture = try Fixture()
    let author = Signature(
      name: "Søren Ærø", email: "soeren@ø.example", time: Date(timeIntervalSince1970: 1_234_567_890),
      offsetMinutes: -150)
    let tree = try fixture.repo.tree(base: nil, setting: ["a": try fixture.blob("a")])
    let id = try fixture.repo.createCommit(
      tree: tree, parents: [], author: author, committer: Fixture.approver, message: "m")
    #expect(try fixture.repo.commit(id).author == author)
    #expect(try fixture.repo.commit(id).committer == Fixture.approver)
    #expect(try fixture.git("log", "-1", "--format=%an <%ae> %ad", "--date=raw", id.hex).text
      == "Søren Ærø <soeren@ø.example> 1234567890 -0230\n")
    var bad = author
    bad.name = "Mallory <evil@example>"
    expectGitError(.invalid) {
      _ = try fixture.repo.createCommit(tree: tree, parents: [], author: bad, committer: bad, message: "m")
    }
    bad.name = ""
    expectGitError(.invalid) {
      _ = try fixture.repo.createCommit(tree: tree, parents: [], author: bad, committer: bad, message: "m")
    }
    expectGitError(.notFound) {
      _ = try fixture.repo.createCommit(tree: tree, parents: [tree], author: author, committer: author, message: "m")
    }
  }

  @Test("trailers are parsed like git does")
  func trailers() throws {
    let fixture = try Fixture()
    let message = """
      Godkend kapitel 3

      Ændringer efter høring.

      Approved-by: Søren Ærø <soeren@example.org>
      Policy-Id: datapolitik
      Approved-by: Åse Ørsted <aase@example.org>

      """
    let id = try fixture.commit(["a.md": "a\n"], parent: nil, message: message)
    let commit = try fixture.repo.commit(id)
    #expect(commit.trailers.map(\.key) == ["Approved-by", "Policy-Id", "Approved-by"])
    #expect(commit.trailers.map(\.value) == [
      "Søren Ærø <soeren@example.org>", "datapolitik", "Åse Ørsted <aase@example.org>",
    ])
    #expect(commit.trailerValues("approved-by").count == 2)
    let git = try fixture.git("log", "-1", "--format=%(trailers:only,unfold)", id.hex).lines.filter { !$0.isEmpty }
    #expect(git == commit.trailers.map { "\($0.key): \($0.value)" })

    let plain = try fixture.repo.commit(try fixture.commit(["a.md": "b\n"], parent: id, message: "Ingen trailere\n"))
    #expect(plain.trailers.isEmpty)
  }

  @Test("object ids validate, normalise case and encode as bare strings")
  func objectIDs() throws {
    let hex = "0123456789abcdef0123456789ABCDEF01234567"
    let id = try #require(ObjectID(hex: hex))
    #expect(id.hex == hex.lowercased())
    #expect(id.description == hex.lowercased())
    #expect(ObjectID(hex: "0123") == nil)
    #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
    let json = try JSONEncoder().encode([id])
    #expect(String(decoding: json, as: UTF8.self) == "[\"\(hex.lowercased())\"]")
    #expect(try JSONDecoder().decode([ObjectID].self, from: json) == [id])
    #expect(throws: DecodingError.self) { try JSONDecoder().decode([ObjectID].self, from: Data("[\"xyz\"]".utf8)) }
  }

  @Test("opening and creating report typed errors")
  func openAndCreateErrors() throws {
    let fixture = try Fixture()
    expectGitError(.notFound) { _ = try Repository.open(at: fixture.root.appendingPathComponent("nope")) }
    expectGitError(.referenceConflict) { _ = try Repository.create(at: fixture.workTree) }
    expectGitError(.invalid) {
      _ = try Repository.create(at: fixture.root.appendingPathComponent("other"), initialBranch: "bad..name")
    }
    let reopened = try Repository.open(at: fixture.workTree)
    #expect(reopened.path.standardizedFileURL.path == fixture.workTree.standardizedFileURL.path)
    let custom = try Repository.create(at: fixture.root.appendingPathComponent("x/y"), initialBranch: "trunk")
    #expect(try custom.referenceTarget("HEAD") == nil)
    let head = try String(contentsOf: fixture.root.appendingPathComponent("x/y/.git/HEAD"), encoding: .utf8)
    #expect(head == "ref: refs/heads/trunk\n")
  }
}
