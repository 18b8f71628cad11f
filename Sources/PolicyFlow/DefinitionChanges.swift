import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning

/// What a definition command wrote on main.
public struct DefinitionChangeResult: Sendable {
  public let commit: ObjectID
  public let summary: String
}

/// The secretariat's changes to the definition that are not requirements: adopting or reverting a change committed
/// with plain git, and adding or revoking a member's key. Each is one commit on `main`, written through libgit2 and
/// signed by the acting secretariat member, which the definition's chain of trust (`DefinitionChain`) authorises
/// because its signer is a secretariat member of the definition in force before it.
extension Workspace {
  /// `policyflow definition adopt`: signs main's definition as it is, so the changes nobody authorised come into
  /// force. Nil when there is nothing to adopt.
  public func adoptDefinition(actor: Member, message: String?) throws -> DefinitionChangeResult? {
    try performWrite {
      let pending = try unauthorisedDefinitionChanges()
      guard !pending.isEmpty else { return nil }
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.adopted(pending.map { RecordEntry.shortID($0.commit) })
      let tree = try repository.commit(mainCommit).tree
      return try writeDefinitionCommit(tree: tree, actor: actor, summary: summary, body: message, what: "adoption")
    }
  }

  /// `policyflow definition revert`: puts the definition files in force back on main beside today's approved text,
  /// undoing the changes nobody authorised. Nil when there is nothing to revert.
  public func revertDefinition(actor: Member, message: String?) throws -> DefinitionChangeResult? {
    try performWrite {
      let pending = try unauthorisedDefinitionChanges()
      guard !pending.isEmpty else { return nil }
      let names = Set(try repository.rootEntries(of: mainCommit).map(\.name))
        .union(try repository.rootEntries(of: definitionCommit).map(\.name)).subtracting(DefinitionChain.textEntries)
      let tree = try repository.tree(rootOf: mainCommit, replacing: names, from: definitionCommit)
      let wording = DefinitionWording(language: definition.manifest.language)
      let summary = wording.reverted(pending.map { RecordEntry.shortID($0.commit) })
      return try writeDefinitionCommit(tree: tree, actor: actor, summary: summary, body: message, what: "revert")
    }
  }

  /// `policyflow key add MEMBER KEY`: lists another public key for a member in members.yaml.
  public func addKey(member id: String, key text: String, actor: Member, message: String?) throws
    -> DefinitionChangeResult
  {
    let key = try Workspace.publicKey(text)
    return try performWrite {
      let member = try self.member(id)
      let listed = member.keys.compactMap { try? SSHPublicKey(line: $0) }
      guard !listed.contains(key) else {
        throw PolicyFlowError.notPermitted(
          "members.yaml lists \(key.fingerprint) for \(member.id) already; nothing was changed.")
      }
      if let other = definition.members.members.first(where: { other in
        other.id != member.id && other.keys.contains { (try? SSHPublicKey(line: $0)) == key }
      }) {
        throw PolicyFlowError.notPermitted(
          "\(key.fingerprint) is the key of \(other.id); a key speaks for one member only. Nothing was changed.")
      }
      let keys = member.keys + ["\(key.algorithm) \(key.base64)"]
      let summary = DefinitionWording(language: definition.manifest.language).keyAdded(member.id, key.fingerprint)
      return try changeKeys(of: member, to: keys, actor: actor, summary: summary, body: message)
    }
  }

  /// `policyflow key revoke MEMBER KEY`: removes a public key (a key file, a key line or its `SHA256:` fingerprint)
  /// from a member's keys. Acts signed with it before stay valid: they are judged by the definition they were taken
  /// under; from this commit on, it signs nothing for anybody.
  public func revokeKey(member id: String, key text: String, actor: Member, message: String?) throws
    -> DefinitionChangeResult
  {
    try performWrite {
      let member = try self.member(id)
      let listed = member.keys.compactMap { line in (try? SSHPublicKey(line: line)).map { (line, $0) } }
      let wanted = text.hasPrefix("SHA256:") ? nil : try Workspace.publicKey(text)
      guard let match = listed.first(where: { entry in wanted.map { $0 == entry.1 } ?? (entry.1.fingerprint == text) })
      else {
        let known = listed.map(\.1.fingerprint).joined(separator: ", ")
        throw PolicyFlowError.missing(
          "members.yaml lists no such key for \(member.id) (its keys: \(known.isEmpty ? "none" : known)); "
            + "nothing was changed."
        )
      }
      let keys = member.keys.filter { $0 != match.0 }
      let summary = DefinitionWording(language: definition.manifest.language).keyRevoked(member.id, match.1.fingerprint)
      return try changeKeys(of: member, to: keys, actor: actor, summary: summary, body: message)
    }
  }

  /// A public key from a `.pub` file's path, or a key line (`ssh-ed25519 AAAA… comment`).
  static func publicKey(_ text: String) throws -> SSHPublicKey {
    var line = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if !line.hasPrefix("ssh-") && !line.hasPrefix("sk-") && !line.hasPrefix("ecdsa-") {
      guard let data = FileManager.default.contents(atPath: line) else {
        throw PolicyFlowError.missing(
          "cannot read the public key file \(line); give a .pub file or the key line itself.")
      }
      line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    do { return try SSHPublicKey(line: line) } catch {
      throw PolicyFlowError.badInput("not a usable SSH public key: \(error.localizedDescription)")
    }
  }

  /// members.yaml with `member`'s keys replaced, validated as a whole, then committed.
  private func changeKeys(of member: Member, to keys: [String], actor: Member, summary: String, body: String?) throws
    -> DefinitionChangeResult
  {
    try requireNoPendingDefinitionChange("change of members.yaml")
    guard let data = try repository.fileContents(at: "members.yaml", in: mainCommit) else {
      throw PolicyFlowError.internal("members.yaml is not committed on main; run `policyflow verify`.")
    }
    let text = Workspace.replacingKeys(of: member.id, with: keys, in: String(decoding: data, as: UTF8.self))
    var files = try Workspace.definitionFiles(in: repository, at: mainCommit)
    files["members.yaml"] = Data(text.utf8)
    let changed: PolicyDefinition
    do { changed = try PolicyDefinition.load(files: files) } catch {
      throw PolicyFlowError.badInput(
        "members.yaml would be invalid after the change; nothing was changed:\n\(error.localizedDescription)")
    }
    guard changed.members.member(id: member.id)?.keys == keys else {
      throw PolicyFlowError.badInput(
        "members.yaml writes \(member.id)'s keys in a form policyflow cannot change safely; edit the file, commit it "
          + "signed (`git commit -S`) and nothing else. Nothing was changed.")
    }
    let blob = try repository.writeBlob(Data(text.utf8))
    let tree = try repository.tree(base: try repository.commit(mainCommit).tree, setting: ["members.yaml": blob])
    return try writeDefinitionCommit(
      tree: tree, actor: actor, summary: summary, body: body, what: "change of members.yaml")
  }

  /// `text` with the `keys:` of the member whose `- id:` line names `id` replaced by one flow list after that line.
  static func replacingKeys(of id: String, with keys: [String], in text: String) -> String {
    let idLine = #"^(\s*)- id:\s*"?([A-Za-z0-9._-]+)"?\s*$"#
    var lines: [String] = []
    var inMember = false
    var memberIndent = 0
    var skippingBlock: Int?
    for line in text.components(separatedBy: "\n") {
      let indent = line.prefix { $0 == " " }.count
      if let block = skippingBlock {
        if line.trimmingCharacters(in: .whitespaces).isEmpty || indent > block
          || (indent == block && line.trimmingCharacters(in: .whitespaces).hasPrefix("- "))
        {
          continue
        }
        skippingBlock = nil
      }
      if let match = line.range(of: idLine, options: .regularExpression), match.lowerBound == line.startIndex {
        let name = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
        inMember = name == id
        memberIndent = indent
        lines.append(line)
        if inMember && !keys.isEmpty {
          let quoted = keys.map { "\"\($0)\"" }.joined(separator: ", ")
          lines.append(String(repeating: " ", count: indent + 2) + "keys: [\(quoted)]")
        }
        continue
      }
      if inMember, indent <= memberIndent, !line.trimmingCharacters(in: .whitespaces).isEmpty { inMember = false }
      if inMember, indent == memberIndent + 2, line.trimmingCharacters(in: .whitespaces).hasPrefix("keys:") {
        let rest = line.trimmingCharacters(in: .whitespaces).dropFirst("keys:".count).trimmingCharacters(
          in: .whitespaces)
        if rest.isEmpty { skippingBlock = indent }
        continue
      }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  /// Refuses (77) anybody outside the secretariat, naming the rule and whom to ask.
  func requireSecretariat(_ actor: Member, toDo what: String) throws {
    guard !actor.roles.contains(.secretariat) else { return }
    let secretariat = definition.members.members(withRole: .secretariat).map(\.id).joined(separator: ", ")
    throw PolicyFlowError.notPermitted(
      "\(actor.name) (\(actor.id)) may not \(what): that is for the secretariat (role secretariat in members.yaml). "
        + "Ask a member of the secretariat (\(secretariat)) to do it. Nothing was changed.")
  }

  /// Writes `tree` as a commit on main by `actor` (who must be of the secretariat, signing where the policy requires
  /// it), checks that the chain of trust authorises it, then moves main by compare-and-swap.
  ///
  /// With an `event`, the change is also an action of the record (its own kind of event in `audit`): the action names
  /// the new commit as its definition and publishes it, so its record ref moves first (the commit point, as for every
  /// action) and main after it; a command killed between the two has main moved by the next write.
  func writeDefinitionCommit(
    tree: ObjectID, actor: Member, summary: String, body: String?, what: String, event: ActionDraft? = nil
  ) throws -> DefinitionChangeResult {
    try requireSecretariat(actor, toDo: "change the definition (a \(what))")
    let signer = try signer(for: actor)
    let (now, offset) = Workspace.actionTime(clock)
    let text = body.map { "\(summary)\n\n\($0.trimmingCharacters(in: .whitespacesAndNewlines))\n" } ?? "\(summary)\n"
    let main = mainCommit
    let commit = try writeCommit(
      tree: tree, parents: [main], actor: actor, time: now, offset: offset, signer: signer, message: text)
    let verdict = try chain.authorisation(of: commit, by: try chain.link(at: main, useIndex: true).trustFrom)
    guard verdict.authorised else {
      throw PolicyFlowError.notPermitted(
        "the \(what) would not be in force: \(verdict.detail). Sign with a key members.yaml lists for you "
          + "(ssh-add, POLICYFLOW_SIGNING_KEY or git's user.signingkey); nothing was changed.")
    }
    if var event {
      event.definition = commit
      event.sideMove = ReferenceMove(name: Workspace.mainRef, old: main, new: commit)
      _ = try record(event, actor: actor, signer: signer, signed: true)
      return DefinitionChangeResult(commit: commit, summary: summary)
    }
    try repository.updateReference(Workspace.mainRef, to: commit, expected: main, message: "policyflow: \(what)")
    try checkOutMain()
    try refreshUnderLock()
    return DefinitionChangeResult(commit: commit, summary: summary)
  }
}

/// The summaries of definition commits, in the policy's language (Danish and English).
struct DefinitionWording {
  let danish: Bool
  init(language: String) { danish = language.lowercased().hasPrefix("da") }

  func adopted(_ commits: [String]) -> String {
    danish
      ? "Sekretariatet vedtager ændringen af definitionen i \(commits.joined(separator: ", "))"
      : "The secretariat adopts the change to the definition in \(commits.joined(separator: ", "))"
  }
  func reverted(_ commits: [String]) -> String {
    danish
      ? "Ændringen af definitionen i \(commits.joined(separator: ", ")) føres tilbage"
      : "Revert the change to the definition in \(commits.joined(separator: ", "))"
  }
  func keyAdded(_ member: String, _ fingerprint: String) -> String {
    danish ? "Nøgle tilføjet for \(member): \(fingerprint)" : "Key added for \(member): \(fingerprint)"
  }
  func keyRevoked(_ member: String, _ fingerprint: String) -> String {
    danish ? "Nøgle tilbagekaldt for \(member): \(fingerprint)" : "Key revoked for \(member): \(fingerprint)"
  }
  func sectionListed(_ title: String) -> String {
    danish ? "Afsnittet »\(title)« tilføjes politikken" : "The section “\(title)” joins the policy"
  }
  func memberAdded(_ id: String, _ name: String) -> String {
    danish ? "Nyt medlem: \(name) (\(id))" : "New member: \(name) (\(id))"
  }
  func memberRetired(_ id: String, _ name: String) -> String {
    danish ? "\(name) (\(id)) udtræder" : "\(name) (\(id)) retires"
  }
  func departmentAdded(_ code: String, _ name: String) -> String {
    danish ? "Ny afdeling: \(name) (\(code))" : "New department: \(name) (\(code))"
  }
  func departmentRetired(_ code: String, _ name: String) -> String {
    danish ? "Afdelingen \(name) (\(code)) nedlægges" : "The department \(name) (\(code)) is retired"
  }
  func sectionRetired(_ title: String) -> String {
    danish ? "Afsnittet »\(title)« udgår af politikken" : "The section “\(title)” leaves the policy"
  }
}
