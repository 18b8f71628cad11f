import Foundation
import PolicyAssembly

/// The formats `assemble --format` names, read into what `Workspace.assemble(formats:…)` takes, so that
/// callers need no import of PolicyAssembly.
public enum AssemblyFormats {
  /// Reads a comma-separated list of `md` (or `markdown`), `html` and `docx`, in any case, each kept once in
  /// the order first named; any other name is a usage error.
  public static func parse(_ list: String) throws -> [OutputFormat] {
    var formats: [OutputFormat] = []
    for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
      guard let parsed = OutputFormat(rawValue: name == "markdown" ? "md" : name) else {
        throw PolicyFlowError(.usage, "unknown format `\(name)`; use md, html and/or docx (comma-separated).")
      }
      if !formats.contains(parsed) { formats.append(parsed) }
    }
    return formats
  }
}
