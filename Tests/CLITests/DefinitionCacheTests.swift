import Foundation
import Testing

/// The parsed definition is cached in `.policyflow/definition.cache`; these show the cache never changes what a
/// command sees: a committed change to a definition file takes effect at once, and a damaged cache is ignored.
@Suite("definition cache")
struct DefinitionCacheTests {
  static let newcomer = """
      - id: ny-anmelder
        name: Nanna Nykommer
        email: nanna.nykommer@example.invalid
        departments: []
        committees: [BIU]
        roles: [reviewer]

    """

  @Test("a member committed to main can act at once, although the cache was written before")
  func committedChangeMisses() throws {
    let w = try TemplateWorkspace()
    let cache = w.root.appendingPathComponent(".policyflow/definition.cache")
    let before = try w.pf(["comment", "forord", "-m", "Hej"], as: "ny-anmelder")
    #expect(before.status == 66, "an unknown person is refused: \(before.stderr)")
    #expect(FileManager.default.fileExists(atPath: cache.path), "the first command wrote the cache")

    let members = w.root.appendingPathComponent("members.yaml")
    let text = try String(contentsOf: members, encoding: .utf8)
    // The newcomer brings a key of her own (the template requires signed acts).
    let keyFile = w.scratch.url.appendingPathComponent("ny-anmelder-key")
    #expect(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile.path]).status == 0)
    let publicKey = try String(contentsOf: keyFile.appendingPathExtension("pub"), encoding: .utf8)
      .split(separator: " ").prefix(2).joined(separator: " ")
    let newcomer = Self.newcomer.replacingOccurrences(
      of: "    roles: [reviewer]\n", with: "    roles: [reviewer]\n    keys: [\"\(publicKey)\"]\n")
    try text.replacingOccurrences(of: "members:\n", with: "members:\n" + newcomer)
      .write(to: members, atomically: true, encoding: .utf8)
    #expect(try CLI.git(TestKeys.signing() + ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qam", "Ny anmelder"],
      in: w.root).status == 0)

    let after = try CLI.policyflow(
      ["comment", "forord", "-m", "Hej"],
      environment: ["POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_USER": "ny-anmelder", "POLICYFLOW_SIGNING_KEY": keyFile.path])
    #expect(after.status == 0, "the committed member may comment: \(after.stderr)")
    let comments = try w.pf(["comments", "forord", "--json"])
    #expect(comments.stdout.contains("Nanna Nykommer"))
  }

  @Test("a damaged or foreign cache file is ignored and replaced; output stays the same")
  func damagedCacheIsIgnored() throws {
    let w = try TemplateWorkspace()
    let cache = w.root.appendingPathComponent(".policyflow/definition.cache")
    let first = try w.pf(["status", "--json"])
    #expect(first.status == 0)
    let written = try Data(contentsOf: cache)
    #expect(written.starts(with: Data("PFDEF".utf8)))
    #expect(try w.pf(["status", "--json"]).stdout == first.stdout, "a cache hit gives the same status")

    var flipped = written
    flipped[flipped.count - 10] ^= 0xFF
    for damaged in [Data("not a cache".utf8), written.prefix(written.count / 2), flipped] {
      try damaged.write(to: cache)
      let again = try w.pf(["status", "--json"])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(again.stdout == first.stdout)
      #expect(try Data(contentsOf: cache) == written, "the damaged cache was replaced by a sound one")
    }
  }

  @Test("a broken definition committed on main is refused even while a sound cache exists")
  func brokenCommitIsNotHiddenByTheCache() throws {
    let w = try TemplateWorkspace()
    #expect(try w.pf(["status"]).status == 0)
    let policy = w.root.appendingPathComponent("policy.yaml")
    let text = try String(contentsOf: policy, encoding: .utf8)
    try text.replacingOccurrences(of: "workflow: section-review", with: "workflow: [section-review")
      .write(to: policy, atomically: true, encoding: .utf8)
    #expect(try CLI.git(TestKeys.signing() + ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qam", "Fejl"],
      in: w.root).status == 0)
    let refused = try w.pf(["status"])
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains("policy.yaml"))
  }
}
