import Foundation
import PolicyGit
import Testing

@testable import PolicyFlow

/// How a requirement link's (and a comment's) line range follows the text into the next revision, with the hunks of
/// libgit2's own zero-context diff, as `submit` computes them.
@Suite("line anchors follow unchanged lines through real diffs")
struct LineAnchorTests {
  /// One repository per suite run is enough: `diffHunks` diffs two buffers and touches no objects.
  static let repository: Repository = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pf-anchor-\(UUID().uuidString)")
    return try! Repository.create(at: url)
  }()

  static func follow(_ range: ClosedRange<Int>, from old: [String], to new: [String]) throws -> ClosedRange<Int>? {
    let hunks = try repository.diffHunks(
      old: Data((old.joined(separator: "\n") + "\n").utf8), new: Data((new.joined(separator: "\n") + "\n").utf8),
      contextLines: 0)
    return LineAnchor.follow(range, through: hunks)
  }

  static let text = (1...10).map { "Linje \($0)" }

  @Test("insertions and deletions before the range shift it; after it, nothing moves")
  func shifts() throws {
    var inserted = Self.text
    inserted.insert(contentsOf: ["Ny a", "Ny b"], at: 1)
    #expect(try Self.follow(4...6, from: Self.text, to: inserted) == 6...8)
    var deleted = Self.text
    deleted.removeSubrange(0...2)
    #expect(try Self.follow(4...6, from: Self.text, to: deleted) == 1...3)
    var after = Self.text
    after[9] = "Ændret"
    after.insert("Ny", at: 6)  // right after line 6
    #expect(try Self.follow(4...6, from: Self.text, to: after) == 4...6)
    var before = Self.text
    before.insert("Ny", at: 3)  // right before line 4
    #expect(try Self.follow(4...6, from: Self.text, to: before) == 5...7)
    #expect(try Self.follow(4...6, from: Self.text, to: Self.text) == 4...6)
  }

  @Test("a changed, deleted or interrupted range does not follow")
  func touched() throws {
    for index in 3...5 {
      var changed = Self.text
      changed[index] = "Ændret"
      #expect(try Self.follow(4...6, from: Self.text, to: changed) == nil, "line \(index + 1) changed")
    }
    var interrupted = Self.text
    interrupted.insert("Ny", at: 4)  // between lines 4 and 5
    #expect(try Self.follow(4...6, from: Self.text, to: interrupted) == nil)
    var removed = Self.text
    removed.removeSubrange(3...5)
    #expect(try Self.follow(4...6, from: Self.text, to: removed) == nil)
    var single = Self.text
    single[6] = "Ændret"
    #expect(try Self.follow(7...7, from: Self.text, to: single) == nil)
    #expect(try Self.follow(6...6, from: Self.text, to: single) == 6...6)
  }

  /// Random edits of unique lines: whenever the anchor follows, it points at exactly the old lines; when no edit
  /// touched the range, it always follows.
  @Test("random edits: a followed range always quotes the same lines; untouched ranges always follow")
  func randomEdits() throws {
    var generator = SplitMix(seed: 20_230_501)
    var fresh = 0
    for _ in 0..<150 {
      let count = Int.random(in: 3...30, using: &generator)
      let old = (1...count).map { "Linje \($0)" }
      let start = Int.random(in: 1...count, using: &generator)
      let end = Int.random(in: start...min(count, start + 4), using: &generator)
      var new = old
      var touched = false
      // Edits from the bottom up, so that the positions of the ones above stay valid.
      let edits = Int.random(in: 1...4, using: &generator)
      let positions = Set((0..<edits).map { _ in Int.random(in: 0..<count, using: &generator) }).sorted(by: >)
      for position in positions {
        fresh += 1
        let line = position + 1
        switch Int.random(in: 0..<3, using: &generator) {
        case 0:
          new[position] = "Ændret \(fresh)"
          touched = touched || (start...end).contains(line)
        case 1:
          new.remove(at: position)
          touched = touched || (start...end).contains(line)
        default:
          new.insert("Ny \(fresh)", at: position)  // before `line`
          touched = touched || (start < line && line <= end)
        }
      }
      let followed = try Self.follow(start...end, from: old, to: new)
      if let followed {
        #expect(followed.lowerBound >= 1 && followed.upperBound <= new.count)
        if followed.lowerBound >= 1 && followed.upperBound <= new.count {
          #expect(
            Array(new[(followed.lowerBound - 1)...(followed.upperBound - 1)]) == Array(old[(start - 1)...(end - 1)]))
        }
      }
      if !touched { #expect(followed != nil, "\(start)-\(end) of \(old) → \(new) did not follow") }
    }
  }
}

/// A small seeded generator so that the random cases are the same on every run.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
