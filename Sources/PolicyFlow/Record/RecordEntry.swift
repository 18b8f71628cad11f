import Foundation
import PolicyGit

/// The kinds of action the record holds. Each is one commit on a record ref; the raw value is the
/// `Policyflow-Action` trailer.
public enum ActionKind: String, CaseIterable, Sendable {
  case initPolicy = "init"
  /// A section's revision 0 (the template's text), recorded by `init` or when a section is added.
  case create
  case submit
  case signoff
  case requestChanges = "request-changes"
  /// A workflow event fired by a person that is not a review vote (the default workflow's `withdraw`).
  case transition
  case comment
  case reply
  case resolve
  case reopenComment = "reopen-comment"
  case link = "req-link"
  case waive = "req-waive"
  case confirm = "req-confirm"
  case requirementAdd = "req-add"
  case requirementEdit = "req-edit"
  case release
  /// Changes to who and what takes part in a running policy (issue 15). Each is a signed definition commit on
  /// `main` that its action names (`Policyflow-Definition`), like `req add`: the action is the event.
  case memberAdd = "member-add"
  case memberRetire = "member-retire"
  case departmentAdd = "department-add"
  case departmentRetire = "department-retire"
  /// On the section's own record ref, so that `log SECTION` ends with it.
  case sectionRetire = "section-retire"

  /// The kinds whose action publishes its own definition commit on `main` (`Policyflow-Definition`).
  var changesDefinition: Bool {
    switch self {
    case .requirementAdd, .requirementEdit, .memberAdd, .memberRetire, .departmentAdd, .departmentRetire,
      .sectionRetire:
      return true
    default: return false
    }
  }
  /// A member proposes a public key of their own for the secretariat to list (docs/signing.md): signed with one of
  /// their current keys (a rotation), or unsigned when they have lost it (attributed only: it proves nothing).
  case keyPropose = "key-propose"
  /// The secretariat adopted a key proposal: the definition the action names lists the key for the member.
  case keyAdopt = "key-adopt"
  /// The secretariat declined a key proposal (a key it will not list, or one it could not confirm): the proposal
  /// closes with the reason; the member may propose again.
  case keyDecline = "key-decline"
}

/// Where the record lives: one ref per section and one for the policy as a whole, in the manner of
/// Gerrit's NoteDb (`refs/changes/…/meta`). Plain `git fetch` of branches does not bring them.
public enum RecordRefs {
  public static let prefix = "refs/policyflow/"
  public static let policy = "refs/policyflow/policy"
  public static let sectionsPrefix = "refs/policyflow/sections/"
  public static func section(_ id: String) -> String { sectionsPrefix + id }
  public static let refspec = "+refs/policyflow/*:refs/policyflow/*"
  /// The section branches, which a plain clone keeps only as `refs/remotes/origin/sections/*`.
  public static let sectionBranchesRefspec = "+refs/heads/sections/*:refs/heads/sections/*"
  /// What to type to bring both into a plain clone.
  public static var fetchCommand: String { "git fetch origin '\(refspec)' '\(sectionBranchesRefspec)'" }
}

/// The trailer keys of record commits, in the order they are written.
enum RecordField: String, CaseIterable {
  case action = "Policyflow-Action"
  case actor = "Policyflow-Actor"
  case sequence = "Policyflow-Sequence"
  case definition = "Policyflow-Definition"
  case section = "Policyflow-Section"
  case revision = "Policyflow-Revision"
  case revisionCommit = "Policyflow-Revision-Commit"
  case contentHash = "Policyflow-Content-Hash"
  case capacity = "Policyflow-Capacity"
  case group = "Policyflow-Group"
  case event = "Policyflow-Event"
  case lines = "Policyflow-Lines"
  case blocking = "Policyflow-Blocking"
  case comment = "Policyflow-Comment"
  case requirement = "Policyflow-Requirement"
  case approvalCommit = "Policyflow-Approval-Commit"
  case releaseName = "Policyflow-Release"
  case releaseCommit = "Policyflow-Release-Commit"
  case member = "Policyflow-Member"
  case department = "Policyflow-Department"
  case key = "Policyflow-Key"
  case keyProposal = "Policyflow-Key-Proposal"
}

/// One action of the record: what a command decided, as it is written to and read back from git.
///
/// The commit message is the one format: a summary line a person reads in `git log`, the free text of the
/// action (a comment, a reason, a note) verbatim as the body, and the structured fields as git trailers in
/// the last paragraph. Author and committer are the acting member; the commit time is the action's time.
public struct RecordEntry: Sendable {
  public var kind: ActionKind
  public var actor: String
  public var time: Date
  public var offsetMinutes: Int
  /// A Lamport clock: one more than the highest sequence the writer had seen. Actions take effect in the
  /// order (sequence, commit id), the same on every copy.
  public var sequence: Int
  /// The commit of `main` (the definition) the action was decided against.
  public var definition: ObjectID
  public var section: String?
  public var subject: String
  public var body: String
  var fields: [RecordField: String]
  /// Set once written or when read from git.
  public var commit: ObjectID?
  public var parents: [ObjectID] = []
  public var authorName = ""
  public var authorEmail = ""

  init(
    kind: ActionKind, actor: String, time: Date, offsetMinutes: Int, sequence: Int, definition: ObjectID,
    section: String?, subject: String, body: String, fields: [RecordField: String]
  ) {
    self.kind = kind
    self.actor = actor
    self.time = time
    self.offsetMinutes = offsetMinutes
    self.sequence = sequence
    self.definition = definition
    self.section = section
    self.subject = subject
    self.body = body
    self.fields = fields
  }

  subscript(_ field: RecordField) -> String? {
    get { fields[field] }
    set { fields[field] = newValue }
  }

  func int(_ field: RecordField) -> Int? { fields[field].flatMap { Int($0) } }
  func objectID(_ field: RecordField) -> ObjectID? { fields[field].flatMap(ObjectID.init(hex:)) }

  var lines: ClosedRange<Int>? {
    guard let text = fields[.lines] else { return nil }
    let parts = text.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] else { return nil }
    return parts[0]...parts[1]
  }

  /// The id a person types for what this record made (a comment): a prefix of the commit id, the same everywhere.
  public var shortID: String { commit.map { RecordEntry.shortID($0.hex) } ?? "" }
  public static func shortID(_ hex: String) -> String { String(hex.prefix(10)) }

  /// The ref this action is recorded on.
  public var ref: String { section.map(RecordRefs.section) ?? RecordRefs.policy }
}

/// Writes and reads record commit messages: the one home of their format.
enum RecordMessage {
  struct Malformed: Error, CustomStringConvertible {
    let description: String
  }

  static func render(_ entry: RecordEntry) -> String {
    var trailers: [String] = [
      "\(RecordField.action.rawValue): \(entry.kind.rawValue)",
      "\(RecordField.actor.rawValue): \(entry.actor)",
      "\(RecordField.sequence.rawValue): \(entry.sequence)",
      "\(RecordField.definition.rawValue): \(entry.definition.hex)",
    ]
    if let section = entry.section { trailers.append("\(RecordField.section.rawValue): \(section)") }
    for field in RecordField.allCases.dropFirst(5) {
      if let value = entry.fields[field] { trailers.append("\(field.rawValue): \(value)") }
    }
    let subject = singleLine(entry.subject)
    let body = entry.body.isEmpty ? "" : entry.body + "\n\n"
    return subject + "\n\n" + body + trailers.joined(separator: "\n") + "\n"
  }

  /// Parses a record commit; `nil` when the commit is not a record commit at all (no action trailer).
  static func parse(_ commit: Commit) throws -> RecordEntry? {
    let message = commit.message
    guard let split = message.asciiRange(of: "\n\n", backwards: true) else { return nil }
    let trailerText = message[split.upperBound...]
    var fields: [RecordField: String] = [:]
    var kind: ActionKind?
    var actor: String?
    var sequence: Int?
    var definition: ObjectID?
    var section: String?
    for bytes in trailerText.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
      let line = Substring(bytes)
      guard let colon = line.asciiRange(of: ": ") else {
        throw Malformed(description: "a trailer line without `: `: \(line)")
      }
      let key = String(line[..<colon.lowerBound])
      let value = String(line[colon.upperBound...])
      guard let field = RecordField(rawValue: key) else {
        if kind == nil { return nil }
        throw Malformed(description: "unknown trailer \(key)")
      }
      guard fields[field] == nil else { throw Malformed(description: "trailer \(key) given twice") }
      fields[field] = value
      switch field {
      case .action:
        guard let parsed = ActionKind(rawValue: value) else { throw Malformed(description: "unknown action `\(value)`") }
        kind = parsed
      case .actor: actor = value
      case .sequence: sequence = Int(value)
      case .definition: definition = ObjectID(hex: value)
      case .section: section = value
      default: break
      }
    }
    guard let kind else {
      // Trailers somewhere else than the last paragraph (e.g. a blank line after them): not silently no action.
      if message.contains("\n\(RecordField.action.rawValue): ") || message.hasPrefix("\(RecordField.action.rawValue): ") {
        throw Malformed(description: "its Policyflow-* trailers are not the last paragraph of the message")
      }
      return nil
    }
    guard let actor, let sequence, sequence > 0, let definition else {
      throw Malformed(description: "a record commit lacks its actor, sequence or definition trailer")
    }
    let head = message[..<split.lowerBound]
    let subject: String
    let body: String
    if let first = head.asciiRange(of: "\n\n") {
      subject = String(head[..<first.lowerBound])
      body = String(head[first.upperBound...])
    } else {
      subject = String(head)
      body = ""
    }
    for field in [RecordField.action, .actor, .sequence, .definition, .section] { fields[field] = nil }
    var entry = RecordEntry(
      kind: kind, actor: actor, time: commit.author.time, offsetMinutes: commit.author.offsetMinutes,
      sequence: sequence, definition: definition, section: section, subject: subject, body: body, fields: fields)
    entry.commit = commit.id
    entry.parents = commit.parents
    entry.authorName = commit.author.name
    entry.authorEmail = commit.author.email
    return entry
  }

  static func singleLine(_ text: String) -> String {
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return line.trimmingCharacters(in: .whitespaces).isEmpty ? "(no summary)" : line
  }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
  /// The first (or last) occurrence of an ASCII `pattern`, searched in the UTF-8 bytes. Every record commit is parsed
  /// on replay, and Foundation's `range(of:)` cost ~26,000 instructions a call, eight calls a commit.
  func asciiRange(of pattern: StaticString, backwards: Bool = false) -> Range<Index>? {
    let needle = UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)
    let bytes = utf8
    guard needle.count > 0, bytes.count >= needle.count else { return nil }
    var start = backwards ? bytes.index(bytes.endIndex, offsetBy: -needle.count) : bytes.startIndex
    while true {
      var candidate = start
      var matched = true
      for byte in needle {
        if bytes[candidate] != byte {
          matched = false
          break
        }
        candidate = bytes.index(after: candidate)
      }
      if matched { return start..<candidate }
      if backwards {
        if start == bytes.startIndex { return nil }
        start = bytes.index(before: start)
      } else {
        start = bytes.index(after: start)
        if bytes.distance(from: start, to: bytes.endIndex) < needle.count { return nil }
      }
    }
  }
}
