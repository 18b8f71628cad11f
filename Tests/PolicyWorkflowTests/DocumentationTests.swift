import Foundation
import PolicyWorkflow
import Testing

/// docs/workflows.md shows a diagram and messages; these tests keep them true.
@Suite("docs/workflows.md")
struct DocumentationTests {
  let documentation: String
  let defaultYAML: String

  init() throws {
    let root = defaultWorkflowURL.deletingLastPathComponent().deletingLastPathComponent()
    documentation = try String(contentsOf: root.appendingPathComponent("docs/workflows.md"), encoding: .utf8)
    defaultYAML = try String(contentsOf: defaultWorkflowURL, encoding: .utf8)
  }

  @Test("the diagram is the one policyflow draws for the default workflow")
  func diagram() throws {
    let workflow = try WorkflowDefinition.load(contentsOf: defaultWorkflowURL)
    #expect(documentation.contains("```mermaid\n" + workflow.mermaid() + "```\n"))
  }

  @Test("the example messages are the ones policyflow prints")
  func messages() throws {
    var yaml = defaultYAML
    yaml = yaml.replacingOccurrences(of: "    from: [committee_review]\n    to: changes_requested",
      with: "    from: [comittee_review]\n    to: changes_requested")
    yaml = yaml.replacingOccurrences(of: "by: [committee_reviewer, committee_chair]",
      with: "by: [committee_reviewers, committee_chair]")
    do {
      _ = try WorkflowDefinition.parse(yaml, file: "workflows/section-review.yaml")
      Issue.record("expected an error")
    } catch let error as WorkflowError {
      for issue in error.issues {
        #expect(documentation.contains(issue.description + "\n"), "\(issue.description)")
      }
      #expect(error.issues.count == 2)
    }
  }
}
