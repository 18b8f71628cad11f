import Foundation

/// Writes a `requirements/*.yaml` file from its requirements, keeping the file's leading comment block.
///
/// `req add` and `req edit` change one requirement and commit the whole file to `main`; writing it from
/// the model (rather than patching text) guarantees the result parses to exactly what was intended.
/// Strings are always double-quoted with escapes, so no user text can change the YAML's structure.
public enum RequirementFileWriter {
  public static func render(
    header: String, source: String, kind: RequirementKind, requirements: [Requirement]
  ) -> String {
    var lines: [String] = []
    if !header.isEmpty { lines.append(header.hasSuffix("\n") ? String(header.dropLast()) : header) }
    lines.append("source: \(quoted(source))")
    lines.append("kind: \(kind.rawValue)")
    lines.append("requirements:")
    for requirement in requirements {
      lines.append("  - id: \(requirement.id)")
      if let theme = requirement.theme { lines.append("    theme: \(quoted(theme))") }
      lines.append("    text: \(quoted(requirement.text))")
      lines.append("    targets: [\(requirement.targets.joined(separator: ", "))]")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The comment lines (and blank lines) before the first YAML key.
  public static func leadingComments(of text: String) -> String {
    var header: [Substring] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.isEmpty || trimmed.hasPrefix("#") else { break }
      header.append(line)
    }
    while header.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { header.removeLast() }
    return header.joined(separator: "\n")
  }

  static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "\r": result += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          result += String(format: "\\x%02X", scalar.value)
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }
}
