import Foundation

/// Finds the repository template (`repo-template/`) and the workflow definitions (`workflows/`) that
/// `init` copies, whether policyflow runs from a checkout (`swift run`, `.build/debug/policyflow`) or
/// after `make install` (`PREFIX/bin/policyflow` with `PREFIX/share/policyflow/`).
public struct TemplateLocation: Sendable, Equatable {
  public let template: URL
  public let workflows: URL

  /// Order: `POLICYFLOW_TEMPLATE`; `share/policyflow/` next to the executable's `bin/`; the nearest
  /// directory above the executable (then above the current directory) holding `repo-template/policy.yaml`.
  public static func findDefault(
    environment: [String: String] = ProcessEnvironment.current,
    executable: URL = TemplateLocation.runningExecutable,
    currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  ) throws -> TemplateLocation {
    if let explicit = environment["POLICYFLOW_TEMPLATE"], !explicit.isEmpty {
      return try given(URL(fileURLWithPath: explicit))
    }
    let executable = executable.resolvingSymlinksInPath()
    let share = executable.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("share/policyflow")
    if let found = candidate(in: share) { return found }
    for start in [executable.deletingLastPathComponent(), currentDirectory] {
      for directory in start.selfAndAncestors {
        if let found = candidate(in: directory) { return found }
      }
    }
    throw PolicyFlowError.missing(
      "cannot find the default repository template (repo-template/policy.yaml) near \(executable.path). "
        + "Pass one with --template PATH, set POLICYFLOW_TEMPLATE, or reinstall with `make install`.")
  }

  /// The running binary's real path, also when it was started through PATH or a symlink.
  public static var runningExecutable: URL {
    let proc = URL(fileURLWithPath: "/proc/self/exe")
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: proc.path) {
      return URL(fileURLWithPath: resolved)
    }
    return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "policyflow")
  }

  /// A template named on the command line: its own `workflows/` if it has one, else the default's.
  public static func given(_ url: URL) throws -> TemplateLocation {
    let template = url.standardizedFileURL
    guard FileManager.default.fileExists(atPath: template.appendingPathComponent("policy.yaml").path) else {
      throw PolicyFlowError.missing(
        "\(template.path) is not a repository template: it has no policy.yaml. "
          + "See docs/file-formats.md for what a template holds.")
    }
    let own = template.appendingPathComponent("workflows")
    if FileManager.default.fileExists(atPath: own.path) { return TemplateLocation(template: template, workflows: own) }
    let sibling = template.deletingLastPathComponent().appendingPathComponent("workflows")
    if FileManager.default.fileExists(atPath: sibling.path) {
      return TemplateLocation(template: template, workflows: sibling)
    }
    if let fallback = try? findDefault(environment: [:]) {
      return TemplateLocation(template: template, workflows: fallback.workflows)
    }
    throw PolicyFlowError.missing(
      "the template \(template.path) has no workflows/ directory and no default workflows were found.")
  }

  private static func candidate(in directory: URL) -> TemplateLocation? {
    let template = directory.appendingPathComponent("repo-template")
    let workflows = directory.appendingPathComponent("workflows")
    let fileManager = FileManager.default
    guard fileManager.fileExists(atPath: template.appendingPathComponent("policy.yaml").path),
      fileManager.fileExists(atPath: workflows.path)
    else { return nil }
    return TemplateLocation(template: template, workflows: workflows)
  }
}

extension URL {
  /// This directory and each parent up to the file system root, nearest first (how git finds `.git`).
  var selfAndAncestors: [URL] {
    var result: [URL] = []
    var directory = standardizedFileURL
    while true {
      result.append(directory)
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { return result }
      directory = parent
    }
  }
}
