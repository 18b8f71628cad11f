import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// A comment thread as `comments` shows it; the JSON field names are stable.
public struct CommentThread: Codable, Sendable {
  public struct Entry: Codable, Sendable {
    /// The short id of the record commit that made it: the same on every copy of the policy.
    public let id: String
    public let author: String
    public let authorName: String
    public let body: String
    public let createdAt: Date
  }
  public let id: String
  public let section: String
  public let revision: Int
  public let anchorRevision: Int
  public let lines: String?
  public let quoted: [String]
  public let blocking: Bool
  public let status: String
  public let outdated: Bool
  public let resolvedBy: String?
  public let entries: [Entry]
}

/// Comments longer than this are refused: a review comment is read on a terminal, and a limit keeps
/// a pasted file from becoming one.
public let maximumCommentBytes = 64 * 1024

extension Workspace {
  /// Adds a comment (or a reply) on a revision of a section, optionally anchored to lines of it.
  public func comment(
    sectionId: String, body: String, lines: ClosedRange<Int>?, revision: Int?, blocking: Bool, replyTo: String?,
    actor: Member
  ) throws -> CommentRecord {
    let section = try section(sectionId)
    let text = body.precomposedStringWithCanonicalMapping
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage("the comment on section \(section.id) is empty; give its text with -m TEXT or --file F.")
    }
    guard text.utf8.count <= maximumCommentBytes else {
      throw PolicyFlowError.badInput(
        "the comment on section \(section.id) is \(text.utf8.count) bytes, over the limit of \(maximumCommentBytes). "
          + "Shorten it, or put long material in the section text itself.")
    }
    guard !text.utf8.contains(0) else {
      throw PolicyFlowError.badInput("the comment on section \(section.id) contains a NUL byte; comments are plain text.")
    }
    // Comments are printed on other people's terminals: an escape sequence could clear the screen or fake output.
    if let control = text.unicodeScalars.first(where: {
      ($0.value < 0x20 && !["\n", "\t", "\r"].contains($0)) || (0x7F...0x9F).contains($0.value)
    }) {
      throw PolicyFlowError.badInput(
        "the comment on section \(section.id) contains the control character U+\(String(format: "%04X", control.value)) "
          + "(terminal escape sequences and the like are refused); comments are plain text. Remove it and comment again.")
    }
    guard isMember(actor) else {
      throw PolicyFlowError.notPermitted("\(actor.id) has no role in members.yaml and may not comment.")
    }
    return try performWrite {
      let record = try sectionRecord(section.id)
      var parent: CommentRecord?
      if let replyTo {
        parent = try findComment(replyTo)
        guard parent!.sectionId == section.id else {
          throw PolicyFlowError.missing(
            "comment \(replyTo) is on section \(parent!.sectionId), not \(section.id); see `policyflow comments \(section.id)`.")
        }
        if lines != nil || blocking {
          throw PolicyFlowError.usage("a reply (--reply) belongs to its thread: it takes no --line or --blocking.")
        }
      }
      let number = revision ?? parent?.anchorRevision ?? record.latestRevision
      var draft = ActionDraft(
        kind: parent == nil ? .comment : .reply, section: section.id,
        subject: RecordWording(language: definition.manifest.language)
          .summary(parent == nil ? .comment : .reply, section: section.id, detail: actor.name),
        body: text)
      draft.fields[.revision] = String(number)
      draft.fields[.contentHash] = try store.read { try $0.revision(section.id, number) }?.contentHash
      if let lines {
        guard lines.lowerBound >= 1 else { throw PolicyFlowError.usage("line numbers start at 1.") }
        draft.fields[.lines] = "\(lines.lowerBound)-\(lines.upperBound)"
      }
      if blocking { draft.fields[.blocking] = "true" }
      if let parent { draft.fields[.comment] = parent.recordId }
      let (_, applied) = try self.record(draft, actor: actor)
      guard let comment = applied.comment else { throw PolicyFlowError.internal("the comment was not indexed") }
      return comment
    }
  }

  /// The comment a person means by `id`: a prefix (at least four characters) of its record commit's id.
  func findComment(_ id: String) throws -> CommentRecord {
    let wanted = id.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "#", with: "")
    guard wanted.count >= 4, wanted.allSatisfy(\.isHexDigit) else {
      throw PolicyFlowError.usage(
        "`\(id)` is not a comment id: give the id `policyflow comments SECTION` shows (at least 4 hex digits).")
    }
    let found = try store.read { try $0.comments(recordIdPrefix: wanted) }
    guard let first = found.first else {
      throw PolicyFlowError.missing("there is no comment \(wanted); see `policyflow comments SECTION`.")
    }
    guard found.count == 1 else {
      throw PolicyFlowError.usage("more than one comment starts with \(wanted); give more of its id.")
    }
    return first
  }

  func isMember(_ member: Member) -> Bool { definition.members.member(id: member.id) != nil }

  /// Threads of a section, oldest first.
  public func commentThreads(sectionId: String, openOnly: Bool) throws -> [CommentThread] {
    let section = try readableSectionID(sectionId)
    return try store.read { reader in
      let all = try reader.comments(of: section)
      let replies = Dictionary(grouping: all.filter { $0.parentId != nil }, by: { $0.parentId! })
      return all.filter { $0.parentId == nil && (!openOnly || $0.status == .open) }.map { root in
        let thread = [root] + (replies[root.id!] ?? [])
        return CommentThread(
          id: RecordEntry.shortID(root.recordId), section: section, revision: root.revisionNumber, anchorRevision: root.anchorRevision,
          lines: root.lineStart.map { start in
            root.lineEnd == start ? "\(start)" : "\(start)-\(root.lineEnd ?? start)"
          },
          quoted: root.quotedText.map { SectionText.lines($0 + "\n") } ?? [], blocking: root.blocking,
          status: root.status.rawValue, outdated: root.outdated, resolvedBy: root.resolvedBy,
          entries: thread.map {
            .init(
              id: RecordEntry.shortID($0.recordId), author: $0.authorId, authorName: definition.members.anyone(id: $0.authorId)?.name ?? $0.authorId,
              body: $0.body, createdAt: $0.createdAt)
          })
      }
    }
  }

  /// Resolves a thread. Allowed: the comment's author, the section's drafters, the committee chair.
  /// Resolving the last open blocking comment can complete an approval whose sign-offs are all given.
  public func resolve(commentId: String, message: String?, actor: Member) throws -> (CommentRecord, ReviewOutcome?) {
    try setThread(commentId: commentId, open: false, message: message, actor: actor)
  }

  public func reopen(commentId: String, message: String?, actor: Member) throws -> CommentRecord {
    try setThread(commentId: commentId, open: true, message: message, actor: actor).0
  }

  private func setThread(commentId: String, open: Bool, message: String?, actor: Member) throws -> (
    CommentRecord, ReviewOutcome?
  ) {
    try performWrite {
      let found = try findComment(commentId)
      let root = try found.parentId.flatMap { id in try store.read { try $0.comment(id) } } ?? found
      let record = try sectionRecord(root.sectionId)
      let kind: ActionKind = open ? .reopenComment : .resolve
      var draft = ActionDraft(
        kind: kind, section: root.sectionId,
        subject: RecordWording(language: definition.manifest.language)
          .summary(kind, section: root.sectionId, detail: RecordEntry.shortID(root.recordId)),
        body: message?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
      draft.fields[.comment] = root.recordId
      let (entry, applied) = try self.record(draft, actor: actor)
      let updated = try store.read { try $0.comment(recordId: root.recordId) } ?? root
      let changedState = applied.toState != nil && applied.toState != record.state
      return (updated, changedState ? try outcome(root.sectionId, entry, applied, from: record.state) : nil)
    }
  }
}

extension CommentRecord {
  /// The id people type: a prefix of the record commit that made the comment.
  public var shortID: String { RecordEntry.shortID(recordId) }
}
