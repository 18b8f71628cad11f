import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning
import PolicyStore
import PolicyWorkflow

/// The index of a workspace this process cannot write: a copy of its `.policyflow/` in a private temporary
/// directory, made on first use and removed when the process ends.
enum ReadOnlyIndex {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var copies: [String: URL] = [:]

  static func directory(for own: URL) -> URL {
    lock.lock()
    defer { lock.unlock() }
    if let known = copies[own.path] { return known }
    let copy = FileManager.default.temporaryDirectory
      .appendingPathComponent("policyflow-read-only-\(getpid())-\(copies.count)", isDirectory: true)
    try? FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
    // The index as it is (so only new record commits are replayed); the lock file and sync times are not needed.
    for name in ["policy.sqlite", "policy.sqlite-wal", "definition.cache", "workflow.cache"] {
      try? FileManager.default.copyItem(at: own.appendingPathComponent(name), to: copy.appendingPathComponent(name))
    }
    if copies.isEmpty { atexit { ReadOnlyIndex.removeAll() } }
    copies[own.path] = copy
    return copy
  }

  static func removeAll() {
    lock.lock()
    defer { lock.unlock() }
    for copy in copies.values { try? FileManager.default.removeItem(at: copy) }
  }
}

/// Where a workspace lives: a git work tree with `.policyflow/` beside `.git/`.
public struct WorkspaceLocation: Sendable, Equatable {
  public let root: URL
  /// `.policyflow/`; in a workspace this process cannot write (a read-only mount of an archive copy, another
  /// user's copy) a private temporary copy of it instead, so that reading works: the index is only an index.
  public var stateDirectory: URL {
    isReadOnly ? ReadOnlyIndex.directory(for: ownStateDirectory) : ownStateDirectory
  }
  var ownStateDirectory: URL { root.appendingPathComponent(".policyflow", isDirectory: true) }
  /// The work tree exists but cannot be written by this process — a read-only mount, another user's copy, or a full
  /// disk: every write command is refused, reading works.
  public var isReadOnly: Bool { access(root.path, F_OK) == 0 && (access(root.path, W_OK) != 0 || isDiskFull) }

  /// The file system holding the workspace has (almost) no space left: less than SQLite and git need to open and
  /// write anything (64 KiB).
  public var isDiskFull: Bool {
    var stats = statvfs()
    guard statvfs(root.path, &stats) == 0 else { return false }
    return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 64 * 1024
  }
  public var databaseURL: URL { stateDirectory.appendingPathComponent("policy.sqlite") }
  public var lockURL: URL { stateDirectory.appendingPathComponent("lock") }

  /// Refuses a write in a workspace this process cannot write, before anything is read or taken.
  func requireWritable() throws {
    guard isReadOnly else { return }
    if isDiskFull {
      throw PolicyFlowError.temporary(
        "the disk holding \(root.path) is full: nothing can be recorded until space is freed, and nothing was changed. "
          + "Free some space and run the command again; reading works meanwhile.")
    }
    throw PolicyFlowError.notPermitted(
      "\(root.path) is read-only for this process (a read-only mount, or another user's copy): nothing can be "
        + "recorded here. Reading works (status, show, log, verify); act in a writable copy (`policyflow clone`).")
  }

  /// Deletes the index database with its WAL and shared-memory files (it is rebuilt from git).
  func removeIndexDatabase() {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databaseURL.path + suffix) }
  }

  public init(root: URL) { self.root = root.standardizedFileURL }

  /// Finds the workspace like git finds a repository: `explicit` (from `--workspace` or
  /// `POLICYFLOW_WORKSPACE`) if given, else the nearest directory upwards that is one. A directory is a
  /// workspace when it holds `.policyflow/` (the index) or is a git work tree with `policy.yaml` (a clone
  /// whose index is built on first use).
  public static func find(explicit: String?, from start: URL) throws -> WorkspaceLocation {
    if let explicit, !explicit.isEmpty {
      let url = URL(fileURLWithPath: explicit, relativeTo: start).standardizedFileURL
      let candidate = WorkspaceLocation(root: url)
      guard candidate.looksLikeWorkspace else {
        throw PolicyFlowError.missing(
          "\(url.path) is not a policyflow workspace (no .policyflow/ and no git work tree with policy.yaml). "
            + "Create one with `policyflow init \(explicit)` or copy one with `policyflow clone URL \(explicit)`.")
      }
      return candidate
    }
    for directory in start.selfAndAncestors {
      let candidate = WorkspaceLocation(root: directory)
      if candidate.looksLikeWorkspace { return candidate }
    }
    throw PolicyFlowError.missing(
      "no policyflow workspace here or in any parent directory of \(start.path). "
        + "Run `policyflow init DIR` or `policyflow clone URL DIR`, or say which workspace with --workspace DIR "
        + "or POLICYFLOW_WORKSPACE.")
  }

  var looksLikeWorkspace: Bool {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: ownStateDirectory.path) { return true }
    return fileManager.fileExists(atPath: root.appendingPathComponent(".git").path)
      && fileManager.fileExists(atPath: root.appendingPathComponent("policy.yaml").path)
  }
}

/// An open workspace: its definition (manifest, members, requirements, workflow), the git repository
/// and the database, ready for one use case.
public final class Workspace {
  public let location: WorkspaceLocation
  /// The definition in force: the one committed on `main`. While an action of the record is replayed, the
  /// definition that action was decided against (see `withDefinition(at:)`).
  public internal(set) var definition: PolicyDefinition
  public internal(set) var workflow: WorkflowDefinition
  let repository: Repository
  /// The index as opened; `store` is the same, caught up before its first use.
  var indexStore: Store {
    didSet {
      indexedTips = nil
      trustedStamp = nil
    }
  }
  /// The index, brought up to the record refs the first time it is used (see `RecordIndexer`). A write catches up
  /// under the workspace lock instead, so a write command that reads nothing before taking it lists the record refs
  /// once rather than twice (26 M instructions at 1,000 sections).
  var store: Store {
    get throws {
      try catchUpIfPending()
      return indexStore
    }
  }
  /// Set by an open that left the catch-up to the first use of the index.
  var catchUpPending = false
  /// The index's record tips as this process last read or wrote them, with SQLite's `data_version` then: while it is
  /// unchanged no other process has written the index, and the 1,000 rows need not be read again (18 M instructions
  /// each time at 1,000 sections).
  var indexedTips: (tips: [String: String], version: Int)?
  /// The commit whose definition is loaded: the one in force at `mainCommit` by the definition's chain of trust
  /// (see `DefinitionChain`), or, while an action is replayed, the one in force at the commit it names.
  var definitionCommit: ObjectID
  /// The commit `main` points at, as this command last read it: new actions are decided against it (their
  /// `Policyflow-Definition`) and approvals are written on it.
  var mainCommit: ObjectID
  /// Which commit's definition is in force at each commit of main (memoised in the index).
  var chain: DefinitionChain
  /// Set when this process found the index damaged and rebuilt it: `verify` reports it.
  var indexDamage: String?
  /// Definitions parsed in this process, by the blob ids of their files.
  var parsedDefinitions: [String: (PolicyDefinition, WorkflowDefinition)] = [:]
  var definitionsByCommit: [ObjectID: (PolicyDefinition, WorkflowDefinition)] = [:]
  /// The record refs as the last catch-up listed them.
  var listedRecordRefs: [String: ObjectID]?
  /// The stamp of the record refs that the index held exactly at this command's last catch-up (`RecordRefStamp`),
  /// with SQLite's `data_version` then: while it is unchanged no other process has written the index since.
  var trustedStamp: (stamp: RecordRefStamp, version: Int)?
  /// Signatures being verified on another thread while a catch-up applies its actions (`startVerifyingAhead`), each
  /// taken out when its commit is applied.
  var signaturesAhead: SignaturesAhead?
  /// Members' listed keys, parsed (`parsedKey`).
  var parsedKeys: [String: SSHPublicKey?] = [:]
  /// Members' keys in the definition in force on main, each member's parsed when first needed (for the rule on revoked
  /// keys; nil for a member that definition lacks), and that commit.
  var keysInForce: (commit: ObjectID, keys: [String: Set<SSHPublicKey>?])?
  /// Injected so tests and reproducible demos can fix time.
  let clock: () -> Date
  /// Where signing keys are looked up (`POLICYFLOW_SIGNING_KEY`, `POLICYFLOW_KEYS_DIR`, `SSH_AUTH_SOCK`);
  /// the process's environment unless a test says otherwise.
  var environment = ProcessEnvironment.current

  public static let mainRef = "refs/heads/main"
  public static func sectionRef(_ id: String) -> String { "refs/heads/sections/\(id)" }
  public static func sectionPath(_ id: String) -> String { "sections/\(id).md" }
  /// The index's state of a section retired from the policy (`section retire`): outside every workflow.
  static let retiredState = "retired"


  /// Opens the workspace and brings its index up to the record refs (see `RecordIndexer`): at once, or with
  /// `catchUpAtFirstUse` when the index is first used (a command that never reads it skips the work, and a write
  /// does it once, under the lock).
  public init(location: WorkspaceLocation, clock: @escaping () -> Date = Date.init, catchUpAtFirstUse: Bool = false)
    throws
  {
    self.location = location
    self.clock = clock
    do {
      repository = try Repository.open(at: location.root)
    } catch let error as GitError where error.isOwnershipMismatch {
      throw PolicyFlowError.notPermitted(error.description)
    } catch {
      throw PolicyFlowError.internal("cannot open the git repository of the workspace \(location.root.path): \(error)")
    }
    guard let main = try repository.referenceTarget(Workspace.mainRef) else {
      throw PolicyFlowError.missing(
        "\(location.root.path) has no branch main, so it holds no policy; run `policyflow verify`, or clone the "
          + "policy again with `policyflow clone URL DIR`.")
    }
    definitionCommit = main
    mainCommit = main
    chain = DefinitionChain(repository: repository, store: nil)
    // Before the index is opened (which replaces an index of another format): a first release's database is the
    // only copy of its record and must be left as it is.
    guard try repository.referenceTarget(RecordRefs.policy) != nil else {
      if try !repository.references(matching: "refs/heads/sections/*").isEmpty {
        throw PolicyFlowError.notPermitted(
          "\(location.root.path) was made by the first release of policyflow, which kept the review record only "
            + "in .policyflow/policy.sqlite. This version keeps it in git and has no upgrade path: start a new "
            + "workspace with `policyflow init`. Nothing was changed.")
      }
      throw PolicyFlowError.missing(
        "\(location.root.path) has the policy's branches but not its review record (refs/policyflow/*), which a "
          + "plain `git clone` does not fetch. Run `policyflow reindex`, which fetches it from origin, or "
          + "`\(RecordRefs.fetchCommand)`.")
    }
    // A damaged index (a corrupted page, not a database at all) is set aside and rebuilt from git: it is only an
    // index. `verify` reports that it happened.
    var damage: String?
    do {
      indexStore = try Workspace.openIndex(location)
    } catch let error where StoreError.isDamage(error) {
      damage = Workspace.setAsideDamagedIndex(location, error)
      indexStore = try Workspace.openIndex(location)
    }
    chain = DefinitionChain(repository: repository, store: indexStore)
    // The definition in force is the last one the secretariat authorised, not necessarily main's own files.
    let inForce: ObjectID
    do {
      inForce = try chain.link(at: main, useIndex: true).inForce
    } catch let error where StoreError.isDamage(error) && damage == nil {
      damage = Workspace.setAsideDamagedIndex(location, error)
      indexStore = try Workspace.openIndex(location)
      chain = DefinitionChain(repository: repository, store: indexStore)
      inForce = try chain.link(at: main, useIndex: true).inForce
    }
    definitionCommit = inForce
    (definition, workflow) = try Workspace.loadCommittedDefinition(
      from: repository, at: inForce, cache: location.stateDirectory.appendingPathComponent("definition.cache"))
    indexDamage = damage
    catchUpPending = true
    if !catchUpAtFirstUse { try catchUpOnFirstUse() }
  }

  /// Runs the catch-up an open left pending, if it still is.
  func catchUpIfPending() throws {
    if catchUpPending { try catchUpOnFirstUse() }
  }

  /// The catch-up an open leaves pending; a damaged index found now is set aside and rebuilt, as at open.
  func catchUpOnFirstUse() throws {
    do {
      try catchUpIndex()
    } catch let error where StoreError.isDamage(error) && indexDamage == nil {
      indexDamage = Workspace.setAsideDamagedIndex(location, error)
      indexStore = try Workspace.openIndex(location)
      chain = DefinitionChain(repository: repository, store: indexStore)
      try catchUpIndex()
    }
  }

  /// Closes the index's database connection (a command that ends now): see `OpenWorkspaces` in the CLI.
  public func closeIndex() throws { try indexStore.close() }

  /// Moves a damaged index to `policy.sqlite.damaged` (kept for whoever wants to look at it) and says so; the next
  /// open makes a new one, which catch-up fills from git. Returns what was wrong, for `verify`.
  static func setAsideDamagedIndex(_ location: WorkspaceLocation, _ error: Error) -> String {
    let what = "\(error)"
    let aside = URL(fileURLWithPath: location.databaseURL.path + ".damaged")
    try? FileManager.default.removeItem(at: aside)
    try? FileManager.default.moveItem(at: location.databaseURL, to: aside)
    location.removeIndexDatabase()
    FileHandle.standardError.write(Data(
      ("policyflow: the index \(location.databaseURL.path) was damaged (\(what)); it is only an index and is "
        + "rebuilt from git now. The damaged file is kept as \(aside.lastPathComponent).\n").utf8))
    return what
  }

  /// Opens `.policyflow/policy.sqlite`, creating it; an index of another format is deleted and made anew
  /// (it is only an index: the next catch-up rebuilds it from git).
  static func openIndex(_ location: WorkspaceLocation) throws -> Store {
    let fileManager = FileManager.default
    if !fileManager.fileExists(atPath: location.stateDirectory.path) {
      try fileManager.createDirectory(at: location.stateDirectory, withIntermediateDirectories: true)
      if !location.isReadOnly { Workspace.excludeStateDirectory(location.root) }
    }
    do {
      return try Store(path: location.databaseURL, hasher: { sha256Hex($0) })
    } catch StoreError.outdated {
      // Replaced under the workspace lock, and only if still outdated: another command may be doing the same.
      let lock = try WorkspaceLock(path: location.lockURL)
      defer { withExtendedLifetime(lock) {} }
      do {
        return try Store(path: location.databaseURL, hasher: { sha256Hex($0) })
      } catch StoreError.outdated {
        location.removeIndexDatabase()
        return try Store(path: location.databaseURL, hasher: { sha256Hex($0) })
      }
    }
  }

  /// The index is local state, not policy content: keep it out of `git status`.
  static func excludeStateDirectory(_ root: URL) {
    let exclude = root.appendingPathComponent(".git/info/exclude")
    try? FileManager.default.createDirectory(at: exclude.deletingLastPathComponent(), withIntermediateDirectories: true)
    let existing = (try? String(contentsOf: exclude, encoding: .utf8)) ?? ""
    guard !existing.split(separator: "\n").contains("/.policyflow/") else { return }
    try? (existing + "/.policyflow/\n").write(to: exclude, atomically: true, encoding: .utf8)
  }

  /// policy.yaml, members.yaml and requirements/*.yaml as committed in `commit`.
  static func definitionFiles(in repository: Repository, at commit: ObjectID) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for file in try definitionBlobs(in: repository, at: commit) { files[file.path] = try repository.readBlob(file.blob) }
    return files
  }

  /// The blob ids of those files: what they contain, without reading them.
  static func definitionBlobs(in repository: Repository, at commit: ObjectID) throws -> [(path: String, blob: ObjectID)] {
    var blobs: [(path: String, blob: ObjectID)] = []
    for name in ["policy.yaml", "members.yaml"] {
      if let blob = try repository.blobID(at: name, in: commit) { blobs.append((name, blob)) }
    }
    for name in try repository.files(in: commit, under: "requirements") where name.hasSuffix(".yaml") {
      let path = name.hasPrefix("requirements/") ? name : "requirements/\(name)"
      if let blob = try repository.blobID(at: path, in: commit) { blobs.append((path, blob)) }
    }
    return blobs
  }

  /// The manifest, members, requirements and workflow in force: those committed on `main`.
  ///
  /// Reading them from `main` rather than from the work tree means a half-edited members.yaml never
  /// changes who may do what; a change takes effect when it is committed, and git history shows who made it.
  ///
  /// With `cache`, a definition parsed before from the same blobs is read from there (see `DefinitionCache`).
  static func loadCommittedDefinition(from repository: Repository, at main: ObjectID, cache: URL? = nil) throws -> (
    PolicyDefinition, WorkflowDefinition
  ) {
    /// A failure to read git, passed on as it is rather than as an invalid definition.
    struct ReadFailure: Error { let underlying: Error }
    let blobs = try definitionBlobs(in: repository, at: main)
    let parse = {
      let files: [String: Data]
      do { files = try definitionFiles(in: repository, at: main) } catch { throw ReadFailure(underlying: error) }
      return try PolicyDefinition.load(files: files)
    }
    let definition: PolicyDefinition
    do {
      definition = try cache.map { try DefinitionCache.definition(files: blobs, cache: $0, parse: parse) } ?? parse()
    } catch let failure as ReadFailure {
      throw failure.underlying
    } catch {
      throw PolicyFlowError.badInput(
        "the policy definition committed on main is invalid:\n\(error.localizedDescription)\n"
          + "Correct the file(s) named above and commit them to main.")
    }
    let name = definition.manifest.workflow
    let path = "workflows/\(name).yaml"
    guard let data = try repository.fileContents(at: path, in: main) else {
      throw PolicyFlowError.missing(
        "policy.yaml names the workflow `\(name)` but \(path) is not committed on main. "
          + "Add the file or correct `workflow:` in policy.yaml.")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw PolicyFlowError.badInput("\(path) is not valid UTF-8; save it as UTF-8 and commit it to main.")
    }
    do {
      let parseWorkflow = { try WorkflowDefinition.parse(text, file: path) }
      let workflow =
        if let cache, let blob = try repository.blobID(at: path, in: main) {
          try WorkflowCache.workflow(
            path: path, blob: blob, cache: cache.deletingLastPathComponent().appendingPathComponent("workflow.cache"),
            parse: parseWorkflow)
        } else {
          try parseWorkflow()
        }
      guard workflow.name == name else {
        throw PolicyFlowError.badInput("\(path): the workflow's `name` is `\(workflow.name)`; it must be `\(name)`.")
      }
      return (definition, workflow)
    } catch let error as PolicyFlowError {
      throw error
    } catch {
      throw PolicyFlowError.badInput("the workflow \(path) on main is invalid:\n\(error.localizedDescription)")
    }
  }

  static func loadDefinition(at root: URL) throws -> PolicyDefinition {
    do {
      return try PolicyDefinition.load(from: root)
    } catch let error as PolicyDefinitionError {
      throw PolicyFlowError.badInput("the policy definition is invalid:\n\(error.localizedDescription)")
    } catch {
      throw PolicyFlowError.badInput("the policy definition cannot be read: \(error.localizedDescription)")
    }
  }

  // MARK: - Lookups that turn names into domain objects or clear refusals

  public func section(_ id: String) throws -> SectionSpec {
    // Ids from the record are already exact; only what a person typed needs trimming (Foundation's trimming and
    // lowercasing cost ≈ 8 µs a call, and a catch-up asks twice for every action it replays).
    if let section = definition.manifest.section(id) { return section }
    let trimmed = id.trimmingCharacters(in: .whitespaces)
    if let section = definition.manifest.section(trimmed.lowercased()) { return section }
    if let retired = definition.manifest.retiredSection(trimmed.lowercased()) {
      throw PolicyFlowError.notPermitted(
        "section \(retired.id) (\(retired.title)) is retired: it is no longer part of the policy and nothing can be "
          + "done on it. Its history stays readable (`policyflow log \(retired.id)`, `policyflow show \(retired.id)`).")
    }
    let known = definition.manifest.sections.map(\.id).joined(separator: ", ")
    throw PolicyFlowError.missing("unknown section `\(id)`. Sections of this policy: \(known).")
  }

  /// The id of a section whose history can be read: one of the policy, or one retired from it.
  public func readableSectionID(_ id: String) throws -> String {
    let trimmed = id.trimmingCharacters(in: .whitespaces).lowercased()
    if let retired = definition.manifest.retiredSection(trimmed) { return retired.id }
    return try section(id).id
  }

  public func member(_ idOrEmail: String) throws -> Member {
    if let member = definition.members.resolve(idOrEmail) { return member }
    if let retired = definition.members.retiredMember(idOrEmail) { throw Workspace.retiredMemberError(retired) }
    throw PolicyFlowError.missing(
      "unknown person `\(idOrEmail)`: not an id or e-mail in members.yaml. "
        + "Check the spelling, or ask the secretariat to add you to members.yaml.")
  }

  static func retiredMemberError(_ member: Member) -> PolicyFlowError {
    PolicyFlowError.notPermitted(
      "\(member.name) (\(member.id)) has retired from the policy (members.yaml marks them `retired: true`): a retired "
        + "member can no longer act; their past acts stay valid in the history. Act as someone taking part (--as "
        + "PERSON), or ask the secretariat to add a member (`policyflow member add`).")
  }

  /// The manifest's spelling of a department code given in any case or Unicode normal form.
  public func departmentCode(_ code: String) throws -> String {
    if let department = definition.manifest.department(code.trimmingCharacters(in: .whitespaces)) {
      return department.code
    }
    if let retired = definition.manifest.retiredDepartment(code.trimmingCharacters(in: .whitespaces)) {
      throw PolicyFlowError.notPermitted(
        "the department \(retired.code) (\(retired.name)) is retired. Departments taking part: "
          + "\(definition.manifest.departments.map(\.code).joined(separator: ", ")).")
    }
    throw PolicyFlowError.missing(
      "unknown department `\(code)`. Departments: \(definition.manifest.departments.map(\.code).joined(separator: ", ")).")
  }

  public func committeeCode(_ code: String) throws -> String {
    if let committee = definition.manifest.committee(code.trimmingCharacters(in: .whitespaces)) { return committee.code }
    throw PolicyFlowError.missing(
      "unknown committee `\(code)`. Committees: \(definition.manifest.committees.map(\.code).joined(separator: ", ")).")
  }

  func sectionRecord(_ id: String) throws -> SectionRecord {
    guard let record = try store.read({ try $0.section(id) }) else {
      throw PolicyFlowError.internal("section `\(id)` is in policy.yaml but not in the database; run `policyflow verify`.")
    }
    return record
  }

  func stateLabel(_ state: String) -> String { workflow.state(state)?.label ?? state }

  func departmentName(_ code: String) -> String { definition.manifest.departmentName(code) }
  func committeeName(_ code: String) -> String { definition.manifest.committee(code)?.name ?? code }
}
