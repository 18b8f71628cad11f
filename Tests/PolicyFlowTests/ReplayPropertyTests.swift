import Foundation
import PolicyManifest
import PolicyStore
import PolicyWorkflow
import Testing

@testable import PolicyFlow

/// Random sequences of actions by random members, run in-process: whatever the live write path put into the
/// index must be exactly what replaying the record in git gives.
@Suite("property: the live index equals a rebuild from git after random actions")
struct ReplayPropertyTests {
  /// A rebuild of `workspace`'s record into a scratch database, as text rows.
  static func rebuild(_ workspace: Workspace, in directory: URL, name: String) throws -> [(table: String, rows: [String])] {
    let store = try Store(path: directory.appendingPathComponent("\(name).sqlite"), hasher: { sha256Hex($0) })
    let report = try store.write { try workspace.replayAll(into: $0) }
    #expect(report.refused == 0, "a rebuild refused actions the live path accepted")
    return try store.read { try $0.dump() }
  }

  static func same(_ a: [(table: String, rows: [String])], _ b: [(table: String, rows: [String])]) -> String? {
    for (left, right) in zip(a, b) where left.rows != right.rows {
      let extra = Set(left.rows).subtracting(right.rows).sorted().prefix(2)
      let missing = Set(right.rows).subtracting(left.rows).sorted().prefix(2)
      return "\(left.table): live has \(Array(extra)), rebuild has \(Array(missing))"
    }
    return nil
  }

  @Test("1,000 random actions over the template's sections: live index = full rebuild every 200 steps and at the end; = an independent incremental catch-up after every step")
  func randomActions() throws {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pf-property-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("policy")
    var now = Date(timeIntervalSince1970: 1_767_225_600)
    let clock = { now }
    let template = try TemplateLocation.findDefault(environment: ProcessInfo.processInfo.environment)
    let keys = scratch.appendingPathComponent("keys")
    _ = try InitWorkspace.run(directory: root, template: template, actor: nil, clock: clock, generateKeys: keys)
    let location = WorkspaceLocation(root: root)
    let workspace = try Workspace(location: location, clock: { now })
    workspace.environment["POLICYFLOW_KEYS_DIR"] = keys.path
    // A second index of the same repository, caught up from git alone after every step.
    let shadowDirectory = scratch.appendingPathComponent("shadow")
    try FileManager.default.createDirectory(at: shadowDirectory, withIntermediateDirectories: true)
    let shadowStore = try Store(path: shadowDirectory.appendingPathComponent("index.sqlite"), hasher: { sha256Hex($0) })

    var random = SplitMix(seed: 20_261_201)
    let members = workspace.definition.members.members
    let sections = workspace.definition.manifest.sections
    let requirements = workspace.definition.requirements.map(\.id)
    var counts: [String: (done: Int, refused: Int)] = [:]
    var added = 0

    func someone(for section: SectionSpec, _ capacities: [Capacity]) -> Member {
      let fitting = members.filter { member in
        !workspace.definition.capacities(of: member, for: section).filter { capacities.contains($0.capacity) }.isEmpty
      }
      if !fitting.isEmpty && Double.random(in: 0..<1, using: &random) < 0.85 { return fitting.randomElement(using: &random)! }
      return members.randomElement(using: &random)!
    }

    for step in 1...1_000 {
      now += 1
      let section = sections.randomElement(using: &random)!
      // Weighted: mostly review work; withdrawals (final in the default workflow) rare.
      let kind = step % 97 == 0 ? "withdraw" : ["submit", "submit", "approve", "approve", "approve", "approve",
        "request-changes", "comment", "comment", "reply", "resolve", "resolve", "reopen", "link", "waive", "waive",
        "confirm", "req-add", "req-edit"].randomElement(using: &random)!
      do {
        switch kind {
        case "submit":
          let record = try workspace.sectionRecord(section.id)
          let latest = try workspace.store.read { try $0.revision(section.id, record.latestRevision) }
          var lines = SectionText.lines(try workspace.revisionText(section.id, latest))
          if Bool.random(using: &random), let index = lines.indices.filter({ !lines[$0].hasPrefix("#") }).randomElement(using: &random) {
            lines.remove(at: index)
          } else {
            lines.insert("Ny sætning \(step).", at: Int.random(in: 0...lines.count, using: &random))
          }
          let text = lines.joined(separator: "\n") + "\n"
          _ = try workspace.submit(
            sectionId: section.id, text: Data(text.utf8), file: "step\(step).md", message: "Trin \(step)",
            actor: someone(for: section, [.ownerDrafter]))
        case "approve":
          _ = try workspace.approve(
            sectionId: section.id, message: nil, actor: someone(for: section, [.committeeReviewer, .committeeChair]))
        case "request-changes":
          _ = try workspace.requestChanges(
            sectionId: section.id, message: "Ret trin \(step)", actor: someone(for: section, [.committeeReviewer, .committeeChair]))
        case "comment":
          let start = Int.random(in: 1...6, using: &random)
          _ = try workspace.comment(
            sectionId: section.id, body: "Bemærkning \(step)", lines: Bool.random(using: &random) ? start...(start + 1) : nil,
            revision: nil, blocking: Int.random(in: 0..<5, using: &random) == 0, replyTo: nil,
            actor: someone(for: section, [.committeeReviewer, .committeeChair, .ownerDrafter]))
        case "reply", "resolve", "reopen":
          let threads = try workspace.store.read { try $0.comments(of: section.id) }.filter { $0.parentId == nil }
          guard let thread = threads.randomElement(using: &random) else { continue }
          let actor = someone(for: section, [.committeeChair, .ownerDrafter])
          if kind == "reply" {
            _ = try workspace.comment(
              sectionId: section.id, body: "Svar \(step)", lines: nil, revision: nil, blocking: false,
              replyTo: thread.shortID, actor: actor)
          } else if kind == "resolve" {
            _ = try workspace.resolve(commentId: thread.shortID, message: nil, actor: actor)
          } else {
            _ = try workspace.reopen(commentId: thread.shortID, message: nil, actor: actor)
          }
        case "link", "waive", "confirm":
          let requirement = requirements.randomElement(using: &random)!
          let actor = kind == "waive" && Bool.random(using: &random)
            ? members.first { $0.roles.contains(.secretariat) }! : someone(for: section, [.ownerDrafter])
          if kind == "link" {
            let start = Int.random(in: 1...4, using: &random)
            _ = try workspace.link(
              requirementId: requirement, sectionId: section.id, note: "Svar \(step)", lines: start...(start + 1),
              actor: actor)
          } else if kind == "waive" {
            _ = try workspace.waive(requirementId: requirement, sectionId: section.id, reason: "Andetsteds", actor: actor)
          } else {
            _ = try workspace.confirm(requirementId: requirement, sectionId: section.id, actor: actor)
          }
        case "withdraw":
          _ = try workspace.fire(
            event: "withdraw", sectionId: section.id, message: "Trin \(step)",
            actor: Int.random(in: 0..<4, using: &random) == 0
              ? members.first { $0.roles.contains(.secretariat) }! : members.randomElement(using: &random)!)
        case "req-add":
          added += 1
          _ = try workspace.addRequirement(
            id: "PROP-\(added)", file: "requirements/workshop-2022.yaml",
            change: RequirementChange(text: "Krav \(step)", theme: "Medborgerskab", targets: [section.id]),
            actor: Int.random(in: 0..<3, using: &random) == 0
              ? members.randomElement(using: &random)! : members.first { $0.roles.contains(.secretariat) }!)
        default:
          _ = try workspace.editRequirement(
            id: requirements.randomElement(using: &random)!, change: RequirementChange(text: "Ændret \(step)"),
            actor: members.first { $0.roles.contains(.secretariat) }!)
        }
        counts[kind, default: (0, 0)].done += 1
      } catch let error as PolicyFlowError {
        #expect(error.kind != .internal, "step \(step) \(kind): \(error.message)")
        counts[kind, default: (0, 0)].refused += 1
      }
      // After every step: an index caught up from git alone agrees with the live one.
      let live = try workspace.store.read { try $0.dump() }
      _ = try shadowStore.write { tx in try workspace.replayNew(into: tx) }
      let shadow = try shadowStore.read { try $0.dump() }
      if let difference = Self.same(live, shadow) {
        Issue.record("step \(step) (\(kind)): incremental catch-up differs: \(difference)")
        break
      }
      if step % 200 == 0 || step == 1_000 {
        if let difference = Self.same(live, try Self.rebuild(workspace, in: scratch, name: "rebuild-\(step)")) {
          Issue.record("step \(step) (\(kind)): full rebuild differs: \(difference)")
          break
        }
      }
    }
    let done = counts.values.map(\.done).reduce(0, +)
    let refused = counts.values.map(\.refused).reduce(0, +)
    print("property: \(done) actions done, \(refused) refused: \(counts.sorted { $0.key < $1.key })")
    #expect(done >= 500 && counts["approve"]!.done >= 30, "too few actions succeeded to mean much: \(counts)")
    #expect(refused >= 100, "too few refusals exercised: \(counts)")
    #expect(try workspace.verify().isClean)
  }
}
