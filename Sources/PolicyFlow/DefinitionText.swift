import Foundation
import PolicyWorkflow

/// Line edits of policy.yaml and members.yaml that keep the rest of the file — its comments, order and spelling —
/// byte for byte. Each returns nil when the file is not laid out as policyflow can change safely (a flow-style list,
/// a missing list); every caller then loads the whole changed definition and checks that it says exactly what was
/// meant before anything is written.
enum DefinitionText {
  /// A YAML double-quoted scalar. Only for values already refused when they hold line breaks or control characters.
  static func quoted(_ value: String) -> String {
    "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }

  /// A flow list of quoted values: `["ØKF", "BIF"]`.
  static func list(_ values: [String]) -> String { "[" + values.map(quoted).joined(separator: ", ") + "]" }

  /// The lines of the block list under the top-level `key:`: where it starts and ends, and its items' indentation.
  private static func block(_ key: String, in lines: [String]) -> (items: Range<Int>, indent: Int)? {
    guard let head = lines.firstIndex(where: { line in
      line.hasPrefix("\(key):") && line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces).isEmpty
    }) else { return nil }
    var last = head
    var indent: Int?
    var index = head + 1
    while index < lines.count {
      let line = lines[index]
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      let lead = line.prefix { $0 == " " }.count
      if trimmed.isEmpty || (lead == 0 && trimmed.hasPrefix("#")) {
        index += 1
        continue
      }
      if lead == 0 && !trimmed.hasPrefix("-") { break }
      if indent == nil, trimmed.hasPrefix("- ") { indent = lead }
      if !trimmed.hasPrefix("#") { last = index }
      index += 1
    }
    guard let indent else { return nil }
    return (head + 1..<last + 1, indent)
  }

  /// `text` with one more item at the end of the block list under `key:`; `fields` are `name: value` lines.
  static func appending(_ fields: [String], toList key: String, in text: String) -> String? {
    var lines = text.components(separatedBy: "\n")
    guard let (items, indent) = block(key, in: lines), let first = fields.first else { return nil }
    let pad = String(repeating: " ", count: indent)
    let entry = ["\(pad)- \(first)"] + fields.dropFirst().map { "\(pad)  \($0)" }
    lines.insert(contentsOf: entry, at: items.upperBound)
    return lines.joined(separator: "\n")
  }

  /// `text` with `retired: true` added to the item of the list under `key:` whose `- field:` line names `value`
  /// (codes compared however they are spelt).
  static func retiring(_ value: String, field: String, inList key: String, in text: String) -> String? {
    var lines = text.components(separatedBy: "\n")
    guard let (items, indent) = block(key, in: lines) else { return nil }
    let prefix = String(repeating: " ", count: indent) + "- \(field):"
    guard let index = items.first(where: { index in
      let line = lines[index]
      guard line.hasPrefix(prefix), !line.contains("#") else { return false }
      let named = line.dropFirst(prefix.count).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
      return normalizedCode(named) == normalizedCode(value)
    }) else { return nil }
    lines.insert(String(repeating: " ", count: indent + 2) + "retired: true", at: index + 1)
    return lines.joined(separator: "\n")
  }
}
