import Foundation
import Testing

@testable import PolicyGit

@Suite("References and history")
struct ReferenceTests {
  @Test("CAS with a stale expected value fails with .referenceConflict and leaves the ref where it was")
  func staleCompareAndSwap() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let first = try fixture.advance(["a.md": "1\n"], message: "one")
    let second = try fixture.advance(["a.md": "2\n"], message: "two")
    let third = try fixture.commit(["a.md": "3\n"], parent: second, message: "three")

    expectGitError(.referenceConflict) {
      try repo.updateReference("refs/heads/main", to: third, expected: first, message: "stale writer")
    }
    #expect(try repo.referenceTarget("refs/heads/main") == second)
    #expect(try fixture.git("rev-parse", "refs/heads/main").text == "\(second.hex)\n")
    #expect(try fixture.git("reflog", "show", "--format=%gs", "refs/heads/main").lines == [
      "policyflow: two", "policyflow: one",
    ])

    try repo.updateReference("refs/heads/main", to: third, expected: second, message: "fresh writer")
    #expect(try fixture.git("rev-parse", "main").text == "\(third.hex)\n")
  }

  @Test("create-if-absent fails when the ref exists; expecting a value fails when it does not")
  func createIfAbsent() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let first = try fixture.commit(["a.md": "1\n"], parent: nil, message: "one")
    let second = try fixture.commit(["a.md": "2\n"], parent: first, message: "two")
    let draft = "refs/policyflow/drafts/datapolitik/1"

    try repo.updateReference(draft, to: first, expected: nil, message: "open draft")
    expectGitError(.referenceConflict) {
      try repo.updateReference(draft, to: second, expected: nil, message: "second opener")
    }
    #expect(try repo.referenceTarget(draft) == first)
    expectGitError(.referenceConflict) {
      try repo.updateReference("refs/policyflow/drafts/other", to: second, expected: first, message: "no such ref")
    }
    #expect(try repo.referenceTarget("refs/policyflow/drafts/other") == nil)
    // The audit trail exists for our own namespace too, although git would not log it by default.
    #expect(try fixture.git("reflog", "show", "--format=%gs", draft).lines == ["open draft"])

    expectGitError(.invalid) { try repo.updateReference("refs/heads/bad..name", to: first, expected: nil, message: "") }
    expectGitError(.invalid) { try repo.updateReference("HEAD", to: first, expected: nil, message: "") }
    expectGitError(.invalid) { _ = try repo.referenceTarget("refs/heads/bad..name") }
    #expect(throws: GitError.self) {
      try repo.updateReference(
        "refs/heads/ghost", to: ObjectID(hex: String(repeating: "1", count: 40))!, expected: nil, message: "")
    }
    #expect(try fixture.git("fsck", "--strict", "--no-dangling").status == 0)
  }

  @Test("racing writers on separate handles: exactly one wins each compare-and-swap", arguments: [false, true])
  func racingWriters(refExists: Bool) throws {
    let fixture = try Fixture()
    let name = "refs/policyflow/drafts/race"
    let base = try fixture.commit(["a.md": "base\n"], parent: nil, message: "base")
    if refExists {
      try fixture.repo.updateReference(name, to: base, expected: nil, message: "base")
    }
    let contenders = try (0..<8).map { try fixture.commit(["a.md": "writer \($0)\n"], parent: base, message: "w\($0)") }
    let outcomes = Outcomes()
    let path = fixture.workTree
    DispatchQueue.concurrentPerform(iterations: contenders.count) { index in
      do {
        let repo = try Repository.open(at: path)
        try repo.updateReference(name, to: contenders[index], expected: refExists ? base : nil, message: "w\(index)")
        outcomes.record(.success(contenders[index]))
      } catch let error as GitError {
        outcomes.record(.failure(error))
      } catch {
        Issue.record("unexpected \(error)")
      }
    }
    let winners = outcomes.all.compactMap { if case .success(let id) = $0 { id } else { nil } }
    let losers = outcomes.all.compactMap { if case .failure(let error) = $0 { error.kind } else { nil } }
    #expect(winners.count == 1)
    #expect(losers.count == contenders.count - 1)
    // Losing while the winner still holds the lock file would show up as .locked; either way the swap was lost.
    #expect(losers.allSatisfy { $0 == .referenceConflict || $0 == .locked })
    #expect(try fixture.repo.referenceTarget(name) == winners.first)
  }

  @Test("a held lock file is reported as .locked")
  func lockedReference() throws {
    let fixture = try Fixture()
    let first = try fixture.advance(["a.md": "1\n"], message: "one")
    let second = try fixture.commit(["a.md": "2\n"], parent: first, message: "two")
    let lock = fixture.workTree.appendingPathComponent(".git/refs/heads/main.lock")
    try Data().write(to: lock)
    expectGitError(.locked) {
      try fixture.repo.updateReference("refs/heads/main", to: second, expected: first, message: "blocked")
    }
    try FileManager.default.removeItem(at: lock)
    try fixture.repo.updateReference("refs/heads/main", to: second, expected: first, message: "unblocked")
  }

  @Test("references(matching:) lists resolved refs by name, including packed ones")
  func listReferences() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let first = try fixture.advance(["a.md": "1\n"], message: "one")
    let second = try fixture.commit(["a.md": "2\n"], parent: first, message: "two")
    try repo.updateReference("refs/policyflow/drafts/b", to: second, expected: nil, message: "b")
    try repo.updateReference("refs/policyflow/drafts/a", to: first, expected: nil, message: "a")
    try fixture.git("pack-refs", "--all")
    try repo.updateReference("refs/policyflow/drafts/c", to: first, expected: nil, message: "c")
    try repo.updateReference("refs/policyflow/other", to: first, expected: nil, message: "not a draft")

    let drafts = try repo.references(matching: "refs/policyflow/drafts/*")
    #expect(drafts.map(\.name) == ["refs/policyflow/drafts/a", "refs/policyflow/drafts/b", "refs/policyflow/drafts/c"])
    #expect(drafts.map(\.target) == [first, second, first])
    // libgit2 globs are not path-aware: `*` also crosses `/`.
    try repo.updateReference("refs/policyflow/drafts/nested/d", to: second, expected: nil, message: "d")
    #expect(try repo.references(matching: "refs/policyflow/drafts/*").count == 4)
    #expect(try repo.references(matching: "refs/policyflow/*").count == 5)
    #expect(try repo.references(matching: "refs/heads/*").map(\.name) == ["refs/heads/main"])
    #expect(try repo.references(matching: "refs/tags/*").isEmpty)
    // CAS still works against a packed ref.
    try repo.updateReference("refs/policyflow/drafts/a", to: second, expected: first, message: "a2")
    expectGitError(.referenceConflict) {
      try repo.updateReference("refs/policyflow/drafts/b", to: first, expected: first, message: "stale")
    }
  }

  @Test("history of a path lists the commits that changed it, newest first, and agrees with git log")
  func pathHistory() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let path = "sections/forord.md"
    let c1 = try fixture.advance([path: "v1\n", "b.md": "b1\n"], message: "add forord", at: 1_700_000_000)
    _ = try fixture.advance(["b.md": "b2\n"], message: "only b", at: 1_700_000_100)
    let c3 = try fixture.advance([path: "v2\n"], message: "edit forord", at: 1_700_000_200)
    _ = try fixture.advance([path: "v2\n", "c.md": "c\n"], message: "same forord bytes", at: 1_700_000_300)
    let c5 = try fixture.advance([:], removing: [path], message: "drop forord", at: 1_700_000_400)
    let c6 = try fixture.advance([path: "v3\n"], message: "restore forord", at: 1_700_000_500)
    let tip = try fixture.advance(["b.md": "b3\n"], message: "b again", at: 1_700_000_600)

    let history = try repo.history(of: path, from: tip)
    #expect(history.map(\.id) == [c6, c5, c3, c1])
    #expect(history.map(\.summary) == ["restore forord", "drop forord", "edit forord", "add forord"])
    let git = try fixture.git("log", "--format=%H", tip.hex, "--", path).lines
    #expect(git == history.map(\.id.hex))
    #expect(try repo.history(of: "never.md", from: tip).isEmpty)
    #expect(try repo.history(of: path, from: c3).map(\.id) == [c3, c1])
  }

  @Test("history on a branch follows first parents through a merge")
  func historyAcrossMerge() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    let path = "x.md"
    let base = try fixture.advance([path: "base\n"], message: "base", at: 1_700_000_000)
    let side = try fixture.commit([path: "side\n"], parent: base, message: "side edit", at: 1_700_000_100)
    let mainEdit = try fixture.advance(["other.md": "o\n"], message: "main other", at: 1_700_000_200)
    let mergeTree = try repo.tree(base: try repo.commit(mainEdit).tree, setting: [path: try fixture.blob("side\n")])
    let merge = try repo.createCommit(
      tree: mergeTree, parents: [mainEdit, side], author: Fixture.approver, committer: Fixture.approver,
      message: "merge side")
    try repo.updateReference("refs/heads/main", to: merge, expected: mainEdit, message: "merge")

    // The merge brought a new version into main; the side commit made it first.
    #expect(try repo.history(of: path, from: merge).map(\.id) == [merge, side, base])
    #expect(try repo.isAncestor(side, of: merge))
    #expect(try repo.isAncestor(base, of: merge))
    #expect(try !repo.isAncestor(merge, of: base))
    #expect(try !repo.isAncestor(side, of: mainEdit))
    #expect(try repo.isAncestor(merge, of: merge))
    expectGitError(.notFound) { _ = try repo.isAncestor(ObjectID(hex: String(repeating: "2", count: 40))!, of: merge) }
  }
}

/// Collects results from concurrent writers.
private final class Outcomes: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Result<ObjectID, GitError>] = []

  func record(_ result: Result<ObjectID, GitError>) {
    lock.lock()
    defer { lock.unlock() }
    results.append(result)
  }

  var all: [Result<ObjectID, GitError>] {
    lock.lock()
    defer { lock.unlock() }
    return results
  }
}
