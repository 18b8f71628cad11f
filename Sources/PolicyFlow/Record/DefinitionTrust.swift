import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore

/// How one commit of `main` stands in the definition's chain of trust.
struct TrustLink: Equatable, Sendable {
  enum Kind: String, Sendable {
    /// The workspace's first commit: the definition it holds is the anchor of the chain.
    case root
    /// The definition files are those in force (an approval, a release, a revert, any other commit).
    case unchanged
    /// A definition change signed by a secretariat member of the definition in force before it: now in force.
    case authorised
    /// A definition change nobody authorised: ignored, reported until adopted or reverted.
    case unauthorised
    /// Carries an earlier unauthorised change unchanged (e.g. an approval made on top of it): ignored likewise.
    case carried
  }
  let commit: ObjectID
  /// The commit whose definition is in force at `commit`.
  let inForce: ObjectID
  /// The commit whose members.yaml and `signing:` decide who may authorise the next change: `inForce`, or the last
  /// authorised commit before it whose definition loaded (so a broken definition never locks the secretariat out).
  let trustFrom: ObjectID
  let kind: Kind
  /// main's definition files here differ from the definition in force.
  let pending: Bool
  /// Who authorised the change, or why it is not authorised.
  let detail: String

  var record: DefinitionTrustRecord {
    DefinitionTrustRecord(
      commitId: commit.hex, inForce: inForce.hex, trustFrom: trustFrom.hex, kind: kind.rawValue, pending: pending,
      detail: detail)
  }

  init(commit: ObjectID, inForce: ObjectID, trustFrom: ObjectID, kind: Kind, pending: Bool, detail: String) {
    (self.commit, self.inForce, self.trustFrom, self.kind, self.pending, self.detail) =
      (commit, inForce, trustFrom, kind, pending, detail)
  }

  init?(_ row: DefinitionTrustRecord) {
    guard let commit = ObjectID(hex: row.commitId), let inForce = ObjectID(hex: row.inForce),
      let trustFrom = ObjectID(hex: row.trustFrom), let kind = Kind(rawValue: row.kind)
    else { return nil }
    self.init(
      commit: commit, inForce: inForce, trustFrom: trustFrom, kind: kind, pending: row.pending, detail: row.detail)
  }
}

/// An unauthorised definition change that main carries: what `status` and `verify` report.
public struct UnauthorisedDefinitionChange: Sendable, Equatable {
  public let commit: String
  public let author: String
  public let summary: String
  /// Root entries of the tree that the commit changed (`members.yaml`, `workflows`, …).
  public let changed: [String]
  public let reason: String
  /// The commit whose definition stays in force.
  public let inForce: String
}

/// The chain of trust of the definition (issue 13, item 4), decided from git alone.
///
/// Walking `main` by first parents from its first commit, each commit is judged against the definition in force
/// before it (D, the definition files of the last authorised commit; at first, the root's):
///
/// - its *definition files* are every root entry of its tree except `sections/` (approved text) and `releases/`
///   (published releases); when they equal D's, nothing changed (approvals, releases, reverts);
/// - otherwise it is a definition change. It is authorised — and becomes D — when it is not an approval or a
///   release commit (those only carry text) and is signed by a key that D's members.yaml lists for a member with
///   the role `secretariat`; under `signing: optional` in D, an unsigned commit whose author e-mail is a secretariat
///   member's is authorised too (the author is trusted as typed, as `--as` is for acts). Anything else is ignored: D
///   stays in force, and the change is reported until a secretariat member signs a commit that adopts it, or
///   anybody puts D's files back (a revert changes nothing that was not authorised, so it needs no signature).
///
/// The verdict for a commit depends only on that commit and its first-parent ancestry, so it is the same on every
/// copy; it is memoised per commit in this process and in the index (`definitionTrust`), so a command reads one row.
final class DefinitionChain {
  static let textEntries: Set<String> = ["sections", "releases"]

  let repository: Repository
  /// The index to read and remember verdicts in; nil judges from git alone (verify).
  let store: Store?
  private var links: [ObjectID: TrustLink] = [:]
  private var keys: [ObjectID: String] = [:]
  private var trust: [ObjectID: PolicyDefinition?] = [:]

  init(repository: Repository, store: Store?) {
    self.repository = repository
    self.store = store
  }

  /// The verdict for `commit`. With `useIndex`, verdicts are read from and written to the index: only outside a
  /// store transaction (GRDB is not re-entrant).
  func link(at commit: ObjectID, useIndex: Bool = false) throws -> TrustLink {
    if let known = links[commit] { return known }
    var unjudged: [ObjectID] = []
    var base: TrustLink?
    var cursor: ObjectID? = commit
    while let current = cursor {
      if let known = links[current] {
        base = known
        break
      }
      if useIndex, let store, let row = try store.read({ try $0.definitionTrust(current.hex) }),
        let link = TrustLink(row)
      {
        links[current] = link
        base = link
        break
      }
      unjudged.append(current)
      cursor = try repository.firstParent(of: current)
    }
    var fresh: [TrustLink] = []
    for id in unjudged.reversed() {
      let link = try judge(id, after: base)
      links[id] = link
      fresh.append(link)
      base = link
    }
    if useIndex, let store, !fresh.isEmpty {
      // A memo: failing to write it (a read-only index) costs only the walk next time.
      try? store.write { try $0.rememberDefinitionTrust(fresh.map(\.record)) }
    }
    return base!
  }

  /// The definition files of `commit`: its root entries except the approved text and releases, as one key.
  func definitionKey(_ commit: ObjectID) throws -> String {
    if let known = keys[commit] { return known }
    let key = try repository.rootEntries(of: commit).filter { !Self.textEntries.contains($0.name) }
      .map { "\($0.name) \($0.mode) \($0.id.hex)" }.joined(separator: "\n")
    keys[commit] = key
    return key
  }

  /// Root entries whose content differs between two commits (definition files only).
  func changedEntries(_ commit: ObjectID, from base: ObjectID) throws -> [String] {
    let old = Dictionary(try repository.rootEntries(of: base).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let new = Dictionary(try repository.rootEntries(of: commit).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    return Set(old.keys).union(new.keys).filter { !Self.textEntries.contains($0) && old[$0] != new[$0] }.sorted()
  }

  private func judge(_ id: ObjectID, after parent: TrustLink?) throws -> TrustLink {
    guard let parent else {
      // The anchor is trusted as it is (a copy checks it with `clone --trust`); verify checks its signature. Not
      // checking it here spares every command a parse of the definition when the memo is cold.
      return TrustLink(commit: id, inForce: id, trustFrom: id, kind: .root, pending: false, detail: "the first commit")
    }
    let key = try definitionKey(id)
    let inForceKey = try definitionKey(parent.inForce)
    if key == inForceKey {
      return TrustLink(
        commit: id, inForce: parent.inForce, trustFrom: parent.trustFrom, kind: .unchanged, pending: false, detail: "")
    }
    let parentKey = parent.pending ? try definitionKey(parent.commit) : nil
    let carried = key == parentKey
    let commit = try repository.commit(id)
    let verdict: (authorised: Bool, detail: String)
    if RecordJoin.isSyncCommit(commit), commit.parents.count == 2 {
      verdict = try joinVerdict(commit)
    } else if ApprovalMessage.parse(commit) != nil || !commit.trailerValues("Policyflow-Release").isEmpty {
      verdict = (false, "an approval or release commit carries approved text, never a change to the definition")
    } else {
      verdict = try authorisation(of: id, by: parent.trustFrom)
    }
    guard verdict.authorised else {
      return TrustLink(
        commit: id, inForce: parent.inForce, trustFrom: parent.trustFrom, kind: carried ? .carried : .unauthorised,
        pending: true, detail: verdict.detail)
    }
    // A definition that does not load is in force (every command then says what to correct), but who may
    // authorise the correction is still decided by the last definition that loaded.
    let loads = (try? trustDefinition(at: id)) != nil
    return TrustLink(
      commit: id, inForce: id, trustFrom: loads ? id : parent.trustFrom, kind: .authorised, pending: false,
      detail: verdict.detail)
  }

  /// `sync`'s join of two copies of main decides nothing: it is in force when both joined definitions are (neither
  /// carries an unauthorised change) and it holds exactly their file-by-file merge — the one rule sync writes it by.
  private func joinVerdict(_ commit: Commit) throws -> (authorised: Bool, detail: String) {
    for parent in commit.parents where try link(at: parent).pending {
      return (false, "it joins \(RecordEntry.shortID(parent.hex)), which carries a change to the definition not in force")
    }
    let (merged, conflicts, _) = try PolicySync.mergeDefinitionFiles(in: repository, commit.parents[0], commit.parents[1])
    let held = PolicySync.filesBesideApprovedText(try repository.allFiles(in: commit.id))
    guard conflicts.isEmpty, held == merged else {
      return (false, "a join by sync must hold exactly the file-by-file merge of the definitions it joins; this one does not")
    }
    return (true, "the join by sync of two copies whose definitions are both in force")
  }

  /// The definition at `commit`, for its members and signing mode (nil when it does not load).
  private func trustDefinition(at commit: ObjectID) throws -> PolicyDefinition? {
    if let known = trust[commit] { return known }
    let definition = try? PolicyDefinition.load(files: Workspace.definitionFiles(in: repository, at: commit))
    trust[commit] = definition
    return definition
  }

  /// Whether `id` is signed (or, under `signing: optional`, authored) by a secretariat member of the definition
  /// at `trustFrom`, with the words that say who or why not.
  func authorisation(of id: ObjectID, by trustFrom: ObjectID) throws -> (authorised: Bool, detail: String) {
    guard let definition = try trustDefinition(at: trustFrom) else {
      let short = RecordEntry.shortID(trustFrom.hex)
      return (false, "the definition it would change (\(short)) does not load, so nobody can be found to authorise it")
    }
    let secretariat = definition.members.members(withRole: .secretariat)
    let commit = try repository.commit(id)
    guard let signed = try repository.commitSignature(id) else {
      if definition.manifest.signing == .optional,
        let member = secretariat.first(where: { $0.email.lowercased() == commit.author.email.lowercased() })
      {
        return (true, "unsigned, by \(member.id) of the secretariat (accepted: the policy says signing: optional)")
      }
      return (
        false,
        definition.manifest.signing == .required
          ? "not signed (author <\(commit.author.email)>); a change to the definition needs a secretariat "
            + "member's signature"
          : "not signed, and its author <\(commit.author.email)> is no member of the secretariat"
      )
    }
    let key: SSHPublicKey
    do {
      key = try SSHSignature.verify(
        armored: signed.signature, message: signed.signedData, namespace: SSHSignature.gitNamespace)
    } catch {
      return (false, "its signature does not verify (\(error.localizedDescription))")
    }
    if let member = secretariat.first(where: { $0.lists(key) }) {
      return (true, "signed by \(member.id) of the secretariat (\(key.fingerprint))")
    }
    let holder = definition.members.members.first { $0.lists(key) }
    return (
      false,
      "signed with \(key.fingerprint), "
        + (holder.map { "the key of \($0.id), who is not a member of the secretariat" }
          ?? "which members.yaml lists for nobody in the secretariat")
    )
  }

  /// The unauthorised changes that main carries at `tip`, oldest first (empty when its definition is in force).
  func pendingChanges(at tip: ObjectID) throws -> [UnauthorisedDefinitionChange] {
    var changes: [UnauthorisedDefinitionChange] = []
    var cursor: ObjectID? = tip
    while let current = cursor {
      let link = try self.link(at: current)
      guard link.pending else { break }
      if link.kind == .unauthorised {
        let commit = try repository.commit(current)
        let base = commit.parents.first ?? link.inForce
        changes.append(
          UnauthorisedDefinitionChange(
            commit: current.hex, author: "\(commit.author.name) <\(commit.author.email)>", summary: commit.summary,
            changed: try changedEntries(current, from: base), reason: link.detail, inForce: link.inForce.hex))
      }
      cursor = try repository.firstParent(of: current)
    }
    return changes.reversed()
  }
}

extension Workspace {
  /// The unauthorised definition changes main carries now, oldest first: `status` and `verify` report them.
  public func unauthorisedDefinitionChanges() throws -> [UnauthorisedDefinitionChange] {
    try chain.pendingChanges(at: mainCommit)
  }

  /// Refuses (77) a definition change by policyflow while main carries one nobody authorised: the new commit, signed
  /// by the secretariat, would adopt it unseen.
  func requireNoPendingDefinitionChange(_ what: String) throws {
    guard let first = try unauthorisedDefinitionChanges().first else { return }
    throw PolicyFlowError.notPermitted(
      "main carries a change to the definition that no secretariat member has signed (commit "
        + "\(RecordEntry.shortID(first.commit)) by \(first.author): \(first.changed.joined(separator: ", "))). "
        + "A signed \(what) would adopt it unseen, so nothing was changed. Look at it with "
        + "`git show \(RecordEntry.shortID(first.commit))`, "
        + "then adopt it (`policyflow definition adopt`) or revert it (`policyflow definition revert`) first.")
  }
}
