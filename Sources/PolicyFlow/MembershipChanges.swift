import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore
import PolicyYAML

/// A person joining a running policy (`member add`).
public struct NewMember: Sendable {
  public var id: String
  public var name: String
  public var email: String
  public var departments: [String]
  public var committees: [String]
  public var roles: [String]
  /// A `.pub` file or a key line; nil for none (then, under `signing: required`, they cannot act until `key add`).
  public var key: String?

  public init(
    id: String, name: String, email: String, departments: [String], committees: [String], roles: [String],
    key: String?
  ) {
    self.id = id
    self.name = name
    self.email = email
    self.departments = departments
    self.committees = committees
    self.roles = roles
    self.key = key
  }
}

/// What a change of who or what takes part wrote, and what the secretariat should know about it.
public struct MembershipChangeResult: Sendable {
  public let commit: ObjectID
  public let summary: String
  /// Things that stay open after the change (a retired member's open comments, a retired department's members).
  public let notes: [String]
}

/// Adding and retiring members, departments and sections of a running policy (issue 15). Each is one signed
/// definition commit of the secretariat on `main`, written by `writeDefinitionCommit` like `key add` and
/// `section add`, and one action of the record naming it — its own kind of event in `audit`. Retiring marks the entry
/// `retired: true` instead of deleting it: ids and codes are never given again, names stay readable beside the
/// history, and everything done before stays valid (it is judged by the definition it was done under).
extension Workspace {
  /// `policyflow member add`.
  public func addMember(_ new: NewMember, actor: Member, message: String?) throws -> MembershipChangeResult {
    try requireSecretariat(actor, toDo: "add a member")
    let id = new.id.trimmingCharacters(in: .whitespaces)
    guard IdentifierSyntax.isSlug(id), id.utf8.count <= DefinitionValues.maximumIDBytes else {
      throw PolicyFlowError.badInput(
        "`\(DefinitionValues.visible(new.id))` is not a valid person id: use lower-case ASCII letters, digits and "
          + "hyphens (æ → ae, ø → oe, å → aa), at most \(DefinitionValues.maximumIDBytes) characters, e.g. "
          + "`jens-okf`. Nothing was changed.")
    }
    for (what, value) in [("name", new.name), ("e-mail address", new.email)] {
      if let problem = DefinitionValues.authorLineProblem(in: value) {
        throw PolicyFlowError.badInput(
          "the \(what) `\(DefinitionValues.visible(value))` contains \(problem); it goes into the author line of every "
            + "commit the person makes, where `<`, `>`, line breaks and control characters are not allowed. "
            + "Nothing was changed.")
      }
      if value.trimmingCharacters(in: .whitespaces).isEmpty {
        throw PolicyFlowError.usage("the \(what) is empty; give --\(what == "name" ? "name" : "email").")
      }
    }
    let key = try new.key.map(Workspace.publicKey)
    return try performWrite {
      if definition.members.member(id: id) != nil {
        throw PolicyFlowError.notPermitted("members.yaml lists \(id) already; nothing was changed.")
      }
      if let retired = definition.members.retiredMember(id) {
        throw PolicyFlowError.notPermitted(
          "\(id) is the id of \(retired.name), who has retired; ids are never given again, so that the history "
            + "keeps naming one person. Choose another id. Nothing was changed.")
      }
      if let retired = new.departments.lazy.compactMap({ self.definition.manifest.retiredDepartment($0) }).first {
        throw PolicyFlowError.notPermitted(
          "the department \(retired.code) (\(retired.name)) is retired; a new member joins a department taking part "
            + "(\(definition.manifest.departments.map(\.code).joined(separator: ", "))). Nothing was changed.")
      }
      if let key, let holder = (definition.members.members + definition.members.retired).first(where: { other in
        other.keys.contains { (try? SSHPublicKey(line: $0)) == key }
      }) {
        throw PolicyFlowError.notPermitted(
          "\(key.fingerprint) is the key of \(holder.id); a key speaks for one member only. Nothing was changed.")
      }
      // Codes as the manifest spells them where it knows them; anything else is judged by the loader below.
      let departments = new.departments.map { definition.manifest.department($0)?.code ?? $0 }
      let committees = new.committees.map { definition.manifest.committee($0)?.code ?? $0 }
      var fields = [
        "id: \(DefinitionText.quoted(id))", "name: \(DefinitionText.quoted(new.name))",
        "email: \(DefinitionText.quoted(new.email.trimmingCharacters(in: .whitespaces)))",
        "departments: \(DefinitionText.list(departments))", "committees: \(DefinitionText.list(committees))",
        "roles: \(DefinitionText.list(new.roles))",
      ]
      if let key { fields.append("keys: \(DefinitionText.list(["\(key.algorithm) \(key.base64)"]))") }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.memberAdded(id, new.name)
      var event = ActionDraft(
        kind: .memberAdd, section: nil,
        subject: RecordWording(language: definition.manifest.language).summary(.memberAdd, section: nil, detail: id))
      event.fields[.member] = id
      let result = try changeDefinitionFile(
        "members.yaml", what: "member addition", describe: "with member \(id)",
        edit: { DefinitionText.appending(fields, toList: "members", in: $0) },
        check: { $0.members.member(id: id)?.name == new.name && $0.members.members.count
          == self.definition.members.members.count + 1 },
        summary: summary, body: message, actor: actor, event: event)
      return MembershipChangeResult(commit: result.commit, summary: summary, notes: [])
    }
  }

  /// `policyflow member retire`: the member can no longer act; what they did stays valid, what they left open
  /// stays visible (and is returned as notes).
  public func retireMember(_ idOrEmail: String, actor: Member, message: String?) throws -> MembershipChangeResult {
    try requireSecretariat(actor, toDo: "retire a member")
    return try performWrite {
      if let retired = definition.members.retiredMember(idOrEmail) {
        throw PolicyFlowError.notPermitted("\(retired.id) (\(retired.name)) has retired already; nothing was changed.")
      }
      let member = try self.member(idOrEmail)
      guard member.id != actor.id else {
        throw PolicyFlowError.notPermitted(
          "you cannot retire yourself: another member of the secretariat records it (`policyflow member retire "
            + "\(member.id) --as …`), so that the secretariat keeps someone who can sign. Nothing was changed.")
      }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.memberRetired(member.id, member.name)
      var event = ActionDraft(
        kind: .memberRetire, section: nil,
        subject: RecordWording(language: definition.manifest.language).summary(
          .memberRetire, section: nil, detail: member.id))
      event.fields[.member] = member.id
      let result = try changeDefinitionFile(
        "members.yaml", what: "member retirement", describe: "with \(member.id) retired",
        edit: { DefinitionText.retiring(member.id, field: "id", inList: "members", in: $0) },
        check: { $0.members.retiredMember(member.id) == member && $0.members.member(id: member.id) == nil },
        summary: summary, body: message, actor: actor, event: event)
      return MembershipChangeResult(commit: result.commit, summary: summary, notes: try openItems(of: member))
    }
  }

  /// What a retired member left open: their open comment threads and the change requests that still stand. Both stay
  /// visible in `comments` and `status`; the reviewing body's chair can resolve or lift them.
  func openItems(of member: Member) throws -> [String] {
    try store.read { reader in
      var notes: [String] = []
      for (section, threads) in try reader.openThreads().sorted(by: { $0.key < $1.key }) {
        for thread in threads where thread.authorId == member.id {
          notes.append(
            "open comment \(RecordEntry.shortID(thread.recordId)) on \(section)\(thread.blocking ? " (blocking)" : "") "
              + "stays open: the chair of the reviewing committee can resolve it (`policyflow resolve "
              + "\(RecordEntry.shortID(thread.recordId))`)")
        }
      }
      for (section, signoffs) in try reader.currentSignoffs().sorted(by: { $0.key < $1.key }) {
        if let last = signoffs.last(where: { $0.decision == .requestChanges }), last.personId == member.id {
          notes.append(
            "the change request on \(section) stands until a changed text is submitted or the chair lifts it")
        }
      }
      return notes
    }
  }

  /// `policyflow department add`.
  public func addDepartment(code: String, name: String, committee: String?, actor: Member, message: String?) throws
    -> MembershipChangeResult
  {
    try requireSecretariat(actor, toDo: "add a department")
    let code = code.trimmingCharacters(in: .whitespaces).precomposedStringWithCanonicalMapping
    if let problem = DefinitionValues.authorLineProblem(in: code + name) {
      throw PolicyFlowError.badInput(
        "the department `\(DefinitionValues.visible(code))` (`\(DefinitionValues.visible(name))`) contains \(problem), "
          + "which a code or name may not contain. Nothing was changed.")
    }
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw PolicyFlowError.usage("the department needs a name: --name NAME.")
    }
    return try performWrite {
      if let known = definition.manifest.department(code) {
        throw PolicyFlowError.notPermitted(
          "policy.yaml lists the department \(known.code) (\(known.name)) already; nothing was changed.")
      }
      if let retired = definition.manifest.retiredDepartment(code) {
        throw PolicyFlowError.notPermitted(
          "\(retired.code) is the code of \(retired.name), which is retired; codes are never given again, so that the "
            + "history keeps naming one department. Choose another code. Nothing was changed.")
      }
      var fields = ["code: \(DefinitionText.quoted(code))", "name: \(DefinitionText.quoted(name))"]
      if let committee {
        fields.append("committee: \(DefinitionText.quoted(definition.manifest.committee(committee)?.code ?? committee))")
      }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.departmentAdded(code, name)
      var event = ActionDraft(
        kind: .departmentAdd, section: nil,
        subject: RecordWording(language: definition.manifest.language).summary(.departmentAdd, section: nil, detail: code))
      event.fields[.department] = code
      let result = try changeDefinitionFile(
        "policy.yaml", what: "department addition", describe: "with department \(code)",
        edit: { DefinitionText.appending(fields, toList: "departments", in: $0) },
        check: { $0.manifest.department(code)?.name == name && $0.manifest.sections == self.definition.manifest.sections },
        summary: summary, body: message, actor: actor, event: event)
      return MembershipChangeResult(commit: result.commit, summary: summary, notes: [])
    }
  }

  /// `policyflow department retire`: refused while it owns sections of the policy.
  public func retireDepartment(_ code: String, actor: Member, message: String?) throws -> MembershipChangeResult {
    try requireSecretariat(actor, toDo: "retire a department")
    return try performWrite {
      if let retired = definition.manifest.retiredDepartment(code) {
        throw PolicyFlowError.notPermitted(
          "the department \(retired.code) (\(retired.name)) is retired already; nothing was changed.")
      }
      guard let department = definition.manifest.department(try departmentCode(code)) else {
        throw PolicyFlowError.internal("department \(code) vanished")
      }
      let owned = definition.manifest.sections.filter { $0.owners.contains(department.code) }
      guard owned.isEmpty else {
        throw PolicyFlowError.notPermitted(
          "the department \(department.code) still owns \(owned.count == 1 ? "the section" : "the sections") "
            + "\(owned.map(\.id).joined(separator: ", ")): a department is retired when it owns no section of the "
            + "policy. Retire \(owned.count == 1 ? "it" : "them") first (`policyflow section retire ID`), or give "
            + "\(owned.count == 1 ? "it" : "them") another owner in policy.yaml (a signed commit). Nothing was changed.")
      }
      guard department.code != definition.manifest.secretariat else {
        throw PolicyFlowError.notPermitted(
          "\(department.code) is the secretariat's department (`secretariat:` in policy.yaml) and cannot be retired. "
            + "Nothing was changed.")
      }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.departmentRetired(department.code, department.name)
      var event = ActionDraft(
        kind: .departmentRetire, section: nil,
        subject: RecordWording(language: definition.manifest.language).summary(
          .departmentRetire, section: nil, detail: department.code))
      event.fields[.department] = department.code
      let result = try changeDefinitionFile(
        "policy.yaml", what: "department retirement", describe: "with \(department.code) retired",
        edit: { DefinitionText.retiring(department.code, field: "code", inList: "departments", in: $0) },
        check: { $0.manifest.retiredDepartment(department.code) == department
          && $0.manifest.department(department.code) == nil },
        summary: summary, body: message, actor: actor, event: event)
      let members = definition.members.members.filter { $0.departments.contains(department.code) }.map(\.id)
      let notes =
        members.isEmpty
        ? []
        : ["members.yaml still lists \(department.code) for \(members.joined(separator: ", ")): it gives them no "
          + "rights any more; retire them (`policyflow member retire ID`) if they leave too"]
      return MembershipChangeResult(commit: result.commit, summary: summary, notes: notes)
    }
  }

  /// `policyflow section retire`: the section leaves the policy (policy.yaml marks it `retired: true`, its approved
  /// text leaves `main`, so no edition assembled from now on contains it). Its record, branch and history stay;
  /// releases published before keep it, as they were published.
  public func retireSection(_ id: String, actor: Member, message: String?) throws -> MembershipChangeResult {
    try requireSecretariat(actor, toDo: "retire a section")
    return try performWrite {
      let section = try self.section(id)
      guard let record = try store.read({ try $0.section(section.id) }) else {
        throw PolicyFlowError.notPermitted(
          "section \(section.id) was never started (policy.yaml lists it, the record does not): remove it from "
            + "policy.yaml in a signed commit instead. Nothing was changed.")
      }
      let targeting = definition.requirements.filter { $0.targets.contains(section.id) }.map(\.id)
      guard targeting.isEmpty else {
        throw PolicyFlowError.notPermitted(
          "requirement\(targeting.count == 1 ? "" : "s") \(targeting.joined(separator: ", ")) target\(targeting.count == 1 ? "s" : "") "
            + "section \(section.id): a requirement must be answered by a section of the policy. Give "
            + "\(targeting.count == 1 ? "it" : "them") other targets first (`policyflow req edit REQ --targets …`). "
            + "Nothing was changed.")
      }
      guard definition.manifest.sections.count > 1 else {
        throw PolicyFlowError.notPermitted(
          "section \(section.id) is the policy's only section; a policy keeps at least one. Nothing was changed.")
      }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.sectionRetired(section.title)
      let event = ActionDraft(
        kind: .sectionRetire, section: section.id,
        subject: RecordWording(language: definition.manifest.language).summary(
          .sectionRetire, section: section.id, detail: ""))
      let approvedText = try repository.blobID(at: Workspace.sectionPath(section.id), in: mainCommit) != nil
      let result = try changeDefinitionFile(
        "policy.yaml", what: "section retirement", describe: "with section \(section.id) retired",
        edit: { DefinitionText.retiring(section.id, field: "id", inList: "sections", in: $0) },
        check: { $0.manifest.retiredSection(section.id) != nil && $0.manifest.section(section.id) == nil },
        removing: approvedText ? [Workspace.sectionPath(section.id)] : [],
        summary: summary, body: message, actor: actor, event: event)
      var notes: [String] = []
      if let approved = record.approvedRevision {
        notes.append(
          "its approved text (revision \(approved)) left main: editions assembled from now on do not contain it; "
            + "releases published before keep it")
      }
      return MembershipChangeResult(commit: result.commit, summary: summary, notes: notes)
    }
  }

  /// One definition file of main changed by `edit`, validated as the whole definition and checked by `check` (the
  /// change says exactly what was meant), then written by `writeDefinitionCommit` with its event.
  private func changeDefinitionFile(
    _ path: String, what: String, describe: String, edit: (String) -> String?, check: (PolicyDefinition) -> Bool,
    removing: [String] = [], summary: String, body: String?, actor: Member, event: ActionDraft
  ) throws -> DefinitionChangeResult {
    try requireNoPendingDefinitionChange(what)
    guard let data = try repository.fileContents(at: path, in: mainCommit) else {
      throw PolicyFlowError.internal("\(path) is not committed on main; run `policyflow verify`.")
    }
    let original = String(decoding: data, as: UTF8.self)
    let cannot =
      "\(path) is written in a form policyflow cannot change safely; make the change by hand, commit it signed "
      + "(`git commit -S`) and nothing else. Nothing was changed."
    guard let text = edit(original) else { throw PolicyFlowError.badInput(cannot) }
    var files = try Workspace.definitionFiles(in: repository, at: mainCommit)
    files[path] = Data(text.utf8)
    let changed: PolicyDefinition
    do { changed = try PolicyDefinition.load(files: files) } catch {
      throw PolicyFlowError.badInput(
        "\(path) would be invalid \(describe); nothing was changed:\n\(error.localizedDescription)")
    }
    guard check(changed) else { throw PolicyFlowError.badInput(cannot) }
    let blob = try repository.writeBlob(Data(text.utf8))
    let tree = try repository.tree(
      base: try repository.commit(mainCommit).tree, setting: [path: blob], removing: removing)
    return try writeDefinitionCommit(
      tree: tree, actor: actor, summary: summary, body: body, what: what, event: event)
  }
}
