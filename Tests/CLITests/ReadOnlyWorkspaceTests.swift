import Foundation
import Testing

/// A read-only copy of a workspace (an archive on a read-only mount) can be read: status, show, log, comments, audit,
/// coverage and verify work from a private temporary copy of the index; every write is refused with 77 and says why.
/// The mount is a real read-only bind mount (the suite runs as root, as CI does).
@Suite("a read-only workspace: reading works, writing is refused clearly")
struct ReadOnlyWorkspaceTests {
  @Test("on a read-only bind mount: reads exit 0 with the same output, writes 77, nothing written anywhere in it")
  func readOnlyMount() throws {
    let w = try TemplateWorkspace()
    try w.ok(["comment", "forord", "-m", "En bemærkning"], as: "soren-biu")
    let expected = try w.ok(["status", "--json"]).stdout
    let mountPoint = w.scratch.url.appendingPathComponent("archive")
    try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
    let bound = try CLI.run("mount", ["--bind", w.root.path, mountPoint.path])
    #expect(bound.status == 0, "mount --bind: \(bound.stderr)")
    defer { _ = try? CLI.run("umount", [mountPoint.path]) }
    let readOnly = try CLI.run("mount", ["-o", "remount,bind,ro", mountPoint.path])
    #expect(readOnly.status == 0, "remount read-only: \(readOnly.stderr)")
    #expect(try CLI.run("touch", [mountPoint.appendingPathComponent("probe").path]).status != 0, "the mount is read-only")
    let fingerprint = try CLI.fingerprint(of: w.root)

    func pf(_ arguments: [String], as person: String? = nil) throws -> Run {
      var environment = ["POLICYFLOW_WORKSPACE": mountPoint.path]
      if let person { environment["POLICYFLOW_USER"] = person }
      return try CLI.policyflow(arguments, in: w.scratch.url, environment: environment)
    }
    let status = try pf(["status", "--json"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout == expected)
    for arguments in [["show", "forord"], ["log", "forord"], ["comments", "forord"], ["audit"], ["req", "coverage"], ["verify"]] {
      let run = try pf(arguments)
      #expect(run.status == 0, "\(arguments): \(run.status) \(run.stderr)")
    }
    let write = try pf(["comment", "forord", "-m", "Må ikke lykkes"], as: "soren-biu")
    #expect(write.status == 77, "\(write.stderr)")
    #expect(write.stderr.contains("read-only") && write.stderr.contains("nothing can be recorded"), "\(write.stderr)")
    #expect(try CLI.fingerprint(of: w.root) == fingerprint, "nothing in the workspace changed")
  }
}
