import Foundation
import Yams

/// The limits every policyflow YAML file must respect.
///
/// Policy files come from a shared repository, so a careless or hostile edit must be refused with
/// a message instead of exhausting the machine: real manifests are a few kilobytes and a few
/// hundred nodes, so these limits are generous for honest use.
public enum YAMLLimits {
  /// The largest file policyflow reads: 1 MiB.
  public static let maximumFileSize = 1 << 20
  /// The most nodes a document may expand to once aliases are followed ("billion laughs" defence).
  public static let maximumNodeCount = 100_000
}

/// Collects the problems found while loading one or more files, so that a person sees all of them
/// at once instead of fixing one typo per run.
public final class YAMLDiagnostics {
  public private(set) var issues: [YAMLError] = []

  public init() {}

  public func report(_ issue: YAMLError) {
    issues.append(issue)
  }

  public var isEmpty: Bool { issues.isEmpty }
}

/// Reads YAML text or files into located trees (``YAMLNode``), applying policyflow's defences:
/// a size limit, strict UTF-8, no complex keys and a bound on the expanded node count.
///
/// Fatal problems (the file is missing, unreadable, too large, not UTF-8 or not YAML) are reported
/// to the diagnostics and the result is `nil`; the caller then skips the file's content checks.
public enum YAMLLoader {
  /// Reads and parses the file at `url`; `file` is the name shown in messages.
  public static func load(contentsOf url: URL, file: String, diagnostics: YAMLDiagnostics) -> YAMLNode? {
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      diagnostics.report(
        YAMLError(file: file, line: nil, path: "", message: "file not found", kind: .fileNotFound))
      return nil
    }
    if isDirectory.boolValue {
      diagnostics.report(
        YAMLError(
          file: file, line: nil, path: "", message: "is a directory, not a YAML file", kind: .unreadable))
      return nil
    }
    // Check the size before reading, so that a huge file is never loaded into memory.
    if let size = (try? fileManager.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
      size.intValue > YAMLLimits.maximumFileSize
    {
      diagnostics.report(tooLarge(file: file, size: size.intValue))
      return nil
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      diagnostics.report(
        YAMLError(
          file: file, line: nil, path: "", message: "cannot read the file: \(error.localizedDescription)",
          kind: .unreadable))
      return nil
    }
    return parse(data: data, file: file, diagnostics: diagnostics)
  }

  /// Parses raw bytes, which must be UTF-8.
  public static func parse(data: Data, file: String, diagnostics: YAMLDiagnostics) -> YAMLNode? {
    guard data.count <= YAMLLimits.maximumFileSize else {
      diagnostics.report(tooLarge(file: file, size: data.count))
      return nil
    }
    if let (line, offset) = firstInvalidUTF8(in: data) {
      diagnostics.report(
        YAMLError(
          file: file, line: line, path: "",
          message: "the file is not valid UTF-8 (bad byte at offset \(offset)); save it as UTF-8",
          kind: .invalidEncoding))
      return nil
    }
    return parse(String(decoding: data, as: UTF8.self), file: file, diagnostics: diagnostics)
  }

  /// Parses YAML text.
  public static func parse(_ text: String, file: String, diagnostics: YAMLDiagnostics) -> YAMLNode? {
    guard text.utf8.count <= YAMLLimits.maximumFileSize else {
      diagnostics.report(tooLarge(file: file, size: text.utf8.count))
      return nil
    }
    var text = text
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }

    if let violation = KeyGuard(text).firstViolation() {
      diagnostics.report(
        YAMLError(file: file, line: violation.line, path: "", message: violation.message, kind: .syntax))
      return nil
    }

    let root: Node?
    do {
      // The basic resolver: policyflow reads every scalar as the text written (see `YAMLNode.string()`),
      // so implicit tags are never used, and the default resolver's regular expressions (run for every
      // mapping key while Yams checks for duplicates) cost more than the rest of the parse together.
      root = try Yams.compose(yaml: text, .basic)
    } catch let error as YamlError {
      diagnostics.report(describe(error, file: file))
      return nil
    } catch {
      diagnostics.report(
        YAMLError(file: file, line: nil, path: "", message: "malformed YAML: \(error)", kind: .syntax))
      return nil
    }

    guard let root else {
      // An empty document: let the reader say what was expected. (Composing `~` gives a null node
      // that carries line 1; Yams does not let us create a mark ourselves.)
      let empty = (try? Yams.compose(yaml: "~")).flatMap { $0 } ?? Node("")
      return YAMLNode(node: empty, file: file, path: "", diagnostics: diagnostics)
    }
    if !withinNodeLimit(root) {
      diagnostics.report(
        YAMLError(
          file: file, line: nil, path: "",
          message: "the document expands to more than \(YAMLLimits.maximumNodeCount) values, most likely "
            + "through anchors and aliases (`&name`, `*name`); policyflow refuses to read it. "
            + "Write the values out instead of aliasing them.",
          kind: .limitExceeded))
      return nil
    }
    return YAMLNode(node: root, file: file, path: "", diagnostics: diagnostics)
  }

  private static func tooLarge(file: String, size: Int) -> YAMLError {
    YAMLError(
      file: file, line: nil, path: "",
      message: "the file is \(size) bytes, more than the limit of \(YAMLLimits.maximumFileSize) bytes (1 MiB); "
        + "policyflow refuses to read it",
      kind: .limitExceeded)
  }

  /// Counts nodes without recursion (aliases can make the expanded tree very deep) and stops as
  /// soon as the limit is passed, so that an alias bomb costs at most `maximumNodeCount` steps.
  static func withinNodeLimit(_ root: Node, limit: Int = YAMLLimits.maximumNodeCount) -> Bool {
    var stack = [root]
    var count = 0
    while let node = stack.popLast() {
      count += 1
      if count > limit { return false }
      switch node {
      case .scalar, .alias:
        break
      case .sequence(let sequence):
        stack.append(contentsOf: sequence)
      case .mapping(let mapping):
        for pair in mapping {
          stack.append(pair.key)
          stack.append(pair.value)
        }
      }
    }
    return true
  }

  /// The 1-based line and the byte offset of the first byte that is not valid UTF-8, if any.
  static func firstInvalidUTF8(in data: Data) -> (line: Int, offset: Int)? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = data.makeIterator()
    var offset = 0
    var line = 1
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") { line += 1 }
        offset += encoded.count
      case .emptyInput:
        return nil
      case .error:
        return (line, offset)
      }
    }
  }

  static func describe(_ error: YamlError, file: String) -> YAMLError {
    func located(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> YAMLError {
      var message = "malformed YAML at column \(mark.column): \(problem)"
      if let context {
        message += " (\(context.text) that starts on line \(context.mark.line))"
      }
      return YAMLError(file: file, line: mark.line, path: "", message: message, kind: .syntax)
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      return located(context, problem, mark)
    case .reader(let problem, let offset, _, let yaml):
      var line: Int?
      if let offset {
        let prefix = yaml.prefix(offset)
        line = prefix.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
      }
      return YAMLError(
        file: file, line: line, path: "", message: "the file cannot be read as YAML: \(problem)", kind: .syntax)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
      return YAMLError(
        file: file, line: context.mark.line, path: "",
        message: "key \(keys) appears more than once in this mapping (first here); each key may appear only once",
        kind: .syntax)
    default:
      return YAMLError(file: file, line: nil, path: "", message: "malformed YAML: \(error)", kind: .syntax)
    }
  }
}
