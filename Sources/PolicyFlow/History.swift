import Foundation
import PolicyGit
import PolicyStore

/// One line of a section's history (`policyflow log`) or of the audit log.
public struct HistoryEntry: Codable, Sendable {
  public let at: Date
  public let actor: String
  public let action: String
  public let section: String?
  public let fromState: String?
  public let toState: String?
  public let revision: Int?
  public let commit: String?
  public let detail: String
}

extension Workspace {
  /// The text of a revision (default: the latest).
  public func text(sectionId: String, revision: Int?) throws -> (revision: Int, text: String) {
    let section = try readableSectionID(sectionId)
    let record = try sectionRecord(section)
    let number = revision ?? record.latestRevision
    guard let found = try store.read({ try $0.revision(section, number) }) else {
      throw PolicyFlowError.missing(
        "section \(section) has no revision \(number); it has revisions 0-\(record.latestRevision).")
    }
    return (number, try revisionText(section, found))
  }

  /// Line numbers (1-based, on `revision`) where open comment threads are anchored.
  public func commentedLines(sectionId: String, revision: Int) throws -> [Int: [String]] {
    let section = try readableSectionID(sectionId)
    var result: [Int: [String]] = [:]
    for comment in try store.read({ try $0.comments(of: section) })
    where comment.parentId == nil && comment.status == .open && !comment.outdated
      && comment.anchorRevision == revision
    {
      guard let start = comment.lineStart, let end = comment.lineEnd else { continue }
      for line in start...end { result[line, default: []].append(comment.shortID) }
    }
    return result
  }

  /// Unified diff between two revisions, computed by libgit2 (default: the previous against the latest).
  public func diff(sectionId: String, from: Int?, to: Int?) throws -> String {
    let section = try readableSectionID(sectionId)
    let record = try sectionRecord(section)
    let new = to ?? record.latestRevision
    let old = from ?? max(new - 1, 0)
    let oldText = try text(sectionId: section, revision: old).text
    let newText = try text(sectionId: section, revision: new).text
    let path = Workspace.sectionPath(section)
    return try repository.unifiedDiff(
      old: Data(oldText.utf8), new: Data(newText.utf8), oldPath: path, newPath: path, contextLines: 3)
  }

  /// Everything that happened to a section, or (nil) to the whole policy, oldest first.
  public func history(sectionId: String?) throws -> [HistoryEntry] {
    let id = try sectionId.map { try readableSectionID($0) }
    return try store.read { try $0.events(section: id) }.map {
      HistoryEntry(
        at: $0.at, actor: $0.actor, action: $0.action, section: $0.sectionId, fromState: $0.fromState,
        toState: $0.toState, revision: $0.revision, commit: $0.commitId, detail: $0.detail)
    }
  }
}
