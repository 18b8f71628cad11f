import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore
import PolicyWorkflow

/// What `init` made, for the CLI to report.
public struct InitResult: Sendable {
  public let root: URL
  public let mainCommit: ObjectID
  public let sections: Int
  public let requirements: Int
  public let author: String
}

public enum InitWorkspace {
  /// Creates a workspace in `directory` from `template`.
  ///
  /// Everything is built in a hidden sibling directory and renamed into place at the end, so a failed
  /// or killed `init` never leaves a half-made workspace behind under the requested name.
  /// - Parameter generateKeys: a directory outside the workspace for a throwaway key per member (demos, tests),
  ///   whose public keys go into members.yaml before the first commit.
  public static func run(
    directory: URL, template: TemplateLocation, actor: String?, clock: () -> Date = Date.init,
    generateKeys: URL? = nil, environment: [String: String] = ProcessEnvironment.current
  ) throws -> InitResult {
    let fileManager = FileManager.default
    let target = directory.standardizedFileURL
    var isDirectory: ObjCBool = false
    if fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory) {
      if fileManager.fileExists(atPath: WorkspaceLocation(root: target).stateDirectory.path) {
        throw PolicyFlowError.notPermitted(
          "\(target.path) already is a policyflow workspace; init changed nothing. "
            + "Use it as it is, or choose a new directory.")
      }
      guard isDirectory.boolValue else {
        throw PolicyFlowError.notPermitted("\(target.path) exists and is a file; init changed nothing. Choose a new directory.")
      }
      let contents = try fileManager.contentsOfDirectory(atPath: target.path)
      guard contents.isEmpty else {
        throw PolicyFlowError.notPermitted(
          "\(target.path) is not empty (\(contents.count) entries); init changed nothing. "
            + "Choose a new or empty directory.")
      }
    }

    // Validate the template completely before touching the disk.
    var definition = try Workspace.loadDefinition(at: template.template)
    var membersText = try String(contentsOf: template.template.appendingPathComponent("members.yaml"), encoding: .utf8)
    var environment = environment
    if let generateKeys {
      let keys = try KeyGeneration.generate(for: definition.members.members, in: generateKeys.standardizedFileURL)
      membersText = KeyGeneration.insertKeys(keys, into: membersText)
      var files: [String: Data] = [
        "policy.yaml": try Data(contentsOf: template.template.appendingPathComponent("policy.yaml")),
        "members.yaml": Data(membersText.utf8),
      ]
      let requirements = template.template.appendingPathComponent("requirements")
      for name in (try? fileManager.contentsOfDirectory(atPath: requirements.path)) ?? [] where name.hasSuffix(".yaml") {
        files["requirements/\(name)"] = try Data(contentsOf: requirements.appendingPathComponent(name))
      }
      do { definition = try PolicyDefinition.load(files: files) } catch {
        throw PolicyFlowError.badInput("members.yaml with the generated keys is invalid:\n\(error.localizedDescription)")
      }
      environment["POLICYFLOW_KEYS_DIR"] = generateKeys.standardizedFileURL.path
    }
    let workflowURL = template.workflows.appendingPathComponent("\(definition.manifest.workflow).yaml")
    guard fileManager.fileExists(atPath: workflowURL.path) else {
      throw PolicyFlowError.missing(
        "the template's policy.yaml names the workflow `\(definition.manifest.workflow)`, but "
          + "\(workflowURL.path) does not exist.")
    }
    let workflow: WorkflowDefinition
    do { workflow = try WorkflowDefinition.load(contentsOf: workflowURL) } catch {
      throw PolicyFlowError.badInput("the workflow \(workflowURL.path) is invalid:\n\(error.localizedDescription)")
    }
    let author: Member
    if let actor {
      guard let member = definition.members.resolve(actor) else {
        throw PolicyFlowError.missing("unknown person `\(actor)`: not an id or e-mail in the template's members.yaml.")
      }
      author = member
    } else if let secretariat = definition.members.members.first(where: { $0.roles.contains(.secretariat) }) {
      author = secretariat
    } else {
      throw PolicyFlowError.badInput("members.yaml names nobody with the role secretariat; someone must own init.")
    }
    // A template is input like any other: its texts are validated like submissions (symlinks refused).
    var texts: [String: String] = [:]
    for section in definition.manifest.sections {
      texts[section.id] = try SectionText.validateTemplateText(
        url: template.template.appendingPathComponent("sections/\(section.id).md"), section: section.id)
    }
    // The first commit is the root of trust: signed by the secretariat member who makes it.
    let signer = try ActSigning(environment: environment, gitSigningKey: nil).signer(for: author)
    if signer == nil, definition.manifest.signing == .required {
      throw PolicyFlowError.notPermitted(
        ActSigning.missingKey(author).message
          + " For a demo or a test, `policyflow init --generate-keys DIR` makes a throwaway key for every member.")
    }

    let parent = target.deletingLastPathComponent()
    try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
    let staging = parent.appendingPathComponent(".\(target.lastPathComponent).policyflow-init-\(UUID().uuidString)")
    defer { try? fileManager.removeItem(at: staging) }
    let result = try build(
      at: staging, definition: definition, workflow: workflow, template: template, author: author, clock: clock,
      members: Data(membersText.utf8), texts: texts, signer: signer)
    if fileManager.fileExists(atPath: target.path) { try fileManager.removeItem(at: target) }
    try fileManager.moveItem(at: staging, to: target)
    return InitResult(
      root: target, mainCommit: result.main, sections: definition.manifest.sections.count,
      requirements: definition.requirements.count, author: author.id)
  }

  private static func build(
    at root: URL, definition: PolicyDefinition, workflow: WorkflowDefinition, template: TemplateLocation,
    author: Member, clock: () -> Date, members: Data, texts: [String: String], signer: (any Signer)?
  ) throws -> (main: ObjectID, Void) {
    let fileManager = FileManager.default
    let repository = try Repository.create(at: root, initialBranch: "main")
    let (now, offset) = Workspace.actionTime(clock)
    let manifest = definition.manifest
    let wording = RecordWording(language: manifest.language)

    // main: manifest, members, requirements, workflows — no section text until it is approved.
    var files: [String: ObjectID] = [:]
    files["policy.yaml"] = try repository.writeBlob(Data(contentsOf: template.template.appendingPathComponent("policy.yaml")))
    files["members.yaml"] = try repository.writeBlob(members)
    for (directory, destination) in [
      (template.template.appendingPathComponent("requirements"), "requirements"), (template.workflows, "workflows"),
    ] {
      guard fileManager.fileExists(atPath: directory.path) else { continue }
      for name in try fileManager.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".yaml") {
        files["\(destination)/\(name)"] = try repository.writeBlob(
          Data(contentsOf: directory.appendingPathComponent(name)))
      }
    }
    let mainTree = try repository.tree(base: nil, setting: files)
    let mainCommit = try Workspace.writeCommit(
      in: repository, tree: mainTree, parents: [], actor: author, time: now, offset: offset, signer: signer,
      message: """
        \(wording.createPolicy(manifest.title, manifest.period))

        \(wording.createPolicyBody)
        """)
    try repository.updateReference(Workspace.mainRef, to: mainCommit, expected: nil, message: "policyflow init")

    // The record starts with the policy's creation, then each section's revision 0 (the template's text, on
    // its own branch forked from main).
    var sequence = 1
    func append(_ kind: ActionKind, section: String?, subject: String, body: String, fields: [RecordField: String])
      throws
    {
      var entry = RecordEntry(
        kind: kind, actor: author.id, time: now, offsetMinutes: offset, sequence: sequence, definition: mainCommit,
        section: section, subject: subject, body: body, fields: fields)
      try Workspace.appendRecord(&entry, by: author, to: repository, signer: signer)
      sequence += 1
    }
    try append(
      .initPolicy, section: nil, subject: wording.createPolicy(manifest.title, manifest.period), body: "", fields: [:])
    for section in manifest.sections {
      let text = texts[section.id] ?? ""
      let data = Data(text.utf8)
      let blob = try repository.writeBlob(data)
      let tree = try repository.tree(base: mainTree, setting: [Workspace.sectionPath(section.id): blob])
      let commit = try Workspace.writeCommit(
        in: repository, tree: tree, parents: [mainCommit], actor: author, time: now, offset: offset, signer: signer,
        message: """
          \(wording.revisionZero(section.title))

          Policyflow-Section: \(section.id)
          Policyflow-Revision: 0
          Policyflow-Content-Hash: \(sha256Hex(data))
          """)
      try repository.updateReference(
        Workspace.sectionRef(section.id), to: commit, expected: nil, message: "policyflow init")
      try append(
        .create, section: section.id, subject: wording.revisionZero(section.title), body: wording.templateText,
        fields: [.revision: "0", .revisionCommit: commit.hex, .contentHash: sha256Hex(data)])
    }
    try repository.checkoutHead()
    // The index is built from the record, like on any clone.
    _ = try Workspace(location: WorkspaceLocation(root: root))
    return (mainCommit, ())
  }
}
