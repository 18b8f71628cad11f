import Foundation
import Yams

/// A node of a parsed YAML document together with where it came from: the file, the key path and
/// (through the Yams mark) the line.
///
/// The typed accessors never throw: a value of the wrong type is reported to the shared
/// ``YAMLDiagnostics`` and `nil` is returned, so a loader can keep going and report every problem
/// in one run.
public struct YAMLNode {
  public let node: Node
  public let file: String
  /// The key path of this node (`sections[3].owners`); empty for the document root.
  public let path: String
  public let diagnostics: YAMLDiagnostics

  public init(node: Node, file: String, path: String, diagnostics: YAMLDiagnostics) {
    self.node = node
    self.file = file
    self.path = path
    self.diagnostics = diagnostics
  }

  /// The 1-based line on which the node starts.
  public var line: Int? { node.mark?.line }

  /// Whether the node is YAML's null: `null`, `~` or nothing at all.
  public var isNull: Bool {
    guard case .scalar(let scalar) = node else { return false }
    guard scalar.style == .plain || scalar.style == .any else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
  }

  /// How the node's type is named in messages.
  public var typeDescription: String {
    if isNull { return "nothing" }
    switch node {
    case .scalar: return "text"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  /// Reports a problem located at this node (or at `path` inside the same file, when given).
  public func error(_ message: String, path: String? = nil, line: Int? = nil) {
    diagnostics.report(
      YAMLError(file: file, line: line ?? self.line, path: path ?? self.path, message: message))
  }

  /// The path of a key inside this node: `a.b`, or `a["odd key"]` for keys that are not identifiers.
  public func path(forKey key: String) -> String {
    // ASCII keys (all of policyflow's) are decided without building a CharacterSet, which is slow.
    let isIdentifier = !key.isEmpty && key.unicodeScalars.allSatisfy {
      switch $0.value {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2D: return true
      case 0..<0x80: return false
      default: return CharacterSet.alphanumerics.contains($0)
      }
    }
    if !isIdentifier { return path + "[\"\(key)\"]" }
    return path.isEmpty ? key : "\(path).\(key)"
  }

  /// The path of an element of this node, with a 0-based index: `sections[3]`.
  public func path(forIndex index: Int) -> String {
    "\(path)[\(index)]"
  }

  // MARK: Typed access

  /// The node's text, if it is a non-null scalar. Any scalar is accepted as written, so a code like
  /// `NO` or a period like `2023-2026` stays text rather than turning into a boolean or a number.
  public func string() -> String? {
    guard case .scalar(let scalar) = node, !isNull else {
      error("expected text, found \(typeDescription)")
      return nil
    }
    return scalar.string
  }

  /// The node's text, which must contain something other than white space.
  public func nonEmptyString() -> String? {
    guard let text = string() else { return nil }
    // CharacterSet.whitespacesAndNewlines is Unicode White_Space plus U+200B; checked per scalar, since
    // trimmingCharacters bridges the whole text to NSString and back.
    guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace && $0 != "\u{200B}" }) else {
      error("is empty; give it a value")
      return nil
    }
    return text
  }

  /// The node as a whole number.
  public func int() -> Int? {
    guard case .scalar(let scalar) = node, !isNull, let value = Int(scalar.string) else {
      error("expected a whole number, found \(describeValue())")
      return nil
    }
    return value
  }

  /// The node as a boolean (YAML 1.1 spellings: `true`/`false`, `yes`/`no`, `on`/`off`).
  public func bool() -> Bool? {
    if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any {
      switch scalar.string {
      case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
      case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
      default: break
      }
    }
    error("expected true or false, found \(describeValue())")
    return nil
  }

  /// The node's elements, if it is a list.
  public func sequence() -> [YAMLNode]? {
    guard case .sequence(let sequence) = node else {
      error("expected a list, found \(typeDescription)")
      return nil
    }
    return sequence.enumerated().map { index, element in
      YAMLNode(node: element, file: file, path: path(forIndex: index), diagnostics: diagnostics)
    }
  }

  /// The node as a list of non-empty texts; malformed elements are reported and left out.
  public func stringList() -> [String]? {
    guard let elements = sequence() else { return nil }
    return elements.compactMap { $0.nonEmptyString() }
  }

  /// The node as a mapping with the given keys. Any other key is reported (with a suggestion when
  /// it looks like a typo of an allowed one), because a misspelt optional key would otherwise be
  /// ignored without a word.
  public func mapping(allowedKeys: [String]) -> YAMLMapping? {
    guard case .mapping(let mapping) = node else {
      error("expected a mapping (`key: value` lines), found \(typeDescription)")
      return nil
    }
    var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
    for pair in mapping {
      guard case .scalar(let keyScalar) = pair.key else {
        error("a key must be plain text", line: pair.key.mark?.line)
        continue
      }
      let key = keyScalar.string
      let keyNode = YAMLNode(node: pair.key, file: file, path: path(forKey: key), diagnostics: diagnostics)
      let value = YAMLNode(node: pair.value, file: file, path: path(forKey: key), diagnostics: diagnostics)
      if !allowedKeys.contains(key) {
        keyNode.error("unknown key `\(key)` \(Self.suggestion(for: key, among: allowedKeys))")
        continue
      }
      entries.append((key, keyNode, value))
    }
    return YAMLMapping(node: self, entries: entries)
  }

  /// "(did you mean `label`?)" for a near miss, otherwise "(known: …)" with the whole list.
  public static func suggestion(for key: String, among allowed: [String]) -> String {
    let lowered = key.lowercased()
    let scored = allowed.map { ($0, editDistance(lowered, $0.lowercased())) }
    if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(2, best.0.count / 3)) {
      return "(did you mean `\(best.0)`?)"
    }
    return "(known: \(allowed.joined(separator: ", ")))"
  }

  /// Edit distance counting a swap of neighbouring letters as one edit (`lable` → `label`), the
  /// most common typing slip.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
          d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }

  private func describeValue() -> String {
    if case .scalar(let scalar) = node, !isNull { return "`\(scalar.string)`" }
    return typeDescription
  }
}

/// A YAML mapping whose keys have already been checked against an allowed set.
///
/// The `required…` accessors report a missing key at the mapping's own line; the `optional…` ones
/// treat a missing key and an explicit `null` alike, as the file formats document.
public struct YAMLMapping {
  public let node: YAMLNode
  public let entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]

  public init(node: YAMLNode, entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]) {
    self.node = node
    self.entries = entries
  }

  public var line: Int? { node.line }
  public var path: String { node.path }

  /// The value of `key`, if present (even when it is `null`).
  public subscript(key: String) -> YAMLNode? {
    entries.first { $0.key == key }?.value
  }

  public func contains(_ key: String) -> Bool { self[key] != nil }

  /// The value of a key that must be present and not null.
  public func required(_ key: String) -> YAMLNode? {
    guard let value = self[key] else {
      node.error("missing required key `\(key)`")
      return nil
    }
    guard !value.isNull else {
      value.error("is empty; give it a value")
      return nil
    }
    return value
  }

  /// The value of a key that may be absent or null.
  public func optional(_ key: String) -> YAMLNode? {
    guard let value = self[key], !value.isNull else { return nil }
    return value
  }

  public func requiredString(_ key: String) -> String? { required(key)?.nonEmptyString() }
  public func optionalString(_ key: String) -> String? { optional(key)?.string() }
  public func requiredInt(_ key: String) -> Int? { required(key)?.int() }
  public func optionalInt(_ key: String) -> Int? { optional(key)?.int() }
  public func requiredBool(_ key: String) -> Bool? { required(key)?.bool() }
  public func optionalBool(_ key: String) -> Bool? { optional(key)?.bool() }
  public func requiredStringList(_ key: String) -> [String]? { required(key)?.stringList() }
  public func optionalStringList(_ key: String) -> [String]? { optional(key)?.stringList() }
  public func requiredSequence(_ key: String) -> [YAMLNode]? { required(key)?.sequence() }
  public func optionalSequence(_ key: String) -> [YAMLNode]? { optional(key)?.sequence() }

  public func requiredMapping(_ key: String, allowedKeys: [String]) -> YAMLMapping? {
    required(key)?.mapping(allowedKeys: allowedKeys)
  }

  public func optionalMapping(_ key: String, allowedKeys: [String]) -> YAMLMapping? {
    optional(key)?.mapping(allowedKeys: allowedKeys)
  }
}
