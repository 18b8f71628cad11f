import Foundation

/// One problem found in a YAML file, located precisely enough that a person can open the file and
/// go straight to it: the file, the line and the path inside the document (`sections[3].owners[1]`).
///
/// Every policyflow file loader reports its problems as values of this type, so that the command
/// line prints them the same way whichever file is at fault, in the familiar compiler style
/// `file:line: path: message`.
public struct YAMLError: Error, LocalizedError, CustomStringConvertible, Equatable, Hashable, Sendable {
  /// What sort of problem this is, so that callers can choose an exit code (a missing file is not
  /// the same failure as a file with a typo in it) without parsing the message.
  public enum Kind: String, Equatable, Hashable, Sendable {
    /// The file does not exist.
    case fileNotFound = "file_not_found"
    /// The file exists but could not be read (permissions, a directory, an I/O error).
    case unreadable
    /// The file is larger than policyflow is willing to read, or expands to too many nodes.
    case limitExceeded = "limit_exceeded"
    /// The file is not valid UTF-8.
    case invalidEncoding = "invalid_encoding"
    /// The file is not well-formed YAML.
    case syntax
    /// The YAML is well-formed but its content breaks the file format's rules.
    case content
  }

  /// The file name as the user should see it, usually relative to the policy repository
  /// (`policy.yaml`, `requirements/workshop.yaml`).
  public var file: String
  /// The 1-based line number, or `nil` when the problem concerns the file as a whole.
  public var line: Int?
  /// Where in the document the problem is, as a key path (`sections[3].owners[1]`, indices
  /// 0-based); empty for the document as a whole.
  public var path: String
  /// What is wrong and, where possible, what to do about it.
  public var message: String
  /// See ``Kind``.
  public var kind: Kind

  public init(file: String, line: Int?, path: String, message: String, kind: Kind = .content) {
    self.file = file
    self.line = line
    self.path = path
    self.message = message
    self.kind = kind
  }

  /// `file:line: path: message`; the line and the path are left out when unknown or empty.
  public var description: String {
    var text = file
    if let line { text += ":\(line)" }
    text += ": "
    if !path.isEmpty { text += "\(path): " }
    return text + message
  }

  public var errorDescription: String? { description }
}

extension Array where Element == YAMLError {
  /// The issues ordered for reading: by file (in first-seen order), then by line.
  ///
  /// Loaders collect problems while walking several files; sorting them keeps the report stable and
  /// lets a person fix the file from top to bottom.
  public func sortedForDisplay() -> [YAMLError] {
    var fileOrder: [String: Int] = [:]
    for issue in self where fileOrder[issue.file] == nil { fileOrder[issue.file] = fileOrder.count }
    return enumerated().sorted { lhs, rhs in
      let (l, r) = (lhs.element, rhs.element)
      if l.file != r.file { return fileOrder[l.file]! < fileOrder[r.file]! }
      if (l.line ?? 0) != (r.line ?? 0) { return (l.line ?? 0) < (r.line ?? 0) }
      return lhs.offset < rhs.offset
    }.map(\.element)
  }
}
