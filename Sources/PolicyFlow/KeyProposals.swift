import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning

/// A member's proposal of a new public key of their own (issue 13, item 5), as the record holds it.
public struct KeyProposal: Sendable, Equatable {
  public enum Status: String, Sendable {
    /// Waiting for the secretariat.
    case open
    /// Adopted by `key add MEMBER --proposal ID` (a `key-adopt` action names it).
    case adopted
    /// Not adopted, but the definition in force lists the key for the member anyway (a plain `key add`).
    case listed
    /// Declined by the secretariat (`key decline ID`), with its reason: the member may propose again.
    case declined
  }
  /// The record commit that holds it; people type its first ten hex digits (or any unique prefix of four or more).
  public let id: String
  public var shortID: String { RecordEntry.shortID(id) }
  public let member: String
  /// The proposed key, `ssh-ed25519 AAAA…`, and its fingerprint.
  public let key: String
  public let fingerprint: String
  /// The fingerprint of the member's current key that signed the proposal; nil when unsigned (a lost key).
  public let signedWith: String?
  public let note: String
  public let at: Date
  public var status: Status
  public var adoptedBy: String?
  /// Who declined it and why (the decline's message), for a declined proposal.
  public var declinedBy: String?
  public var declineReason: String?
}

extension Workspace {
  /// `policyflow key propose`: the acting member proposes `key` (a `.pub` file or a key line) as a new key of their
  /// own. The record commit is signed with one of their current keys when one is at hand; otherwise (a lost key)
  /// only with `lostKey`, unsigned: attributed to them, it proves nothing.
  public func proposeKey(_ text: String, actor: Member, message: String?, lostKey: Bool) throws -> KeyProposal {
    let key = try Workspace.publicKey(text)
    return try performWrite {
      // A key at hand that members.yaml lists for somebody else: whoever runs this is not `actor`.
      let resolver = KeyResolver(environment: environment)
      for setting in [environment["POLICYFLOW_SIGNING_KEY"], repository.configValue("user.signingkey")]
        .compactMap({ $0 }) where !setting.isEmpty
      {
        guard let held = try? resolver.signer(named: setting).publicKey, !actor.lists(held),
          let other = definition.members.members.first(where: { $0.lists(held) })
        else { continue }
        throw PolicyFlowError.notPermitted(
          "the signing key at hand (\(held.fingerprint)) is the key of \(other.id), not of \(actor.id): a member "
            + "proposes only a key of their own, and \(actor.id) must do it. Nothing was recorded.")
      }
      let signer = try actSigning.signer(for: actor)
      if signer == nil, definition.manifest.signing == .required, !lostKey {
        throw PolicyFlowError.notPermitted(
          "no current key of \(actor.id) is at hand to sign the proposal. Sign it with your current key (ssh-add "
            + "KEYFILE, POLICYFLOW_SIGNING_KEY or git's user.signingkey); if you have lost it, run again with "
            + "--lost-key: the proposal is then unsigned, proves nothing, and the secretariat checks the fingerprint "
            + "with you by phone or in person before adopting it. Nothing was recorded.")
      }
      var draft = keyDraft(
        .keyPropose, member: actor.id, fingerprint: key.fingerprint,
        body: message?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
      draft.fields[.key] = "\(key.algorithm) \(key.base64)"
      let (entry, _) = try record(draft, actor: actor, signer: signer, signed: true)
      guard let made = try keyProposals(all: true).first(where: { $0.id == entry.commit?.hex }) else {
        throw PolicyFlowError.internal("the key proposal \(entry.shortID) was recorded but is not in the index")
      }
      return made
    }
  }

  /// The key proposals of the record, oldest first; only the open ones unless `all`. Read from the record's commits
  /// (the index names them), so they are the same on every copy and after `reindex`.
  public func keyProposals(all: Bool = false) throws -> [KeyProposal] {
    let (proposed, adopted, declined) = try store.read {
      (
        try $0.policyEvents(action: "key-propose"), try $0.policyEvents(action: "key-adopt"),
        try $0.policyEvents(action: "key-decline")
      )
    }
    var adopters: [String: String] = [:]
    for event in adopted {
      if let proposal = Workspace.proposalNamed(in: event.detail) { adopters[proposal] = event.actor }
    }
    var decliners: [String: (actor: String, reason: String)] = [:]
    for event in declined {
      guard let proposal = Workspace.proposalNamed(in: event.detail) else { continue }
      let reason = try event.commitId.flatMap(ObjectID.init(hex:)).flatMap { try RecordMessage.parse(repository.commit($0)) }?
        .body.trimmingCharacters(in: .whitespacesAndNewlines)
      decliners[proposal] = (event.actor, reason ?? "")
    }
    var proposals: [KeyProposal] = []
    for event in proposed {
      guard let hex = event.commitId, let id = ObjectID(hex: hex), let entry = try RecordMessage.parse(repository.commit(id)),
        let line = entry[.key], let key = try? SSHPublicKey(line: line)
      else { continue }
      var status = KeyProposal.Status.open
      if adopters[hex] != nil {
        status = .adopted
      } else if decliners[hex] != nil {
        status = .declined
      } else if definition.members.member(id: entry.actor)?.lists(key) == true {
        status = .listed
      }
      guard all || status == .open else { continue }
      // Replay accepted it, so a signature on it is good and by a key listed for its actor: only its key is read.
      var signedWith: String?
      if let signed = try repository.commitSignature(id) {
        signedWith = try? SSHSignature.verify(
          armored: signed.signature, message: signed.signedData, namespace: SSHSignature.gitNamespace
        ).fingerprint
      }
      proposals.append(KeyProposal(
        id: hex, member: entry.actor, key: line, fingerprint: key.fingerprint, signedWith: signedWith,
        note: entry.body.trimmingCharacters(in: .whitespacesAndNewlines), at: entry.time, status: status,
        adoptedBy: adopters[hex], declinedBy: decliners[hex]?.actor, declineReason: decliners[hex]?.reason))
    }
    return proposals
  }

  /// `policyflow key add MEMBER --proposal ID`: lists the proposed key for the member (the signed change of
  /// members.yaml that `key add` writes), then records that the proposal is adopted. An unsigned proposal proves
  /// nothing, so it is adopted only with the fingerprint the secretariat checked with the member out of band.
  public func adoptKeyProposal(_ id: String, member memberID: String, fingerprint: String?, actor: Member, message: String?)
    throws -> (change: DefinitionChangeResult?, proposal: KeyProposal)
  {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) (\(actor.id)) may not adopt a key proposal: that is for the secretariat (role secretariat in "
          + "members.yaml). Nothing was changed.")
    }
    let member = try self.member(memberID)
    let proposal = try findKeyProposal(id)
    guard proposal.member == member.id else {
      throw PolicyFlowError.notPermitted(
        "proposal \(proposal.shortID) is \(proposal.member)'s key, not \(member.id)'s; nothing was changed.")
    }
    try Workspace.requireOpen(proposal)
    if let fingerprint, fingerprint != proposal.fingerprint {
      throw PolicyFlowError.notPermitted(
        "proposal \(proposal.shortID) is the key \(proposal.fingerprint), not \(fingerprint): the key in the record is "
          + "not the one \(member.id) confirmed. Nothing was changed.")
    }
    if proposal.signedWith == nil, fingerprint == nil {
      throw PolicyFlowError.notPermitted(
        "proposal \(proposal.shortID) is unsigned: anybody could have written it in \(member.id)'s name. Check the "
          + "key with \(member.name) by phone or in person (`ssh-keygen -lf KEY.pub` prints its fingerprint), then "
          + "run again with --fingerprint \(proposal.fingerprint) if it is theirs. Nothing was changed.")
    }
    var change: DefinitionChangeResult?
    if !member.lists(try SSHPublicKey(line: proposal.key)) {
      let why = message ?? "Forslag \(proposal.shortID) fra \(member.id)"
      change = try addKey(member: member.id, key: proposal.key, actor: actor, message: why)
    }
    let adopted = try performWrite {
      try Workspace.requireOpen(try findKeyProposal(proposal.id))
      var draft = keyDraft(.keyAdopt, member: member.id, fingerprint: proposal.fingerprint)
      draft.fields[.member] = member.id
      draft.fields[.key] = proposal.key
      draft.fields[.keyProposal] = proposal.id
      _ = try record(draft, actor: actor)
      return try findKeyProposal(proposal.id)
    }
    return (change, adopted)
  }

  /// `policyflow key decline ID -m REASON`: the secretariat closes a proposal without listing its key (one it will
  /// not list, or could not confirm with the member), on the record with its reason. The member may propose again.
  public func declineKeyProposal(_ id: String, actor: Member, reason: String) throws -> KeyProposal {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) (\(actor.id)) may not decline a key proposal: that is for the secretariat (role secretariat in "
          + "members.yaml). Nothing was changed.")
    }
    let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !why.isEmpty else {
      throw PolicyFlowError.usage("say why the proposal is declined (-m REASON): the member reads it. Nothing was changed.")
    }
    return try performWrite {
      // A proposal whose key members.yaml lists cannot be declined: the rule's dry run (`applyKeyDecline`) says so.
      let proposal = try findKeyProposal(id)
      try Workspace.requireOpen(proposal)
      var draft = keyDraft(.keyDecline, member: proposal.member, fingerprint: proposal.fingerprint, body: why)
      draft.fields[.member] = proposal.member
      draft.fields[.keyProposal] = proposal.id
      _ = try record(draft, actor: actor)
      return try findKeyProposal(proposal.id)
    }
  }

  /// A key action on the policy's record, its subject in the policy's language ("MEMBER FINGERPRINT").
  private func keyDraft(_ kind: ActionKind, member: String, fingerprint: String, body: String = "") -> ActionDraft {
    let wording = RecordWording(language: definition.manifest.language)
    return ActionDraft(
      kind: kind, section: nil, subject: wording.summary(kind, section: nil, detail: "\(member) \(fingerprint)"),
      body: body)
  }

  /// A proposal is adopted or declined once (the record's rule is `requireOpenProposal`; this says it before writing).
  static func requireOpen(_ proposal: KeyProposal) throws {
    switch proposal.status {
    case .adopted:
      throw PolicyFlowError.notPermitted(
        "proposal \(proposal.shortID) was adopted already (by \(proposal.adoptedBy ?? "?")); nothing was changed.")
    case .declined:
      throw PolicyFlowError.notPermitted(
        "proposal \(proposal.shortID) was declined (by \(proposal.declinedBy ?? "?"): \(proposal.declineReason ?? "")); "
          + "\(proposal.member) may propose the key again. Nothing was changed.")
    case .open, .listed:
      return
    }
  }

  /// The proposal a person means by `id`: a prefix (at least four hex digits) of its record commit's id.
  func findKeyProposal(_ id: String) throws -> KeyProposal {
    let wanted = id.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "#", with: "")
    guard wanted.count >= 4, wanted.allSatisfy(\.isHexDigit) else {
      throw PolicyFlowError.usage(
        "`\(id)` is not a proposal id: give the id `policyflow key proposals` shows (at least 4 hex digits).")
    }
    let found = try keyProposals(all: true).filter { $0.id.hasPrefix(wanted) }
    guard let first = found.first else {
      throw PolicyFlowError.missing("there is no key proposal \(wanted); see `policyflow key proposals --all`.")
    }
    guard found.count == 1 else {
      throw PolicyFlowError.usage("more than one key proposal starts with \(wanted); give more of its id.")
    }
    return first
  }
}
