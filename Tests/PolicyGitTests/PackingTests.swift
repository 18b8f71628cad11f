import Foundation
import Testing

@testable import PolicyGit

/// Packing as `git gc --auto` does: one pack of everything reachable, the loose copies of exactly those objects
/// removed, nothing else touched; git itself reads the result and `git fsck --strict` finds nothing.
@Suite("packing loose objects")
struct PackingTests {
  @Test("everything reachable is packed and its loose copies removed; an unreachable object stays loose; git agrees")
  func packsReachableObjects() throws {
    let f = try Fixture()
    for index in 1...60 {
      try f.advance(["sections/s\(index % 7).md": "Tekst nummer \(index) med æ, ø og å.\n"], message: "Revision \(index)")
    }
    let unreachable = try f.blob("Et objekt som ingen ref når.\n")
    let before = f.repo.looseObjects()
    #expect(before.count > 150)
    let logBefore = try f.git("log", "--format=%H %s", "main").text
    let report = try f.repo.packLooseObjects()
    #expect(report.looseBefore == before.count)
    #expect(report.looseAfter == 1, "only the unreachable blob stays loose")
    #expect(f.repo.looseObjects() == [unreachable.hex])
    #expect(report.packed == before.count - 1 && report.packBytes > 0)
    #expect(try f.git("log", "--format=%H %s", "main").text == logBefore)
    #expect(try f.git("cat-file", "-p", unreachable.hex).text == "Et objekt som ingen ref når.\n")
    let fsck = try f.git("fsck", "--strict", "--no-dangling", allowFailure: true)
    #expect(fsck.status == 0, "\(fsck.error)")
    // The repository opened before packing still reads every object (libgit2 re-scans packs on a miss).
    #expect(try f.repo.commit(try #require(try f.repo.referenceTarget("refs/heads/main"))).summary == "Revision 60")
  }

  @Test("packing again leaves one pack: earlier packs the new one holds entirely are removed, a kept one stays")
  func onePackAfterMany() throws {
    let f = try Fixture()
    let packs = f.workTree.appendingPathComponent(".git/objects/pack")
    func packFiles() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: packs.path).filter { $0.hasSuffix(".pack") }.sorted()
    }
    for round in 1...3 {
      for index in 1...10 {
        try f.advance(["sections/s\(index % 3).md": "Runde \(round), tekst \(index).\n"], message: "R\(round).\(index)")
      }
      let report = try f.repo.packLooseObjects()
      let files = try packFiles()
      #expect(files.count == 1, "round \(round): \(files)")
      #expect(report.packsRemoved == (round == 1 ? 0 : 1))
    }
    #expect(f.repo.looseObjects().isEmpty)
    #expect(try f.git("rev-list", "--count", "main").text == "30\n")
    #expect(try f.git("count-objects", "-v").text.contains("packs: 1\n"))
    let fsck = try f.git("fsck", "--strict", "--no-dangling", allowFailure: true)
    #expect(fsck.status == 0, "\(fsck.error)")

    // A pack marked `.keep` (by a person or another tool) is never removed, even when the new one holds all of it.
    let kept = try #require(try packFiles().first).replacingOccurrences(of: ".pack", with: ".keep")
    #expect(FileManager.default.createFile(atPath: packs.appendingPathComponent(kept).path, contents: Data()))
    try f.advance(["sections/s9.md": "Endnu en.\n"], message: "Efter keep")
    #expect(try f.repo.packLooseObjects().packsRemoved == 0)
    #expect(try packFiles().count == 2)
  }

  @Test("the threshold: nothing happens below it")
  func threshold() throws {
    let f = try Fixture()
    try f.advance(["a.md": "a\n"], message: "one")
    #expect(try f.repo.packIfNeeded() == nil)
    #expect(!f.repo.looseObjects().isEmpty)
    #expect(try f.repo.packIfNeeded(threshold: -1) != nil)
    #expect(f.repo.looseObjects().isEmpty)
  }
}
