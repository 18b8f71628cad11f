import Clibgit2
import Foundation
import Testing

@testable import PolicyGit

@Suite("reference names and error messages")
struct ReferenceNameAndOwnershipTests {
  @Test("isValidReferenceName answers as git check-ref-format does", arguments: [
    "refs/tags/2023-hoering", "refs/tags/v1.0", "refs/tags/HEAD", "refs/heads/sections/forord", "refs/tags/x.lock",
    "refs/tags/a.", "refs/tags/a..b", "refs/tags/a b", "refs/tags/a@{1}", "refs/tags/.skjult", "refs/tags/a/",
    "refs/tags/-x", "refs/tags/æøå", "refs/tags/a~1", "refs/tags/a:b", "refs/tags/a\u{7F}",
  ])
  func sameAsGit(_ name: String) throws {
    let git = Process()
    git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    git.arguments = ["git", "check-ref-format", name]
    git.standardOutput = FileHandle.nullDevice
    git.standardError = FileHandle.nullDevice
    try git.run()
    git.waitUntilExit()
    #expect(Repository.isValidReferenceName(name) == (git.terminationStatus == 0), "\(name)")
  }

  @Test("a NUL inside the name is invalid, not truncated")
  func nul() {
    #expect(!Repository.isValidReferenceName("refs/tags/a\u{0}b"))
  }

  @Test("a GitError prints as its message, never as a dump of its fields")
  func description() {
    let error = GitError(kind: .locked, operation: "update reference refs/heads/main", message: "locked", code: -14)
    #expect("\(error)" == "update reference refs/heads/main: locked")
    #expect(!"\(error)".contains("GitError("))
  }

  @Test("another user's repository: what, why, and the safe.directory command with the path")
  func ownership() {
    let error = GitError(
      kind: .other, operation: "open repository at /srv/politik",
      message: "repository path '/srv/politik/' is not owned by current user", code: GIT_EOWNER.rawValue)
    #expect(error.isOwnershipMismatch)
    let text = "\(error)"
    #expect(text.hasPrefix("the git repository /srv/politik belongs to another user of this computer than you"))
    #expect(text.contains("\n    git config --global --add safe.directory /srv/politik\n"))
    let spaced = GitError(
      kind: .other, operation: "open", message: "repository path '/srv/min politik/' is not owned by current user",
      code: GIT_EOWNER.rawValue)
    #expect("\(spaced)".contains("safe.directory '/srv/min politik'\n"))
  }
}
