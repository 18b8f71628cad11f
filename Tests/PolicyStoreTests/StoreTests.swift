import Foundation
import GRDB
import Testing

@testable import PolicyStore

@Suite("Store")
struct StoreTests {
  let directory: URL
  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("pf-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func openStore() throws -> Store {
    try Store(path: directory.appendingPathComponent("policy.sqlite"), hasher: { "h(\($0.count))-\($0.hashValue)" })
  }

  func sqlite(_ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [directory.appendingPathComponent("policy.sqlite").path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("the migrations create every table, in WAL mode with foreign keys")
  func migration() throws {
    let store = try openStore()
    #expect(try store.appliedMigrations().count == 3)
    let tables = try sqlite("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").split(separator: "\n")
    for table in ["comment", "event", "pendingRef", "requirement", "requirementLink", "revision", "section", "signoff"] {
      #expect(tables.contains(Substring(table)), "missing table \(table)")
    }
    #expect(try sqlite("PRAGMA journal_mode") == "wal")
    let revisionColumns = try sqlite("SELECT name FROM pragma_table_info('revision')").split(separator: "\n")
    #expect(revisionColumns.contains("headings"), "v2 adds the recorded headings")
    #expect(try sqlite("SELECT count(*) FROM sqlite_master WHERE type='index' AND name='comment_open_threads'") == "1")
    // Opening again does not re-run the migrations.
    _ = try openStore()
    #expect(try sqlite("SELECT count(*) FROM grdb_migrations") == "3")
  }

  @Test("foreign keys refuse a revision of an unknown section")
  func foreignKeys() throws {
    let store = try openStore()
    #expect(throws: (any Error).self) {
      try store.write { tx in
        try tx.insertRevision(RevisionRecord(
          sectionId: "nope", number: 0, commitId: "c", blobId: "b", contentHash: "h", authorId: "a", message: "",
          createdAt: Date(), headings: nil))
      }
    }
    #expect(try sqlite("SELECT count(*) FROM revision") == "0")
  }

  @Test("a failing write rolls back everything it did")
  func rollback() throws {
    let store = try openStore()
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try store.write { tx in
        try tx.insertSection(SectionRecord(id: "forord", position: 0, state: "draft", latestRevision: 0, updatedAt: Date()))
        throw Boom()
      }
    }
    #expect(try store.read { try $0.sections() }.isEmpty)
  }

  @Test("events chain: each carries the previous hash, and the log refuses edits")
  func eventChain() throws {
    let store = try openStore()
    let (first, second) = try store.write { tx in
      (try tx.appendEvent(EventRecord(at: Date(), actor: "anne", action: "init")),
       try tx.appendEvent(EventRecord(at: Date(), actor: "anne", action: "submit", sectionId: "x")))
    }
    #expect(first.prevHash == "")
    #expect(second.prevHash == first.hash)
    let stored = try store.read { try $0.events() }
    #expect(stored.map(\.hash) == [first.hash, second.hash])
    #expect(store.chainHash(of: stored[1]) == stored[1].hash)
    #expect(throws: (any Error).self) {
      try store.write { tx in try tx.db.execute(sql: "UPDATE event SET actor = 'mallory'") }
    }
    #expect(try sqlite("SELECT actor FROM event ORDER BY id") == "anne\nanne")
  }

  @Test("integrity findings are empty on a healthy database")
  func integrity() throws {
    let store = try openStore()
    #expect(try store.sqliteIntegrityFindings().isEmpty)
  }
}
