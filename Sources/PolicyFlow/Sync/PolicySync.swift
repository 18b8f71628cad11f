import Foundation
import PolicyGit
import PolicyManifest
import PolicyStore

/// What one `policyflow sync` did.
public struct SyncReport: Sendable {
  public var remote: String
  /// Actions that came from the remote (record commits this copy did not have).
  public var received = 0
  /// Actions of this copy that the remote did not have and now has.
  public var sent = 0
  /// Refs whose lines had parted and were joined by a commit of `sync`.
  public var joined: [String] = []
  /// Refs pushed to the remote.
  public var pushed: [String] = []
  /// How many rounds of fetch, integrate and push it took (more than one when someone else pushed in between).
  public var rounds = 0
  /// Actions that the joined history refused and that were not refused before this sync: shown to their actors.
  public var newlyRefused: [RefusedAction] = []
  /// What the last round's catch-up of the index took in.
  var caughtUp: IndexReport?
}

/// An action that git holds but that took no effect, with the rules' reason.
public struct RefusedAction: Sendable, Equatable {
  public var commit: String
  public var actor: String
  public var action: String
  public var section: String?
  public var reason: String
  /// Refused because copies that acted apart were joined (not a sign of tampering).
  public var atSync: Bool

  init(_ row: RecordRow) {
    commit = row.commitId
    actor = row.actor
    action = row.action
    section = row.sectionId
    reason = row.refusal ?? ""
    atSync = row.refusedAtSync
  }

  public var shortID: String { RecordEntry.shortID(commit) }
}

/// The facts about a remote that belong to this copy only (never in `status --json`).
public struct SyncStatus: Sendable {
  public var remote: String
  public var url: String
  /// Actions of this copy that the remote did not have at the last fetch.
  public var unsent: [RecordEntry]
  /// Actions the remote had at the last fetch that this copy has not taken in (an interrupted sync).
  public var unreceived: Int
  public var lastSync: Date?
  public var lastFetch: Date?
}

/// `policyflow sync [REMOTE]`: fetch the policy's refs, join what parted, push with compare-and-swap, repeat until
/// the remote took it; then the index is what the joined record says. The rules of the join are in docs/sync.md.
///
/// Everything runs under the workspace lock. The local refs move only forward; a sync killed at any point leaves a
/// marker (`.policyflow/sync-pending`) and the next write finishes the local part from what was fetched.
public struct PolicySync {
  let workspace: Workspace
  let remote: String
  let credentials: RemoteCredentials
  /// Rounds before giving up when other copies keep pushing in between (exit 75).
  static let maxRounds = 8

  public init(workspace: Workspace, remote: String = "origin", credentials: RemoteCredentials = .fromEnvironment()) {
    self.workspace = workspace
    self.remote = remote
    self.credentials = credentials
  }

  var repository: Repository { workspace.repository }

  public func run() throws -> SyncReport {
    try requireRemote()
    return try workspace.performWrite {
      var report = SyncReport(remote: remote)
      let refusedBefore = Set(try workspace.store.read { try $0.refusedRecords() }.map(\.commitId))
      for round in 1...Self.maxRounds {
        report.rounds = round
        let tipsBefore = Array(try workspace.recordRefs().values)
        try fetch()
        FaultPoint.syncAfterFetch.hit()
        try integrate(into: &report)
        if let caughtUp = report.caughtUp, !caughtUp.rebuilt {
          // The round's new record commits are exactly those its catch-up applied or refused (a join is no action).
          report.received += caughtUp.applied + caughtUp.refused
        } else {
          // After a rebuild the catch-up counted the whole record: only the commits the round added are walked.
          report.received += try repository.commits(
            reachableFrom: Array(try workspace.recordRefs().values), excluding: tipsBefore
          ).filter { try !RecordJoin.isSyncCommit(repository.commit($0)) }.count
        }
        let pushes = try pendingPushes()
        if pushes.isEmpty { break }
        let toSend = try unsentActions().count
        do {
          // The branches (and tags) first, the record refs only once the server took them all: a server applies a
          // push ref by ref (gitolite declines a section branch and takes the record refs of the same push), and a
          // record ref that names a revision or approval commit the server's branches lack breaks every other copy.
          var updates: [PushResult.Update] = []
          let record = pushes.filter { $0.name.hasPrefix(RecordRefs.prefix) }
          for batch in [pushes.filter { !$0.name.hasPrefix(RecordRefs.prefix) }, record] where !batch.isEmpty {
            if !updates.isEmpty { FaultPoint.syncBetweenPushes.hit() }
            updates += try repository.push(remote: remote, refspecs: batch.map(\.name), credentials: credentials).updates
          }
          FaultPoint.syncAfterPush.hit()
          for update in updates where update.outcome == .updated { report.pushed.append(update.reference) }
          for push in pushes { try setTracking(push.name, to: push.target) }
          report.sent = toSend
          break
        } catch let error as RemoteError where error.isOutdatedPush {
          if round == Self.maxRounds {
            throw PolicyFlowError.temporary(
              "\(remote) changed \(Self.maxRounds) times while this copy tried to push; nothing was lost. Run "
                + "`policyflow sync \(remote)` again in a moment.")
          }
          continue
        } catch let error as RemoteError where error.kind == .pushRejected {
          throw PolicyFlowError.notPermitted(
            "\(remote) refused part of the push: \(error.push.map(Self.describeRefusals) ?? error.message) The "
              + "server decides who may write which branch (docs/sync.md); the refused actions stay on this copy. Ask "
              + "the server's administrator, or let a member with the right to write that branch sync it.")
        } catch let error as RemoteError {
          throw PolicyFlowError(.unavailable, "cannot push to \(remote): \(error.localizedDescription)")
        }
      }
      try saveSyncTime()
      report.newlyRefused = try workspace.store.read { try $0.refusedRecords() }.filter {
        $0.refusedAtSync && !refusedBefore.contains($0.commitId)
      }.map(RefusedAction.init)
      return report
    }
  }

  /// `policyflow sync --status`: local facts only, from the last fetch (no network).
  public func status() throws -> SyncStatus {
    try requireRemote()
    let unsent = try unsentActions().compactMap { try RecordMessage.parse(try repository.commit($0)) }
    let unreceived = try repository.commits(
      reachableFrom: try trackedRecordRefs().map(\.target), excluding: try workspace.recordRefs().map(\.value)
    ).count
    let times = SyncTimes.load(workspace.location, remote: remote)
    return SyncStatus(
      remote: remote, url: redactedURL, unsent: unsent, unreceived: unreceived, lastSync: times.sync,
      lastFetch: times.fetch)
  }

  // MARK: - Fetch

  private var trackingPrefix: String { "refs/remotes/\(remote)/" }
  private var redactedURL: String { (repository.remoteURL(remote) ?? "?").replacingOccurrences(of: #"//[^/@]*@"#, with: "//***@", options: .regularExpression) }

  private func requireRemote() throws {
    guard repository.remoteURL(remote) != nil else {
      throw PolicyFlowError.missing(
        "this workspace has no remote `\(remote)`. Add the shared repository with `git remote add \(remote) URL` "
          + "(a bare repository on a shared drive, or an SSH or HTTPS URL), or start from it with `policyflow clone URL`.")
    }
  }

  /// The policy's refs from the remote, each under `refs/remotes/REMOTE/`: record refs as `policyflow/…`.
  private func fetch() throws {
    let fetched: [FetchedReference]
    do {
      fetched = try repository.fetch(remote: remote, refspecs: Self.fetchRefspecs(remote), credentials: credentials)
    } catch let error as RemoteError {
      throw PolicyFlowError(.unavailable, "cannot fetch from \(remote): \(error.localizedDescription)")
    }
    do {
      try requireSamePolicy(try trackedRefs())
    } catch {
      // What the fetch moved is put back, so that "nothing was changed" holds for `sync --status` too: it would
      // otherwise count the other project's commits as fetched and waiting for this copy.
      for reference in fetched.reversed() {
        if let old = reference.old {
          try repository.updateReference(reference.name, to: old, expected: reference.new, message: "policyflow sync: undo")
        } else if let new = reference.new {
          try repository.deleteReference(reference.name, expected: new)
        }
      }
      throw error
    }
    var times = SyncTimes.load(workspace.location, remote: remote)
    times.fetch = Date()
    times.save(workspace.location, remote: remote)
  }

  /// What step 1 fetches: the policy's refs, each under `refs/remotes/REMOTE/` (no local ref moves).
  static func fetchRefspecs(_ remote: String) -> [String] {
    let prefix = "refs/remotes/\(remote)/"
    return [
      "+refs/heads/main:\(prefix)main", "+refs/heads/sections/*:\(prefix)sections/*",
      "+refs/policyflow/*:\(prefix)policyflow/*", "+refs/tags/*:\(prefix)tags/*",
    ]
  }

  /// The remote's refs as of the last fetch, by the local name they correspond to.
  func trackedRefs() throws -> [String: ObjectID] {
    var refs: [String: ObjectID] = [:]
    for (name, target) in try repository.references(matching: trackingPrefix + "*") {
      let rest = String(name.dropFirst(trackingPrefix.count))
      if rest == "main" {
        refs[Workspace.mainRef] = target
      } else if rest.hasPrefix("sections/") {
        refs["refs/heads/" + rest] = target
      } else if rest.hasPrefix("policyflow/") {
        refs["refs/" + rest] = target
      } else if rest.hasPrefix("tags/") {
        refs["refs/" + rest] = target
      }
    }
    return refs
  }

  private func trackedRecordRefs() throws -> [(name: String, target: ObjectID)] {
    try trackedRefs().filter { $0.key.hasPrefix(RecordRefs.prefix) }.map { ($0.key, $0.value) }
  }

  private func trackingName(_ local: String) -> String {
    if local == Workspace.mainRef { return trackingPrefix + "main" }
    if local.hasPrefix("refs/heads/") { return trackingPrefix + local.dropFirst("refs/heads/".count) }
    return trackingPrefix + local.dropFirst("refs/".count)
  }

  private func setTracking(_ local: String, to target: ObjectID) throws {
    let name = trackingName(local)
    let current = try repository.referenceTarget(name)
    guard current != target else { return }
    try repository.updateReference(name, to: target, expected: current, message: "policyflow sync: pushed")
  }

  /// The remote must hold this policy or nothing of a policy yet. Another policy's record, or a `main` that shares
  /// no history with this one (another project's repository, or a server project created with a first commit),
  /// would be joined into this policy and this policy pushed into it.
  private func requireSamePolicy(_ remoteRefs: [String: ObjectID]) throws {
    for (name, what) in [(RecordRefs.policy, "its review record"), (Workspace.mainRef, "its main branch")] {
      guard let theirs = remoteRefs[name], let ours = try repository.referenceTarget(name),
        try repository.mergeBase(ours, theirs) == nil
      else { continue }
      throw PolicyFlowError.notPermitted(
        "\(remote) (\(redactedURL)) holds another policy or another project: \(what) shares no history with this "
          + "one. Nothing was changed. Check the remote's URL (`git remote -v`); a new shared repository must be "
          + "created empty (docs/sync-servers.md).")
    }
  }

  // MARK: - Integrate

  /// Joins the local refs with the fetched ones: the record first, then the index replays it, then the section
  /// branches and `main` follow what the joined record says. Local only; safe to repeat.
  func integrate(into report: inout SyncReport) throws {
    let remoteRefs = try trackedRefs()
    try SyncMarker.set(workspace.location, remote: remote)
    // 1. The record refs.
    let localRecord = try workspace.recordRefs()
    for name in Set(localRecord.keys).union(remoteRefs.keys.filter { $0.hasPrefix(RecordRefs.prefix) }).sorted() {
      if try join(name, local: localRecord[name], remote: remoteRefs[name], tree: { _ in try repository.emptyTreeID() }) {
        report.joined.append(name)
      }
    }
    FaultPoint.syncAfterRecord.hit()
    report.caughtUp = try workspace.catchUpIndex()
    // 2. The section branches: a join holds the latest revision's text.
    let localBranches = Dictionary(
      try repository.references(matching: "refs/heads/sections/*").map { ($0.name, $0.target) },
      uniquingKeysWith: { a, _ in a })
    let remoteBranches = remoteRefs.filter { $0.key.hasPrefix("refs/heads/sections/") }
    for name in Set(localBranches.keys).union(remoteBranches.keys).sorted() {
      let section = String(name.dropFirst("refs/heads/sections/".count))
      let joined = try join(name, local: localBranches[name], remote: remoteBranches[name]) { parents in
        let base = try repository.commit(parents[0]).tree
        guard let record = try workspace.store.read({ try $0.section(section) }),
          let latest = try workspace.store.read({ try $0.revision(section, record.latestRevision) }),
          let blob = ObjectID(hex: latest.blobId)
        else { return base }
        return try repository.tree(base: base, setting: [Workspace.sectionPath(section): blob])
      }
      if joined { report.joined.append(name) }
    }
    try bringBranchesToLatestRevision(into: &report)
    FaultPoint.syncAfterBranches.hit()
    // 3. main.
    if try integrateMain(remote: remoteRefs[Workspace.mainRef]) { report.joined.append(Workspace.mainRef) }
    FaultPoint.syncAfterMain.hit()
    // 4. Releases' tags the remote has.
    for (name, target) in remoteRefs where name.hasPrefix("refs/tags/") {
      if try repository.referenceTarget(name) == nil {
        try repository.updateReference(name, to: target, expected: nil, message: "policyflow sync")
      }
    }
    try workspace.refreshUnderLock()
    SyncMarker.clear(workspace.location)
  }

  /// Every section branch holds the text of its latest revision in the joined order. A join is written with what
  /// the record said when it was written, and the record can learn more afterwards: a copy whose push of the
  /// branches went through but whose push of the record refs did not (a kill, a dropped connection between the two)
  /// leaves a revision on the server that no record names yet, and another copy then joins that branch believing its
  /// own revision the latest. Once the record has both submissions, the order may say the other; this step writes
  /// the commit that says so (one parent, or two when the latest revision is not below the tip), byte for byte the
  /// same on every copy that writes it, so the copies still meet as a fast-forward. A tip that is the latest
  /// revision's commit — every branch no copy joined — costs one comparison.
  private func bringBranchesToLatestRevision(into report: inout SyncReport) throws {
    let latest = try workspace.store.read { try $0.latestRevisions() }
    for (name, tip) in try repository.references(matching: "refs/heads/sections/*") {
      let section = String(name.dropFirst("refs/heads/sections/".count))
      guard let revision = latest[section], tip.hex != revision.commitId,
        let revisionCommit = ObjectID(hex: revision.commitId), let blob = ObjectID(hex: revision.blobId)
      else { continue }
      let path = Workspace.sectionPath(section)
      let below = try repository.isAncestor(revisionCommit, of: tip)
      if below, try repository.blobID(at: path, in: tip) == blob { continue }
      let tree = try repository.tree(base: try repository.commit(tip).tree, setting: [path: blob])
      let commit = try RecordJoin.write(
        in: repository, parents: below ? [tip] : [tip, revisionCommit], tree: tree,
        message: "policyflow sync: \(name) holds its latest revision in the joined record\n")
      try repository.updateReference(name, to: commit, expected: tip, message: "policyflow sync: latest revision")
      report.joined.append(name)
    }
  }

  /// Brings `name` to include both `local` and `remote`: a fast-forward when one contains the other, else a join
  /// commit. Returns whether a join was written.
  @discardableResult
  private func join(
    _ name: String, local: ObjectID?, remote: ObjectID?, tree: ([ObjectID]) throws -> ObjectID
  ) throws -> Bool {
    guard let remote, local != remote else { return false }
    guard let local else {
      try repository.updateReference(name, to: remote, expected: nil, message: "policyflow sync: from \(self.remote)")
      return false
    }
    if try repository.isAncestor(remote, of: local) { return false }
    if try repository.isAncestor(local, of: remote) {
      try repository.updateReference(name, to: remote, expected: local, message: "policyflow sync: fast-forward")
      return false
    }
    let parents = [local, remote].sorted { $0.hex < $1.hex }
    let commit = try RecordJoin.write(
      in: repository, parents: parents, tree: try tree(parents),
      message: "policyflow sync: join two copies of \(name)\n")
    try repository.updateReference(name, to: commit, expected: local, message: "policyflow sync: join")
    return true
  }

  /// `main` after the join: the definition files merged file by file, and under `sections/` exactly the texts the
  /// joined record approved — so of two racing approvals only the one that took effect is in the text, and an
  /// approval that the joined order refused is not. Returns whether a commit of `sync` was written.
  private func integrateMain(remote: ObjectID?) throws -> Bool {
    guard let local = try repository.referenceTarget(Workspace.mainRef) else {
      if let remote { try repository.updateReference(Workspace.mainRef, to: remote, expected: nil, message: "policyflow sync") }
      return false
    }
    var parents = [local]
    // Everything but the approved texts from the joined copies; the approved texts from the joined record.
    var files: [String: ObjectID]
    if let remote, remote != local, try !repository.isAncestor(remote, of: local) {
      if try repository.isAncestor(local, of: remote) {
        parents = [remote]
        files = try Self.filesBesideApprovedText(repository.allFiles(in: remote))
      } else {
        parents = [local, remote]
        files = try mergedDefinition(local: local, remote: remote)
      }
    } else {
      files = try Self.filesBesideApprovedText(repository.allFiles(in: local))
    }
    for record in try workspace.store.read({ try $0.sections() }) {
      guard let approved = record.approvedRevision,
        let revision = try workspace.store.read({ try $0.revision(record.id, approved) }),
        let blob = ObjectID(hex: revision.blobId)
      else { continue }
      files[Workspace.sectionPath(record.id)] = blob
    }
    let tree = try repository.tree(base: nil, setting: files)
    if parents.count == 1, try repository.commit(parents[0]).tree == tree {
      if parents[0] != local {
        try repository.updateReference(Workspace.mainRef, to: parents[0], expected: local, message: "policyflow sync: fast-forward")
        try workspace.checkOutMain()
      }
      return false
    }
    let commit = try RecordJoin.write(
      in: repository, parents: parents, tree: tree,
      message: parents.count == 1
        ? "policyflow sync: main holds the texts the joined record approved\n"
        : "policyflow sync: join two copies of main\n")
    try repository.updateReference(Workspace.mainRef, to: commit, expected: local, message: "policyflow sync: join")
    try workspace.checkOutMain()
    return true
  }

  /// The definition files of two copies of `main` merged file by file against their merge base: a file only one
  /// side changed is taken from it; a requirements file both changed is merged requirement by requirement
  /// (`RequirementFileMerge`); any other file both changed differently is a conflict. The one rule for `sync`, which
  /// writes the join, and for the chain of trust, which accepts a join only if it holds exactly this. `written` holds
  /// the merged requirement files by blob id: sync writes them, the chain of trust only compares ids.
  static func mergeDefinitionFiles(in repository: Repository, _ a: ObjectID, _ b: ObjectID) throws
    -> (merged: [String: ObjectID], conflicts: [String], written: [ObjectID: Data])
  {
    let baseCommit = try repository.mergeBase(a, b)
    let base = try baseCommit.map { filesBesideApprovedText(try repository.allFiles(in: $0)) } ?? [:]
    var requirements = RequirementFileMerge(repository: repository, base: baseCommit, ours: a, theirs: b)
    var written: [ObjectID: Data] = [:]
    let ours = filesBesideApprovedText(try repository.allFiles(in: a))
    let theirs = filesBesideApprovedText(try repository.allFiles(in: b))
    var merged: [String: ObjectID] = [:]
    var conflicts: [String] = []
    for path in Set(base.keys).union(ours.keys).union(theirs.keys).sorted() {
      let result: ObjectID?
      if let taken = RequirementFileMerge.threeWay(base[path], ours[path], theirs[path]) {
        result = taken
      } else if PolicyDefinition.isRequirementFile(path), let file = try requirements.merge(path) {
        let id = try repository.hashBlob(file)
        written[id] = file
        result = id
      } else {
        conflicts.append(path)
        continue
      }
      if let result { merged[path] = result }
    }
    return (merged, conflicts, written)
  }

  /// Files of `main` other than the approved texts (the definition, and releases' files).
  static func filesBesideApprovedText(_ files: [String: ObjectID]) -> [String: ObjectID] {
    files.filter { !$0.key.hasPrefix("sections/") }
  }

  /// A three-way merge of the definition files, file by file; a file both copies changed differently stops the sync.
  private func mergedDefinition(local: ObjectID, remote: ObjectID) throws -> [String: ObjectID] {
    let (merged, conflicts, written) = try Self.mergeDefinitionFiles(in: repository, local, remote)
    guard conflicts.isEmpty else {
      SyncMarker.clear(workspace.location)
      throw PolicyFlowError.notPermitted(
        "this copy and \(self.remote) both changed \(conflicts.joined(separator: ", ")) on main since they parted; sync "
          + "cannot choose between two definitions. The record and the section branches were joined; main was not. "
          + "The secretariat merges main by hand (`git merge \(trackingPrefix)main`, then a signed commit) and syncs again."
          + (conflicts.contains { $0.hasPrefix("requirements/") }
            ? " Both copies changed the same requirement: keep the text of the action that took effect last in the "
              + "joined record (of one id added on both, the second `req add` is refused at sync; `policyflow inbox` of "
              + "its author names it)."
            : ""))
    }
    // Each file merged cleanly, but together they must still be one valid definition: the same requirement id added
    // on both copies in two different files merges file by file and would put a duplicate id on main.
    var files: [String: Data] = [:]
    for (path, id) in merged where PolicyDefinition.isDefinitionFile(path) {
      files[path] = try written[id] ?? repository.readBlob(id)
    }
    do {
      _ = try PolicyDefinition.load(files: files)
    } catch {
      SyncMarker.clear(workspace.location)
      throw PolicyFlowError.notPermitted(
        "the definitions of this copy and \(self.remote), merged, are not valid together; main was not joined. The "
          + "record and the section branches were. The secretariat merges main by hand (`git merge \(trackingPrefix)main`, "
          + "then a signed commit that fixes this) and syncs again:\n\(error.localizedDescription)")
    }
    for (id, file) in written where try repository.writeBlob(file) != id {
      throw PolicyFlowError.internal("the merged requirements file \(id) was written under another id")
    }
    return merged
  }

  // MARK: - Push

  /// Local refs the remote lacks or holds at an older commit, as `name` (pushed to the same name) and target.
  private func pendingPushes() throws -> [(name: String, target: ObjectID)] {
    let remoteRefs = try trackedRefs()
    var local: [(String, ObjectID)] = try workspace.recordRefs().map { ($0.key, $0.value) }
    local += try repository.references(matching: "refs/heads/sections/*").map { ($0.name, $0.target) }
    if let main = try repository.referenceTarget(Workspace.mainRef) { local.append((Workspace.mainRef, main)) }
    local += try repository.references(matching: "refs/tags/*").map { ($0.name, $0.target) }
    return local.filter { remoteRefs[$0.0] != $0.1 }.sorted { $0.0 < $1.0 }.map { (name: $0.0, target: $0.1) }
  }

  /// Record commits of this copy that the remote did not have at the last fetch.
  func unsentActions() throws -> [ObjectID] {
    try repository.commits(
      reachableFrom: Array(try workspace.recordRefs().values), excluding: try trackedRecordRefs().map(\.target)
    ).filter { id in try !RecordJoin.isSyncCommit(repository.commit(id)) }
  }

  private func saveSyncTime() throws {
    var times = SyncTimes.load(workspace.location, remote: remote)
    times.sync = Date()
    times.save(workspace.location, remote: remote)
  }

  static func describeRefusals(_ push: PushResult) -> String {
    push.rejected.map { "\($0.reference) (\($0.rejection?.message ?? "refused"))" }.joined(separator: "; ") + "."
  }
}

/// The times of the last fetch and the last complete sync per remote: this copy's own facts, in `.policyflow/`, as
/// lines `fetch SECONDS` and `sync SECONDS` (since 1970).
///
/// Plain lines, not JSON: Foundation's JSON coders and ISO 8601 dates cost ≈ 1.5 ms at their first use in a process,
/// and a sync saved the times twice (3.3 of a sync's ≈ 75 ms, 2026-12-02). The JSON file of earlier versions is read
/// when there is no other, and removed by the next save.
struct SyncTimes {
  var fetch: Date?
  var sync: Date?

  static func file(_ location: WorkspaceLocation, remote: String) -> URL {
    location.stateDirectory.appendingPathComponent("sync-\(remote).times")
  }

  private static func earlierFile(_ location: WorkspaceLocation, remote: String) -> URL {
    location.stateDirectory.appendingPathComponent("sync-\(remote).json")
  }

  static func load(_ location: WorkspaceLocation, remote: String) -> SyncTimes {
    guard let text = try? String(contentsOf: file(location, remote: remote), encoding: .utf8) else {
      return loadEarlier(location, remote: remote)
    }
    var times = SyncTimes()
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: " ")
      guard parts.count == 2, let seconds = Double(parts[1]), seconds.isFinite else { continue }
      let date = Date(timeIntervalSince1970: seconds)
      switch parts[0] {
      case "fetch": times.fetch = date
      case "sync": times.sync = date
      default: continue
      }
    }
    return times
  }

  private static func loadEarlier(_ location: WorkspaceLocation, remote: String) -> SyncTimes {
    struct Earlier: Decodable {
      var fetch: Date?
      var sync: Date?
    }
    guard let data = try? Data(contentsOf: earlierFile(location, remote: remote)) else { return SyncTimes() }
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let earlier = try? decoder.decode(Earlier.self, from: data)
    return SyncTimes(fetch: earlier?.fetch, sync: earlier?.sync)
  }

  func save(_ location: WorkspaceLocation, remote: String) {
    let lines = [fetch.map { "fetch \($0.timeIntervalSince1970)" }, sync.map { "sync \($0.timeIntervalSince1970)" }]
    try? StateFile.replace(
      SyncTimes.file(location, remote: remote), with: Data((lines.compactMap { $0 }.joined(separator: "\n") + "\n").utf8))
    try? FileManager.default.removeItem(at: SyncTimes.earlierFile(location, remote: remote))
  }
}

/// Set while `sync` moves local refs: a sync killed in between is finished, from what it fetched, by the next write.
enum SyncMarker {
  static func file(_ location: WorkspaceLocation) -> URL { location.stateDirectory.appendingPathComponent("sync-pending") }

  static func set(_ location: WorkspaceLocation, remote: String) throws {
    try StateFile.replace(file(location), with: Data(remote.utf8))
  }

  static func pending(_ location: WorkspaceLocation) -> String? {
    (try? String(contentsOf: file(location), encoding: .utf8)).flatMap { $0.isEmpty ? nil : $0 }
  }

  static func clear(_ location: WorkspaceLocation) { try? FileManager.default.removeItem(at: file(location)) }
}

extension Workspace {
  /// Actions that git holds but that took no effect, oldest first: refused at sync, or written around policyflow.
  public func refusedActions(sectionId: String? = nil) throws -> [RefusedAction] {
    try store.read { try $0.refusedRecords() }.filter { sectionId == nil || $0.sectionId == sectionId }
      .map(RefusedAction.init)
  }

  /// What only this copy knows about each remote, for the terminal `status` (never its JSON).
  public func syncStatuses() throws -> [SyncStatus] {
    try repository.remoteNames().compactMap { try? PolicySync(workspace: self, remote: $0).status() }
  }
}

/// A file of this copy's bookkeeping in `.policyflow/`, replaced whole: written under a temporary name, then renamed
/// over the old one, so a killed command leaves the old file or the new one, never part of one.
///
/// Not `Data.write(options: .atomic)`, which also fsyncs the file: ≈ 0.4 ms on this project's machine, three times a
/// sync (2026-12-02). These files must survive a killed process, which the page cache does; like libgit2's own
/// reference writes (no fsync unless configured), they are not made to survive a power cut.
enum StateFile {
  static func replace(_ url: URL, with data: Data) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).new")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var failure: Int32?
    data.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += written
      }
    }
    if close(descriptor) != 0, failure == nil { failure = errno }
    if failure == nil, rename(temporary.path, url.path) != 0 { failure = errno }
    if let failure {
      unlink(temporary.path)
      throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
    }
  }
}
