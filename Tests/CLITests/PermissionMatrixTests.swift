import Foundation
import Testing

/// Every capacity a person can hold towards a section, run against every command that changes something.
///
/// The section is `beskaeftigelse` (owned by BIF, reviewed by BIU). Each persona is the template's person holding
/// exactly that capacity for it; `unrelated` is a drafter of another department, `unknown` is nobody in
/// members.yaml.
enum Persona: String, CaseIterable, Sendable {
  case ownerDrafter = "owner_drafter"
  case ownerHead = "owner_head"
  case committeeReviewer = "committee_reviewer"
  case committeeChair = "committee_chair"
  case secretariat = "secretariat"
  case unrelated
  case unknown

  var person: String {
    switch self {
    case .ownerDrafter: return "anne-bif"
    case .ownerHead: return "bo-bif"
    case .committeeReviewer: return "soren-biu"
    case .committeeChair: return "ase-biu"
    case .secretariat: return "pernille-sekretariat"
    case .unrelated: return "karen-kff"
    case .unknown: return "nobody-at-all"
    }
  }
}

/// The commands of the matrix. Each gets its own workspace, put in the state where the command can apply.
enum MatrixCommand: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case submit, approve
  case requestChanges = "request-changes"
  case withdraw, comment, resolve, reopen
  case reqLink = "req link"
  case reqWaive = "req waive"
  case assemble

  var testDescription: String { rawValue }
}

/// Reads the `by:` capacities of command transitions and the capacities of `signoffs` guards from a workflow file,
/// line by line, so the expected matrix follows the shipped default workflow rather than a copy of it.
struct WorkflowCapacities {
  var byCommand: [String: Set<String>] = [:]
  var signoffs: Set<String> = []

  init(file: URL) throws {
    let text = try String(contentsOf: file, encoding: .utf8)
    var currentCommand: String?
    for raw in text.split(separator: "\n") {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("- id:") { currentCommand = nil }
      if line.hasPrefix("on:") { currentCommand = line.dropFirst(3).trimmingCharacters(in: .whitespaces) }
      if line.hasPrefix("by:"), let command = currentCommand {
        let list = line.dropFirst(3).trimmingCharacters(in: CharacterSet(charactersIn: " []"))
        byCommand[command] = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
      }
      if line.hasPrefix("- signoffs:"), let range = line.range(of: #"capacity: *[a-z_]+"#, options: .regularExpression)
      {
        signoffs.insert(String(line[range].split(separator: ":")[1]).trimmingCharacters(in: .whitespaces))
      }
    }
  }
}

@Suite("permission matrix: every capacity × every command")
struct PermissionMatrixTests {
  static let section = "beskaeftigelse"
  static let workflow = CLI.packageRoot.appendingPathComponent("workflows/section-review.yaml")

  /// Who may run each command: from the workflow file for the workflow's commands, from the documented rules
  /// (README, docs/workflows.md, `--help`) for the others.
  static func allowed(_ command: MatrixCommand) throws -> Set<Persona> {
    let capacities = try WorkflowCapacities(file: workflow)
    func personas(_ names: Set<String>) -> Set<Persona> { Set(names.compactMap(Persona.init(rawValue:))) }
    switch command {
    case .submit: return personas(capacities.byCommand["submit"] ?? [])
    case .requestChanges: return personas(capacities.byCommand["request_changes"] ?? [])
    case .withdraw: return personas(capacities.byCommand["withdraw"] ?? [])
    case .approve: return personas(capacities.signoffs)
    case .comment: return Set(Persona.allCases).subtracting([.unknown])
    case .resolve, .reopen: return [.ownerDrafter, .committeeChair]
    case .reqLink: return [.ownerDrafter, .ownerHead]
    case .reqWaive: return [.secretariat, .committeeChair]
    case .assemble: return [.secretariat]
    }
  }

  @Test("the matrix read from the default workflow is the documented one")
  func matrixMatchesDocumentation() throws {
    #expect(try Self.allowed(.submit) == [.ownerDrafter])
    #expect(try Self.allowed(.approve) == [.committeeReviewer, .committeeChair])
    #expect(try Self.allowed(.requestChanges) == [.committeeReviewer, .committeeChair])
    #expect(try Self.allowed(.withdraw) == [.secretariat])
  }

  /// A workspace in the state `command` applies in, and the part of the refusal message that names the rule.
  final class Cell {
    let w: TemplateWorkspace
    var commentId = ""
    var revisionCounter = 0
    init() throws { w = try TemplateWorkspace() }

    /// A new text for the section, different from every earlier one.
    func newText() throws -> String {
      revisionCounter += 1
      return try w.templateText(PermissionMatrixTests.section) + "\nTilføjelse nr. \(revisionCounter).\n"
    }

    func submitNew() throws {
      let file = try w.scratch.file("rev\(revisionCounter + 1).md", try newText())
      let result = try w.pf(["submit", PermissionMatrixTests.section, file.path], as: "anne-bif")
      #expect(result.status == 0, "setup submit: \(result.stderr)")
    }

    func state() throws -> String {
      try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='\(PermissionMatrixTests.section)'")
    }
  }

  static func prepare(_ command: MatrixCommand) throws -> Cell {
    let cell = try Cell()
    switch command {
    case .submit, .withdraw, .comment, .reqLink, .reqWaive, .assemble: break
    case .approve, .requestChanges: try cell.submitNew()
    case .resolve, .reopen:
      // The comment is by a second reviewer, so no persona is its author.
      let made = try cell.w.pf(["comment", section, "-m", "Uklar formulering", "--line", "3"], as: "hanne-biu")
      #expect(made.status == 0, "setup comment: \(made.stderr)")
      let printed = try #require(made.stdout.firstMatch(of: #/^comment ([0-9a-f]{10}) on /#), "\(made.stdout)")
      cell.commentId = String(printed.output.1)
      if command == .reopen {
        #expect(try cell.w.pf(["resolve", cell.commentId], as: "hanne-biu").status == 0)
      }
    }
    return cell
  }

  static func invoke(_ command: MatrixCommand, _ cell: Cell, as person: String) throws -> Run {
    let w = cell.w
    switch command {
    case .submit:
      return try w.pf(
        ["submit", section, try w.scratch.file("submit-\(person).md", try cell.newText()).path], as: person)
    case .approve: return try w.pf(["approve", section, "-m", "ok"], as: person)
    case .requestChanges: return try w.pf(["request-changes", section, "-m", "Mere om sprog"], as: person)
    case .withdraw: return try w.pf(["withdraw", section, "-m", "Udgår"], as: person)
    case .comment: return try w.pf(["comment", section, "-m", "Kommentar fra \(person)"], as: person)
    case .resolve: return try w.pf(["resolve", cell.commentId], as: person)
    case .reopen: return try w.pf(["reopen", cell.commentId], as: person)
    case .reqLink: return try w.pf(["req", "link", "WS-BES-01", section, "-m", "Afsnit 2 svarer"], as: person)
    case .reqWaive: return try w.pf(["req", "waive", "WS-BES-02", section, "-m", "Hører under KFF"], as: person)
    case .assemble:
      let out = w.scratch.url.appendingPathComponent("out-\(person)")
      return try w.pf(["assemble", "--draft", "--format", "md", "--out", out.path], as: person)
    }
  }

  /// The words of a refusal that name the rule broken, per command.
  static func rule(_ command: MatrixCommand, _ cell: Cell) -> [String] {
    switch command {
    case .submit:
      return ["may not submit section \(section)", "a drafter of Beskæftigelses- og Integrationsforvaltningen"]
    case .approve:
      return ["may not sign off section \(section)", "a reviewer of Beskæftigelses- og Integrationsudvalget"]
    case .requestChanges:
      return ["may not request-changes section \(section)", "the chair of Beskæftigelses- og Integrationsudvalget"]
    case .withdraw: return ["may not withdraw section \(section)", "the secretariat"]
    case .comment: return []
    case .resolve: return ["may not resolve comment \(cell.commentId) on section \(section)", "its author"]
    case .reopen: return ["may not reopen comment \(cell.commentId) on section \(section)", "its author"]
    case .reqLink: return ["may not link requirement WS-BES-01 in section \(section)", "a drafter of"]
    case .reqWaive: return ["may not waive requirement WS-BES-02 in section \(section)", "the secretariat"]
    case .assemble: return ["may not assemble the policy", "the secretariat"]
    }
  }

  /// What an allowed run must have done, and how to put the workspace back into a state where the next allowed
  /// persona can run the command again.
  static func afterAllowed(_ command: MatrixCommand, _ cell: Cell, _ persona: Persona) throws {
    let w = cell.w
    switch command {
    case .submit:
      #expect(try cell.state() == "committee_review")
    case .approve:
      #expect(
        try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='\(persona.person)' AND decision='approve'")
          == "1")
    case .requestChanges:
      #expect(try cell.state() == "changes_requested")
      try cell.submitNew()
    case .withdraw:
      #expect(try cell.state() == "withdrawn")
    case .comment:
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE authorId='\(persona.person)'") == "1")
    case .resolve:
      #expect(
        try CLI.sqlite(w.root, "SELECT status||'/'||resolvedBy FROM comment WHERE substr(recordId, 1, 10)='\(cell.commentId)'")
          == "resolved/\(persona.person)")
      #expect(try w.pf(["reopen", cell.commentId], as: "hanne-biu").status == 0)
    case .reopen:
      #expect(try CLI.sqlite(w.root, "SELECT status FROM comment WHERE substr(recordId, 1, 10)='\(cell.commentId)'") == "open")
      #expect(try w.pf(["resolve", cell.commentId], as: "hanne-biu").status == 0)
    case .reqLink, .reqWaive:
      let requirement = command == .reqLink ? "WS-BES-01" : "WS-BES-02"
      #expect(
        try CLI.sqlite(
          w.root,
          "SELECT createdBy FROM requirementLink WHERE requirementId='\(requirement)' AND sectionId='\(section)'")
          == persona.person)
    case .assemble:
      let out = w.scratch.url.appendingPathComponent("out-\(persona.person)")
      let files = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
      #expect(files.contains { $0.hasSuffix(".md") }, "assemble wrote \(files)")
    }
  }

  @Test(
    "only the allowed capacities succeed; refusals exit 77 (66 for unknown people), name the rule, change nothing",
    arguments: MatrixCommand.allCases)
  func matrix(_ command: MatrixCommand) throws {
    let allowed = try Self.allowed(command)
    let cell = try Self.prepare(command)
    // Refusals first, on the same workspace: each must leave it exactly as it was.
    for persona in Persona.allCases where !allowed.contains(persona) {
      let before = try cell.w.fingerprint()
      let result = try Self.invoke(command, cell, as: persona.person)
      let expected: Int32 = persona == .unknown ? 66 : 77
      #expect(result.status == expected, "\(command.rawValue) as \(persona.rawValue): \(result.stderr)")
      if persona == .unknown {
        #expect(result.stderr.contains("unknown person `\(persona.person)`"), "\(result.stderr)")
      } else {
        for words in Self.rule(command, cell) {
          #expect(result.stderr.contains(words), "\(command.rawValue) as \(persona.rawValue): \(result.stderr)")
        }
      }
      #expect(try cell.w.fingerprint() == before, "\(command.rawValue) as \(persona.rawValue) changed something")
    }
    if command == .assemble {
      let outputs = try FileManager.default.contentsOfDirectory(atPath: cell.w.scratch.url.path)
      #expect(!outputs.contains { $0.hasPrefix("out-") }, "a refused assemble wrote \(outputs)")
    }
    // Then every allowed persona, each in a state where the command applies.
    for persona in Persona.allCases where allowed.contains(persona) {
      let before = try cell.w.fingerprint()
      let result = try Self.invoke(command, cell, as: persona.person)
      #expect(result.status == 0, "\(command.rawValue) as \(persona.rawValue): \(result.stderr)")
      if command != .assemble {
        #expect(try cell.w.fingerprint() != before, "\(command.rawValue) as \(persona.rawValue) recorded nothing")
      }
      try Self.afterAllowed(command, cell, persona)
    }
    #expect(try cell.w.pf(["verify"]).status == 0)
  }

  @Test("resolve and reopen: the comment's author may, a chair or drafter of another section may not")
  func resolveByAuthorAndStrangers() throws {
    let cell = try Self.prepare(.resolve)
    let w = cell.w
    for outsider in ["kirsten-kfu", "karen-kff", "peter-tmu"] {
      let before = try w.fingerprint()
      let refused = try w.pf(["resolve", cell.commentId], as: outsider)
      #expect(refused.status == 77, "\(outsider): \(refused.stderr)")
      #expect(refused.stderr.contains("its author"))
      #expect(try w.fingerprint() == before)
    }
    #expect(try w.pf(["resolve", cell.commentId, "-m", "Rettet"], as: "hanne-biu").status == 0)
    let again = try w.pf(["resolve", cell.commentId], as: "hanne-biu")
    #expect(again.status == 77)
    #expect(again.stderr.contains("already resolved"))
    let before = try w.fingerprint()
    #expect(try w.pf(["reopen", cell.commentId], as: "kirsten-kfu").status == 77)
    #expect(try w.fingerprint() == before)
    #expect(try w.pf(["reopen", cell.commentId, "-m", "Ikke rettet alligevel"], as: "hanne-biu").status == 0)
    let unknown = try w.pf(["resolve", "4711"], as: "hanne-biu")
    #expect(unknown.status == 66, "\(unknown.stderr)")
    #expect(unknown.stderr.contains("there is no comment 4711"), "\(unknown.stderr)")
  }
}
