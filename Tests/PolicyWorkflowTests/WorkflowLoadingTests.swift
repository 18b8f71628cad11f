import Foundation
import PolicyWorkflow
import Testing

/// The repository's default workflow file, found relative to this source file.
let defaultWorkflowURL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("workflows/section-review.yaml")

/// A small valid workflow; the tests below break one line at a time, so line numbers stay put.
let miniWorkflow = """
  name: mini
  label: Mini
  initial: draft
  states:
    - id: draft
    - id: review
    - id: approved
      approved: true
    - id: withdrawn
      final: true
  transitions:
    - id: submit
      on: submit
      from: [draft]
      to: review
      by: [owner_drafter]
    - id: approve
      auto: true
      from: [review]
      to: approved
      guards:
        - signoffs: {capacity: committee_chair}
    - id: withdraw
      on: withdraw
      from: [draft, review]
      to: withdrawn
      by: [secretariat]

  """

/// The problems `parse` reports for `yaml`, as their printed descriptions.
func workflowIssues(_ yaml: String) -> [String] {
  do {
    _ = try WorkflowDefinition.parse(yaml, file: "workflows/mini.yaml")
    return []
  } catch let error as WorkflowError {
    return error.issues.map(\.description)
  } catch {
    return ["unexpected error: \(error)"]
  }
}

/// `miniWorkflow` with `original` replaced (which must occur) by `replacement`.
func mini(replacing original: String, with replacement: String) -> String {
  precondition(miniWorkflow.contains(original), "fixture does not contain \(original)")
  return miniWorkflow.replacingOccurrences(of: original, with: replacement)
}

@Suite("Loading and validating workflow files")
struct WorkflowLoadingTests {
  @Test("the default workflows/section-review.yaml loads")
  func defaultWorkflowLoads() throws {
    let workflow = try WorkflowDefinition.load(contentsOf: defaultWorkflowURL)
    #expect(workflow.name == "section-review")
    #expect(workflow.label == "Sektionsbehandling")
    #expect(workflow.initial == "draft")
    #expect(workflow.states.map(\.id) == ["draft", "committee_review", "changes_requested", "approved", "withdrawn"])
    #expect(workflow.state("changes_requested")?.label == "Ændringer ønsket")
    #expect(workflow.state("withdrawn")?.isFinal == true)
    #expect(workflow.approvedStates.map(\.id) == ["approved"])
    #expect(workflow.transitions.map(\.id) == ["submit", "request_changes", "approve", "withdraw"])

    let approve = try #require(workflow.transitions.first { $0.id == "approve" })
    #expect(approve.isAutomatic)
    #expect(approve.event == nil)
    #expect(approve.allowed.isEmpty)
    #expect(
      approve.guards == [
        .signoffs(capacity: .committeeReviewer, count: 2, per: .committee),
        .signoffs(capacity: .committeeChair, count: 1, per: .committee),
        .noOpenBlockingComments, .requirementsAddressed, .requiredHeadingsPresent,
      ])
    #expect(approve.line == 43)

    #expect(workflow.transition(on: "submit", from: "approved")?.to == "committee_review")
    #expect(workflow.transition(on: "submit", from: "draft")?.allowed == [.ownerDrafter])
    #expect(workflow.transition(on: "withdraw", from: "approved") == nil)
    #expect(workflow.transition(on: "request_changes", from: "draft") == nil)
    #expect(workflow.transition(on: "request_changes", from: "committee_review")?.allowed
      == [.committeeReviewer, .committeeChair])
    #expect(workflow.automaticTransitions(from: "committee_review").map(\.id) == ["approve"])
    #expect(workflow.automaticTransitions(from: "draft").isEmpty)
    #expect(workflow.signoffCapacities(in: "committee_review") == [.committeeReviewer, .committeeChair])
    #expect(workflow.signoffCapacities(in: "draft").isEmpty)
    #expect(workflow.transitions(from: "approved").map(\.id) == ["submit"])
  }

  @Test("the mini fixture itself is valid")
  func miniIsValid() throws {
    let workflow = try WorkflowDefinition.parse(miniWorkflow, file: "workflows/mini.yaml")
    #expect(workflow.transitions.count == 3)
    #expect(workflow.transitions[1].guards == [.signoffs(capacity: .committeeChair, count: 1, per: .section)])
    #expect(workflow.state("review")?.label == "review")
    #expect(workflow.state("review")?.line == 6)
  }

  @Test("malformed YAML is reported with its line")
  func malformed() {
    let issues = workflowIssues(mini(replacing: "initial: draft", with: "initial: draft: x"))
    #expect(issues == ["workflows/mini.yaml:3: malformed YAML at column 15: mapping values are not allowed in this context"])
  }

  @Test("each problem is reported with file, line and path", arguments: [
    // Missing and undeclared initial state.
    ("initial: draft\n", "",
     ["workflows/mini.yaml:1: missing required key `initial`"]),
    ("initial: draft", "initial: drafts",
     ["workflows/mini.yaml:3: initial: the initial state `drafts` is not declared under `states` "
      + "(known: draft, review, approved, withdrawn)"]),
    // States.
    ("  - id: withdrawn\n    final: true\n", "  - id: draft\n    final: true\n",
     ["workflows/mini.yaml:9: states[3].id: duplicate state id `draft` (already declared on line 5)",
      "workflows/mini.yaml:26: transitions[2].to: unknown state `withdrawn` (known: draft, review, approved)"]),
    ("  - id: review", "  - id: Review",
     ["workflows/mini.yaml:6: states[1].id: `Review` is not a valid state id; use lower-case letters, digits and "
      + "underscores, starting with a letter",
      "workflows/mini.yaml:15: transitions[0].to: unknown state `review` (known: draft, approved, withdrawn)",
      "workflows/mini.yaml:19: transitions[1].from[0]: unknown state `review` (known: draft, approved, withdrawn)",
      "workflows/mini.yaml:25: transitions[2].from[1]: unknown state `review` (known: draft, approved, withdrawn)"]),
    ("from: [review]", "from: [reveiw]",
     ["workflows/mini.yaml:19: transitions[1].from[0]: unknown state `reveiw` (known: draft, review, approved, "
      + "withdrawn)"]),
    ("to: approved", "to: aproved",
     ["workflows/mini.yaml:20: transitions[1].to: unknown state `aproved` (known: draft, review, approved, "
      + "withdrawn)"]),
    ("to: withdrawn", "to: approved",
     ["workflows/mini.yaml:9: states[3]: state `withdrawn` cannot be reached from the initial state `draft`; add a "
      + "transition to it or remove it"]),
    ("from: [draft, review]", "from: [draft, withdrawn]",
     ["workflows/mini.yaml:25: transitions[2].from[1]: `withdrawn` is a final state; no transition may leave it"]),
    ("    approved: true\n", "",
     ["workflows/mini.yaml:5: states: no state has `approved: true`; mark the state whose text is approved (it goes "
      + "on `main` and into the assembled policy)"]),
    // Capacities.
    ("by: [owner_drafter]", "by: [owner_drafters]",
     ["workflows/mini.yaml:16: transitions[0].by[0]: unknown capacity `owner_drafters` (did you mean "
      + "`owner_drafter`?)"]),
    ("{capacity: committee_chair}", "{capacity: chair}",
     ["workflows/mini.yaml:22: transitions[1].guards[0].signoffs.capacity: unknown capacity `chair` (known: "
      + "owner_drafter, owner_head, committee_reviewer, committee_chair, secretariat)"]),
    ("    by: [owner_drafter]\n", "",
     ["workflows/mini.yaml:12: transitions[0]: missing required key `by`"]),
    ("    auto: true\n", "    auto: true\n    by: [committee_chair]\n",
     ["workflows/mini.yaml:19: transitions[1].by: `by` is not allowed on an automatic transition: it fires by "
      + "itself, and who may sign off follows from its `signoffs` guards"]),
    // Guards.
    ("- signoffs: {capacity: committee_chair}", "- no_blocking_comments",
     ["workflows/mini.yaml:22: transitions[1].guards[0]: unknown guard `no_blocking_comments` (known: signoffs, "
      + "no_open_blocking_comments, requirements_addressed, required_headings_present)"]),
    ("- signoffs: {capacity: committee_chair}", "- requirements_adressed",
     ["workflows/mini.yaml:22: transitions[1].guards[0]: unknown guard `requirements_adressed` (did you mean "
      + "`requirements_addressed`?)"]),
    ("{capacity: committee_chair}", "{capacity: committee_chair, count: 0}",
     ["workflows/mini.yaml:22: transitions[1].guards[0].signoffs.count: `count` must be at least 1 (found 0)"]),
    ("{capacity: committee_chair}", "{capacity: committee_chair, count: two}",
     ["workflows/mini.yaml:22: transitions[1].guards[0].signoffs.count: expected a whole number, found `two`"]),
    ("{capacity: committee_chair}", "{capacity: committee_chair, per: team}",
     ["workflows/mini.yaml:22: transitions[1].guards[0].signoffs.per: unknown grouping `team` (known: section, "
      + "committee, department)"]),
    ("{capacity: committee_chair}", "{capacity: committee_chair, min: 2}",
     ["workflows/mini.yaml:22: transitions[1].guards[0].signoffs.min: unknown key `min` (known: capacity, count, "
      + "per)"]),
    ("- signoffs: {capacity: committee_chair}", "- signoffs",
     ["workflows/mini.yaml:22: transitions[1].guards[0]: `signoffs` needs settings, e.g. `- signoffs: {capacity: "
      + "committee_reviewer, count: 2, per: committee}`"]),
    ("- signoffs: {capacity: committee_chair}", "- requirements_addressed: yes",
     ["workflows/mini.yaml:22: transitions[1].guards[0]: `requirements_addressed` takes no settings; write it as "
      + "`- requirements_addressed`"]),
    ("    guards:\n      - signoffs: {capacity: committee_chair}\n", "",
     ["workflows/mini.yaml:17: transitions[1]: an automatic transition needs at least one guard; without one it "
      + "would fire as soon as the section enters the state"]),
    // Events.
    ("on: submit", "on: send",
     ["workflows/mini.yaml:13: transitions[0].on: unknown event `send` (known: submit, request_changes, withdraw)"]),
    ("on: submit", "on: approve",
     ["workflows/mini.yaml:13: transitions[0].on: unknown event `approve`: sign-offs are given with the approve "
      + "command and take effect through an `auto: true` transition with `signoffs` guards (known events: submit, "
      + "request_changes, withdraw)"]),
    ("    auto: true\n", "    auto: true\n    on: withdraw\n",
     ["workflows/mini.yaml:17: transitions[1]: a transition has either `on:` (fired by a command) or `auto: true` "
      + "(fires by itself when its guards hold), not both"]),
    ("    auto: true\n", "",
     ["workflows/mini.yaml:17: transitions[1]: a transition needs either `on:` (fired by a command: submit, "
      + "request_changes, withdraw) or `auto: true` (fires by itself when its guards hold)"]),
    ("on: withdraw", "on: submit",
     ["workflows/mini.yaml:23: transitions[2]: both `submit` and `withdraw` fire on `submit` from `draft`; a "
      + "command must lead to exactly one transition"]),
    // Ids and names.
    ("  - id: withdraw\n", "  - id: submit\n",
     ["workflows/mini.yaml:23: transitions[2].id: duplicate transition id `submit` (already declared on line 12)"]),
    ("name: mini", "name: Mini Flow",
     ["workflows/mini.yaml:1: name: `Mini Flow` is not a valid workflow name; use lower-case letters, digits and "
      + "hyphens (e.g. `section-review`)"]),
    ("  - id: draft\n", "  - id: draft\n    lable: Kladde\n",
     ["workflows/mini.yaml:6: states[0].lable: unknown key `lable` (did you mean `label`?)"]),
  ])
  func brokenFixture(original: String, replacement: String, expected: [String]) {
    #expect(workflowIssues(mini(replacing: original, with: replacement)) == expected)
  }

  @Test("all problems are reported at once, in line order")
  func severalProblems() {
    var yaml = mini(replacing: "from: [review]", with: "from: [reveiw]")
    yaml = yaml.replacingOccurrences(of: "by: [owner_drafter]", with: "by: [drafter]")
    yaml = yaml.replacingOccurrences(of: "  - id: withdraw\n", with: "  - id: submit\n")
    #expect(
      workflowIssues(yaml) == [
        "workflows/mini.yaml:16: transitions[0].by[0]: unknown capacity `drafter` (known: owner_drafter, "
          + "owner_head, committee_reviewer, committee_chair, secretariat)",
        "workflows/mini.yaml:19: transitions[1].from[0]: unknown state `reveiw` (known: draft, review, approved, "
          + "withdrawn)",
        "workflows/mini.yaml:23: transitions[2].id: duplicate transition id `submit` (already declared on line 12)",
      ])
  }

  @Test("WorkflowError describes every issue on its own line")
  func errorDescription() {
    do {
      _ = try WorkflowDefinition.parse(mini(replacing: "to: approved", with: "to: x"), file: "w.yaml")
      Issue.record("expected an error")
    } catch {
      #expect(
        error.localizedDescription
          == "w.yaml:20: transitions[1].to: unknown state `x` (known: draft, review, approved, withdrawn)")
    }
  }

  @Test("a workflow's name must match its file name; messages name workflows/<file>")
  func nameMatchesFile() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("workflow-\(UUID().uuidString)/workflows")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }

    let matching = directory.appendingPathComponent("mini.yaml")
    try miniWorkflow.write(to: matching, atomically: true, encoding: .utf8)
    #expect(try WorkflowDefinition.load(contentsOf: matching).name == "mini")

    let other = directory.appendingPathComponent("other.yaml")
    try miniWorkflow.write(to: other, atomically: true, encoding: .utf8)
    #expect(throws: WorkflowError.self) { try WorkflowDefinition.load(contentsOf: other) }
    do {
      _ = try WorkflowDefinition.load(contentsOf: other)
    } catch let error as WorkflowError {
      #expect(
        error.issues.map(\.description) == [
          "workflows/other.yaml:1: name: the name `mini` does not match the file name `other.yaml`; make them the same"
        ])
    }

    let missing = directory.appendingPathComponent("absent.yaml")
    do {
      _ = try WorkflowDefinition.load(contentsOf: missing)
      Issue.record("expected an error")
    } catch let error as WorkflowError {
      #expect(error.issues.map(\.description) == ["workflows/absent.yaml: file not found"])
      #expect(error.issues.first?.kind == .fileNotFound)
    }
  }
}
