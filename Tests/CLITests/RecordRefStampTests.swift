import Foundation
import Testing

/// A command skips listing the record refs when their stamp (`packed-refs`' identity and the loose refs' values) is
/// the one the index stored when it last held exactly them. These tests check that the stamp is kept, and that any
/// move of a record ref by plain git — loose, or packed into `packed-refs` — still reaches the index.
@Suite("the record refs' stamp: nothing listed when nothing moved, every move still seen")
struct RecordRefStampTests {
  static let section = "kultur-og-fritid"
  static let ref = "refs/policyflow/sections/kultur-og-fritid"

  static func git(_ w: TemplateWorkspace, _ arguments: [String]) throws -> String {
    let run = try CLI.git(arguments, in: w.root)
    #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func stamp(_ w: TemplateWorkspace) throws -> String {
    try CLI.sqlite(w.root, "SELECT stamp FROM recordRefStamp")
  }

  /// Two comments on the section, the second after `packed-refs` has aged past the two seconds a stamp waits.
  static func workspaceWithStamp() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    try w.ok(["comment", section, "-m", "Første"], as: "rasmus-kfu")
    Thread.sleep(forTimeInterval: 2.1)
    try w.ok(["comment", section, "-m", "Anden"], as: "rasmus-kfu")
    return w
  }

  @Test("a write stores the stamp of the refs the index holds: the loose record refs with their commits")
  func writeStoresStamp() throws {
    let w = try Self.workspaceWithStamp()
    let stamp = try Self.stamp(w)
    let tip = try Self.git(w, ["rev-parse", Self.ref])
    #expect(stamp.hasPrefix("packed-refs "))
    #expect(stamp.contains("\(Self.ref) \(tip)"), "\(stamp)")
    // Every loose record ref is in it, and nothing else.
    let loose = try Self.git(w, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/policyflow/"])
      .split(separator: "\n").map(String.init)
    let lines = stamp.split(separator: "\n").dropFirst().map(String.init)
    #expect(Set(lines).isSubset(of: Set(loose)))
    #expect(lines.contains("\(Self.ref) \(tip)"))
    // A reading command changes nothing in the index, the stamp included.
    let before = try CLI.fingerprint(of: w.root)
    try w.ok(["status", "--json"])
    #expect(try CLI.fingerprint(of: w.root) == before)
  }

  @Test("a loose record ref moved back by plain git after the stamp was stored is seen by the next command")
  func looseMoveSeen() throws {
    let w = try Self.workspaceWithStamp()
    #expect(try !Self.stamp(w).isEmpty)
    _ = try Self.git(w, ["update-ref", Self.ref, "\(Self.ref)~1"])
    let status = try w.ok(["status"])
    #expect(status.stderr.contains("moved back"), "\(status.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE body = 'Anden'") == "0")
    #expect(try w.verifyFindings().isEmpty == false)
  }

  @Test("a record ref moved back inside packed-refs, with the same loose refs as the stamp, is seen by the next command")
  func packedMoveSeen() throws {
    let w = try Self.workspaceWithStamp()
    _ = try Self.git(w, ["pack-refs", "--all"])
    Thread.sleep(forTimeInterval: 2.1)
    // A write on another section: the stamp has packed-refs' identity and that section's loose ref only.
    try w.ok(["comment", "forord", "-m", "Forordet"], as: "soren-biu")
    let stamp = try Self.stamp(w)
    #expect(stamp.contains("refs/policyflow/sections/forord "), "\(stamp)")
    #expect(!stamp.contains(Self.ref), "\(stamp)")
    // Plain git moves the section's ref back and leaves it in packed-refs only: the loose refs are what the stamp says.
    let back = try Self.git(w, ["rev-parse", "\(Self.ref)~1"])
    _ = try Self.git(w, ["update-ref", Self.ref, back])
    _ = try Self.git(w, ["pack-refs", "--all", "--no-prune"])
    try FileManager.default.removeItem(at: w.root.appendingPathComponent(".git/" + Self.ref))
    #expect(try Self.git(w, ["rev-parse", Self.ref]) == back)
    let status = try w.ok(["status"])
    #expect(status.stderr.contains("moved back"), "\(status.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE body = 'Anden'") == "0")
  }

  @Test("a record commit fetched from another copy is indexed by the next command although a stamp was stored")
  func fetchedActionSeen() throws {
    let w = try Self.workspaceWithStamp()
    let other = try TemplateWorkspace()
    try other.replaceContents(withCopyOf: w.root)
    try other.ok(["comment", Self.section, "-m", "Fra den anden kopi"], as: "maja-kfu")
    _ = try Self.git(w, ["fetch", "--quiet", other.root.path, "+refs/policyflow/*:refs/policyflow/*"])
    try w.ok(["status"])
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE body = 'Fra den anden kopi'") == "1")
    #expect(try w.verifyFindings().isEmpty)
  }
}
