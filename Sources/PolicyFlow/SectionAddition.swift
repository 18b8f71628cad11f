import Foundation
import PolicyGit
import PolicyManifest

/// A section to add to a running policy.
public struct NewSection: Sendable {
  public var id: String
  public var title: String
  public var kind: String
  /// Owning department codes.
  public var owners: [String]
  /// Reviewing committees; empty means the owners' committees.
  public var committees: [String]
  /// Revision 0's text (a drafting skeleton); nil means an empty text.
  public var text: Data?
  public var file: String?

  public init(
    id: String, title: String, kind: String, owners: [String], committees: [String], text: Data?, file: String?
  ) {
    self.id = id
    self.title = title
    self.kind = kind
    self.owners = owners
    self.committees = committees
    self.text = text
    self.file = file
  }
}

/// What `section add` did.
public struct SectionAdditionResult: Sendable {
  /// The signed definition commit on main that lists the section; nil when policy.yaml listed it already.
  public var definitionCommit: ObjectID?
  /// Revision 0's commit on `sections/<id>`.
  public var revisionCommit: ObjectID
}

extension Workspace {
  /// `policyflow section add`: a section joins a running policy. Two steps, each a signed act of the secretariat:
  /// the definition change that lists it in policy.yaml (skipped when an authorised change already did), then its
  /// start in the record — revision 0 on its own branch, the `create` action, an event like every section's. Killed
  /// between the two, the section is in the definition without a start; `status` says so and the same command
  /// records the start.
  public func addSection(_ new: NewSection, actor: Member) throws -> SectionAdditionResult {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) (\(actor.id)) may not add a section: that is for the secretariat (role secretariat in "
          + "members.yaml). Nothing was changed.")
    }
    let text = try new.text.map { try SectionText.validate($0, section: new.id, file: new.file ?? "-") } ?? ""
    return try performWrite {
      if let retired = definition.manifest.retiredSection(new.id) {
        throw PolicyFlowError.notPermitted(
          "\(retired.id) is the id of the retired section “\(retired.title)”; ids are never given again, so that the "
            + "history keeps naming one section. Choose another id. Nothing was changed.")
      }
      var definitionChange: ObjectID?
      if definition.manifest.section(new.id) == nil {
        definitionChange = try listSection(new, actor: actor).commit
      }
      guard let section = definition.manifest.section(new.id) else {
        throw PolicyFlowError.internal("section \(new.id) is not in the definition after it was added")
      }
      guard try store.read({ try $0.section(section.id) }) == nil else {
        throw PolicyFlowError.notPermitted(
          "section \(section.id) is part of the policy already (see `policyflow status \(section.id)`); nothing was changed.")
      }
      let signer = try signer(for: actor)
      let data = Data(text.utf8)
      let blob = try repository.writeBlob(data)
      let tree = try repository.tree(
        base: try repository.commit(mainCommit).tree, setting: [Workspace.sectionPath(section.id): blob])
      let wording = RecordWording(language: definition.manifest.language)
      let (now, offset) = Workspace.actionTime(clock)
      let revisionCommit = try writeCommit(
        tree: tree, parents: [mainCommit], actor: actor, time: now, offset: offset, signer: signer,
        message: """
          \(wording.revisionZeroAdded(section.title))

          Policyflow-Section: \(section.id)
          Policyflow-Revision: 0
          Policyflow-Content-Hash: \(sha256Hex(data))
          """)
      var draft = ActionDraft(
        kind: .create, section: section.id, subject: wording.revisionZeroAdded(section.title), body: wording.sectionAdded)
      draft.fields[.revision] = "0"
      draft.fields[.revisionCommit] = revisionCommit.hex
      draft.fields[.contentHash] = sha256Hex(data)
      draft.sideMove = ReferenceMove(
        name: Workspace.sectionRef(section.id), old: try repository.referenceTarget(Workspace.sectionRef(section.id)),
        new: revisionCommit)
      _ = try record(draft, actor: actor, signer: signer, signed: true)
      return SectionAdditionResult(definitionCommit: definitionChange, revisionCommit: revisionCommit)
    }
  }

  /// The signed definition commit that appends `new` to policy.yaml's `sections:`, validated as a whole first.
  private func listSection(_ new: NewSection, actor: Member) throws -> DefinitionChangeResult {
    try requireNoPendingDefinitionChange("change of policy.yaml")
    guard let data = try repository.fileContents(at: "policy.yaml", in: mainCommit) else {
      throw PolicyFlowError.internal("policy.yaml is not committed on main; run `policyflow verify`.")
    }
    let original = String(decoding: data, as: UTF8.self)
    // Appended at the end: only safe when `sections:` is the file's last top-level key (as in the template).
    let lastKey = original.split(separator: "\n").last { line in
      guard let first = line.first else { return false }
      return !first.isWhitespace && first != "#" && first != "-"
    }
    guard lastKey.map({ $0.hasPrefix("sections:") }) == true else {
      throw PolicyFlowError.badInput(
        "policy.yaml's `sections:` is not its last key, so policyflow cannot append to it safely. Add the section by "
          + "hand, commit it signed (`git commit -S`), then run this command again to record its start. Nothing was changed.")
    }
    func quoted(_ value: String) -> String {
      "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    var entry = "\n  - id: \(quoted(new.id))\n    title: \(quoted(new.title))\n    kind: \(quoted(new.kind))\n"
      + "    owners: [\(new.owners.map(quoted).joined(separator: ", "))]\n"
    if !new.committees.isEmpty { entry += "    committees: [\(new.committees.map(quoted).joined(separator: ", "))]\n" }
    let text = (original.hasSuffix("\n") ? original : original + "\n") + entry
    var files = try Workspace.definitionFiles(in: repository, at: mainCommit)
    files["policy.yaml"] = Data(text.utf8)
    let changed: PolicyDefinition
    do { changed = try PolicyDefinition.load(files: files) } catch {
      throw PolicyFlowError.badInput(
        "policy.yaml would be invalid with section \(new.id); nothing was changed:\n\(error.localizedDescription)")
    }
    guard changed.manifest.section(new.id) != nil else {
      throw PolicyFlowError.internal("policy.yaml does not list section \(new.id) after the change")
    }
    let blob = try repository.writeBlob(Data(text.utf8))
    let tree = try repository.tree(base: try repository.commit(mainCommit).tree, setting: ["policy.yaml": blob])
    let wording = DefinitionWording(language: definition.manifest.language)
    return try writeDefinitionCommit(
      tree: tree, actor: actor, summary: wording.sectionListed(new.title), body: nil, what: "change of policy.yaml")
  }

  /// Sections the definition in force lists whose start the record does not hold (a definition change without
  /// `section add`): `status` names them instead of failing.
  public func sectionsNotStarted() throws -> [String] {
    let started = Set(try store.read { try $0.sections() }.map(\.id))
    return definition.manifest.sections.map(\.id).filter { !started.contains($0) }
  }
}
