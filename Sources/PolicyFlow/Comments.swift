import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// A comment thread as `comments` shows it; the JSON field names are stable.
public struct CommentThread: Codable, Sendable {
  public struct Entry: Codable, Sendable {
    public let id: Int64
    public let author: String
    public let authorName: String
    public let body: String
    public let createdAt: Date
  }
  public let id: Int64
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
    sectionId: String, body: String, lines: ClosedRange<Int>?, revision: Int?, blocking: Bool, replyTo: Int64?,
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
        guard let found = try store.read({ try $0.comment(replyTo) }), found.sectionId == section.id else {
          throw PolicyFlowError.missing("section \(section.id) has no comment #\(replyTo) to reply to; see `policyflow comments \(section.id)`.")
        }
        parent = found
        if lines != nil || blocking {
          throw PolicyFlowError.usage("a reply (--reply) belongs to its thread: it takes no --line or --blocking.")
        }
      }
      let number = revision ?? parent?.anchorRevision ?? record.latestRevision
      guard let revisionRecord = try store.read({ try $0.revision(section.id, number) }) else {
        throw PolicyFlowError.missing(
          "section \(section.id) has no revision \(number) (revisions 0-\(record.latestRevision)).")
      }
      var quoted: String?
      if let lines {
        let textLines = SectionText.lines(try revisionText(section.id, revisionRecord))
        guard lines.lowerBound >= 1, lines.upperBound <= textLines.count else {
          throw PolicyFlowError.usage(
            "section \(section.id) revision \(number) has lines 1-\(textLines.count); --line \(lines.lowerBound)"
              + "\(lines.count > 1 ? "-\(lines.upperBound)" : "") is outside it. See `policyflow show \(section.id) "
              + "--revision \(number) --line-numbers`.")
        }
        quoted = textLines[(lines.lowerBound - 1)...(lines.upperBound - 1)].joined(separator: "\n")
      }
      let new = CommentRecord(
        sectionId: section.id, revisionNumber: number, lineStart: lines?.lowerBound, lineEnd: lines?.upperBound,
        quotedText: quoted, authorId: actor.id, body: text, blocking: blocking, parentId: parent?.id,
        createdAt: clock())
      return try commit(moving: []) { tx in
        var inserted = try tx.insertComment(new)
        if parent != nil { inserted.anchorRevision = parent!.anchorRevision; try tx.updateComment(inserted) }
        try logEvent(
          tx, actor: actor.id, action: parent == nil ? "comment" : "reply", section: section.id,
          revision: number, detail: "#\(inserted.id!)\(blocking ? " blocking" : "")")
        return inserted
      }
    }
  }

  func isMember(_ member: Member) -> Bool { definition.members.member(id: member.id) != nil }

  /// Threads of a section, oldest first.
  public func commentThreads(sectionId: String, openOnly: Bool) throws -> [CommentThread] {
    let section = try section(sectionId)
    return try store.read { reader in
      let all = try reader.comments(of: section.id)
      let replies = Dictionary(grouping: all.filter { $0.parentId != nil }, by: { $0.parentId! })
      return all.filter { $0.parentId == nil && (!openOnly || $0.status == .open) }.map { root in
        let thread = [root] + (replies[root.id!] ?? [])
        return CommentThread(
          id: root.id!, section: section.id, revision: root.revisionNumber, anchorRevision: root.anchorRevision,
          lines: root.lineStart.map { start in
            root.lineEnd == start ? "\(start)" : "\(start)-\(root.lineEnd ?? start)"
          },
          quoted: root.quotedText.map { SectionText.lines($0 + "\n") } ?? [], blocking: root.blocking,
          status: root.status.rawValue, outdated: root.outdated, resolvedBy: root.resolvedBy,
          entries: thread.map {
            .init(
              id: $0.id!, author: $0.authorId, authorName: definition.members.member(id: $0.authorId)?.name ?? $0.authorId,
              body: $0.body, createdAt: $0.createdAt)
          })
      }
    }
  }

  /// Resolves a thread. Allowed: the comment's author, the section's drafters, the committee chair.
  /// Resolving the last open blocking comment can complete an approval whose sign-offs are all given.
  public func resolve(commentId: Int64, message: String?, actor: Member) throws -> (CommentRecord, ReviewOutcome?) {
    try setThread(commentId: commentId, open: false, message: message, actor: actor)
  }

  public func reopen(commentId: Int64, message: String?, actor: Member) throws -> CommentRecord {
    try setThread(commentId: commentId, open: true, message: message, actor: actor).0
  }

  private func setThread(commentId: Int64, open: Bool, message: String?, actor: Member) throws -> (
    CommentRecord, ReviewOutcome?
  ) {
    guard let found = try store.read({ try $0.comment(commentId) }) else {
      throw PolicyFlowError.missing("there is no comment #\(commentId); see `policyflow comments SECTION`.")
    }
    let rootId = found.parentId ?? found.id!
    let section = try section(found.sectionId)
    return try performWrite {
      guard var root = try store.read({ try $0.comment(rootId) }) else {
        throw PolicyFlowError.internal("comment #\(rootId) vanished")
      }
      let mayAct =
        root.authorId == actor.id
        || !capacities(of: actor, for: section, among: [.ownerDrafter, .committeeChair]).isEmpty
      guard mayAct else {
        throw PolicyFlowError.notPermitted(
          "\(actor.name) may not \(open ? "reopen" : "resolve") comment #\(rootId) on section \(section.id): that is "
            + "for its author, \(describe(.ownerDrafter, for: section)) or \(describe(.committeeChair, for: section)). "
            + "Nothing was changed.")
      }
      if (root.status == .open) == open {
        throw PolicyFlowError.notPermitted(
          "comment #\(rootId) on section \(section.id) is already \(open ? "open" : "resolved"); nothing was changed.")
      }
      root.status = open ? .open : .resolved
      root.resolvedBy = open ? nil : actor.id
      root.resolvedAt = open ? nil : clock()
      let updated = root
      let event: (StoreTransaction) throws -> Void = { tx in
        try tx.updateComment(updated)
        try self.logEvent(
          tx, actor: actor.id, action: open ? "reopen-comment" : "resolve-comment", section: section.id,
          detail: "#\(rootId)\(message.map { ": \($0)" } ?? "")")
      }
      let record = try sectionRecord(section.id)
      if !open, root.blocking, !workflow.automaticTransitions(from: record.state).isEmpty {
        var expected = try store.read { try self.facts(for: section, record: record, reader: $0) }
        expected.openBlockingComments.removeAll { $0 == "#\(rootId)" }
        let outcome = try advance(section: section, record: record, facts: expected, actor: actor, action: event)
        return (updated, outcome)
      }
      try commit(moving: []) { tx in try event(tx) }
      return (updated, nil)
    }
  }
}
