import Foundation
import Testing

@testable import PolicyGit

/// A bare repository on a shared directory, the simplest remote a municipality has: reached by plain path and by
/// `file://` URL through libgit2's local transport, with PolicyGit's own compare-and-swap for pushes.
@Suite("Remotes: a bare repository on a shared directory")
struct LocalRemoteTests {
  static let mirror = ["+refs/heads/*:refs/remotes/origin/*", "+refs/policyflow/*:refs/remotes/origin/policyflow/*"]

  @Test(
    "push and fetch by plain path and by file:// URL; git ls-remote sees what was pushed", arguments: [false, true])
  func pushAndFetch(asFileURL: Bool) throws {
    let alice = try LocalCopy("alice")
    let bob = try LocalCopy("bob")
    let bare = try makeBareRepository(in: alice.root)
    let remote = asFileURL ? bare.absoluteString : bare.path
    #expect(remote.hasPrefix("file://") == asFileURL)

    let main = try alice.commit("Formål\n", on: "refs/heads/main")
    let record = try alice.commit("comment 1\n", on: "refs/policyflow/records/datapolitik")
    let pushed = try alice.repo.push(
      remote: remote, refspecs: ["refs/heads/main:refs/heads/main", "refs/policyflow/records/datapolitik"],
      credentials: .none)
    #expect(pushed.updates.map(\.outcome) == [.updated, .updated])
    #expect(pushed.updates.map(\.old) == [nil, nil])

    let listed = try Shell.run("/usr/bin/git", ["ls-remote", bare.path])
    #expect(Shell.parseRefs(listed.output)["refs/heads/main"] == main)
    #expect(Shell.parseRefs(listed.output)["refs/policyflow/records/datapolitik"] == record)
    let fsck = try Shell.run("/usr/bin/git", ["-C", bare.path, "fsck", "--strict"])
    #expect(fsck.status == 0, "\(fsck.error)")

    let fetched = try bob.repo.fetch(remote: remote, refspecs: Self.mirror, credentials: .none)
    #expect(
      Set(fetched.map(\.name)) == ["refs/remotes/origin/main", "refs/remotes/origin/policyflow/records/datapolitik"])
    #expect(fetched.allSatisfy { $0.old == nil })
    #expect(try bob.repo.referenceTarget("refs/remotes/origin/main") == main)
    #expect(try bob.repo.referenceTarget("refs/remotes/origin/policyflow/records/datapolitik") == record)
    #expect(try bob.repo.commit(record).message == "comment 1\n")

    // Nothing new: a second fetch reports nothing; a second push reports "up to date".
    #expect(try bob.repo.fetch(remote: remote, refspecs: Self.mirror, credentials: .none).isEmpty)
    let again = try alice.repo.push(remote: remote, refspecs: ["refs/heads/main"], credentials: .none)
    #expect(again.updates.map(\.outcome) == [.upToDate])
  }

  @Test("a configured remote: add, look up, fetch with its own refspecs, push moves the tracking reference")
  func namedRemote() throws {
    let alice = try LocalCopy("alice")
    let bare = try makeBareRepository(in: alice.root)
    try alice.repo.addRemote(name: "origin", url: bare.path)
    #expect(alice.repo.remoteURL("origin") == bare.path)
    #expect(alice.repo.remoteURL("upstream") == nil)
    #expect(try alice.repo.remoteNames() == ["origin"])
    expectGitError(.referenceConflict) { try alice.repo.addRemote(name: "origin", url: "/elsewhere") }

    let main = try alice.commit("one\n", on: "refs/heads/main")
    try alice.repo.push(remote: "origin", refspecs: ["refs/heads/main"], credentials: .none)
    // As after git's own push: the remote-tracking reference follows what the remote now holds.
    #expect(try alice.repo.referenceTarget("refs/remotes/origin/main") == main)

    let bob = try LocalCopy("bob")
    try bob.repo.addRemote(name: "origin", url: bare.absoluteString)
    let fetched = try bob.repo.fetch(remote: "origin", refspecs: [], credentials: .none)
    #expect(fetched == [FetchedReference(name: "refs/remotes/origin/main", old: nil, new: main)])
  }

  @Test("a non-fast-forward push is refused as outdated; the remote keeps its history; fetch-merge-retry works")
  func nonFastForward() throws {
    let alice = try LocalCopy("alice")
    let bob = try LocalCopy("bob")
    let bare = try makeBareRepository(in: alice.root)
    let base = try alice.commit("base\n", on: "refs/heads/main")
    try alice.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    try bob.repo.fetch(remote: bare.path, refspecs: Self.mirror, credentials: .none)
    try bob.repo.updateReference("refs/heads/main", to: base, expected: nil, message: "start from origin")

    let alicesTip = try alice.commit("alice\n", on: "refs/heads/main")
    try alice.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    let bobsTip = try bob.commit("bob\n", on: "refs/heads/main")

    // Bob has not fetched Alice's commit: his push would drop it from the remote.
    let refused = expectRemoteError(.pushRejected) {
      try bob.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    }
    #expect(refused?.isOutdatedPush == true)
    #expect(refused?.push?.rejected.map(\.reference) == ["refs/heads/main"])
    #expect(refused?.message.contains("non-fast-forward") == true)
    #expect(
      Shell.parseRefs(try Shell.run("/usr/bin/git", ["ls-remote", bare.path]).output)["refs/heads/main"] == alicesTip)

    // Fetch, join both lines with a merge commit, push again: accepted, both commits on the remote.
    try bob.repo.fetch(remote: bare.path, refspecs: Self.mirror, credentials: .none)
    let tree = try bob.repo.commit(bobsTip).tree
    let signature = Signature(
      name: "Bob", email: "bob@kommune.example", time: Date(timeIntervalSince1970: 1_700_009_000))
    let merge = try bob.repo.createCommit(
      tree: tree, parents: [bobsTip, alicesTip], author: signature, committer: signature, message: "sync\n")
    try bob.repo.updateReference("refs/heads/main", to: merge, expected: bobsTip, message: "merge")
    let pushed = try bob.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    #expect(
      pushed.updates == [PushResult.Update(reference: "refs/heads/main", old: alicesTip, new: merge, outcome: .updated)]
    )
    let log = try Shell.run("/usr/bin/git", ["-C", bare.path, "log", "--format=%s", "main"])
    #expect(Set(log.output.split(separator: "\n")) == ["sync", "alice", "bob", "base"])
  }

  @Test("the compare-and-swap: a push that lands between our look and our update wins, ours is refused")
  func compareAndSwapRace() throws {
    let alice = try LocalCopy("alice")
    let carol = try LocalCopy("carol")
    let bare = try makeBareRepository(in: alice.root)
    let base = try alice.commit("base\n", on: "refs/heads/main")
    try alice.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    try carol.repo.fetch(remote: bare.path, refspecs: Self.mirror, credentials: .none)
    try carol.repo.updateReference("refs/heads/main", to: base, expected: nil, message: "start")
    let carolsTip = try carol.commit("carol\n", on: "refs/heads/main")
    let alicesTip = try alice.commit("alice\n", on: "refs/heads/main")

    // Carol's push runs (through git's own CLI, another process) after Alice's push read the remote's main.
    var raced: Shell.Result?
    let refused = expectRemoteError(.pushRejected) {
      _ = try alice.repo.push(
        remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none, trust: nil,
        beforeServerUpdate: {
          raced = try? Shell.run("/usr/bin/git", ["-C", carol.repo.path.path, "push", "-q", bare.path, "main"])
        })
    }
    #expect(raced?.status == 0, "\(raced?.error ?? "")")
    #expect(refused?.isOutdatedPush == true)
    #expect(refused?.push?.updates.first?.old == base)
    // Carol's commit is not lost: the remote holds it, and Alice's objects are there but unreferenced.
    let remoteMain = Shell.parseRefs(try Shell.run("/usr/bin/git", ["ls-remote", bare.path]).output)["refs/heads/main"]
    #expect(remoteMain == carolsTip)
    #expect(remoteMain != alicesTip)
  }

  @Test("one outdated reference stops the whole push before anything is written")
  func wholePushStops() throws {
    let alice = try LocalCopy("alice")
    let bob = try LocalCopy("bob")
    let bare = try makeBareRepository(in: alice.root)
    try alice.commit("a\n", on: "refs/heads/main")
    try alice.repo.push(remote: bare.path, refspecs: ["refs/heads/main"], credentials: .none)
    try bob.commit("b\n", on: "refs/heads/main")
    let record = try bob.commit("record\n", on: "refs/policyflow/records/x")

    let refused = expectRemoteError(.pushRejected) {
      try bob.repo.push(
        remote: bare.path, refspecs: ["refs/policyflow/records/x", "refs/heads/main"], credentials: .none)
    }
    #expect(refused?.push?.updates.map(\.rejection?.reason) == [.notAttempted, .outdated])
    #expect(
      Shell.parseRefs(try Shell.run("/usr/bin/git", ["ls-remote", bare.path]).output)["refs/policyflow/records/x"]
        == nil)
    _ = record
  }

  @Test("refspecs policyflow does not accept, and remotes that do not exist, are clear errors")
  func badRequests() throws {
    let alice = try LocalCopy("alice")
    let bare = try makeBareRepository(in: alice.root)
    try alice.commit("a\n", on: "refs/heads/main")
    expectRemoteError(.badConfiguration) {
      try alice.repo.push(remote: bare.path, refspecs: [":refs/heads/main"], credentials: .none)
    }
    expectRemoteError(.badConfiguration) {
      try alice.repo.push(remote: bare.path, refspecs: ["refs/heads/nothing"], credentials: .none)
    }
    let unknown = expectRemoteError(.notFound) {
      try alice.repo.fetch(remote: "upstream", refspecs: [], credentials: .none)
    }
    #expect(unknown?.message.contains("no remote called 'upstream'") == true)
    expectRemoteError(.notFound) {
      try alice.repo.fetch(
        remote: alice.root.appendingPathComponent("missing.git").path, refspecs: Self.mirror, credentials: .none)
    }
    // A repository with a working folder is not a shared copy.
    expectRemoteError(.badConfiguration) {
      try alice.repo.push(
        remote: alice.repo.path.path, refspecs: ["refs/heads/main:refs/heads/other"], credentials: .none)
    }
  }
}
