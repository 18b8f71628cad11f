import Clibgit2
import Foundation

/// Fetching from and pushing to other copies of the repository: a bare repository on a shared drive (plain path or
/// `file://`), an SSH server (gitolite, GitLab, Gitea) or an HTTPS server.
///
/// Every operation checks the server before sending anything: SSH host keys against known_hosts, HTTPS certificates
/// against the system's or a configured certificate authority (`RemoteTrust`). Credentials are offered once each
/// (`RemoteCredentials`). Failures throw `RemoteError`.
///
/// ## Compare-and-swap on the remote
/// A push without `+` updates a remote reference only from the value this push saw there, and only to a descendant
/// of it. Three places enforce that, and all three end as `PushResult.Rejection.Reason.outdated`:
/// - libgit2 refuses before sending anything when the pushed commit does not descend from the value the server
///   advertised (or that value is not in the local repository because it was never fetched);
/// - the server (`git receive-pack`, behind gitolite or git-http-backend) updates each reference under its lock only
///   if it still holds the advertised value; if another push got in between, it answers "failed to update ref";
/// - for a local repository, libgit2 would overwrite a concurrent update, so PolicyGit writes the objects and
///   moves each reference itself by compare-and-swap (`git_reference_create_matching`) in the remote repository.
/// A caller (sync) reacts to `RemoteError.isOutdatedPush` by fetching, integrating and pushing again.
extension Repository {
  // MARK: - Configured remotes

  /// Adds a remote with git's default fetch refspec (`+refs/heads/*:refs/remotes/NAME/*`), as `git remote add`.
  /// Throws GitError kind `.referenceConflict` if a remote of that name exists, `.invalid` for a bad name.
  public func addRemote(name: String, url: String) throws {
    ensureLibgit2()
    var remote: OpaquePointer?
    try check(git_remote_create(&remote, handle, name, url), "add remote \(name)")
    git_remote_free(remote)
  }

  /// `url` with a relative local path made absolute against `base` (`git clone` stores an absolute path, and git
  /// reads a configured relative one from the top of the working tree); every other URL unchanged.
  public static func absoluteRemoteURL(_ url: String, relativeTo base: URL) -> String {
    let location = RemoteLocation(url)
    guard location.transport == .local, !url.hasPrefix("file://"), !url.hasPrefix("/"), !url.isEmpty else { return url }
    return URL(fileURLWithPath: url, relativeTo: base).standardizedFileURL.path
  }

  /// The fetch URL of the remote called `name`, or nil if there is none.
  public func remoteURL(_ name: String) -> String? {
    var remote: OpaquePointer?
    guard git_remote_lookup(&remote, handle, name) == 0, let remote else {
      git_error_clear()
      return nil
    }
    defer { git_remote_free(remote) }
    return git_remote_url(remote).map { String(cString: $0) }
  }

  /// Names of the configured remotes, sorted.
  public func remoteNames() throws -> [String] {
    var names = git_strarray()
    try check(git_remote_list(&names, handle), "list remotes")
    defer { git_strarray_dispose(&names) }
    return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }.sorted()
  }

  // MARK: - Fetch

  /// Downloads what `refspecs` name and updates the local references they map to, e.g.
  /// `+refs/heads/*:refs/remotes/origin/*` or `+refs/policyflow/*:refs/remotes/origin/policyflow/*`.
  ///
  /// - Parameters:
  ///   - remote: a configured remote's name, or a URL or path (then the refspecs must name their destinations).
  ///   - refspecs: empty means the remote's configured fetch refspecs.
  ///   - prune: delete local references under the refspecs' destinations that the remote no longer has.
  ///   - trust: nil means `RemoteTrust.configured(repository: self)`.
  /// - Returns: the local references created, moved or deleted, in the order libgit2 updated them. Tags are not
  ///   followed automatically: a policy repository fetches exactly the references it names.
  /// - Throws: `RemoteError`.
  @discardableResult
  public func fetch(
    remote: String, refspecs: [String], credentials: RemoteCredentials = .fromEnvironment(),
    trust: RemoteTrust? = nil, prune: Bool = false
  ) throws -> [FetchedReference] {
    try withRemote(remote, direction: GIT_DIRECTION_FETCH) { pointer, location in
      let session = RemoteSession(
        location: location, credentials: credentials, trust: trust ?? .configured(repository: self),
        operation: "fetch from \(location.redacted)", repositoryPath: path)
      var options = git_fetch_options()
      try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "prepare fetch")
      options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
      options.update_fetchhead = 0
      options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
      options.proxy_opts.type = GIT_PROXY_AUTO
      session.install(into: &options.callbacks)
      try withExtendedLifetime(session) {
        try runNetwork(session) {
          try withStringArray(refspecs) { array in
            try session.gate(git_remote_fetch(pointer, array, &options, "policyflow: fetch"), "fetch")
          }
        }
      }
      session.reportHelperCredential(succeeded: true)
      return session.updatedTips
    }
  }

  // MARK: - List

  /// The references the remote advertises (as `git ls-remote` prints them), sorted by name; symbolic ones such as
  /// HEAD resolved to the object they point at.
  public func remoteReferences(
    remote: String, credentials: RemoteCredentials = .fromEnvironment(), trust: RemoteTrust? = nil
  ) throws -> [(name: String, target: ObjectID)] {
    try withRemote(remote, direction: GIT_DIRECTION_FETCH) { pointer, location in
      let session = RemoteSession(
        location: location, credentials: credentials, trust: trust ?? .configured(repository: self),
        operation: "list the references of \(location.redacted)", repositoryPath: path)
      var options = git_remote_connect_options()
      try check(
        git_remote_connect_options_init(&options, UInt32(GIT_REMOTE_CONNECT_OPTIONS_VERSION)), "prepare connect")
      options.proxy_opts.type = GIT_PROXY_AUTO
      session.install(into: &options.callbacks)
      return try withExtendedLifetime(session) {
        try runNetwork(session) {
          try session.gate(git_remote_connect_ext(pointer, GIT_DIRECTION_FETCH, &options), "connect")
          defer { git_remote_disconnect(pointer) }
          var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
          var count = 0
          try session.gate(git_remote_ls(&heads, &count, pointer), "list references")
          session.reportHelperCredential(succeeded: true)
          return (0..<count).compactMap { index -> (name: String, target: ObjectID)? in
            guard let head = heads?[index]?.pointee, let name = head.name else { return nil }
            return (String(cString: name), ObjectID(head.oid))
          }.sorted { $0.name < $1.name }
        }
      }
    }
  }

  // MARK: - Push

  /// Pushes each `refspec` (`[+]refs/…:refs/…`, or one full reference name for the same name on both sides) and
  /// reports every reference's outcome. Without `+`, each update is a compare-and-swap on the remote (see above).
  ///
  /// - Returns: the outcome per reference when all were accepted (updated or already up to date).
  /// - Throws: `RemoteError` with kind `.pushRejected` and `push` set when the server or the compare-and-swap
  ///   refused any reference — `isOutdatedPush` tells whether fetching and retrying can help — and the other
  ///   kinds for connection, trust and authentication failures. Deleting remote references is not supported
  ///   (kind `.badConfiguration`): the policy's record only grows.
  @discardableResult
  public func push(
    remote: String, refspecs: [String], credentials: RemoteCredentials = .fromEnvironment(),
    trust: RemoteTrust? = nil
  ) throws -> PushResult {
    try push(remote: remote, refspecs: refspecs, credentials: credentials, trust: trust, beforeServerUpdate: nil)
  }

  /// `beforeServerUpdate` lets tests move a remote reference after this push looked at it and before it updates
  /// it, to show the compare-and-swap.
  func push(
    remote: String, refspecs: [String], credentials: RemoteCredentials, trust: RemoteTrust?,
    beforeServerUpdate: (() -> Void)?
  ) throws -> PushResult {
    try withRemote(remote, direction: GIT_DIRECTION_PUSH) { pointer, location in
      let planned = try planPush(refspecs, location: location)
      if location.transport == .local {
        let result = try pushLocally(
          to: location, planned: planned, remoteName: remoteName(pointer), beforeUpdate: beforeServerUpdate)
        guard result.accepted else { throw pushRejected(result, location: location) }
        return result
      }
      let session = RemoteSession(
        location: location, credentials: credentials, trust: trust ?? .configured(repository: self),
        operation: "push to \(location.redacted)", repositoryPath: path)
      session.beforeServerUpdate = beforeServerUpdate
      var options = git_push_options()
      try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "prepare push")
      options.proxy_opts.type = GIT_PROXY_AUTO
      session.install(into: &options.callbacks)
      let code = try withExtendedLifetime(session) {
        try runNetwork(session) {
          withStringArray(planned.map(\.refspec)) { array in git_remote_push(pointer, array, &options) }
        }
      }
      if code == GIT_ENONFASTFORWARD.rawValue {
        // libgit2 stopped before sending anything; work out which references were the reason.
        git_error_clear()
        let result = outdatedBeforeSending(planned, session: session)
        throw pushRejected(result, location: location)
      }
      try session.gate(code, "push")
      session.reportHelperCredential(succeeded: true)
      let result = PushResult(
        updates: planned.map { outcome(of: $0, session: session) }, serverMessages: session.serverMessages)
      guard result.accepted else { throw pushRejected(result, location: location) }
      return result
    }
  }

  private func outcome(of plan: PlannedPush, session: RemoteSession) -> PushResult.Update {
    let old = session.negotiated[plan.destination]?.old
    if old == plan.new {
      return PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .upToDate)
    }
    guard let reported = session.pushStatuses[plan.destination] else {
      let rejection = PushResult.Rejection(
        reason: .declined, message: "the server did not report on this reference")
      return PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .rejected(rejection))
    }
    guard let status = reported else {
      return PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .updated)
    }
    let lines = session.serverLines(about: plan.destination)
    let message = ([status] + lines.filter { !$0.contains(status) }).joined(separator: " — ")
    let rejection = PushResult.Rejection(reason: Self.reason(forServerStatus: status), message: message)
    return PushResult.Update(reference: plan.destination, old: old, new: plan.new, outcome: .rejected(rejection))
  }

  /// `git receive-pack`'s words for a reference that moved under the push (its compare-and-swap failed, or the
  /// server itself refuses non-fast-forwards); anything else — "hook declined" from gitolite, a protected branch —
  /// is the server's policy.
  static func reason(forServerStatus status: String) -> PushResult.Rejection.Reason {
    let outdated = [
      "non-fast-forward", "fetch first", "stale info", "failed to update ref", "failed to lock", "cannot lock ref",
      "already exists",
    ]
    let lowered = status.lowercased()
    return outdated.contains(where: lowered.contains) ? .outdated : .declined
  }

  private func outdatedBeforeSending(_ planned: [PlannedPush], session: RemoteSession) -> PushResult {
    let updates = planned.map { plan -> PushResult.Update in
      let old = session.negotiated[plan.destination]?.old
      if let old, !plan.force, !isFastForward(from: old, to: plan.new) {
        let message =
          objectExists(old)
          ? "non-fast-forward: the remote's \(plan.destination) has commits this copy does not have on top of them"
          : "non-fast-forward: the remote's \(plan.destination) holds commits not fetched yet"
        return PushResult.Update(
          reference: plan.destination, old: old, new: plan.new,
          outcome: .rejected(PushResult.Rejection(reason: .outdated, message: message + "; fetch and retry")))
      }
      return PushResult.Update(
        reference: plan.destination, old: old, new: plan.new,
        outcome: .rejected(
          PushResult.Rejection(reason: .notAttempted, message: "not sent: another reference of this push was refused")))
    }
    return PushResult(updates: updates, serverMessages: session.serverMessages)
  }

  func isFastForward(from old: ObjectID, to new: ObjectID) -> Bool {
    if old == new { return true }
    guard objectExists(old) else { return false }
    var newOID = new.oid
    var oldOID = old.oid
    let answer = git_graph_descendant_of(handle, &newOID, &oldOID)
    if answer < 0 { git_error_clear() }
    return answer == 1
  }

  func pushRejected(_ result: PushResult, location: RemoteLocation) -> RemoteError {
    let outdated = result.rejected.allSatisfy { $0.rejection?.reason != .declined }
    return RemoteError(
      kind: .pushRejected, remote: location.redacted,
      message: "Push to \(location.redacted) refused: \(result.rejectionSummary).",
      recovery: outdated
        ? "Someone else pushed first: fetch, integrate their changes and push again."
        : "The server does not allow this key or user to write these references; its administrator sets the "
          + "rights.",
      push: result)
  }

  // MARK: - Plumbing

  /// One refspec of a push, resolved locally before anything is sent.
  struct PlannedPush {
    let source: String
    let destination: String
    let force: Bool
    let new: ObjectID
    var refspec: String { (force ? "+" : "") + source + ":" + destination }
  }

  private func planPush(_ refspecs: [String], location: RemoteLocation) throws -> [PlannedPush] {
    guard !refspecs.isEmpty else {
      throw RemoteError(
        kind: .badConfiguration, remote: location.redacted, message: "Nothing to push: no refspecs were given.")
    }
    return try refspecs.map { text in
      var parsed: OpaquePointer?
      guard git_refspec_parse(&parsed, text, 0) == 0, let parsed else {
        let error = GitError(code: GIT_EINVALIDSPEC.rawValue, operation: "parse refspec \(text)")
        throw RemoteError(
          kind: .badConfiguration, remote: location.redacted, message: "'\(text)' is not a valid refspec.",
          underlying: error)
      }
      defer { git_refspec_free(parsed) }
      let source = git_refspec_src(parsed).map { String(cString: $0) } ?? ""
      let destination =
        git_refspec_dst(parsed).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        ?? source
      guard !source.isEmpty else {
        throw RemoteError(
          kind: .badConfiguration, remote: location.redacted,
          message: "'\(text)' would delete \(destination) on the remote; policyflow never deletes remote references.")
      }
      guard destination.hasPrefix("refs/"), source.hasPrefix("refs/") || source == "HEAD" else {
        throw RemoteError(
          kind: .badConfiguration, remote: location.redacted,
          message: "'\(text)': write full reference names, e.g. refs/heads/main:refs/heads/main.")
      }
      guard let new = try referenceTarget(source) else {
        throw RemoteError(
          kind: .badConfiguration, remote: location.redacted,
          message: "Cannot push \(source): no such reference in this repository.")
      }
      return PlannedPush(source: source, destination: destination, force: git_refspec_force(parsed) == 1, new: new)
    }
  }

  /// Looks `nameOrURL` up as a configured remote, else treats it as a URL or path (an "anonymous" remote that
  /// still honours `url.*.insteadOf`), and lends it with its parsed location.
  func withRemote<T>(
    _ nameOrURL: String, direction: git_direction,
    _ body: (OpaquePointer, RemoteLocation) throws -> T
  ) throws -> T {
    ensureLibgit2()
    var remote: OpaquePointer?
    var valid: Int32 = 0
    git_remote_name_is_valid(&valid, nameOrURL)
    var code = valid == 1 ? git_remote_lookup(&remote, handle, nameOrURL) : GIT_ENOTFOUND.rawValue
    let configured = code == 0
    if code == GIT_ENOTFOUND.rawValue {
      git_error_clear()
      guard nameOrURL.contains("/") || nameOrURL.contains(":") else {
        throw RemoteError(
          kind: .notFound, remote: nameOrURL,
          message: "There is no remote called '\(nameOrURL)' in \(path.path).",
          recovery: "Add it with `git remote add \(nameOrURL) URL`, or give the remote's URL.")
      }
      code = git_remote_create_anonymous(&remote, handle, nameOrURL)
    }
    do {
      try check(code, "open remote \(RemoteLocation(nameOrURL).redacted)")
    } catch let error as GitError {
      throw RemoteError(
        error, location: RemoteLocation(nameOrURL), operation: "Open remote \(RemoteLocation(nameOrURL).redacted)")
    }
    defer { git_remote_free(remote) }
    let pushURL = (direction == GIT_DIRECTION_PUSH ? git_remote_pushurl(remote) : nil).map { String(cString: $0) }
    var url = pushURL ?? git_remote_url(remote).map { String(cString: $0) } ?? nameOrURL
    // A configured remote's relative path means the same as to git, which runs from the top of the working tree;
    // libgit2 would read it from the process's directory, so `sync --workspace DIR` from elsewhere (or from a
    // subfolder) missed `../share.git`. A path given on the command line stays relative to where it was typed.
    // Copies cloned before clone stored paths absolute hold one that worked from the folder it was typed in: where
    // only that one exists, it is still used.
    if configured {
      let resolved = Self.absoluteRemoteURL(url, relativeTo: path)
      let files = FileManager.default
      if resolved != url, files.fileExists(atPath: resolved) || !files.fileExists(atPath: url) {
        let set = pushURL != nil ? git_remote_set_instance_pushurl(remote, resolved) : git_remote_set_instance_url(remote, resolved)
        try check(set, "open remote \(RemoteLocation(url).redacted)")
        url = resolved
      }
    }
    let location = RemoteLocation(url)
    // libgit2 takes a path that does not exist for a URL it cannot parse ("unsupported URL protocol").
    if location.transport == .local, !FileManager.default.fileExists(atPath: location.path) {
      throw RemoteError(
        kind: .notFound, remote: location.redacted, message: "There is no repository at \(location.path).",
        recovery: "Check the path, and that the shared drive is mounted.")
    }
    return try body(remote!, location)
  }

  private func remoteName(_ remote: OpaquePointer) -> String? {
    git_remote_name(remote).map { String(cString: $0) }
  }

  /// HTTPS needs the certificate authorities loaded (and held) for the duration; other transports nothing.
  private func runNetwork<T>(_ session: RemoteSession, _ body: () throws -> T) throws -> T {
    guard session.location.transport == .https else { return try body() }
    return try CertificateAuthorities.withAuthorities(session.trust.caFile, remote: session.location, body)
  }
}

extension RemoteSession {
  /// The `check` gate for network calls: libgit2's code becomes a `GitError` as everywhere in PolicyGit, which this
  /// session then explains as a `RemoteError` (with its callbacks' findings) for the caller.
  func gate(_ code: Int32, _ step: String) throws {
    do {
      try check(code, "\(operation) (\(step))")
    } catch let error as GitError {
      reportHelperCredential(succeeded: false)
      throw failure(error)
    }
  }
}

/// Lends `strings` as a `git_strarray` for one libgit2 call.
func withStringArray<T>(_ strings: [String], _ body: (UnsafePointer<git_strarray>) throws -> T) rethrows -> T {
  var pointers = strings.map { strdup($0) }
  defer { pointers.forEach { free($0) } }
  return try pointers.withUnsafeMutableBufferPointer { buffer in
    var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
    return try body(&array)
  }
}
