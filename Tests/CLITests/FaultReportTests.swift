import Foundation
import Testing

/// A failure after the commit point (the record ref moved) is reported as what it is: the action happened and the
/// next write completes it. A foreign lock on `main` during the final sign-off used to end in exit 70 although the
/// approval was recorded, and the lock was deleted without a word.
@Suite("faults after the commit point: reported as recorded, completed by the next write")
struct FaultReportTests {
  @Test("a foreign refs/heads/main.lock at the final sign-off: 75, 'recorded … do not repeat'; the next write completes it and says whose lock it removed")
  func foreignMainLock() throws {
    let w = try TemplateWorkspace()
    let section = "forord"
    try w.ok(["submit", section, try w.scratch.file("f.md", try w.templateText(section)).path], as: "anne-bif")
    let signers = Roster.signers(section)
    for signer in signers.dropLast() { try w.ok(["approve", section], as: signer) }
    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    let lock = w.root.appendingPathComponent(".git/refs/heads/main.lock")
    try "not policyflow's\n".write(to: lock, atomically: true, encoding: .utf8)

    let last = try w.pf(["approve", section], as: signers.last!)
    #expect(last.status == 75, "\(last.stdout)\(last.stderr)")
    #expect(last.stderr.contains("was recorded") && last.stderr.contains("Do not repeat it"), "\(last.stderr)")
    #expect(!last.stderr.contains("internal error"))
    #expect(try CLI.git(["rev-parse", "main"], in: w.root).stdout == mainBefore, "main could not move")
    let recorded = try CLI.git(["log", "-1", "--format=%(trailers:key=Policyflow-Action,valueonly)", "refs/policyflow/sections/\(section)"], in: w.root)
    #expect(recorded.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "signoff", "the sign-off is in the record")
    #expect(FileManager.default.fileExists(atPath: lock.path), "the foreign lock was not touched by the failing command")

    // The next write completes the approval, removing the lock and saying it was not policyflow's.
    let next = try w.pf(["comment", section, "-m", "Tak"], as: "soren-biu")
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stderr.contains("main.lock") && next.stderr.contains("which policyflow did not write"), "\(next.stderr)")
    #expect(try w.state(section) == "approved")
    #expect(try CLI.git(["show", "main:sections/\(section).md"], in: w.root).stdout == (try w.templateText(section)))
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }

  @Test("a full disk (a small tmpfs filled up): writes 75 'the disk … is full', reads work, nothing lost once space is freed")
  func fullDisk() throws {
    let scratch = try Scratch("pf-full-disk")
    let mountPoint = scratch.url.appendingPathComponent("disk")
    try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
    let mounted = try CLI.run("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint.path])
    #expect(mounted.status == 0, "mount tmpfs: \(mounted.stderr)")
    defer { _ = try? CLI.run("umount", [mountPoint.path]) }
    let keys = mountPoint.appendingPathComponent("keys")
    try FileManager.default.createSymbolicLink(at: keys, withDestinationURL: TestKeys.shared)
    let root = mountPoint.appendingPathComponent("policy")
    let made = try CLI.policyflow(["init", root.path, "--generate-keys", keys.path])
    #expect(made.status == 0, "\(made.stderr)")
    func pf(_ arguments: [String], as person: String? = nil) throws -> Run {
      var environment = ["POLICYFLOW_WORKSPACE": root.path]
      if let person { environment["POLICYFLOW_USER"] = person }
      return try CLI.policyflow(arguments, in: mountPoint, environment: environment)
    }
    #expect(try pf(["comment", "forord", "-m", "Før"], as: "soren-biu").status == 0)
    let before = try pf(["status", "--json"]).stdout
    let filler = mountPoint.appendingPathComponent("filler")
    _ = try CLI.run("dd", ["if=/dev/zero", "of=\(filler.path)", "bs=64k"])
    let full = try pf(["comment", "forord", "-m", "Fuld disk"], as: "soren-biu")
    #expect(full.status == 75, "\(full.stderr)")
    #expect(full.stderr.contains("is full") && !full.stderr.contains("internal error"), "\(full.stderr)")
    let status = try pf(["status", "--json"])
    #expect(status.status == 0 && status.stdout == before, "reading works on a full disk: \(status.stderr)")
    try FileManager.default.removeItem(at: filler)
    #expect(try pf(["comment", "forord", "-m", "Efter"], as: "soren-biu").status == 0)
    let comments = try pf(["comments", "forord"]).stdout
    #expect(comments.contains("Før") && comments.contains("Efter") && !comments.contains("Fuld disk"), "\(comments)")
    #expect(try pf(["verify"]).status == 0)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: root).status == 0)
  }

  @Test("packing: with a low threshold a write packs the loose objects; git and verify read the result")
  func packingAfterWrites() throws {
    let w = try TemplateWorkspace()
    let looseBefore = try CLI.git(["count-objects", "-v"], in: w.root).stdout
    #expect(looseBefore.contains("count: ") && !looseBefore.contains("count: 0\n"))
    let run = try w.pf(["comment", "forord", "-m", "Pak nu"], as: "soren-biu", environment: ["POLICYFLOW_PACK_THRESHOLD": "-1"])
    #expect(run.status == 0, "\(run.stderr)")
    let after = try CLI.git(["count-objects", "-v"], in: w.root).stdout
    #expect(after.contains("in-pack: ") && !after.contains("in-pack: 0\n"), "\(after)")
    let loose = Int(after.split(separator: "\n").first { $0.hasPrefix("count: ") }?.dropFirst(7) ?? "") ?? -1
    #expect(loose >= 0 && loose < 5, "only objects no ref reaches stay loose: \(after)")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
    #expect(try w.ok(["status", "--json"]).stdout.contains("forord"))
  }
  @Test("refs: a write leaves a few loose (packing rewrites every ref), and packs them once many are loose")
  func refsPackedWhenMany() throws {
    let w = try TemplateWorkspace()
    let refs = w.root.appendingPathComponent(".git/refs")
    func loose() throws -> [String] {
      let found = try CLI.run("/usr/bin/find", [refs.path, "-type", "f"]).stdout
      return found.split(separator: "\n").map { String($0.dropFirst(refs.path.count + 1)) }
        .filter { $0.hasPrefix("policyflow/") || $0.hasPrefix("heads/sections/") }.sorted()
    }
    try w.ok(["reindex"])  // packs everything
    #expect(try loose().isEmpty)
    let environment = ["POLICYFLOW_REF_PACK_THRESHOLD": "3"]
    #expect(try w.pf(["comment", "forord", "-m", "Første"], as: "soren-biu", environment: environment).status == 0)
    #expect(try loose() == ["policyflow/sections/forord"], "one loose ref, not packed yet")
    #expect(try w.pf(["comment", "kultur-og-fritid", "-m", "Anden"], as: "soren-biu", environment: environment).status == 0)
    #expect(try loose().count == 2)
    // A third loose ref reaches the threshold: this write packs all of them, and git still reads every ref.
    #expect(try w.pf(["comment", "by-og-bolig", "-m", "Tredje"], as: "soren-biu", environment: environment).status == 0)
    let left = try loose()
    #expect(left.isEmpty, "\(left)")
    let log = try CLI.git(["log", "--format=%B", "refs/policyflow/sections/kultur-og-fritid"], in: w.root).stdout
    #expect(log.contains("Anden"))
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("packed-refs.lock: a foreign one is left alone (the refs stay loose); one beside the pid of a killed pack of ours is removed, saying so")
  func packedRefsLock() throws {
    let w = try TemplateWorkspace()
    let lock = w.root.appendingPathComponent(".git/packed-refs.lock")
    let foreign = "# pack-refs with: peeled fully-peeled sorted \n"
    try foreign.write(to: lock, atomically: true, encoding: .utf8)
    let first = try w.pf(["comment", "forord", "-m", "Første"], as: "soren-biu")
    #expect(first.status == 0, "\(first.stderr)")
    #expect(try String(contentsOf: lock, encoding: .utf8) == foreign, "a lock policyflow did not take is not touched")
    let loose = w.root.appendingPathComponent(".git/refs/policyflow/sections/forord")
    #expect(FileManager.default.fileExists(atPath: loose.path), "the record ref stays loose while the lock is held")

    // What a pack of ours killed inside libgit2 leaves: the lock, and our marker naming a process that has ended.
    let ended = try CLI.run("/bin/sh", ["-c", "echo $$"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try "\(ended)\n".write(to: w.root.appendingPathComponent(".policyflow/packing-refs"), atomically: true, encoding: .utf8)
    let second = try w.pf(["comment", "forord", "-m", "Anden"], as: "soren-biu")
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("packed-refs.lock") && second.stderr.contains("interrupted pack of refs"), "\(second.stderr)")
    #expect(!FileManager.default.fileExists(atPath: lock.path))
    #expect(!FileManager.default.fileExists(atPath: loose.path), "the refs are packed again")
    #expect(!FileManager.default.fileExists(atPath: w.root.appendingPathComponent(".policyflow/packing-refs").path))
    #expect(try CLI.git(["log", "--format=%B", "refs/policyflow/sections/forord"], in: w.root).stdout.contains("Anden"))
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.git(["fsck", "--strict", "--no-dangling"], in: w.root).status == 0)
  }
}
