import Foundation
import PolicyWorkflow
import Testing

@Suite("Evaluating guards and diagrams")
struct WorkflowEvaluationTests {
  let workflow: WorkflowDefinition

  init() throws {
    workflow = try WorkflowDefinition.load(contentsOf: defaultWorkflowURL)
  }

  var approve: WorkflowTransition { workflow.transitions.first { $0.id == "approve" }! }

  func reviewer(_ person: String, _ committee: String) -> CountedSignoff {
    CountedSignoff(personID: person, capacity: .committeeReviewer, group: committee)
  }

  func chair(_ person: String, _ committee: String) -> CountedSignoff {
    CountedSignoff(personID: person, capacity: .committeeChair, group: committee)
  }

  @Test("a section reviewed by one committee needs two reviewers and its chair")
  func singleCommittee() {
    var facts = SectionFacts(committees: ["KFU"], departments: ["KFF"])
    #expect(
      workflow.unmet(approve, facts: facts) == [
        .signoffs(capacity: .committeeReviewer, group: "KFU", needed: 2, have: 0),
        .signoffs(capacity: .committeeChair, group: "KFU", needed: 1, have: 0),
      ])
    #expect(workflow.firableAutomaticTransition(from: "committee_review", facts: facts) == nil)

    facts.signoffs = [reviewer("rita", "KFU"), reviewer("rita", "KFU"), chair("carl", "KFU")]
    #expect(
      workflow.unmet(approve, facts: facts) == [
        .signoffs(capacity: .committeeReviewer, group: "KFU", needed: 2, have: 1)
      ], "the same person signing twice counts once")

    facts.signoffs.append(reviewer("rolf", "KFU"))
    #expect(workflow.unmet(approve, facts: facts).isEmpty)
    #expect(workflow.firableAutomaticTransition(from: "committee_review", facts: facts)?.id == "approve")
    #expect(workflow.firableAutomaticTransition(from: "draft", facts: facts) == nil)
  }

  @Test("a jointly owned section needs two reviewers and the chair in each committee")
  func jointSection() {
    var facts = SectionFacts(
      committees: ["TMU", "ØU"], departments: ["TMF", "ØKF"],
      signoffs: [reviewer("t1", "TMU"), reviewer("t2", "TMU"), reviewer("o1", "ØU"), chair("tc", "TMU")])
    #expect(
      workflow.unmet(approve, facts: facts) == [
        .signoffs(capacity: .committeeReviewer, group: "ØU", needed: 2, have: 1),
        .signoffs(capacity: .committeeChair, group: "ØU", needed: 1, have: 0),
      ])
    #expect(workflow.firableAutomaticTransition(from: "committee_review", facts: facts) == nil)

    // A third TMU reviewer does not make up for the missing ØU one.
    facts.signoffs.append(reviewer("t3", "TMU"))
    #expect(workflow.unmet(approve, facts: facts).count == 2)

    facts.signoffs += [reviewer("o2", "ØU"), chair("oc", "ØU")]
    #expect(workflow.unmet(approve, facts: facts).isEmpty)
    #expect(workflow.firableAutomaticTransition(from: "committee_review", facts: facts)?.to == "approved")
  }

  @Test("groups match after NFC normalisation and regardless of case")
  func normalisedGroups() {
    let decomposedLower = "o\u{0338}u"  // not ø: a combining overlay has no precomposed form
    let nfdRing = "A\u{030A}U"  // Å in NFD
    #expect(normalizedCode("økf") == "ØKF")
    #expect(normalizedCode(" ØKF ") == "ØKF")
    #expect(normalizedCode(nfdRing) == "ÅU")
    #expect(sameCode("åu", nfdRing))
    #expect(!sameCode(decomposedLower, "ØU"))

    let facts = SectionFacts(
      committees: ["ÅU"], departments: ["ÅF"],
      signoffs: [reviewer("a", "åu"), reviewer("b", nfdRing), chair("c", "a\u{030A}u")])
    #expect(workflow.unmet(approve, facts: facts).isEmpty)
  }

  @Test("the other guards report what is missing")
  func otherGuards() {
    let facts = SectionFacts(
      committees: ["BIU"], departments: ["BIF"],
      signoffs: [reviewer("a", "BIU"), reviewer("b", "BIU"), chair("c", "BIU")],
      openBlockingComments: ["#4"], unaddressedRequirements: ["WS-UDD-01", "PR-C"],
      missingHeadings: ["Det gør vi allerede"])
    #expect(
      workflow.unmet(approve, facts: facts) == [
        .openBlockingComments(["#4"]), .requirements(["WS-UDD-01", "PR-C"]),
        .missingHeadings(["Det gør vi allerede"]),
      ])
    #expect(workflow.firableAutomaticTransition(from: "committee_review", facts: facts) == nil)
  }

  @Test("per department counts each owning department; per section counts everyone")
  func perDepartmentAndSection() throws {
    let yaml = """
      name: heads
      initial: draft
      states:
        - id: draft
        - id: done
          approved: true
      transitions:
        - id: approve
          auto: true
          from: [draft]
          to: done
          guards:
            - signoffs: {capacity: owner_head, per: department}
            - signoffs: {capacity: secretariat, count: 2}
      """
    let heads = try WorkflowDefinition.parse(yaml, file: "workflows/heads.yaml")
    let transition = heads.transitions[0]
    #expect(heads.signoffCapacities(in: "draft") == [.ownerHead, .secretariat])

    var facts = SectionFacts(
      committees: ["TMU", "ØU"], departments: ["TMF", "ØKF"],
      signoffs: [
        CountedSignoff(personID: "h1", capacity: .ownerHead, group: "TMF"),
        CountedSignoff(personID: "s1", capacity: .secretariat),
      ])
    #expect(
      heads.unmet(transition, facts: facts) == [
        .signoffs(capacity: .ownerHead, group: "ØKF", needed: 1, have: 0),
        .signoffs(capacity: .secretariat, group: nil, needed: 2, have: 1),
      ])
    facts.signoffs += [
      CountedSignoff(personID: "h2", capacity: .ownerHead, group: "økf"),
      CountedSignoff(personID: "s2", capacity: .secretariat),
    ]
    #expect(heads.unmet(transition, facts: facts).isEmpty)
    #expect(heads.firableAutomaticTransition(from: "draft", facts: facts)?.id == "approve")
  }

  @Test("without any committee, per-committee sign-offs are counted for the section as a whole")
  func noCommittees() {
    var facts = SectionFacts(committees: [], departments: ["BIF"], signoffs: [reviewer("a", "X")])
    #expect(
      workflow.unmet(approve, facts: facts) == [
        .signoffs(capacity: .committeeReviewer, group: nil, needed: 2, have: 1),
        .signoffs(capacity: .committeeChair, group: nil, needed: 1, have: 0),
      ])
    facts.signoffs += [reviewer("b", "X"), chair("c", "X")]
    #expect(workflow.unmet(approve, facts: facts).isEmpty)
  }

  @Test("the first automatic transition whose guards hold is chosen, in file order")
  func firstFirable() throws {
    let yaml = """
      name: two-ways
      initial: review
      states:
        - id: review
        - id: fast
          approved: true
        - id: slow
          approved: true
      transitions:
        - id: fast_track
          auto: true
          from: [review]
          to: fast
          guards:
            - signoffs: {capacity: committee_chair, count: 2}
        - id: normal
          auto: true
          from: [review]
          to: slow
          guards:
            - signoffs: {capacity: committee_chair}
      """
    let twoWays = try WorkflowDefinition.parse(yaml, file: "workflows/two-ways.yaml")
    var facts = SectionFacts(signoffs: [CountedSignoff(personID: "a", capacity: .committeeChair)])
    #expect(twoWays.firableAutomaticTransition(from: "review", facts: facts)?.id == "normal")
    facts.signoffs.append(CountedSignoff(personID: "b", capacity: .committeeChair))
    #expect(twoWays.firableAutomaticTransition(from: "review", facts: facts)?.id == "fast_track")
  }

  @Test("the Mermaid diagram contains every state, transition and final state")
  func mermaid() {
    let diagram = workflow.mermaid()
    #expect(diagram.hasPrefix("stateDiagram-v2\n"))
    #expect(diagram.contains("  [*] --> draft\n"))
    #expect(diagram.contains("  state \"Ændringer ønsket\" as changes_requested\n"))
    #expect(diagram.contains("  withdrawn --> [*]\n"))
    #expect(diagram.contains("  class approved approved\n"))
    for transition in workflow.transitions {
      for from in transition.from {
        #expect(diagram.contains("  \(from) --> \(transition.to): \(transition.event ?? "auto")\n"))
      }
    }
    #expect(diagram.contains("  committee_review --> approved: auto\n"))
    let edges = diagram.split(separator: "\n").filter { $0.contains("-->") && !$0.contains("[*]") }
    #expect(edges.count == workflow.transitions.map(\.from.count).reduce(0, +))
  }

  @Test("the Graphviz diagram contains every state and transition and escapes labels")
  func dot() throws {
    let diagram = workflow.dot()
    #expect(diagram.hasPrefix("digraph \"section-review\" {\n"))
    #expect(diagram.hasSuffix("}\n"))
    #expect(diagram.contains("  \"__start\" -> \"draft\";\n"))
    #expect(diagram.contains("  \"approved\" [label=\"Godkendt\", style=\"rounded,bold\"];\n"))
    #expect(diagram.contains("  \"withdrawn\" [label=\"Trukket tilbage\", peripheries=2];\n"))
    for transition in workflow.transitions {
      for from in transition.from {
        #expect(diagram.contains("  \"\(from)\" -> \"\(transition.to)\" [label=\"\(transition.event ?? "auto")\""))
      }
    }

    let quoted = try WorkflowDefinition.parse(
      miniWorkflow.replacingOccurrences(of: "label: Mini", with: "label: 'Say \"hi\" \\ there'"),
      file: "workflows/mini.yaml")
    #expect(quoted.dot().contains("  label=\"Say \\\"hi\\\" \\\\ there\";\n"))
  }
}
