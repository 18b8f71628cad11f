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

  /// The columns of `table` in the order `SELECT *` returns them.
  func schemaColumns(_ table: String) throws -> [String] {
    try sqlite("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid").split(separator: "\n").map(String.init)
  }

  static func layout<Record: PositionalRecord>(_ record: Record.Type) -> (table: String, columns: [String]) {
    (Record.databaseTableName, Record.Layout.allCases.map { "\($0)" })
  }

  @Test("records read by position declare their table's columns in the schema's order")
  func positionalLayouts() throws {
    _ = try openStore()
    for (table, columns) in [
      Self.layout(SectionRecord.self), Self.layout(RevisionRecord.self), Self.layout(SignoffRecord.self),
      Self.layout(RequirementRecord.self), Self.layout(RequirementLinkRecord.self),
    ] {
      #expect(try schemaColumns(table) == columns, "table \(table)")
    }
  }

  @Test("records written by position name their layout's columns, in order")
  func positionalWrites() throws {
    func names<Record: PositionalWritable>(_ record: Record.Type) -> Bool {
      Record.statements.columnNames == Record.Layout.allCases.map { "\($0)" }
    }
    #expect(names(SectionRecord.self) && names(RevisionRecord.self) && names(SignoffRecord.self))
    #expect(names(RequirementRecord.self) && names(RequirementLinkRecord.self))
    // Written by position and read back by position: the same record, for each table the write path fills.
    let store = try openStore()
    let time = Date(timeIntervalSince1970: 1_764_000_000.5)
    let section = SectionRecord(
      id: "a", position: 3, state: "approved", latestRevision: 2, approvedRevision: 2, approvedCommit: "c0ffee",
      updatedAt: time)
    var revision = RevisionRecord(
      sectionId: "a", number: 2, commitId: "abc", blobId: "def", contentHash: "123", authorId: "anne",
      message: "Tekst", createdAt: time, headings: "# A")
    var signoff = SignoffRecord(
      sectionId: "a", revisionNumber: 2, contentHash: "123", personId: "bo", capacity: "reviewer", groupCode: "ØKF",
      decision: .requestChanges, message: "Nej", createdAt: time)
    let requirement = RequirementRecord(
      id: "R-1", kind: "input", source: "borgermøde", theme: nil, text: "Mere tid", textHash: "h", targets: ["a"],
      file: "requirements/r.yaml", position: 1)
    var link = RequirementLinkRecord(
      requirementId: "R-1", sectionId: "a", kind: .waived, note: "Ikke her", revisionNumber: 2, lineStart: nil,
      lineEnd: nil, linkedTextHash: "t", requirementHash: "h", createdBy: "anne", createdAt: time)
    try store.write { tx in
      try tx.insertSection(SectionRecord(id: "a", position: 0, state: "draft", latestRevision: 0, updatedAt: Date()))
      try tx.updateSection(section)
      revision = try tx.insertRevision(revision)
      signoff = try tx.insertSignoff(signoff)
      try tx.upsertRequirement(requirement)
      link = try tx.replaceLink(link)
    }
    #expect(revision.id != nil && signoff.id != nil && link.id != nil)
    let read = try store.read { reader in
      (try SectionRecord.fetchAll(reader.db, sql: "SELECT * FROM section"),
       try RevisionRecord.fetchAll(reader.db, sql: "SELECT * FROM revision"),
       try SignoffRecord.fetchAll(reader.db, sql: "SELECT * FROM signoff"),
       try RequirementRecord.fetchAll(reader.db, sql: "SELECT * FROM requirement"),
       try RequirementLinkRecord.fetchAll(reader.db, sql: "SELECT * FROM requirementLink"))
    }
    #expect(read.0 == [section] && read.1 == [revision] && read.2 == [signoff])
    #expect(read.3 == [requirement] && read.4 == [link])
    // A second answer for the same pair replaces the first; an update of a row that is not there is an error.
    var again = link
    again.kind = .addressed
    again.id = nil
    let replaced = try store.write { tx in
      try tx.upsertRequirement(requirement)
      return try tx.replaceLink(again)
    }
    #expect(replaced.id == link.id)
    #expect(try sqlite("SELECT count(*), kind FROM requirementLink") == "1|addressed")
    #expect(throws: StoreError.self) {
      try store.write { tx in try tx.updateSection(SectionRecord(id: "b", position: 0, state: "draft", latestRevision: 0, updatedAt: time)) }
    }
  }

  @Test("a row with another number of columns than its record's layout is refused, not misread")
  func positionalCountChecked() throws {
    let store = try openStore()
    try store.write { try $0.insertSection(SectionRecord(id: "a", position: 0, state: "draft", latestRevision: 0, updatedAt: Date())) }
    #expect(throws: StoreError.self) {
      try store.read { reader in try SectionRecord.fetchAll(reader.db, sql: "SELECT id, position, state FROM section") }
    }
    let sections = try store.read { reader in try SectionRecord.fetchAll(reader.db, sql: "SELECT * FROM section") }
    #expect(sections.map(\.id) == ["a"])
  }

  @Test("the migrations create every table of the index, in WAL mode with foreign keys")
  func migration() throws {
    let store = try openStore()
    let migrations = [
      "index v2: the record in git, joined copies", "index v3: the definition's chain of trust",
      "index v4: links by section", "index v5: requirements by target section", "index v6: times as milliseconds",
      "index v7: the record refs as last caught up",
    ]
    #expect(try store.appliedMigrations() == migrations)
    let tables = try sqlite("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").split(separator: "\n")
    for table in [
      "section", "revision", "signoff", "comment", "requirement", "requirementLink", "event", "record", "recordTip",
      "definitionTrust",
    ] {
      #expect(tables.contains(Substring(table)), "missing table \(table)")
    }
    // Round one's crash recovery table and its append-only triggers are gone: git is the record now.
    #expect(!tables.contains("pendingRef"))
    // The only triggers: those that keep requirementTarget in step with requirement.targets.
    #expect(
      try sqlite("SELECT group_concat(name, '|') FROM (SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name)")
        == "requirementTarget_insert|requirementTarget_update")
    #expect(try sqlite("PRAGMA journal_mode") == "wal")
    #expect(try sqlite("SELECT count(*) FROM pragma_foreign_key_list('signoff') WHERE \"table\"='revision'") == "2")
    let revisionColumns = try sqlite("SELECT name FROM pragma_table_info('revision')").split(separator: "\n")
    #expect(revisionColumns.contains("headings"))
    // A comment is known by its record commit: one row per commit.
    #expect(try sqlite("SELECT \"unique\" FROM pragma_index_list('comment') WHERE origin='u'") == "1")
    let recordColumns = Set(try sqlite("SELECT name FROM pragma_table_info('record')").split(separator: "\n"))
    #expect(recordColumns == ["commitId", "ref", "sequence", "actor", "action", "sectionId", "sideCommit", "sideRef", "refusal", "refusedAtSync"])
    #expect(try sqlite("SELECT count(*) FROM sqlite_master WHERE type='index' AND name='comment_open_threads'") == "1")
    // Opening again does not re-run the migration.
    _ = try openStore()
    #expect(try sqlite("SELECT group_concat(identifier, '|') FROM grdb_migrations") == migrations.joined(separator: "|"))
  }

  @Test("requirements by target section follow every insert, change of targets and rebuild, as the JSON lists say")
  func requirementTargets() throws {
    let store = try openStore()
    func requirement(_ id: String, _ targets: [String], position: Int) -> RequirementRecord {
      RequirementRecord(
        id: id, kind: "workshop", source: "s", theme: nil, text: "t", textHash: "h", targets: targets, file: "f",
        position: position)
    }
    let sections = ["forord", "by-og-bolig", "å-ø-æ", "a,b", "ingen"]
    // What the table answers against what the JSON lists say (the map a long replay keeps in memory).
    func agrees() throws {
      try store.write { (tx: StoreTransaction) throws in
        var fromTable: [String: [String]] = [:]
        for section in sections { fromTable[section] = try tx.requirements(targeting: section).map(\.id) }
        try tx.cacheRequirementTargets()
        for section in sections {
          #expect(fromTable[section] == (try tx.requirements(targeting: section).map(\.id)), "\(section)")
        }
      }
    }
    try store.write { tx in
      try tx.upsertRequirement(requirement("R-2", ["by-og-bolig", "forord", "forord"], position: 2))
      try tx.upsertRequirement(requirement("R-1", ["forord", "å-ø-æ", "a,b"], position: 1))
    }
    try store.read { (reader: StoreReader) throws in
      #expect(try reader.requirements(targeting: "forord").map(\.id) == ["R-1", "R-2"], "in requirement order, once each")
      #expect(try reader.requirements(targeting: "a,b").map(\.id) == ["R-1"])
      #expect(try reader.requirements(targeting: "ingen").isEmpty)
    }
    try agrees()
    // `req edit` moves a requirement to other sections: the old targets no longer name it.
    try store.write { tx in try tx.upsertRequirement(requirement("R-1", ["ingen"], position: 1)) }
    try store.read { (reader: StoreReader) throws in
      #expect(try reader.requirements(targeting: "forord").map(\.id) == ["R-2"])
      #expect(try reader.requirements(targeting: "ingen").map(\.id) == ["R-1"])
    }
    try agrees()
    try store.write { tx in try tx.deleteEverything() }
    #expect(try sqlite("SELECT count(*) FROM requirementTarget") == "0", "a rebuild starts from nothing")
  }

  @Test(
    "an index written by another format (a migration this version does not know) is refused as outdated, untouched",
    arguments: [
      ["v1: sections, revisions, sign-offs, comments, requirements, events", "v2: headings of each revision",
       "v3: index of open comment threads"],
      ["index v2: the record in git, joined copies", "index v9: from a later version"],
    ])
  func foreignMigrations(_ identifiers: [String]) throws {
    _ = try openStore()
    let values = identifiers.map { "('\($0)')" }.joined(separator: ", ")
    _ = try sqlite("DELETE FROM grdb_migrations; INSERT INTO grdb_migrations (identifier) VALUES \(values); INSERT INTO section (id, position, state, latestRevision, updatedAt) VALUES ('forord', 0, 'draft', 0, '2026-01-01')")
    #expect {
      try openStore()
    } throws: { error in
      guard case StoreError.outdated = error else { return false }
      return true
    }
    // Refusing changes nothing: the caller decides what to do with the file.
    #expect(try sqlite("SELECT identifier FROM grdb_migrations ORDER BY rowid") == identifiers.joined(separator: "\n"))
    #expect(try sqlite("SELECT id FROM section") == "forord")
  }

  @Test("foreign keys refuse a revision of an unknown section")
  func foreignKeys() throws {
    let store = try openStore()
    #expect(throws: (any Error).self) {
      try store.write { (tx: StoreTransaction) throws in
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
      try store.write { (tx: StoreTransaction) throws in
        try tx.insertSection(SectionRecord(id: "forord", position: 0, state: "draft", latestRevision: 0, updatedAt: Date()))
        throw Boom()
      }
    }
    #expect(try store.read { try $0.sections() }.isEmpty)
  }

  @Test("events chain: each carries the previous hash")
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
  }

  @Test("a comment is found by any prefix of its record commit's id")
  func commentsByRecordPrefix() throws {
    let store = try openStore()
    let ids = ["4711aa" + String(repeating: "0", count: 34), "4711ab" + String(repeating: "1", count: 34)]
    try store.write { tx in
      try tx.insertSection(SectionRecord(id: "forord", position: 0, state: "draft", latestRevision: 0, updatedAt: Date()))
      try tx.insertRevision(RevisionRecord(
        sectionId: "forord", number: 0, commitId: "c", blobId: "b", contentHash: "h", authorId: "a", message: "",
        createdAt: Date(), headings: nil))
      for id in ids {
        try tx.insertComment(CommentRecord(
          recordId: id, sectionId: "forord", revisionNumber: 0, lineStart: nil, lineEnd: nil, quotedText: nil,
          authorId: "a", body: id, blocking: false, parentId: nil, createdAt: Date()))
      }
    }
    func found(_ prefix: String) throws -> [String] {
      try store.read { try $0.comments(recordIdPrefix: prefix) }.map(\.recordId)
    }
    #expect(try found("4711aa") == [ids[0]])
    #expect(try found(ids[1]) == [ids[1]])
    #expect(try found("4711").count == 2)
    #expect(try found("4712").isEmpty)
    #expect(try store.read { try $0.comment(recordId: ids[0]) }?.body == ids[0])
    // The same record commit cannot make two comments.
    #expect(throws: (any Error).self) {
      try store.write { (tx: StoreTransaction) throws in
        try tx.insertComment(CommentRecord(
          recordId: ids[0], sectionId: "forord", revisionNumber: 0, lineStart: nil, lineEnd: nil, quotedText: nil,
          authorId: "a", body: "again", blocking: false, parentId: nil, createdAt: Date()))
      }
    }
  }

  @Test("integrity findings are empty on a healthy database")
  func integrity() throws {
    let store = try openStore()
    #expect(try store.sqliteIntegrityFindings().isEmpty)
  }

  /// A write leaves SQLite's write-ahead log for the next command (no checkpoint and its fsyncs at every close); a
  /// log over `Store.logKeptOnClose` is checkpointed into the database and removed when the store closes.
  @Test("a small log is left at close and read by the next opener; a log over the limit is checkpointed and removed")
  func logLeftUntilItPassesTheLimit() throws {
    let database = directory.appendingPathComponent("policy.sqlite")
    let log = database.path + "-wal"
    func section(_ id: String) -> SectionRecord {
      SectionRecord(id: id, position: 0, state: "draft", latestRevision: 0, updatedAt: Date())
    }
    var store = try openStore()
    try store.write { try $0.insertSection(section("small")) }
    try store.close()
    #expect(FileManager.default.fileExists(atPath: log), "the log was checkpointed at close")
    #expect(Store.logSize(of: database) > 0 && Store.logSize(of: database) <= Store.logKeptOnClose)
    // Another reader (the sqlite3 program) and the next opener both find the row through the log.
    #expect(try sqlite("SELECT id FROM section") == "small")
    store = try openStore()
    #expect(try store.read { try SectionRecord.fetchAll($0.db, sql: "SELECT * FROM section") }.map(\.id) == ["small"])

    var written = 1
    while Store.logSize(of: database) <= Store.logKeptOnClose {
      try store.write { transaction in
        for _ in 0..<500 {
          try transaction.insertSection(section("section-\(written)-" + String(repeating: "x", count: 200)))
          written += 1
        }
      }
    }
    try store.close()
    #expect(!FileManager.default.fileExists(atPath: log), "a log over the limit was left at close")
    #expect(try sqlite("SELECT count(*) FROM section") == "\(written)")
  }
}
