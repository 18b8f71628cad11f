import Foundation
import PolicyGit
import PolicyManifest
import PolicyStore

/// A change to one requirement, as `req add` / `req edit` receive it.
public struct RequirementChange: Sendable {
  public var text: String?
  public var theme: String?
  public var targets: [String]?
  public init(text: String? = nil, theme: String? = nil, targets: [String]? = nil) {
    self.text = text
    self.theme = theme
    self.targets = targets
  }
}

extension Workspace {
  /// Adds a requirement to a `requirements/*.yaml` file (the secretariat); commits the file to `main`.
  public func addRequirement(id: String, file: String, change: RequirementChange, actor: Member) throws
    -> RequirementRecord
  {
    let id = id.trimmingCharacters(in: .whitespaces).uppercased()
    guard id.range(of: #"^[A-Z0-9][A-Z0-9-]*$"#, options: .regularExpression) != nil else {
      throw PolicyFlowError.usage("requirement id `\(id)` is not allowed: use upper-case letters, digits and '-' (e.g. WS-MED-10).")
    }
    guard definition.requirement(id) == nil else {
      throw PolicyFlowError.notPermitted("requirement \(id) exists already; change it with `policyflow req edit \(id)`.")
    }
    guard let text = change.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw PolicyFlowError.usage("a new requirement needs its text: --text TEXT.")
    }
    return try changeRequirements(actor: actor, file: file, action: "req-add", id: id) { requirements, kind, source in
      requirements.append(Requirement(
        id: id, kind: kind, source: source, theme: change.theme, text: text, targets: change.targets ?? [],
        file: file))
    }
  }

  /// Changes a requirement's text, theme or targets (the secretariat); commits its file to `main`.
  ///
  /// A changed text gets a new hash, so every link made against the old text becomes suspect.
  public func editRequirement(id: String, change: RequirementChange, actor: Member) throws -> RequirementRecord {
    let record = try requirementRecord(id)
    guard change.text != nil || change.theme != nil || change.targets != nil else {
      throw PolicyFlowError.usage("say what to change: --text, --theme and/or --targets.")
    }
    return try changeRequirements(actor: actor, file: record.file, action: "req-edit", id: record.id) {
      requirements, _, _ in
      guard let index = requirements.firstIndex(where: { $0.id == record.id }) else {
        throw PolicyFlowError.internal("requirement \(record.id) is not in \(record.file) on main")
      }
      if let text = change.text {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
          throw PolicyFlowError.usage("the text of \(record.id) cannot be empty.")
        }
        requirements[index].text = text
      }
      if let theme = change.theme { requirements[index].theme = theme.isEmpty ? nil : theme }
      if let targets = change.targets { requirements[index].targets = targets }
    }
  }

  private func changeRequirements(
    actor: Member, file: String, action: String, id: String,
    _ mutate: (inout [Requirement], RequirementKind, String) throws -> Void
  ) throws -> RequirementRecord {
    guard file.hasPrefix("requirements/"), file.hasSuffix(".yaml"), !file.contains(".."),
      file.dropFirst("requirements/".count).range(of: #"^[a-z0-9][a-z0-9._-]*\.yaml$"#, options: .regularExpression) != nil
    else {
      throw PolicyFlowError.usage("requirement files are requirements/<name>.yaml (lower-case name); `\(file)` is not.")
    }
    return try performWrite {
      try requireNoPendingDefinitionChange("requirement change")
      guard let main = try repository.referenceTarget(Workspace.mainRef) else {
        throw PolicyFlowError.internal("main does not exist; run `policyflow verify`.")
      }
      let existing = try repository.fileContents(at: file, in: main)
      let original = existing.map { String(decoding: $0, as: UTF8.self) } ?? ""
      var requirements = definition.requirements.filter { $0.file == file }
      guard let first = requirements.first, existing != nil else {
        throw PolicyFlowError.missing(
          "\(file) holds no requirements yet; add the file with its `source:` and `kind:` to the template, "
            + "or name an existing file with --file.")
      }
      try mutate(&requirements, first.kind, first.source)
      let rendered = RequirementFileWriter.render(
        header: RequirementFileWriter.leadingComments(of: original), source: first.source, kind: first.kind,
        requirements: requirements)
      // Validate the whole definition with the new file before anything is written.
      let checked = try validatedDefinition(replacing: file, with: rendered, main: main)
      guard let changed = checked.requirement(id) else {
        throw PolicyFlowError.internal("requirement \(id) vanished while rewriting \(file)")
      }
      let blob = try repository.writeBlob(Data(rendered.utf8))
      let tree = try repository.tree(base: try repository.commit(main).tree, setting: [file: blob])
      let signer = try signer(for: actor)
      let kind: ActionKind = action == "req-add" ? .requirementAdd : .requirementEdit
      let wording = RecordWording(language: definition.manifest.language)
      let (now, offset) = Workspace.actionTime(clock)
      let commit = try writeCommit(
        tree: tree, parents: [main], actor: actor, time: now, offset: offset, signer: signer,
        message: """
          \(wording.summary(kind, section: nil, detail: id))

          \(changed.text)

          Policyflow-Requirement: \(id)
          """)
      var draft = ActionDraft(kind: kind, section: nil, subject: wording.summary(kind, section: nil, detail: id))
      draft.fields[.requirement] = id
      draft.definition = commit
      draft.sideMove = ReferenceMove(name: Workspace.mainRef, old: main, new: commit)
      _ = try record(draft, actor: actor, signer: signer, signed: true)
      guard let indexed = try store.read({ try $0.requirement(id) }) else {
        throw PolicyFlowError.internal("requirement \(id) was recorded but is not in the index")
      }
      return indexed
    }
  }

  /// Loads the definition committed on `main` with one file replaced, to refuse a change that would break it.
  private func validatedDefinition(replacing file: String, with text: String, main: ObjectID) throws -> PolicyDefinition {
    var files = try Workspace.definitionFiles(in: repository, at: main)
    files[file] = Data(text.utf8)
    do {
      return try PolicyDefinition.load(files: files)
    } catch {
      throw PolicyFlowError.badInput(
        "the change would make the requirements invalid; nothing was changed:\n\(error.localizedDescription)")
    }
  }
}
