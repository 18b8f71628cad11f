import CSQLiteOptions
import Foundation
import GRDB

/// Errors of the database layer, carrying what the user (or `verify`) needs to act on.
public enum StoreError: Error, LocalizedError, Sendable {
  case cannotOpen(path: String, reason: String)
  case notFound(String)
  case integrity(String)
  /// The file is an index of another format (or round one's database): rebuild it from git.
  case outdated
  /// The file is damaged (a corrupted page, or not an SQLite database at all): rebuild it from git.
  case damaged(String)

  public var errorDescription: String? {
    switch self {
    case .cannotOpen(let path, let reason): return "cannot open the workspace database \(path): \(reason)"
    case .notFound(let what): return "\(what) not found in the workspace database"
    case .integrity(let what): return "database integrity: \(what)"
    case .outdated: return "the workspace index was written by another version of policyflow"
    case .damaged(let what): return "the workspace index is damaged: \(what)"
    }
  }
}

/// The workspace database: owns its connection, migrates on open, and exposes reads and
/// one-transaction writes. Opened once per process.
public final class Store: @unchecked Sendable {
  private let writer: DatabaseQueue
  /// Hashes the event chain; injected so this module needs no crypto dependency of its own.
  private let hasher: @Sendable (String) -> String
  public let path: URL

  /// - Parameter hasher: hex digest used for the event chain (SHA-256 in production).
  public init(path: URL, hasher: @escaping @Sendable (String) -> String) throws {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    // Concurrent processes wait for each other instead of failing with "database is locked".
    configuration.busyMode = .timeout(60)
    configuration.label = "policyflow"
    // One connection (DatabaseQueue), the journal in WAL mode: set here for a new file, a no-op that writes
    // nothing once it is. Not a DatabasePool: a command is one short-lived thread and gains nothing from
    // concurrent readers, and the pool writes a CREATE/DROP TABLE whenever it opens and finds no -wal file -
    // which SQLite deletes on every close - so every command, `status` too, was a write transaction with its
    // fsyncs (keeping the file instead made each open re-read and re-checkpoint the whole log). A comment at
    // 1,000 sections went from 37 to 29 ms. Other processes are kept apart by SQLite's locks, as before.
    configuration.prepareDatabase { db in
      // Readers and the writer of other processes rely on WAL; a file system that cannot do it is an error.
      let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
      guard mode?.lowercased() == "wal" else {
        throw StoreError.integrity("SQLite could not switch the journal to WAL mode on this file system (it reports `\(mode ?? "nothing")`)")
      }
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
      // Statement journals and sorts in memory: SQLite otherwise made, wrote and deleted a file in /var/tmp for a
      // submit's multi-row updates inside its savepoints (seen with strace).
      try db.execute(sql: "PRAGMA temp_store = MEMORY")
      // The log is left for the next command when this connection closes; `close()` says when not (see there).
      try Store.checkpointOnClose(db, false)
    }
    do {
      writer = try DatabaseQueue(path: path.path, configuration: configuration)
      try Store.migrate(writer)
    } catch StoreError.outdated {
      throw StoreError.outdated
    } catch let error where StoreError.isDamage(error) {
      throw StoreError.damaged("\(error)")
    } catch {
      throw StoreError.cannotOpen(path: path.path, reason: "\(error)")
    }
    self.hasher = hasher
    self.path = path
  }

  /// Applies the missing migrations, also when another process is applying them at the same time.
  ///
  /// GRDB decides which migrations are missing outside a transaction, then runs each in its own: two processes
  /// opening a new index both see it missing, and the second fails ("table exists"). The failure is retried
  /// while another process makes progress. An index written by another format (an unknown migration name) is
  /// refused with `.outdated`: it is only an index, and the caller rebuilds it from git.
  static func migrate(_ writer: DatabaseQueue) throws {
    let known = Set(migrator.migrations)
    let applied = try snapshot(writer) { db -> Set<String> in
      // Asked of sqlite_master directly: GRDB's `tableExists` first loads its whole schema cache (1.9 M instructions,
      // every command).
      let exists = try Bool.fetchOne(
        db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'grdb_migrations')")
      guard exists == true else { return [] }
      return Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
    }
    if !applied.isSubset(of: known) { throw StoreError.outdated }
    // Every command opens the index; when all migrations are in, the migrator's own check (another read transaction
    // and its statements) is skipped: 1.4 M instructions a command.
    if applied == known { return }
    var seen: Set<String>?
    while true {
      do {
        try migrator.migrate(writer)
        return
      } catch {
        let now = try snapshot(writer) { try migrator.appliedIdentifiers($0) }
        if let seen, !now.isStrictSuperset(of: seen) { throw error }
        seen = now
      }
    }
  }

  /// The index of the record in git. Migrations are never edited once shipped; a new need is a new migration.
  /// (Round one's database, the only copy of its record, used other names: it is refused, not upgraded.)
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("index v2: the record in git, joined copies") { db in
      try db.create(table: "section") { t in
        t.primaryKey("id", .text)
        t.column("position", .integer).notNull()
        t.column("state", .text).notNull()
        t.column("latestRevision", .integer).notNull()
        t.column("approvedRevision", .integer)
        t.column("approvedCommit", .text)
        t.column("updatedAt", .datetime).notNull()
      }
      try db.create(table: "revision") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("sectionId", .text).notNull().references("section", onDelete: .restrict)
        t.column("number", .integer).notNull()
        t.column("commitId", .text).notNull()
        t.column("blobId", .text).notNull()
        t.column("contentHash", .text).notNull()
        t.column("authorId", .text).notNull()
        t.column("message", .text).notNull()
        t.column("createdAt", .datetime).notNull()
        t.column("headings", .text)
        t.uniqueKey(["sectionId", "number"])
      }
      try db.create(table: "signoff") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("sectionId", .text).notNull().references("section", onDelete: .restrict)
        t.column("revisionNumber", .integer).notNull()
        t.column("contentHash", .text).notNull()
        t.column("personId", .text).notNull()
        t.column("capacity", .text).notNull()
        t.column("groupCode", .text)
        t.column("decision", .text).notNull()
        t.column("message", .text).notNull()
        t.column("createdAt", .datetime).notNull()
        t.foreignKey(["sectionId", "revisionNumber"], references: "revision", columns: ["sectionId", "number"])
      }
      try db.create(table: "comment") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("recordId", .text).notNull().unique()
        t.column("sectionId", .text).notNull().references("section", onDelete: .restrict)
        t.column("revisionNumber", .integer).notNull()
        t.column("anchorRevision", .integer).notNull()
        t.column("lineStart", .integer)
        t.column("lineEnd", .integer)
        t.column("quotedText", .text)
        t.column("authorId", .text).notNull()
        t.column("body", .text).notNull()
        t.column("blocking", .boolean).notNull()
        t.column("parentId", .integer).references("comment", onDelete: .restrict)
        t.column("status", .text).notNull()
        t.column("outdated", .boolean).notNull()
        t.column("resolvedBy", .text)
        t.column("resolvedAt", .datetime)
        t.column("createdAt", .datetime).notNull()
        t.foreignKey(["sectionId", "revisionNumber"], references: "revision", columns: ["sectionId", "number"])
      }
      try db.create(table: "requirement") { t in
        t.primaryKey("id", .text)
        t.column("kind", .text).notNull()
        t.column("source", .text).notNull()
        t.column("theme", .text)
        t.column("text", .text).notNull()
        t.column("textHash", .text).notNull()
        t.column("targets", .text).notNull()
        t.column("file", .text).notNull()
        t.column("position", .integer).notNull()
      }
      try db.create(table: "requirementLink") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("requirementId", .text).notNull().references("requirement", onDelete: .restrict)
        t.column("sectionId", .text).notNull().references("section", onDelete: .restrict)
        t.column("kind", .text).notNull()
        t.column("note", .text).notNull()
        t.column("revisionNumber", .integer).notNull()
        t.column("lineStart", .integer)
        t.column("lineEnd", .integer)
        t.column("linkedTextHash", .text).notNull()
        t.column("requirementHash", .text).notNull()
        t.column("createdBy", .text).notNull()
        t.column("createdAt", .datetime).notNull()
        t.uniqueKey(["requirementId", "sectionId"])
      }
      try db.create(table: "event") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("at", .datetime).notNull()
        t.column("actor", .text).notNull()
        t.column("action", .text).notNull()
        t.column("sectionId", .text)
        t.column("fromState", .text)
        t.column("toState", .text)
        t.column("revision", .integer)
        t.column("commitId", .text)
        t.column("detail", .text).notNull()
        t.column("prevHash", .text).notNull()
        t.column("hash", .text).notNull().unique()
      }
      try db.create(index: "event_section", on: "event", columns: ["sectionId"])
      try db.create(index: "comment_section", on: "comment", columns: ["sectionId"])
      try db.create(index: "signoff_section", on: "signoff", columns: ["sectionId", "revisionNumber"])
      // status counts the open threads of every section; without this index it read every comment.
      try db.execute(sql: """
        CREATE INDEX comment_open_threads ON comment(sectionId, blocking) WHERE parentId IS NULL AND status = 'open'
        """)
      // Every record commit indexed, in the order it took effect (sequence, then commit id): what catch-up
      // compares the refs with, and where a refused action keeps its reason.
      try db.create(table: "record") { t in
        t.primaryKey("commitId", .text)
        t.column("ref", .text).notNull()
        t.column("sequence", .integer).notNull()
        t.column("actor", .text).notNull()
        t.column("action", .text).notNull()
        t.column("sectionId", .text)
        t.column("sideCommit", .text)
        t.column("sideRef", .text)
        t.column("refusal", .text)
        // Refused because copies that acted apart were joined and the order of the joined history no longer
        // permits it (docs/sync.md): shown to its actor, not an integrity finding.
        t.column("refusedAtSync", .boolean).notNull().defaults(to: false)
      }
      try db.create(index: "record_sequence", on: "record", columns: ["sequence", "commitId"])
      // The tip of each record ref that the index has caught up with.
      try db.create(table: "recordTip") { t in
        t.primaryKey("ref", .text)
        t.column("commitId", .text).notNull()
      }
      // Record refs seen to move backwards or sideways (their old tip no longer in their history): local
      // knowledge that survives the rebuild it causes, so that verify reports the loss. `reindex` forgets it.
      try db.create(table: "rewoundRef") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("ref", .text).notNull()
        t.column("fromCommit", .text).notNull()
        t.column("toCommit", .text)
        t.column("at", .datetime).notNull()
      }
    }
    // The definition's chain of trust, one row per commit of main's first-parent history that a command has
    // judged: which commit's definition is in force there and why. A memo of what git alone decides (a pure
    // function of the commit and its first-parent ancestry), so a command reads one row instead of walking main.
    migrator.registerMigration("index v3: the definition's chain of trust") { db in
      try db.create(table: "definitionTrust") { t in
        t.primaryKey("commitId", .text)
        t.column("inForce", .text).notNull()
        t.column("trustFrom", .text).notNull()
        t.column("kind", .text).notNull()
        t.column("pending", .boolean).notNull()
        t.column("detail", .text).notNull()
      }
    }
    migrator.registerMigration("index v4: links by section") { db in
      // Every replayed action reads its section's links for the guards; without it SQLite scanned all links
      // (0.4 M instructions an action at 600 links).
      try db.create(index: "requirementLink_section", on: "requirementLink", columns: ["sectionId"])
    }
    migrator.registerMigration("index v5: requirements by target section") { db in
      // Every write evaluates its section's requirements (twice: the rules' dry run, then the catch-up); looking into
      // every requirement's JSON target list for them cost 3 M instructions each time at 400 requirements. SQLite's
      // triggers keep this table in step with `requirement.targets`, so there is no second place to update.
      try db.execute(sql: """
        CREATE TABLE requirementTarget (
          sectionId TEXT NOT NULL,
          requirementId TEXT NOT NULL REFERENCES requirement(id) ON DELETE CASCADE,
          PRIMARY KEY (sectionId, requirementId)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO requirementTarget
          SELECT json_each.value, requirement.id FROM requirement, json_each(requirement.targets);
        CREATE TRIGGER requirementTarget_insert AFTER INSERT ON requirement BEGIN
          INSERT OR IGNORE INTO requirementTarget SELECT value, NEW.id FROM json_each(NEW.targets);
        END;
        CREATE TRIGGER requirementTarget_update AFTER UPDATE OF id, targets ON requirement BEGIN
          DELETE FROM requirementTarget WHERE requirementId = OLD.id;
          INSERT OR IGNORE INTO requirementTarget SELECT value, NEW.id FROM json_each(NEW.targets);
        END;
        """)
    }
    migrator.registerMigration("index v6: times as milliseconds") { db in
      // See `IndexTime`. The text GRDB wrote is converted in place, so an existing index needs no rebuild.
      let columns = [
        ("section", "updatedAt"), ("revision", "createdAt"), ("signoff", "createdAt"), ("comment", "resolvedAt"),
        ("comment", "createdAt"), ("requirementLink", "createdAt"), ("event", "at"), ("rewoundRef", "at"),
      ]
      for (table, column) in columns {
        try db.execute(sql: """
          UPDATE \(table) SET \(column) = \(IndexTime.fromGRDBText(column)) WHERE typeof(\(column)) = 'text'
          """)
      }
    }
    migrator.registerMigration("index v7: the record refs as last caught up") { db in
      // One row: what the record refs looked like (`packed-refs`' file identity, the loose refs' values) when the index
      // was last known to hold exactly them, so a command need not list 1,000 refs to learn that nothing moved. Local
      // knowledge like `rewoundRef`, not part of what `verify` compares; emptied with the index.
      try db.create(table: "recordRefStamp") { t in
        t.primaryKey("id", .integer).check { $0 == 1 }
        t.column("stamp", .text).notNull()
      }
    }
    return migrator
  }

  /// Names of the applied migrations, oldest first.
  public func appliedMigrations() throws -> [String] {
    try Store.snapshot(writer) { db in try Store.migrator.appliedMigrations(db) }
  }

  /// Runs `body` in one IMMEDIATE transaction: all of it is committed, or none of it.
  public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
    try writer.writeWithoutTransaction { db in
      var result: T?
      try db.inTransaction(.immediate) {
        result = try body(StoreTransaction(db: db, hasher: hasher))
        return .commit
      }
      return result!
    }
  }

  /// Closes the connection now, checkpointing and removing the log only when it has grown past
  /// `logKeptOnClose`; later use fails.
  public func close() throws {
    let checkpoint = Store.logSize(of: path) > Store.logKeptOnClose
    try writer.inDatabase { db in try Store.checkpointOnClose(db, checkpoint) }
    try writer.close()
  }

  /// Up to this size the write-ahead log is left in place when a command ends, and the next command's first
  /// read replays it into its shared memory (SQLite's recovery: it reads and checksums every frame); above it,
  /// the last connection's close checkpoints the log into the database and deletes it, as SQLite does by default.
  /// Checkpointing at every close cost four `fdatasync` (≈ 3.7 ms) per write command; a comment at 1,000 sections
  /// adds about 78 KB to the log, so with 1 MiB the checkpoint and its syncs come once in about 13 writes, and the
  /// recovery of a log of 0.9 MB cost the next command 1.0 M instructions (≈ 0.3 ms; docs/performance.md). Only an
  /// index: a crash or a power loss can lose the last transactions of the log, which the next command catches up
  /// from git.
  static let logKeptOnClose = 1 << 20

  /// The size of the database's `-wal` file (0 when there is none).
  static func logSize(of database: URL) -> Int {
    var info = stat()
    return stat(database.path + "-wal", &info) == 0 ? Int(info.st_size) : 0
  }

  /// Sets whether closing the last connection checkpoints the log (SQLite's `SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`).
  static func checkpointOnClose(_ db: Database, _ checkpoint: Bool) throws {
    guard let connection = db.sqliteConnection else { return }
    let code = pf_sqlite_checkpoint_on_close(UnsafeMutableRawPointer(connection), checkpoint ? 1 : 0)
    guard code == 0 else { throw StoreError.integrity("SQLite refused to set the checkpoint on close (code \(code))") }
  }

  /// Runs `body` against a consistent snapshot.
  public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
    try Store.snapshot(writer) { db in try body(StoreReader(db: db)) }
  }

  /// One deferred transaction: SQLite's read snapshot in WAL mode. Not GRDB's `read`, which brackets every read with
  /// `PRAGMA query_only = 1` and `= 0`: setting a flag pragma expires every prepared statement of the connection, so
  /// each cached statement was compiled a second time after every read (39 times, 4.6 M instructions, in an
  /// `approve` at 1,000 sections). What a reader may do is kept to reads by `StoreReader`'s API instead.
  static func snapshot<T>(_ writer: DatabaseQueue, _ body: (Database) throws -> T) throws -> T {
    try writer.inDatabase { db in
      var result: T?
      try db.inTransaction(.deferred) {
        result = try body(db)
        return .commit
      }
      return result!
    }
  }

  /// SQLite's own `integrity_check` and `foreign_key_check` findings (empty when healthy).
  public func sqliteIntegrityFindings() throws -> [String] {
    try Store.snapshot(writer) { db in
      var findings: [String] = []
      let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
      if integrity != ["ok"] { findings += integrity.map { "integrity_check: \($0)" } }
      let rows = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
      for row in rows {
        findings.append("foreign_key_check: table \(row[0] as String? ?? "?") row \(row[1] as Int64? ?? -1) "
          + "references missing \(row[2] as String? ?? "?")")
      }
      return findings
    }
  }

  /// Recomputes an event's chain hash the way `appendEvent` computed it.
  public func chainHash(of event: EventRecord) -> String { hasher(event.canonicalPayload) }
}

extension StoreError {
  /// Whether `error` says the database file is damaged — a corrupted page, or not a database at all — as opposed to
  /// a busy, read-only or missing one. The index is only an index: its caller rebuilds it from git.
  public static func isDamage(_ error: Error) -> Bool {
    if case StoreError.damaged = error { return true }
    if let error = error as? DatabaseError {
      return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }
    return false
  }
}
