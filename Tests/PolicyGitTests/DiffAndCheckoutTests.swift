import Foundation
import Testing

@testable import PolicyGit

@Suite("Diffs and checkout")
struct DiffAndCheckoutTests {
  static let oldText = (1...30).map { "Linje \($0) om åbenhed\n" }.joined()
  static var newText: String {
    var lines = (1...30).map { "Linje \($0) om åbenhed\n" }
    lines[1] = "Linje 2 om ærlighed\n"
    lines.insert("Ny linje før 10\n", at: 9)
    lines.remove(at: 20)
    lines.append("Sidste linje uden linjeskift")
    return lines.joined()
  }

  /// Everything from the first hunk header on, which is where git and libgit2 must agree; the `diff --git` /
  /// `index` preamble legitimately differs (git names blob ids, we name paths).
  static func hunkBodies(_ text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let first = lines.firstIndex(where: { $0.hasPrefix("@@") }) else { return [] }
    return Array(lines[first...])
  }

  @Test("unifiedDiff hunks match git diff for the same two blobs", arguments: [0, 1, 3, 5])
  func unifiedDiffAgreesWithGit(contextLines: Int) throws {
    let fixture = try Fixture()
    let old = Data(Self.oldText.utf8)
    let new = Data(Self.newText.utf8)
    let oldID = try fixture.repo.writeBlob(old)
    let newID = try fixture.repo.writeBlob(new)

    let ours = try fixture.repo.unifiedDiff(
      old: old, new: new, oldPath: "sections/forord.md", newPath: "sections/forord.md", contextLines: contextLines)
    let theirs = try fixture.git("diff", "-U\(contextLines)", oldID.hex, newID.hex).text
    #expect(Self.hunkBodies(ours) == Self.hunkBodies(theirs))
    #expect(!Self.hunkBodies(ours).isEmpty)
    #expect(ours.contains("--- a/sections/forord.md\n+++ b/sections/forord.md\n"))
    #expect(ours.hasPrefix("diff --git a/sections/forord.md b/sections/forord.md\n"))

    // And with git's own --no-index on files in the work tree.
    try fixture.write("old.md", Self.oldText)
    try fixture.write("new.md", Self.newText)
    let noIndex = try fixture.git("diff", "--no-index", "-U\(contextLines)", "old.md", "new.md", allowFailure: true)
    #expect(noIndex.status == 1, "git diff --no-index exits 1 when files differ")
    #expect(Self.hunkBodies(ours) == Self.hunkBodies(noIndex.text))
  }

  @Test("unifiedDiff of equal contents is empty; renames show both paths; empty old side is an empty file")
  func unifiedDiffEdges() throws {
    let fixture = try Fixture()
    let text = Data("same\n".utf8)
    #expect(try fixture.repo.unifiedDiff(old: text, new: text, oldPath: "a.md", newPath: "a.md") == "")
    let renamed = try fixture.repo.unifiedDiff(old: text, new: Data("other\n".utf8), oldPath: "a.md", newPath: "b.md")
    #expect(renamed.contains("--- a/a.md\n+++ b/b.md\n"))
    let created = try fixture.repo.unifiedDiff(old: Data(), new: text, oldPath: "n.md", newPath: "n.md")
    #expect(Self.hunkBodies(created) == ["@@ -0,0 +1 @@", "+same", ""])
  }

  @Test("diffHunks gives git's line numbers for changed, inserted, deleted and shifted lines")
  func hunkLineNumbers() throws {
    let fixture = try Fixture()
    let old = "en\nto\ntre\nfire\nfem\nseks\n"
    let new = "nul\nen\nTO\ntre\nfire\nseks\nsyv\n"
    let hunks = try fixture.repo.diffHunks(old: Data(old.utf8), new: Data(new.utf8))
    #expect(hunks == [
      DiffHunk(oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, header: "@@ -0,0 +1 @@", lines: [
        DiffLine(origin: .addition, oldLine: nil, newLine: 1, text: "nul")
      ]),
      DiffHunk(oldStart: 2, oldLines: 1, newStart: 3, newLines: 1, header: "@@ -2 +3 @@ en", lines: [
        DiffLine(origin: .deletion, oldLine: 2, newLine: nil, text: "to"),
        DiffLine(origin: .addition, oldLine: nil, newLine: 3, text: "TO"),
      ]),
      DiffHunk(oldStart: 5, oldLines: 1, newStart: 5, newLines: 0, header: "@@ -5 +5,0 @@ fire", lines: [
        DiffLine(origin: .deletion, oldLine: 5, newLine: nil, text: "fem")
      ]),
      DiffHunk(oldStart: 6, oldLines: 0, newStart: 7, newLines: 1, header: "@@ -6,0 +7 @@ seks", lines: [
        DiffLine(origin: .addition, oldLine: nil, newLine: 7, text: "syv")
      ]),
    ])
    // The same numbers — and function context — git prints.
    let oldID = try fixture.blob(old)
    let newID = try fixture.blob(new)
    let headers = try fixture.git("diff", "-U0", oldID.hex, newID.hex).lines.filter { $0.hasPrefix("@@") }
    #expect(headers == hunks.map(\.header))

    let withContext = try fixture.repo.diffHunks(old: Data(old.utf8), new: Data(new.utf8), contextLines: 1)
    let contextLines = withContext.flatMap(\.lines).filter { $0.origin == .context }
    #expect(contextLines.contains(DiffLine(origin: .context, oldLine: 3, newLine: 4, text: "tre")))
    #expect(contextLines.allSatisfy { $0.oldLine != nil && $0.newLine != nil })
  }

  @Test("diffHunks leaves out the no-newline-at-end marker")
  func noNewlineMarker() throws {
    let fixture = try Fixture()
    let hunks = try fixture.repo.diffHunks(old: Data("a\nb".utf8), new: Data("a\nc".utf8))
    #expect(hunks.count == 1)
    #expect(hunks[0].lines == [
      DiffLine(origin: .deletion, oldLine: 2, newLine: nil, text: "b"),
      DiffLine(origin: .addition, oldLine: nil, newLine: 2, text: "c"),
    ])
  }

  @Test("checkoutHead writes main's files into the work tree and leaves git status clean")
  func checkoutHeadAfterMainMoves() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    try repo.checkoutHead()  // unborn HEAD: nothing to do, no error

    try fixture.advance(["sections/forord.md": "forord v1\n", "sections/old.md": "gammel\n", "README.md": "læs\n"],
      message: "v1")
    try repo.checkoutHead()
    #expect(fixture.read("sections/forord.md") == "forord v1\n")
    #expect(fixture.read("README.md") == "læs\n")
    #expect(try fixture.git("status", "--porcelain").text == "")

    try fixture.advance(["sections/forord.md": "forord v2\n", "sections/ny.md": "ny\n"], removing: ["sections/old.md"],
      message: "v2")
    try repo.checkoutHead()
    #expect(fixture.read("sections/forord.md") == "forord v2\n")
    #expect(fixture.read("sections/ny.md") == "ny\n")
    #expect(fixture.read("sections/old.md") == nil)
    #expect(try fixture.git("status", "--porcelain").text == "")
    #expect(try fixture.git("diff", "--cached", "--quiet", "HEAD").status == 0, "index matches HEAD")
  }

  @Test("checkoutHead keeps the user's edits and refuses when an incoming change would overwrite one")
  func checkoutHeadIsSafe() throws {
    let fixture = try Fixture()
    let repo = fixture.repo
    try fixture.advance(["a.md": "a1\n", "b.md": "b1\n"], message: "v1")
    try repo.checkoutHead()

    // The user edits b.md; main then changes only a.md: a.md updates, the edit to b.md survives.
    try fixture.write("b.md", "b edited by hand\n")
    try fixture.advance(["a.md": "a2\n"], message: "v2")
    try repo.checkoutHead()
    #expect(fixture.read("a.md") == "a2\n")
    #expect(fixture.read("b.md") == "b edited by hand\n")
    #expect(try fixture.git("status", "--porcelain").text == " M b.md\n")

    // Now main changes b.md too: refuse rather than destroy the edit, and write nothing at all.
    try fixture.advance(["a.md": "a3\n", "b.md": "b3\n"], message: "v3")
    #expect(throws: GitError.self) { try repo.checkoutHead() }
    #expect(fixture.read("b.md") == "b edited by hand\n")
    #expect(fixture.read("a.md") == "a2\n")

    // Untracked files in the way are not overwritten either.
    try fixture.write("c.md", "mine\n")
    try fixture.write("b.md", "b1\n")
    try fixture.advance(["c.md": "theirs\n"], message: "v4")
    #expect(throws: GitError.self) { try repo.checkoutHead() }
    #expect(fixture.read("c.md") == "mine\n")
  }
}
