import Foundation
import GRDB

/// Read access with named queries; shared by reads and by writes (a transaction can read too).
///
/// The single-row lookups that use cases repeat (a revision per section or per link, the last event per write)
/// run prepared statements cached on the connection: building and preparing the query-interface SQL each time
/// cost ~0.6 M instructions a lookup.
public class StoreReader {
  let db: Database
  init(db: Database) { self.db = db }

  public func sections() throws -> [SectionRecord] {
    try SectionRecord.order(SectionRecord.Columns.position).fetchAll(db)
  }

  public func section(_ id: String) throws -> SectionRecord? {
    try SectionRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM section WHERE id = ?"), arguments: [id])
  }

  public func revisions(of sectionId: String) throws -> [RevisionRecord] {
    try RevisionRecord.filter(RevisionRecord.Columns.sectionId == sectionId)
      .order(RevisionRecord.Columns.number).fetchAll(db)
  }

  /// The commits of a section's revisions, newest first, without decoding the rows: what a submission checks its
  /// parent against (whole records cost 2.1 M instructions per call at 40 revisions).
  public func revisionCommits(of sectionId: String) throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(sql: "SELECT commitId FROM revision WHERE sectionId = ? ORDER BY number DESC"),
      arguments: [sectionId])
  }

  public func allRevisions() throws -> [RevisionRecord] {
    try RevisionRecord.order(RevisionRecord.Columns.sectionId, RevisionRecord.Columns.number).fetchAll(db)
  }

  public func revision(_ sectionId: String, _ number: Int) throws -> RevisionRecord? {
    try RevisionRecord.fetchOne(
      db.cachedStatement(sql: "SELECT * FROM revision WHERE sectionId = ? AND number = ?"), arguments: [sectionId, number])
  }

  /// Latest revision per section in one query (status at 1,000 sections must not do 1,000 queries).
  public func latestRevisions() throws -> [String: RevisionRecord] {
    // CROSS JOIN keeps SQLite's order: each section, then its revision by the (sectionId, number) key. Left to
    // itself the planner scanned every revision of the history (149 M instructions at 51,000 revisions).
    let rows = try RevisionRecord.fetchAll(db, sql: """
      SELECT r.* FROM section s CROSS JOIN revision r ON r.sectionId = s.id AND r.number = s.latestRevision
      """)
    return Dictionary(rows.map { ($0.sectionId, $0) }, uniquingKeysWith: { a, _ in a })
  }

  public func signoffs(of sectionId: String, revision: Int? = nil) throws -> [SignoffRecord] {
    if let revision {
      return try SignoffRecord.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM signoff WHERE sectionId = ? AND revisionNumber = ? ORDER BY id"),
        arguments: [sectionId, revision])
    }
    var request = SignoffRecord.filter(SignoffRecord.Columns.sectionId == sectionId)
    if let revision { request = request.filter(SignoffRecord.Columns.revisionNumber == revision) }
    return try request.order(Column("id")).fetchAll(db)
  }

  /// Sign-offs on each section's latest revision, grouped by section.
  public func currentSignoffs() throws -> [String: [SignoffRecord]] {
    // Section first, then its sign-offs through signoff_section, as in latestRevisions.
    let rows = try SignoffRecord.fetchAll(db, sql: """
      SELECT g.* FROM section s CROSS JOIN signoff g ON g.sectionId = s.id AND g.revisionNumber = s.latestRevision
      ORDER BY g.id
      """)
    return Dictionary(grouping: rows, by: \.sectionId)
  }

  public func allSignoffs() throws -> [SignoffRecord] { try SignoffRecord.order(Column("id")).fetchAll(db) }

  public func comments(of sectionId: String) throws -> [CommentRecord] {
    try CommentRecord.filter(CommentRecord.Columns.sectionId == sectionId).order(CommentRecord.Columns.id).fetchAll(db)
  }

  /// Thread roots of a section that a new revision carries along (not yet outdated), oldest first.
  public func anchoredThreads(of sectionId: String) throws -> [CommentRecord] {
    try CommentRecord.fetchAll(
      db.cachedStatement(
        sql: "SELECT * FROM comment WHERE sectionId = ? AND parentId IS NULL AND outdated = 0 ORDER BY id"),
      arguments: [sectionId])
  }

  public func comment(_ id: Int64) throws -> CommentRecord? {
    try CommentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM comment WHERE id = ?"), arguments: [id])
  }

  /// Open thread roots per section (status and blocking flags live on the thread's first comment).
  public func openThreads() throws -> [String: [CommentRecord]] {
    let rows = try CommentRecord
      .filter(CommentRecord.Columns.parentId == nil && CommentRecord.Columns.status == CommentRecord.Status.open.rawValue)
      .order(CommentRecord.Columns.id).fetchAll(db)
    return Dictionary(grouping: rows, by: \.sectionId)
  }

  /// Number of open threads per section, and the ids of the open blocking ones (oldest first): what `status` needs,
  /// without reading every open comment's text (tens of thousands on a long history).
  public func openThreadSummary() throws -> (counts: [String: Int], blocking: [String: [String]]) {
    var counts: [String: Int] = [:]
    for row in try Row.fetchAll(db, sql: """
      SELECT sectionId, count(*) FROM comment WHERE parentId IS NULL AND status = 'open' GROUP BY sectionId
      """)
    {
      counts[row[0]] = row[1]
    }
    var blocking: [String: [String]] = [:]
    for row in try Row.fetchAll(db, sql: """
      SELECT sectionId, recordId FROM comment INDEXED BY comment_open_threads
      WHERE parentId IS NULL AND status = 'open' AND blocking = 1 ORDER BY id
      """)
    {
      blocking[row[0], default: []].append(row[1])
    }
    return (counts, blocking)
  }

  /// The open threads of one section: how many, and the record ids of the blocking ones (oldest first) — what the
  /// guards of every replayed action on it read. Counted by SQLite in the partial index of open threads: decoding
  /// the section's comments made a catch-up of many comments on one section quadratic.
  public func openThreads(of sectionId: String) throws -> (count: Int, blocking: [String]) {
    let count = try Int.fetchOne(
      db.cachedStatement(sql: """
        SELECT count(*) FROM comment INDEXED BY comment_open_threads
        WHERE sectionId = ? AND parentId IS NULL AND status = 'open'
        """), arguments: [sectionId]) ?? 0
    let blocking = try String.fetchAll(
      db.cachedStatement(sql: """
        SELECT recordId FROM comment INDEXED BY comment_open_threads
        WHERE sectionId = ? AND parentId IS NULL AND status = 'open' AND blocking = 1 ORDER BY id
        """), arguments: [sectionId])
    return (count, blocking)
  }

  /// Whether `actor` submitted revision `revision` of the section (who may not then review it).
  public func submitted(section sectionId: String, revision: Int, by actor: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(sql: """
        SELECT EXISTS (SELECT 1 FROM event WHERE sectionId = ? AND action = 'submit' AND revision = ? AND actor = ?)
        """), arguments: [sectionId, revision, actor]) ?? false
  }

  public func requirements() throws -> [RequirementRecord] {
    try RequirementRecord.order(Column("position")).fetchAll(db)
  }

  public func requirement(_ id: String) throws -> RequirementRecord? {
    try RequirementRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM requirement WHERE id = ?"), arguments: [id])
  }

  /// Requirements naming `sectionId` among their targets, in requirement order, through the table of targets that
  /// SQLite's triggers keep (index v5).
  public func requirements(targeting sectionId: String) throws -> [RequirementRecord] {
    if case .onFirstUse = requirementTargets { requirementTargets = .kept(try requirementsByTarget()) }
    if case .kept(let map) = requirementTargets { return map[sectionId] ?? [] }
    return try RequirementRecord.fetchAll(db.cachedStatement(sql: """
      SELECT requirement.* FROM requirementTarget JOIN requirement ON requirement.id = requirementTarget.requirementId
      WHERE requirementTarget.sectionId = ?
      ORDER BY requirement.position
      """), arguments: [sectionId])
  }

  /// Whether this reader keeps the requirements by target section (`cacheRequirementTargets`).
  enum RequirementTargets {
    /// Each question goes to SQLite.
    case notKept
    /// Read and kept when first asked for: a replay whose actions never ask (comments on a section that no automatic
    /// transition leaves) does not read every requirement — 1.1 ms of a sync that brings 100 comments (2026-12-02).
    case onFirstUse
    /// Within a transaction that replays many actions, read once: looking into every requirement's JSON target list
    /// for each action cost 1.2 M instructions an action. Writes to the requirement table and a rolled-back
    /// savepoint forget it.
    case kept([String: [RequirementRecord]])
  }

  var requirementTargets = RequirementTargets.notKept

  /// Keeps the requirements by target section for the rest of this transaction, from the first time they are asked for.
  public func cacheRequirementTargets() throws {
    requirementTargets = .onFirstUse
  }

  private func requirementsByTarget() throws -> [String: [RequirementRecord]] {
    var map: [String: [RequirementRecord]] = [:]
    for requirement in try requirements() {
      var seen = Set<String>()
      for target in requirement.targetList where seen.insert(target).inserted { map[target, default: []].append(requirement) }
    }
    return map
  }

  public func links(requirement: String? = nil, section: String? = nil) throws -> [RequirementLinkRecord] {
    if requirement == nil, let section {
      return try RequirementLinkRecord.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM requirementLink WHERE sectionId = ? ORDER BY id"), arguments: [section])
    }
    var request = RequirementLinkRecord.all()
    if let requirement { request = request.filter(RequirementLinkRecord.Columns.requirementId == requirement) }
    if let section { request = request.filter(RequirementLinkRecord.Columns.sectionId == section) }
    return try request.order(Column("id")).fetchAll(db)
  }

  public func events(section: String? = nil) throws -> [EventRecord] {
    var request = EventRecord.all()
    if let section { request = request.filter(EventRecord.Columns.sectionId == section) }
    return try request.order(EventRecord.Columns.id).fetchAll(db)
  }

  /// Events of one kind (e.g. `approved`), oldest first: what assembly needs, without the whole log.
  public func events(action: String) throws -> [EventRecord] {
    try EventRecord.fetchAll(db, sql: "SELECT * FROM event WHERE action = ? ORDER BY id", arguments: [action])
  }

  /// Policy-wide events (no section) of one kind, such as key proposals: read through the section index, without
  /// a scan of the whole log.
  public func policyEvents(action: String) throws -> [EventRecord] {
    try EventRecord.fetchAll(
      db, sql: "SELECT * FROM event WHERE sectionId IS NULL AND action = ? ORDER BY id", arguments: [action])
  }

  // MARK: Streaming, for checks over the whole history without holding it in memory

  /// Every revision in section and number order, one at a time.
  public func forEachRevision(_ body: (RevisionRecord) throws -> Void) throws {
    let cursor = try RevisionRecord.fetchCursor(db, sql: "SELECT * FROM revision ORDER BY sectionId, number")
    while let revision = try cursor.next() { try body(revision) }
  }

  /// Every sign-off in id order with the content hash of the revision it names (nil: no such revision).
  public func forEachSignoff(_ body: (SignoffRecord, String?) throws -> Void) throws {
    let cursor = try Row.fetchCursor(db, sql: """
      SELECT g.*, r.contentHash AS revisionContentHash FROM signoff g
      LEFT JOIN revision r ON r.sectionId = g.sectionId AND r.number = g.revisionNumber ORDER BY g.id
      """)
    while let row = try cursor.next() { try body(try SignoffRecord(row: row), row["revisionContentHash"]) }
  }

  /// Every event in id order, one at a time.
  public func forEachEvent(_ body: (EventRecord) throws -> Void) throws {
    let cursor = try EventRecord.fetchCursor(db, sql: "SELECT * FROM event ORDER BY id")
    while let event = try cursor.next() { try body(event) }
  }

  /// Whether any event names `commitId`.

  public func firstEvent() throws -> EventRecord? {
    try EventRecord.fetchOne(db, sql: "SELECT * FROM event ORDER BY id LIMIT 1")
  }

  public func lastEvent() throws -> EventRecord? {
    try EventRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM event ORDER BY id DESC LIMIT 1"))
  }

  /// The highest event id ever handed out; above the last row's id only if rows were deleted at the end.

  public func comment(recordId: String) throws -> CommentRecord? {
    try CommentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM comment WHERE recordId = ?"), arguments: [recordId])
  }

  /// Comments whose record id starts with `prefix` (what a person types for `resolve`).
  public func comments(recordIdPrefix prefix: String) throws -> [CommentRecord] {
    try CommentRecord.fetchAll(
      db, sql: "SELECT * FROM comment WHERE substr(recordId, 1, ?) = ? ORDER BY id LIMIT 2",
      arguments: [prefix.utf8.count, prefix])
  }

  // MARK: - The record as indexed

  /// SQLite's `data_version` of this connection: it changes when, and only when, another connection (another
  /// process) committed a change since it was last read. A command that remembers the tips it indexed can trust
  /// them while it stays the same, instead of reading 1,000 rows again.
  public func dataVersion() throws -> Int {
    try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
  }

  /// How the record refs looked when the index was last known to hold exactly them (`setRecordRefStamp`).
  public func recordRefStamp() throws -> String? {
    try String.fetchOne(db.cachedStatement(sql: "SELECT stamp FROM recordRefStamp WHERE id = 1"))
  }

  /// The tip the index holds for one record ref.
  public func recordTip(_ ref: String) throws -> String? {
    try String.fetchOne(db.cachedStatement(sql: "SELECT commitId FROM recordTip WHERE ref = ?"), arguments: [ref])
  }

  /// The tip of every record ref as last indexed. Every command compares them with the refs, so they come as one
  /// string that SQLite concatenates: decoding a row per ref cost ~10,000 instructions a ref (30 M at 1,000 refs
  /// over a write's three comparisons), splitting the string a tenth of that.
  public func recordTips() throws -> [String: String] {
    var text = try String.fetchOne(
      db.cachedStatement(sql: "SELECT group_concat(ref || ' ' || commitId, char(10)) FROM recordTip")) ?? ""
    return text.withUTF8 { bytes in
      // "ref commit" lines; a ref name has no space (git forbids it), a commit id is 40 hex digits.
      var tips: [String: String] = [:]
      var start = 0
      var space = -1
      for index in 0...bytes.count {
        let byte = index < bytes.count ? bytes[index] : UInt8(ascii: "\n")
        if byte == UInt8(ascii: " ") {
          space = index
        } else if byte == UInt8(ascii: "\n") {
          if space > start {
            tips[String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<space]), as: UTF8.self)] =
              String(decoding: UnsafeBufferPointer(rebasing: bytes[(space + 1)..<index]), as: UTF8.self)
          }
          start = index + 1
          space = -1
        }
      }
      return tips
    }
  }

  /// The chain-of-trust memo for one commit of main, if a command judged it before.
  public func definitionTrust(_ commitId: String) throws -> DefinitionTrustRecord? {
    // Plain SQL: a keyed fetch would first ask SQLite for the table's primary key, on every command.
    try DefinitionTrustRecord.fetchOne(
      db, sql: "SELECT commitId, inForce, trustFrom, kind, pending, detail FROM definitionTrust WHERE commitId = ?",
      arguments: [commitId])
  }

  public func isIndexed(record commitId: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM record WHERE commitId = ?)"), arguments: [commitId]) ?? false
  }

  public func record(_ commitId: String) throws -> RecordRow? {
    try RecordRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM record WHERE commitId = ?"), arguments: [commitId])
  }

  /// The latest record that took effect (highest sequence): the only one a killed write can have left half done.
  public func lastRecord() throws -> RecordRow? {
    try RecordRow.fetchOne(db, sql: "SELECT * FROM record ORDER BY sequence DESC, commitId DESC LIMIT 1")
  }

  public func maxSequence() throws -> Int { try Int.fetchOne(db, sql: "SELECT max(sequence) FROM record") ?? 0 }

  public func rewoundRefs() throws -> [(ref: String, from: String, to: String, at: Date)] {
    try Row.fetchAll(db, sql: "SELECT ref, fromCommit, toCommit, at FROM rewoundRef ORDER BY id").map {
      ($0[0], $0[1], ($0[2] as String?) ?? "nothing", IndexTime.date($0[3]))
    }
  }

  public func refusedRecords() throws -> [RecordRow] {
    try RecordRow.fetchAll(db, sql: "SELECT * FROM record WHERE refusal IS NOT NULL ORDER BY sequence, commitId")
  }

  /// Every table's rows in a fixed order, as text: what `verify` compares between the index and a rebuild.
  public func dump() throws -> [(table: String, rows: [String])] {
    let tables = [
      ("section", "id"), ("revision", "sectionId, number"), ("signoff", "id"), ("comment", "id"),
      ("requirement", "id"), ("requirementTarget", "sectionId, requirementId"),
      ("requirementLink", "requirementId, sectionId"), ("event", "id"),
      ("record", "sequence, commitId"), ("recordTip", "ref"),
    ]
    return try tables.map { table, order in
      let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)").map { row in
        row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " | ")
      }
      return (table, rows)
    }
  }
}

/// Writes, named for what they do; all run inside the transaction of `Store.write`.
public final class StoreTransaction: StoreReader {
  private let hasher: (String) -> String
  init(db: Database, hasher: @escaping (String) -> String) {
    self.hasher = hasher
    super.init(db: db)
  }

  public func insertSection(_ section: SectionRecord) throws {
    sectionsRead[section.id] = nil
    try insert(section)
  }

  public func updateSection(_ section: SectionRecord) throws {
    sectionsRead[section.id] = nil
    try update(section)
  }

  /// Sections as this transaction read them, until it writes them: a replayed action reads its section for its rule
  /// and again for the automatic transitions (≈ 15 µs a read; 1.5 ms of a sync that brings 100 actions). A write
  /// forgets the section (the next read gets what SQLite stored), and so do a rolled-back savepoint and
  /// `deleteEverything`.
  private var sectionsRead: [String: SectionRecord?] = [:]

  public override func section(_ id: String) throws -> SectionRecord? {
    if let read = sectionsRead[id] { return read }
    let read = try super.section(id)
    sectionsRead[id] = .some(read)
    return read
  }

  @discardableResult
  public func insertRevision(_ revision: RevisionRecord) throws -> RevisionRecord {
    var revision = revision
    revision.id = try insert(revision)
    return revision
  }

  @discardableResult
  public func insertSignoff(_ signoff: SignoffRecord) throws -> SignoffRecord {
    var signoff = signoff
    signoff.id = try insert(signoff)
    return signoff
  }

  /// Inserts `record` with its cached statement (see `PositionalWritable`); returns the row id SQLite gave it.
  @discardableResult
  func insert<Record: PositionalWritable>(_ record: Record) throws -> Int64 {
    try db.cachedStatement(sql: Record.statements.insert).execute(arguments: StatementArguments(record.layoutValues))
    return db.lastInsertedRowID
  }

  /// Updates the row with `record`'s key; a row that is not there is an error, as with GRDB's `update`.
  func update<Record: PositionalWritable>(_ record: Record) throws {
    guard try updateIfPresent(record) else {
      throw StoreError.notFound("the \(Record.databaseTableName) row \(record.layoutValues[0].map { "\($0)" } ?? "without a key")")
    }
  }

  /// Whether a row with `record`'s key was there to update.
  private func updateIfPresent<Record: PositionalWritable>(_ record: Record) throws -> Bool {
    var values = record.layoutValues
    values.append(values.removeFirst())
    try db.cachedStatement(sql: Record.statements.update).execute(arguments: StatementArguments(values))
    return db.changesCount == 1
  }

  /// One cached statement, like the other inserts a catch-up repeats per action (`appendEvent`, `insertRecord`): the
  /// record's Codable encoding and a freshly built INSERT cost ≈ 0.13 M instructions a row, a third of applying a
  /// comment (callgrind of a `sync` bringing 100 comments, 2026-12-01). Times are bound as `IndexTime` milliseconds.
  @discardableResult
  public func insertComment(_ comment: CommentRecord) throws -> CommentRecord {
    var comment = comment
    try db.cachedStatement(
      sql: """
        INSERT INTO comment (id, recordId, sectionId, revisionNumber, anchorRevision, lineStart, lineEnd, quotedText,
          authorId, body, blocking, parentId, status, outdated, resolvedBy, resolvedAt, createdAt)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      comment.id, comment.recordId, comment.sectionId, comment.revisionNumber, comment.anchorRevision,
      comment.lineStart, comment.lineEnd, comment.quotedText, comment.authorId, comment.body, comment.blocking,
      comment.parentId, comment.status.rawValue, comment.outdated, comment.resolvedBy, IndexTime.value(comment.resolvedAt),
      IndexTime.value(comment.createdAt),
    ])
    comment.id = db.lastInsertedRowID
    return comment
  }

  public func updateComment(_ comment: CommentRecord) throws { try comment.update(db) }

  /// Moves a thread to another revision: its anchor, its lines, whether it is outdated — the only columns a
  /// new revision changes. One cached statement: a whole-record update re-encoded and re-prepared every
  /// column of every thread on each submit (≈ 0.4 M instructions a thread).
  public func moveCommentAnchor(_ comment: CommentRecord) throws {
    guard let id = comment.id else { throw StoreError.notFound("a comment without an id") }
    try db.cachedStatement(
      sql: "UPDATE comment SET anchorRevision = ?, lineStart = ?, lineEnd = ?, outdated = ? WHERE id = ?"
    ).execute(arguments: [comment.anchorRevision, comment.lineStart, comment.lineEnd, comment.outdated, id])
  }

  public func upsertRequirement(_ requirement: RequirementRecord) throws {
    requirementTargets = .notKept
    if try !updateIfPresent(requirement) { try insert(requirement) }
  }

  /// Replaces the link (or waiver) of `requirementId` in `sectionId`: one current answer per pair;
  /// earlier ones stay in the event log.
  @discardableResult
  public func replaceLink(_ link: RequirementLinkRecord) throws -> RequirementLinkRecord {
    var link = link
    if let existing = try Int64.fetchOne(
      db.cachedStatement(sql: "SELECT id FROM requirementLink WHERE requirementId = ? AND sectionId = ?"),
      arguments: [link.requirementId, link.sectionId])
    {
      link.id = existing
      try update(link)
    } else {
      link.id = try insert(link)
    }
    return link
  }

  public func updateLink(_ link: RequirementLinkRecord) throws { try update(link) }

  /// The hash of the event this transaction appended last; nil until it appends one, and again after anything that
  /// could have removed it (a rolled-back savepoint, emptying the tables). Why: reading the last event back for every
  /// append cost a quarter of each replayed action's event (1.5 ms of a sync that brings 100 actions).
  private var chainTip: String?

  /// Appends to the hash chain: the new event carries the previous event's hash.
  @discardableResult
  public func appendEvent(_ event: EventRecord) throws -> EventRecord {
    var event = event
    event.at = Date(timeIntervalSince1970: (event.at.timeIntervalSince1970 * 1000).rounded() / 1000)
    if chainTip == nil {
      chainTip = try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM event ORDER BY id DESC LIMIT 1")) ?? ""
    }
    event.prevHash = chainTip ?? ""
    event.hash = hasher(event.canonicalPayload)
    try db.cachedStatement(
      sql: """
        INSERT INTO event (id, at, actor, action, sectionId, fromState, toState, revision, commitId, detail, prevHash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      event.id, IndexTime.value(event.at), event.actor, event.action, event.sectionId, event.fromState, event.toState, event.revision,
      event.commitId, event.detail, event.prevHash, event.hash,
    ])
    event.id = db.lastInsertedRowID
    chainTip = event.hash
    return event
  }

  public func insertRecord(_ record: RecordRow) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO record (commitId, ref, sequence, actor, action, sectionId, sideCommit, sideRef, refusal, refusedAtSync)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      record.commitId, record.ref, record.sequence, record.actor, record.action, record.sectionId, record.sideCommit,
      record.sideRef, record.refusal, record.refusedAtSync,
    ])
  }

  public func noteRewoundRef(_ ref: String, from: String, to: String?, at: Date) throws {
    try db.execute(
      sql: "INSERT INTO rewoundRef (ref, fromCommit, toCommit, at) VALUES (?, ?, ?, ?)", arguments: [ref, from, to, IndexTime.value(at)])
  }

  /// Remembers how commits of main stand in the definition's chain of trust (idempotent).
  public func rememberDefinitionTrust(_ rows: [DefinitionTrustRecord]) throws {
    for row in rows {
      try db.execute(
        sql: "INSERT OR REPLACE INTO definitionTrust (commitId, inForce, trustFrom, kind, pending, detail) VALUES (?, ?, ?, ?, ?, ?)",
        arguments: [row.commitId, row.inForce, row.trustFrom, row.kind, row.pending, row.detail])
    }
  }

  public func setRecordTip(_ ref: String, _ commitId: String) throws {
    try db.cachedStatement(
      sql: "INSERT INTO recordTip (ref, commitId) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET commitId = excluded.commitId"
    ).execute(arguments: [ref, commitId])
  }

  /// Remembers how the record refs looked when the index held exactly them (nil: not known).
  public func setRecordRefStamp(_ stamp: String?) throws {
    if let stamp {
      try db.cachedStatement(sql: "INSERT OR REPLACE INTO recordRefStamp (id, stamp) VALUES (1, ?)").execute(arguments: [stamp])
    } else {
      try db.execute(sql: "DELETE FROM recordRefStamp")
    }
  }

  /// Empties every table, for a rebuild from git inside one transaction.
  public func deleteEverything() throws {
    forgetKeptReads()
    // Replies first: comment.parentId is ON DELETE RESTRICT, which SQLite checks row by row.
    try db.execute(sql: "DELETE FROM comment WHERE parentId IS NOT NULL")
    for table in ["event", "requirementLink", "signoff", "comment", "revision", "section", "requirement", "record",
      "recordTip", "recordRefStamp"]
    {
      try db.execute(sql: "DELETE FROM \(table)")
    }
    try db.execute(sql: "DELETE FROM sqlite_sequence")
  }

  /// Forgets what this transaction keeps of its own reads and writes (the requirement map, the event chain's tip, the
  /// sections read): after a rolled-back savepoint or emptied tables they may describe rows that are gone.
  private func forgetKeptReads() {
    requirementTargets = .notKept
    chainTip = nil
    sectionsRead = [:]
  }

  /// Runs `body` in a savepoint: a rule that refuses a replayed action undoes just that action.
  ///
  /// The savepoint statements are SQLite's own, prepared once per transaction (GRDB's `inSavepoint` prepares its
  /// `SAVEPOINT` and `RELEASE` anew each time: ≈ 27 µs of every replayed action, 2.7 ms of a sync that brings 100).
  /// GRDB still sees them: it tracks savepoints from the statements it executes, cached or not.
  public func savepoint(_ body: () throws -> Void) throws {
    try db.cachedStatement(sql: "SAVEPOINT action").execute()
    do {
      try body()
    } catch {
      forgetKeptReads()
      try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT action").execute()
      try db.cachedStatement(sql: "RELEASE SAVEPOINT action").execute()
      throw error
    }
    try db.cachedStatement(sql: "RELEASE SAVEPOINT action").execute()
  }
}
