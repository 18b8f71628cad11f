import Foundation
import GRDB

// MARK: - Sections

/// A section of the policy as the workflow sees it: its state and which revisions matter.
public struct SectionRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "section"
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

  public enum Columns {
    public static let id = Column(CodingKeys.id)
    public static let position = Column(CodingKeys.position)
    public static let state = Column(CodingKeys.state)
  }
}

// MARK: - Revisions

/// One submitted text of a section; its bytes live in git, this row says where and whose.
public struct RevisionRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "revision"
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

  public init(
    sectionId: String, number: Int, commitId: String, blobId: String, contentHash: String, authorId: String,
    message: String, createdAt: Date
  ) {
    self.sectionId = sectionId
    self.number = number
    self.commitId = commitId
    self.blobId = blobId
    self.contentHash = contentHash
    self.authorId = authorId
    self.message = message
    self.createdAt = createdAt
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let sectionId = Column(CodingKeys.sectionId)
    public static let number = Column(CodingKeys.number)
  }
}

// MARK: - Sign-offs

/// A reviewer's decision on one revision, bound to that revision's content hash so that it stops
/// counting the moment the text changes.
public struct SignoffRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "signoff"
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

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let sectionId = Column(CodingKeys.sectionId)
    public static let revisionNumber = Column(CodingKeys.revisionNumber)
    public static let personId = Column(CodingKeys.personId)
  }
}

// MARK: - Comments

/// A review comment on a revision, optionally anchored to a line range; replies form threads.
public struct CommentRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "comment"
  public enum Status: String, Codable, Sendable { case open, resolved }
  public var id: Int64?
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
    sectionId: String, revisionNumber: Int, lineStart: Int?, lineEnd: Int?, quotedText: String?, authorId: String,
    body: String, blocking: Bool, parentId: Int64?, createdAt: Date
  ) {
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
public struct RequirementRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "requirement"
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

  public var targetList: [String] {
    (try? JSONDecoder().decode([String].self, from: Data(targets.utf8))) ?? []
  }
}

/// Where (and how) a section answers a requirement — or why it does not.
public struct RequirementLinkRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "requirementLink"
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

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

  public enum Columns {
    public static let requirementId = Column(CodingKeys.requirementId)
    public static let sectionId = Column(CodingKeys.sectionId)
  }
}

// MARK: - Events

/// One entry of the append-only, hash-chained audit log.
public struct EventRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
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

// MARK: - Pending reference moves

/// A git reference move promised by a committed SQLite transaction but maybe not yet done in git.
/// Recovery rolls it forward: the objects were written before the transaction committed.
public struct PendingRefRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Equatable {
  public static let databaseTableName = "pendingRef"
  public var id: Int64?
  public var refName: String
  public var oldTarget: String?
  public var newTarget: String
  public var createdAt: Date

  public init(refName: String, oldTarget: String?, newTarget: String, createdAt: Date) {
    self.refName = refName
    self.oldTarget = oldTarget
    self.newTarget = newTarget
    self.createdAt = createdAt
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
