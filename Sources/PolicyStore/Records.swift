import Foundation
import GRDB

// Every record decodes its row column by column (`init(row:)`) rather than through Codable: GRDB's
// Decodable path costs tens of thousands of instructions per row (keyed containers, dynamic casts), which
// dominated `status` and `verify` on large workspaces. Encoding (writes) still goes through Codable.
// Column names are written in lower case: GRDB matches them case-insensitively, and a lower-case name
// is found without lower-casing (allocating) it for every column of every row.

extension Row {
  /// A String-backed enum column; an unknown value is an integrity error, as a failed Decodable was.
  func decodeRaw<Value: RawRepresentable>(_ type: Value.Type, forColumn column: String) throws -> Value
  where Value.RawValue == String {
    try Row.known(Value.self, try decode(forColumn: column), column: column)
  }

  /// The enum value `raw` names, or the integrity error both ways of reading a column throw. The column's name is
  /// made only for the error: describing a `Layout` case for every row cost 30 M instructions of `status --json`.
  static func known<Value: RawRepresentable>(
    _ type: Value.Type, _ raw: String, column: @autoclosure () -> String
  ) throws -> Value where Value.RawValue == String {
    guard let value = Value(rawValue: raw) else {
      throw StoreError.integrity("column \(column()) holds `\(raw)`, which is not a known \(Value.self)")
    }
    return value
  }
}

/// A record read by position from `SELECT *` of its table, in the order its columns were created.
///
/// Why: GRDB finds a column by name with a search through the statement's names for every column of every row —
/// 24 M of the 292 M instructions of `status --json` at 1,000 sections, where every latest revision, current
/// sign-off, requirement and link is read. The order is the schema's: `StoreTests` compares each `Layout` with
/// `PRAGMA table_info`, and a row with another number of columns is refused rather than misread.
protocol PositionalRecord {
  associatedtype Layout: RawRepresentable, CaseIterable where Layout.RawValue == Int
  static var databaseTableName: String { get }
}

extension PositionalRecord {
  static func requireLayout(_ row: Row) throws {
    guard row.count == Layout.allCases.count else {
      throw StoreError.integrity(
        "a row of \(databaseTableName) has \(row.count) columns where \(Layout.allCases.count) were expected")
    }
  }
}

/// A record written by position too: one cached INSERT or UPDATE per table (`StoreTransaction.insert`/`update`), its
/// values bound in `Layout` order, the first column the primary key.
///
/// Why: GRDB's persistence encodes a record through Codable, reads the table's columns and primary key from the schema
/// (`PRAGMA table_xinfo`, and all of `sqlite_master` the first time in a process) and builds its SQL anew for every
/// row: 2.4 M instructions of an `approve` and 6 M of a `submit` at 1,000 sections (callgrind, 2026-12-02), where a
/// cached statement costs a bind and a step.
protocol PositionalWritable: PositionalRecord {
  /// The table's columns in `Layout` order and the two statements, made once per process.
  static var statements: PositionalStatements { get }
  /// The row's values in `Layout` order; times as `IndexTime` milliseconds, enums as their raw values.
  var layoutValues: [(any DatabaseValueConvertible)?] { get }
}

/// A table's INSERT of every column and UPDATE of every column but the key (the first), bound in `Layout` order — the
/// update with the key last (`layoutValues` rotated by one). Built once per type: building the SQL text at every
/// write cost 12–18 k instructions a call, in a rebuild once per indexed revision, section update and sign-off.
struct PositionalStatements {
  /// The `Layout` cases' names, written out: describing an enum case goes through the runtime's reflection, 1.3 M
  /// instructions for a table's names the first time in a process (`StoreTests` checks that they are the same).
  let columnNames: [String]
  let insert: String
  let update: String

  init(table: String, columns: [String]) {
    columnNames = columns
    insert = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ("
      + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    update = "UPDATE \(table) SET \(columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")) "
      + "WHERE \(columns[0]) = ?"
  }
}

extension Row {
  /// The column at `column`'s position (see `PositionalRecord`).
  func decode<Value: DatabaseValueConvertible & StatementColumnConvertible, Column: RawRepresentable>(
    _ column: Column
  ) throws -> Value where Column.RawValue == Int {
    try decode(atIndex: column.rawValue)
  }

  func decodeRaw<Value: RawRepresentable, Column: RawRepresentable>(_ type: Value.Type, _ column: Column) throws -> Value
  where Value.RawValue == String, Column.RawValue == Int {
    try Row.known(Value.self, try decode(atIndex: column.rawValue), column: "\(column)")
  }

  /// A time column (`IndexTime`) at `column`'s position.
  func decodeTime<Column: RawRepresentable>(_ column: Column) throws -> Date where Column.RawValue == Int {
    IndexTime.date(try decode(atIndex: column.rawValue))
  }
}

// MARK: - Sections

/// A section of the policy as the workflow sees it: its state and which revisions matter.
public struct SectionRecord: Codable, FetchableRecord, PersistableRecord, IndexRecord, Sendable, Equatable, PositionalWritable {
  public static let databaseTableName = "section"
  enum Layout: Int, CaseIterable { case id, position, state, latestRevision, approvedRevision, approvedCommit, updatedAt }
  static let statements = PositionalStatements(
    table: databaseTableName,
    columns: ["id", "position", "state", "latestRevision", "approvedRevision", "approvedCommit", "updatedAt"])
  var layoutValues: [(any DatabaseValueConvertible)?] {
    [id, position, state, latestRevision, approvedRevision, approvedCommit, IndexTime.value(updatedAt)]
  }
  public var id: String
  public var position: Int
  public var state: String
  /// The newest revision number (0 is the template's text).
  public var latestRevision: Int
  /// The revision whose text is on `main`, if any revision was ever approved.
  public var approvedRevision: Int?
  public var approvedCommit: String?
  public var updatedAt: Date

  public init(
    id: String, position: Int, state: String, latestRevision: Int, approvedRevision: Int? = nil,
    approvedCommit: String? = nil, updatedAt: Date
  ) {
    self.id = id
    self.position = position
    self.state = state
    self.latestRevision = latestRevision
    self.approvedRevision = approvedRevision
    self.approvedCommit = approvedCommit
    self.updatedAt = updatedAt
  }

  public init(row: Row) throws {
    try Self.requireLayout(row)
    id = try row.decode(Layout.id)
    position = try row.decode(Layout.position)
    state = try row.decode(Layout.state)
    latestRevision = try row.decode(Layout.latestRevision)
    approvedRevision = try row.decode(Layout.approvedRevision)
    approvedCommit = try row.decode(Layout.approvedCommit)
    updatedAt = try row.decodeTime(Layout.updatedAt)
  }

  public enum Columns {
    public static let id = Column(CodingKeys.id)
    public static let position = Column(CodingKeys.position)
    public static let state = Column(CodingKeys.state)
  }
}

// MARK: - Revisions

/// One submitted text of a section; its bytes live in git, this row says where and whose.
public struct RevisionRecord: Codable, FetchableRecord, MutablePersistableRecord, IndexRecord, Sendable, Equatable, PositionalWritable {
  public static let databaseTableName = "revision"
  enum Layout: Int, CaseIterable { case id, sectionId, number, commitId, blobId, contentHash, authorId, message, createdAt, headings }
  static let statements = PositionalStatements(
    table: databaseTableName,
    columns: [
      "id", "sectionId", "number", "commitId", "blobId", "contentHash", "authorId", "message", "createdAt", "headings",
    ])
  var layoutValues: [(any DatabaseValueConvertible)?] {
    [id, sectionId, number, commitId, blobId, contentHash, authorId, message, IndexTime.value(createdAt), headings]
  }
  public var id: Int64?
  public var sectionId: String
  public var number: Int
  public var commitId: String
  public var blobId: String
  /// SHA-256 of the text's bytes; sign-offs bind to it.
  public var contentHash: String
  public var authorId: String
  public var message: String
  public var createdAt: Date
  /// The headings written in the text, one per line, as the workflow's required-headings guard reads them;
  /// recorded with the revision so that `status` need not read every section's text from git. nil for a
  /// revision recorded before the column existed: then the text is read. `verify` recomputes it from the blob.
  public var headings: String?

  public init(
    sectionId: String, number: Int, commitId: String, blobId: String, contentHash: String, authorId: String,
    message: String, createdAt: Date, headings: String?
  ) {
    self.sectionId = sectionId
    self.number = number
    self.commitId = commitId
    self.blobId = blobId
    self.contentHash = contentHash
    self.authorId = authorId
    self.message = message
    self.createdAt = createdAt
    self.headings = headings
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let sectionId = Column(CodingKeys.sectionId)
    public static let number = Column(CodingKeys.number)
  }

  public init(row: Row) throws {
    try Self.requireLayout(row)
    id = try row.decode(Layout.id)
    sectionId = try row.decode(Layout.sectionId)
    number = try row.decode(Layout.number)
    commitId = try row.decode(Layout.commitId)
    blobId = try row.decode(Layout.blobId)
    contentHash = try row.decode(Layout.contentHash)
    authorId = try row.decode(Layout.authorId)
    message = try row.decode(Layout.message)
    createdAt = try row.decodeTime(Layout.createdAt)
    headings = try row.decode(Layout.headings)
  }
}

// MARK: - Sign-offs

/// A reviewer's decision on one revision, bound to that revision's content hash so that it stops
/// counting the moment the text changes.
public struct SignoffRecord: Codable, FetchableRecord, MutablePersistableRecord, IndexRecord, Sendable, Equatable, PositionalWritable {
  public static let databaseTableName = "signoff"
  enum Layout: Int, CaseIterable { case id, sectionId, revisionNumber, contentHash, personId, capacity, groupCode, decision, message, createdAt }
  static let statements = PositionalStatements(
    table: databaseTableName,
    columns: [
      "id", "sectionId", "revisionNumber", "contentHash", "personId", "capacity", "groupCode", "decision", "message",
      "createdAt",
    ])
  var layoutValues: [(any DatabaseValueConvertible)?] {
    [id, sectionId, revisionNumber, contentHash, personId, capacity, groupCode, decision.rawValue, message,
     IndexTime.value(createdAt)]
  }
  public enum Decision: String, Codable, Sendable { case approve, requestChanges = "request_changes" }
  public var id: Int64?
  public var sectionId: String
  public var revisionNumber: Int
  public var contentHash: String
  public var personId: String
  public var capacity: String
  /// The committee or department the sign-off was given for (joint sections count per group).
  public var groupCode: String?
  public var decision: Decision
  public var message: String
  public var createdAt: Date

  public init(
    sectionId: String, revisionNumber: Int, contentHash: String, personId: String, capacity: String,
    groupCode: String?, decision: Decision, message: String, createdAt: Date
  ) {
    self.sectionId = sectionId
    self.revisionNumber = revisionNumber
    self.contentHash = contentHash
    self.personId = personId
    self.capacity = capacity
    self.groupCode = groupCode
    self.decision = decision
    self.message = message
    self.createdAt = createdAt
  }

  public init(row: Row) throws {
    try Self.requireLayout(row)
    id = try row.decode(Layout.id)
    sectionId = try row.decode(Layout.sectionId)
    revisionNumber = try row.decode(Layout.revisionNumber)
    contentHash = try row.decode(Layout.contentHash)
    personId = try row.decode(Layout.personId)
    capacity = try row.decode(Layout.capacity)
    groupCode = try row.decode(Layout.groupCode)
    decision = try row.decodeRaw(Decision.self, Layout.decision)
    message = try row.decode(Layout.message)
    createdAt = try row.decodeTime(Layout.createdAt)
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let sectionId = Column(CodingKeys.sectionId)
    public static let revisionNumber = Column(CodingKeys.revisionNumber)
    public static let personId = Column(CodingKeys.personId)
  }
}

// MARK: - Comments

/// A review comment on a revision, optionally anchored to a line range; replies form threads.
public struct CommentRecord: Codable, FetchableRecord, MutablePersistableRecord, IndexRecord, Sendable, Equatable {
  public static let databaseTableName = "comment"
  public enum Status: String, Codable, Sendable { case open, resolved }
  public var id: Int64?
  /// The record commit that made the comment (hex): its id on every copy of the policy.
  public var recordId: String
  public var sectionId: String
  /// The revision the comment was written on; never changes.
  public var revisionNumber: Int
  /// The revision whose lines `lineStart...lineEnd` refer to now (followed through diffs).
  public var anchorRevision: Int
  public var lineStart: Int?
  public var lineEnd: Int?
  /// The lines as they read when the comment was made, so a reader sees what was meant.
  public var quotedText: String?
  public var authorId: String
  public var body: String
  public var blocking: Bool
  public var parentId: Int64?
  public var status: Status
  /// The commented lines changed in a later revision: the anchor no longer points at them.
  public var outdated: Bool
  public var resolvedBy: String?
  public var resolvedAt: Date?
  public var createdAt: Date

  public init(
    recordId: String, sectionId: String, revisionNumber: Int, lineStart: Int?, lineEnd: Int?, quotedText: String?,
    authorId: String, body: String, blocking: Bool, parentId: Int64?, createdAt: Date
  ) {
    self.recordId = recordId
    self.sectionId = sectionId
    self.revisionNumber = revisionNumber
    self.anchorRevision = revisionNumber
    self.lineStart = lineStart
    self.lineEnd = lineEnd
    self.quotedText = quotedText
    self.authorId = authorId
    self.body = body
    self.blocking = blocking
    self.parentId = parentId
    self.status = .open
    self.outdated = false
    self.createdAt = createdAt
  }

  public init(row: Row) throws {
    id = try row.decode(forColumn: "id")
    recordId = try row.decode(forColumn: "recordid")
    sectionId = try row.decode(forColumn: "sectionid")
    revisionNumber = try row.decode(forColumn: "revisionnumber")
    anchorRevision = try row.decode(forColumn: "anchorrevision")
    lineStart = try row.decode(forColumn: "linestart")
    lineEnd = try row.decode(forColumn: "lineend")
    quotedText = try row.decode(forColumn: "quotedtext")
    authorId = try row.decode(forColumn: "authorid")
    body = try row.decode(forColumn: "body")
    blocking = try row.decode(forColumn: "blocking")
    parentId = try row.decode(forColumn: "parentid")
    status = try row.decodeRaw(Status.self, forColumn: "status")
    outdated = try row.decode(forColumn: "outdated")
    resolvedBy = try row.decode(forColumn: "resolvedby")
    resolvedAt = try row.decodeTimeIfPresent(forColumn: "resolvedat")
    createdAt = try row.decodeTime(forColumn: "createdat")
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let id = Column(CodingKeys.id)
    public static let sectionId = Column(CodingKeys.sectionId)
    public static let status = Column(CodingKeys.status)
    public static let blocking = Column(CodingKeys.blocking)
    public static let parentId = Column(CodingKeys.parentId)
  }
}

// MARK: - Requirements

/// A workshop input, pejlemærke or princip the policy must answer.
public struct RequirementRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable, PositionalWritable {
  public static let databaseTableName = "requirement"
  enum Layout: Int, CaseIterable { case id, kind, source, theme, text, textHash, targets, file, position }
  static let statements = PositionalStatements(
    table: databaseTableName,
    columns: ["id", "kind", "source", "theme", "text", "textHash", "targets", "file", "position"])
  var layoutValues: [(any DatabaseValueConvertible)?] { [id, kind, source, theme, text, textHash, targets, file, position] }
  public var id: String
  public var kind: String
  public var source: String
  public var theme: String?
  public var text: String
  /// SHA-256 of `text`; a link made against another hash is suspect.
  public var textHash: String
  /// Suggested target section ids, JSON array.
  public var targets: String
  public var file: String
  public var position: Int

  public init(
    id: String, kind: String, source: String, theme: String?, text: String, textHash: String, targets: [String],
    file: String, position: Int
  ) {
    self.id = id
    self.kind = kind
    self.source = source
    self.theme = theme
    self.text = text
    self.textHash = textHash
    self.targets = (try? String(data: JSONEncoder().encode(targets), encoding: .utf8)) ?? "[]"
    self.file = file
    self.position = position
  }

  public init(row: Row) throws {
    try Self.requireLayout(row)
    id = try row.decode(Layout.id)
    kind = try row.decode(Layout.kind)
    source = try row.decode(Layout.source)
    theme = try row.decode(Layout.theme)
    text = try row.decode(Layout.text)
    textHash = try row.decode(Layout.textHash)
    targets = try row.decode(Layout.targets)
    file = try row.decode(Layout.file)
    position = try row.decode(Layout.position)
  }

  public var targetList: [String] {
    if let plain = Self.plainStringList(targets) { return plain }
    return (try? JSONDecoder().decode([String].self, from: Data(targets.utf8))) ?? []
  }

  /// `["a","b"]` as JSONEncoder writes it, split on the UTF-8 bytes without JSONDecoder (about 30,000
  /// instructions a list, once per requirement in `status`). Any backslash, blank or other unexpected byte
  /// returns nil and the caller decodes properly: without escapes every `"` is a delimiter.
  static func plainStringList(_ json: String) -> [String]? {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), backslash = UInt8(ascii: "\\")
    let bytes = Array(json.utf8)
    guard bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
    if bytes.count == 2 { return [] }
    var values: [String] = []
    var index = 1
    while true {
      guard bytes[index] == quote else { return nil }
      var end = index + 1
      while end < bytes.count - 1 && bytes[end] != quote {
        if bytes[end] == backslash { return nil }
        end += 1
      }
      guard end < bytes.count - 1 else { return nil }
      values.append(String(decoding: bytes[(index + 1)..<end], as: UTF8.self))
      index = end + 1
      if index == bytes.count - 1 { return values }
      guard bytes[index] == comma, index + 1 < bytes.count - 1 else { return nil }
      index += 1
    }
  }
}

/// Where (and how) a section answers a requirement — or why it does not.
public struct RequirementLinkRecord: Codable, FetchableRecord, MutablePersistableRecord, IndexRecord, Sendable, Equatable, PositionalWritable {
  public static let databaseTableName = "requirementLink"
  enum Layout: Int, CaseIterable { case id, requirementId, sectionId, kind, note, revisionNumber, lineStart, lineEnd, linkedTextHash, requirementHash, createdBy, createdAt }
  static let statements = PositionalStatements(
    table: databaseTableName,
    columns: [
      "id", "requirementId", "sectionId", "kind", "note", "revisionNumber", "lineStart", "lineEnd", "linkedTextHash",
      "requirementHash", "createdBy", "createdAt",
    ])
  var layoutValues: [(any DatabaseValueConvertible)?] {
    [id, requirementId, sectionId, kind.rawValue, note, revisionNumber, lineStart, lineEnd, linkedTextHash,
     requirementHash, createdBy, IndexTime.value(createdAt)]
  }
  public enum Kind: String, Codable, Sendable { case addressed, waived }
  public var id: Int64?
  public var requirementId: String
  public var sectionId: String
  public var kind: Kind
  public var note: String
  /// The revision and lines the link was made against; when they change the link becomes suspect.
  public var revisionNumber: Int
  public var lineStart: Int?
  public var lineEnd: Int?
  /// SHA-256 of the linked lines (or the whole text when no lines were given).
  public var linkedTextHash: String
  public var requirementHash: String
  public var createdBy: String
  public var createdAt: Date

  public init(
    requirementId: String, sectionId: String, kind: Kind, note: String, revisionNumber: Int, lineStart: Int?,
    lineEnd: Int?, linkedTextHash: String, requirementHash: String, createdBy: String, createdAt: Date
  ) {
    self.requirementId = requirementId
    self.sectionId = sectionId
    self.kind = kind
    self.note = note
    self.revisionNumber = revisionNumber
    self.lineStart = lineStart
    self.lineEnd = lineEnd
    self.linkedTextHash = linkedTextHash
    self.requirementHash = requirementHash
    self.createdBy = createdBy
    self.createdAt = createdAt
  }

  public init(row: Row) throws {
    try Self.requireLayout(row)
    id = try row.decode(Layout.id)
    requirementId = try row.decode(Layout.requirementId)
    sectionId = try row.decode(Layout.sectionId)
    kind = try row.decodeRaw(Kind.self, Layout.kind)
    note = try row.decode(Layout.note)
    revisionNumber = try row.decode(Layout.revisionNumber)
    lineStart = try row.decode(Layout.lineStart)
    lineEnd = try row.decode(Layout.lineEnd)
    linkedTextHash = try row.decode(Layout.linkedTextHash)
    requirementHash = try row.decode(Layout.requirementHash)
    createdBy = try row.decode(Layout.createdBy)
    createdAt = try row.decodeTime(Layout.createdAt)
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let requirementId = Column(CodingKeys.requirementId)
    public static let sectionId = Column(CodingKeys.sectionId)
  }
}

// MARK: - Events

/// One entry of the append-only, hash-chained audit log.
public struct EventRecord: Codable, FetchableRecord, MutablePersistableRecord, IndexRecord, Sendable, Equatable {
  public static let databaseTableName = "event"
  public var id: Int64?
  public var at: Date
  public var actor: String
  public var action: String
  public var sectionId: String?
  public var fromState: String?
  public var toState: String?
  public var revision: Int?
  public var commitId: String?
  /// Free text or JSON with what else the action carried (comment id, requirement id, message).
  public var detail: String
  /// The previous event's hash; the first event chains to the empty string.
  public var prevHash: String
  public var hash: String

  public init(
    at: Date, actor: String, action: String, sectionId: String? = nil, fromState: String? = nil,
    toState: String? = nil, revision: Int? = nil, commitId: String? = nil, detail: String = ""
  ) {
    self.at = at
    self.actor = actor
    self.action = action
    self.sectionId = sectionId
    self.fromState = fromState
    self.toState = toState
    self.revision = revision
    self.commitId = commitId
    self.detail = detail
    self.prevHash = ""
    self.hash = ""
  }

  public init(row: Row) throws {
    id = try row.decode(forColumn: "id")
    at = try row.decodeTime(forColumn: "at")
    actor = try row.decode(forColumn: "actor")
    action = try row.decode(forColumn: "action")
    sectionId = try row.decode(forColumn: "sectionid")
    fromState = try row.decode(forColumn: "fromstate")
    toState = try row.decode(forColumn: "tostate")
    revision = try row.decode(forColumn: "revision")
    commitId = try row.decode(forColumn: "commitid")
    detail = try row.decode(forColumn: "detail")
    prevHash = try row.decode(forColumn: "prevhash")
    hash = try row.decode(forColumn: "hash")
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  /// The bytes the chain hash covers: every field but the row id and the hash itself.
  public var canonicalPayload: String {
    let fields: [String] = [
      prevHash, String(Int64((at.timeIntervalSince1970 * 1000).rounded())), actor, action, sectionId ?? "", fromState ?? "",
      toState ?? "", revision.map(String.init) ?? "", commitId ?? "", detail,
    ]
    return fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
  }

  public enum Columns {
    public static let id = Column(CodingKeys.id)
    public static let sectionId = Column(CodingKeys.sectionId)
  }
}

// MARK: - Record commits

/// One record commit as the index took it in: where it is, the order it took effect in, and — when the
/// rules refused it on replay — why.
public struct RecordRow: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "record"
  public var commitId: String
  public var ref: String
  public var sequence: Int
  public var actor: String
  public var action: String
  public var sectionId: String?
  /// A commit on a branch that the action moved (a revision on `sections/<id>`, an approval or a definition
  /// change on `main`), with that branch: a write killed after its record ref moved is completed from here.
  public var sideCommit: String?
  public var sideRef: String?
  public var refusal: String?
  /// The refusal came from joining copies that acted apart, not from a commit written around policyflow.
  public var refusedAtSync: Bool

  public init(
    commitId: String, ref: String, sequence: Int, actor: String, action: String, sectionId: String?,
    sideCommit: String?, sideRef: String?, refusal: String?, refusedAtSync: Bool = false
  ) {
    self.refusedAtSync = refusedAtSync
    self.commitId = commitId
    self.ref = ref
    self.sequence = sequence
    self.actor = actor
    self.action = action
    self.sectionId = sectionId
    self.sideCommit = sideCommit
    self.sideRef = sideRef
    self.refusal = refusal
  }

  public init(row: Row) throws {
    commitId = try row.decode(forColumn: "commitid")
    ref = try row.decode(forColumn: "ref")
    sequence = try row.decode(forColumn: "sequence")
    actor = try row.decode(forColumn: "actor")
    action = try row.decode(forColumn: "action")
    sectionId = try row.decode(forColumn: "sectionid")
    sideCommit = try row.decode(forColumn: "sidecommit")
    sideRef = try row.decode(forColumn: "sideref")
    refusal = try row.decode(forColumn: "refusal")
    refusedAtSync = try row.decode(forColumn: "refusedatsync")
  }
}

// MARK: - The definition's chain of trust

/// How one commit of `main` stands in the definition's chain of trust (see PolicyFlow's `DefinitionTrust`).
public struct DefinitionTrustRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "definitionTrust"
  public var commitId: String
  /// The commit whose definition is in force at this commit.
  public var inForce: String
  /// The commit whose members.yaml and signing mode decide who may authorise the next change.
  public var trustFrom: String
  /// `root`, `unchanged`, `authorised`, `unauthorised` or `carried`.
  public var kind: String
  /// Whether main's definition files here differ from the definition in force (an unauthorised change waits).
  public var pending: Bool
  /// Why a change is not authorised, or who authorised it.
  public var detail: String

  public init(commitId: String, inForce: String, trustFrom: String, kind: String, pending: Bool, detail: String) {
    self.commitId = commitId
    self.inForce = inForce
    self.trustFrom = trustFrom
    self.kind = kind
    self.pending = pending
    self.detail = detail
  }

  public init(row: Row) throws {
    commitId = try row.decode(forColumn: "commitid")
    inForce = try row.decode(forColumn: "inforce")
    trustFrom = try row.decode(forColumn: "trustfrom")
    kind = try row.decode(forColumn: "kind")
    pending = try row.decode(forColumn: "pending")
    detail = try row.decode(forColumn: "detail")
  }
}
