import ArgumentParser
import Foundation
import PolicyFlow

/// Flags every workspace command takes.
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: "The workspace directory (default: POLICYFLOW_WORKSPACE, or search upwards).")
  var workspace: String?

  @Option(name: .customLong("as"), help: "Act as this person (id or e-mail in members.yaml).")
  var actingAs: String?

  /// - Parameter catchUpNow: bring the index up to the record refs before returning (for a command that handles what
  ///   the catch-up finds, like `sync`); otherwise it happens when the index is first used, so a write does it once,
  ///   under the workspace lock.
  func openWorkspace(catchUpNow: Bool = false) throws -> Workspace {
    OpenWorkspaces.keep(try Workspace(location: try location(), catchUpAtFirstUse: !catchUpNow))
  }

  /// Where the workspace is, without opening it.
  func location() throws -> WorkspaceLocation {
    let explicit = workspace ?? ProcessEnvironment.current["POLICYFLOW_WORKSPACE"]
    return try WorkspaceLocation.find(
      explicit: explicit, from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
  }

  /// The acting member: --as, POLICYFLOW_USER, git user.email.
  func actor(in workspace: Workspace) throws -> ActingMember {
    try workspace.actor(explicit: actingAs, environment: ProcessEnvironment.current)
  }
}

/// Parses `N` or `N-M` line ranges.
struct LineRange: ExpressibleByArgument {
  let range: ClosedRange<Int>
  init?(argument: String) {
    let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let start = Int(parts[0]), let end = Int(parts.last!), start >= 1, end >= start
    else { return nil }
    range = start...end
  }
}

/// The workspaces a command opened, kept until the process exits. Freeing one at the end of a command released its
/// whole definition object by object (5 M instructions at 1,000 sections, 5 % of a comment) only for the process to
/// end: the index's connection is closed properly (SQLite checkpoints its log then), the memory is left to the exit.
enum OpenWorkspaces {
  nonisolated(unsafe) private static var open: [Workspace] = []

  static func keep(_ workspace: Workspace) -> Workspace {
    open.append(workspace)
    return workspace
  }

  static func closeAll() {
    for workspace in open { try? workspace.closeIndex() }
  }
}

/// Runs a use case and turns its errors into a message on stderr and the design's exit code.
func runUseCase(_ body: () throws -> Void) throws {
  defer { OpenWorkspaces.closeAll() }
  do {
    try body()
  } catch let error as PolicyFlowError {
    Terminal.error(error.message)
    throw ExitCode(error.exitCode)
  } catch let error as ExitCode {
    throw error
  } catch let error as CleanExit {
    throw error
  } catch {
    let classified = PolicyFlowError.unexpected(error)
    Terminal.error(classified.kind == .internal ? PolicyFlowError.describeUnexpected(error) : classified.message)
    throw ExitCode(classified.exitCode)
  }
}

/// Reads -m TEXT, --file F, or (neither) the user's editor, as `git commit` does.
func readMessage(message: String?, file: String?, editorHint: String) throws -> String {
  if message != nil && file != nil {
    throw PolicyFlowError(.usage, "give the text either with -m TEXT or with --file F, not both.")
  }
  if let message { return message }
  if let file {
    let url = URL(fileURLWithPath: file)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw PolicyFlowError(.missing, "cannot read \(file): no such file or not readable.")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw PolicyFlowError(.badInput, "\(file) is not valid UTF-8 text.")
    }
    return text
  }
  return try Editor.compose(hint: editorHint)
}
