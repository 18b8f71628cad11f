import Clibgit2
import Foundation

/// Who did something and when, as git records it. `time` has whole-second precision in git, so fractional seconds
/// are dropped when writing; compare signatures built from whole seconds if you expect a round trip. libgit2 also
/// trims whitespace around name and email and refuses empty ones or ones containing `<` or `>` (kind `.invalid`).
public struct Signature: Sendable, Equatable {
  public var name: String
  public var email: String
  public var time: Date
  /// The author's UTC offset, kept so `git log` shows the local time the approver actually saw (e.g. +0100 = 60).
  public var offsetMinutes: Int

  public init(name: String, email: String, time: Date, offsetMinutes: Int = 0) {
    self.name = name
    self.email = email
    self.time = time
    self.offsetMinutes = offsetMinutes
  }

  init(_ signature: UnsafePointer<git_signature>) {
    let raw = signature.pointee
    self.init(
      name: raw.name.map { String(cString: $0) } ?? "",
      email: raw.email.map { String(cString: $0) } ?? "",
      time: Date(timeIntervalSince1970: TimeInterval(raw.when.time)),
      offsetMinutes: Int(raw.when.offset))
  }

  /// Lends a libgit2 signature for the duration of `body` and frees it afterwards. libgit2 rejects names or emails
  /// that are empty or contain angle brackets (kind `.invalid`) and trims surrounding whitespace.
  func withGitSignature<T>(_ operation: String, _ body: (UnsafePointer<git_signature>) throws -> T) throws -> T {
    var signature: UnsafeMutablePointer<git_signature>?
    let seconds = git_time_t(time.timeIntervalSince1970.rounded(.down))
    try check(git_signature_new(&signature, name, email, seconds, Int32(offsetMinutes)), operation)
    defer { git_signature_free(signature) }
    return try body(signature!)
  }
}

/// A commit copied out of libgit2, so it outlives the repository handle and can cross threads.
public struct Commit: Sendable {
  public let id: ObjectID
  public let tree: ObjectID
  /// In commit order: the first parent is the branch the commit was made on.
  public let parents: [ObjectID]
  public let author: Signature
  public let committer: Signature
  /// The message exactly as stored (no whitespace cleanup, leading blank lines kept), decoded as UTF-8.
  public let message: String
  /// The first paragraph, whitespace-collapsed to one line, as `git log --format=%s` shows it.
  public let summary: String
  /// `Key: value` pairs from the message's final paragraph, in order, duplicates kept. Parsed once at lookup with
  /// `git_message_trailers`, so they match what `git interpret-trailers` would find.
  public var trailers: [(key: String, value: String)]

  /// Public so other modules can build commits for their own tests; real ones come from `Repository.commit(_:)`.
  public init(id: ObjectID, tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature,
    message: String, summary: String, trailers: [(key: String, value: String)])
  {
    self.id = id
    self.tree = tree
    self.parents = parents
    self.author = author
    self.committer = committer
    self.message = message
    self.summary = summary
    self.trailers = trailers
  }

  /// Values of every trailer named `key` (case-insensitive, as git compares trailer keys).
  public func trailerValues(_ key: String) -> [String] {
    trailers.filter { $0.key.caseInsensitiveCompare(key) == .orderedSame }.map(\.value)
  }
}

/// One line of a diff hunk, with its line numbers on each side; `nil` for the side the line does not exist on.
public struct DiffLine: Sendable, Equatable {
  public enum Origin: Sendable {
    case context, addition, deletion
  }

  public let origin: Origin
  /// 1-based, in the old text; nil for additions.
  public let oldLine: Int?
  /// 1-based, in the new text; nil for deletions.
  public let newLine: Int?
  /// The line without its terminating "\n" (a "\r" before it is kept, since it is part of the content).
  public let text: String

  public init(origin: Origin, oldLine: Int?, newLine: Int?, text: String) {
    self.origin = origin
    self.oldLine = oldLine
    self.newLine = newLine
    self.text = text
  }
}

/// A hunk with git's numbering conventions: for a side with zero lines, `start` is the line *after which* the
/// change happens (0 = before the first line), exactly as in the `@@ -a,b +c,d @@` header.
public struct DiffHunk: Sendable, Equatable {
  public let oldStart: Int
  public let oldLines: Int
  public let newStart: Int
  public let newLines: Int
  /// The `@@ … @@` line without its newline, including the function-context text git appends (the nearest
  /// preceding line that starts with a letter), exactly as `git diff` prints it.
  public let header: String
  public let lines: [DiffLine]

  public init(oldStart: Int, oldLines: Int, newStart: Int, newLines: Int, header: String, lines: [DiffLine]) {
    self.oldStart = oldStart
    self.oldLines = oldLines
    self.newStart = newStart
    self.newLines = newLines
    self.header = header
    self.lines = lines
  }
}
