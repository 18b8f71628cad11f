import Foundation
import Testing

/// A damaged index (`.policyflow/policy.sqlite`) is only an index: `verify` reports the damage as a finding instead of
/// failing with 70, `reindex` repairs it, and a file that is no database at all is set aside and rebuilt by any command.
@Suite("a damaged index: verify reports it, reindex repairs it, nothing of the record is lost")
struct IndexDamageTests {
  static func prepared() throws -> (TemplateWorkspace, String) {
    let w = try TemplateWorkspace()
    try w.ok(["submit", "kultur-og-fritid", try w.scratch.file("k.md", Roster.areaText("kultur-og-fritid")).path], as: "karen-kff")
    for index in 1...20 { try w.ok(["comment", "kultur-og-fritid", "-m", "Bemærkning \(index)"], as: "rasmus-kfu") }
    return (w, try w.ok(["status", "--json"]).stdout)
  }

  static var database: String { ".policyflow/policy.sqlite" }

  /// Overwrites `length` bytes at `offset` of the index with 0xA5.
  static func damage(_ w: TemplateWorkspace, at offset: UInt64, length: Int) throws {
    let file = w.root.appendingPathComponent(database)
    // A write leaves its log for the next command; checkpoint it so that the damage lands in the database file.
    _ = try CLI.sqlite(w.root, "PRAGMA wal_checkpoint(TRUNCATE)")
    let wal = (try? FileManager.default.attributesOfItem(atPath: file.path + "-wal")[.size] as? Int) ?? 0
    #expect(wal == 0, "the index is checkpointed: the damage lands in the database file itself")
    let handle = try FileHandle(forWritingTo: file)
    try handle.seek(toOffset: offset)
    handle.write(Data(repeating: 0xA5, count: length))
    try handle.close()
  }

  @Test("corrupted pages: verify exits 1 with an sqlite finding (not 70); reindex repairs; the outputs are as before")
  func corruptedPages() throws {
    let (w, before) = try Self.prepared()
    let size = try FileManager.default.attributesOfItem(atPath: w.root.appendingPathComponent(Self.database).path)[.size] as? UInt64 ?? 0
    #expect(size > 16_384)
    try Self.damage(w, at: 4096, length: Int(size) - 8192)
    let verified = try w.pf(["verify"])
    #expect(verified.status == 1, "\(verified.stdout)\(verified.stderr)")
    #expect(verified.stdout.contains("sqlite"), "\(verified.stdout)")
    let reindexed = try w.pf(["reindex"])
    #expect(reindexed.status == 0, "\(reindexed.stderr)")
    #expect(try w.ok(["status", "--json"]).stdout == before)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a file that is no database at all: the next command sets it aside, rebuilds the index and says so")
  func notADatabase() throws {
    let (w, before) = try Self.prepared()
    try Self.damage(w, at: 0, length: 100)
    let status = try w.pf(["status", "--json"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stderr.contains("was damaged") && status.stderr.contains("policy.sqlite.damaged"), "\(status.stderr)")
    #expect(status.stdout == before)
    #expect(FileManager.default.fileExists(atPath: w.root.appendingPathComponent(Self.database + ".damaged").path))
    #expect(try w.verifyFindings().isEmpty, "the rebuilt index is the record's")
  }
}
