import Foundation
import PolicyGit
import PolicyManifest
import PolicySigning

/// Who holds which member's key in this process, and the signing and checking of commits.
///
/// Keys are looked for where git and OpenSSH look: `POLICYFLOW_SIGNING_KEY` (a key file, a `.pub` whose key the
/// agent holds, or a public key line), git's `user.signingkey`, the files of `POLICYFLOW_KEYS_DIR` (the throwaway
/// keys `init --generate-keys DIR` makes, one file per member id), then ssh-agent. A key counts for a member
/// only when members.yaml lists it for that member.
struct ActSigning {
  let environment: [String: String]
  let gitSigningKey: String?

  /// The signer for `member`'s acts, or nil when no listed key of theirs is at hand.
  func signer(for member: Member) throws -> (any Signer)? {
    let wanted = member.keys.compactMap { try? SSHPublicKey(line: $0) }
    guard !wanted.isEmpty else { return nil }
    let resolver = KeyResolver(environment: environment)
    for setting in [environment["POLICYFLOW_SIGNING_KEY"], gitSigningKey].compactMap({ $0 }) where !setting.isEmpty {
      if let signer = try? resolver.signer(named: setting), wanted.contains(signer.publicKey) { return signer }
    }
    var files: [URL] = []
    if let directory = environment["POLICYFLOW_KEYS_DIR"], !directory.isEmpty {
      files.append(URL(fileURLWithPath: directory).appendingPathComponent(member.id))
    }
    for key in wanted {
      if let signer = try? resolver.signer(for: key, keyFiles: files) { return signer }
    }
    return nil
  }

  /// The refusal when `signing: required` and `member`'s key is not at hand (77), saying which and how.
  static func missingKey(_ member: Member) -> PolicyFlowError {
    let keys = member.keys.compactMap { try? SSHPublicKey(line: $0) }.map(\.fingerprint)
    if keys.isEmpty {
      return PolicyFlowError.notPermitted(
        "this policy requires every act to be signed, and members.yaml lists no SSH key for \(member.name) "
          + "(\(member.id)). Ask the secretariat to add your public key (`policyflow key add \(member.id) KEY.pub`, "
          + "or a `keys:` entry in members.yaml); nothing was recorded.")
    }
    return PolicyFlowError.notPermitted(
      "this policy requires every act to be signed with the actor's SSH key, and no key of \(member.name) "
        + "(\(member.id): \(keys.joined(separator: ", "))) is at hand. Add it to ssh-agent (`ssh-add KEYFILE`), or set "
        + "POLICYFLOW_SIGNING_KEY=KEYFILE or git's user.signingkey; nothing was recorded.")
  }
}

extension Workspace {
  var actSigning: ActSigning {
    ActSigning(environment: environment, gitSigningKey: repository.configValue("user.signingkey"))
  }

  /// The signer this command uses for `actor`, refusing (77) when the policy requires one and none is at hand.
  func signer(for actor: Member) throws -> (any Signer)? {
    let signer = try actSigning.signer(for: actor)
    if signer == nil, definition.manifest.signing == .required { throw ActSigning.missingKey(actor) }
    return signer
  }

  /// The action's time as git stores it (whole seconds) with the local UTC offset: the time of every commit an
  /// action writes, and of the index rows made from them.
  static func actionTime(_ clock: () -> Date) -> (time: Date, offset: Int) {
    let time = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
    // The C library's local time (TZ, else /etc/localtime), as git takes it: Foundation's TimeZone.current
    // started ICU for this one number, ≈ 1 M instructions and its data's pages in every write.
    var seconds = time_t(time.timeIntervalSince1970)
    var local = tm()
    guard localtime_r(&seconds, &local) != nil else { return (time, 0) }
    return (time, local.tm_gmtoff / 60)
  }

  /// Writes a commit authored and committed by `actor` at `time`, signed in git's SSH format when `signer` is given.
  func writeCommit(
    tree: ObjectID, parents: [ObjectID], actor: Member, time: Date, offset: Int, signer: (any Signer)?, message: String
  ) throws -> ObjectID {
    try Workspace.writeCommit(
      in: repository, tree: tree, parents: parents, actor: actor, time: time, offset: offset, signer: signer,
      message: message)
  }

  static func writeCommit(
    in repository: Repository, tree: ObjectID, parents: [ObjectID], actor: Member, time: Date, offset: Int,
    signer: (any Signer)?, message: String
  ) throws -> ObjectID {
    let signature = Signature(name: actor.name, email: actor.email, time: time, offsetMinutes: offset)
    guard let signer else {
      return try repository.createCommit(
        tree: tree, parents: parents, author: signature, committer: signature, message: message)
    }
    let buffer = try repository.commitBuffer(
      tree: tree, parents: parents, author: signature, committer: signature, message: message)
    let armored: String
    do {
      armored = try SSHSignature.sign(message: buffer, namespace: SSHSignature.gitNamespace, with: signer)
    } catch {
      throw PolicyFlowError.notPermitted("cannot sign with \(signer.publicKey.fingerprint): \(error.localizedDescription)")
    }
    return try repository.createSignedCommit(buffer: buffer, signature: armored)
  }

  /// Checks the signature of `commit` against `member`'s keys (as listed in the definition in force): nil when it is
  /// good, the reason otherwise. An unsigned commit is acceptable only where the policy does not require signing.
  func signatureProblem(of commit: ObjectID, by member: Member) throws -> String? {
    try signatureCheck(of: commit, by: member).problem
  }

  /// The same check, also returning the key that made a good signature (nil for an unsigned commit or one that does
  /// not verify), which the rule for revoked keys (`revokedKeyProblem`) looks at.
  func signatureCheck(of commit: ObjectID, by member: Member) throws -> (problem: String?, key: SSHPublicKey?) {
    let check = try signaturesAhead?.take(commit) ?? Workspace.checkSignature(try repository.commitSignature(commit))
    switch check {
    case .unsigned:
      return definition.manifest.signing == .required
        ? ("commit \(RecordEntry.shortID(commit.hex)) is not signed, and this policy requires every act to be signed", nil)
        : (nil, nil)
    case .invalid(let reason):
      return ("commit \(RecordEntry.shortID(commit.hex)) has a signature that does not verify (\(reason))", nil)
    case .signed(let key):
      guard member.keys.contains(where: { parsedKey($0) == key }) else {
        return ("commit \(RecordEntry.shortID(commit.hex)) is signed with \(key.fingerprint), which members.yaml does not "
          + "list for \(member.id)", key)
      }
      return (nil, key)
    }
  }

  /// The key a commit's signature was made with, if it verifies: the part of checking a signature that does not
  /// depend on the definition (whose keys count is decided afterwards, in the record's order).
  static func checkSignature(_ signed: (signature: String, signedData: Data)?) -> SignatureCheck {
    guard let signed else { return .unsigned }
    do {
      return .signed(
        try SSHSignature.verify(armored: signed.signature, message: signed.signedData, namespace: SSHSignature.gitNamespace))
    } catch {
      return .invalid(error.localizedDescription)
    }
  }

  /// Starts verifying signatures on another thread while this one walks the new record commits and then applies
  /// their actions one by one; the walk hands each commit over as it reads it (`verifyAhead`), `signatureCheck`
  /// takes each outcome.
  ///
  /// Why: an Ed25519 verification cost ≈ 1.5 M instructions (OpenSSL 3, ≈ 0.19 ms; libsodium now, ≈ 0.1 ms), 150 M
  /// of the 346 M of a `sync` that brings 100 actions (callgrind, 2026-12-02). Verified on all cores before the
  /// actions were applied, they still came before the replay's 90 M; now the two overlap, and since the walk feeds
  /// the verifier (2026-12-02) it starts while the commits are still being read rather than after. The signatures are
  /// read on this thread (a libgit2 repository handle is not shared between threads); only the verifications, pure
  /// computations, run elsewhere.
  func startVerifyingAhead() {
    signaturesAhead = SignaturesAhead(verifierThread: ProcessInfo.processInfo.activeProcessorCount > 1)
  }

  /// Hands `entry`'s commits (its own, and the revision or approval it names) to the verifier, if one runs.
  func verifyAhead(_ entry: RecordEntry) {
    guard let signaturesAhead, let commit = entry.commit else { return }
    let named = entry.kind == .create ? [] : [entry.objectID(.revisionCommit), entry.objectID(.approvalCommit)]
    for id in [commit] + named.compactMap({ $0 }) {
      signaturesAhead.add(id, signed: try? repository.commitSignature(id))
    }
  }

  /// A member's listed key, parsed once per process (parsing one costs ≈ 90 k instructions, and a catch-up compares
  /// every action's signature with its actor's keys).
  func parsedKey(_ line: String) -> SSHPublicKey? {
    if let known = parsedKeys[line] { return known }
    let key = try? SSHPublicKey(line: line)
    parsedKeys[line] = .some(key)
    return key
  }
}

/// The outcomes of signature checks running on another thread (`Workspace.startVerifyingAhead`), each taken once. A
/// commit whose signature could not be read has no outcome here: its checker reads it again and reports what is wrong.
///
/// The walk adds commits as it reads them; the verifier thread takes them in that order, from the front. Once the
/// walk has ended (`finishAdding`), the applying thread takes outcomes: when the one it needs is not there it verifies
/// that commit itself if nobody has started it, and otherwise one from the back while it waits, so the two threads
/// share what is left instead of one idling. A catch-up of fewer than `threadThreshold` commits starts no thread:
/// the applying thread verifies each as it comes to it.
final class SignaturesAhead: @unchecked Sendable {
  private enum Progress { case waiting, started, finished }

  /// Commits before a verifier thread pays for itself (starting one costs about as much as a verification).
  static let threadThreshold = 16

  private let condition = NSCondition()
  private var positions: [ObjectID: Int] = [:]
  private var signed: [(signature: String, signedData: Data)?] = []
  private var outcomes: [SignatureCheck?] = []
  private var progress: [Progress] = []
  /// Every commit before `front` was started; after `finishAdding`, every commit from `back` on was started.
  private var front = 0
  private var back = 0
  private var adding = true
  private var taken: Set<Int> = []
  private let mayStartThread: Bool
  private var running = false

  init(verifierThread: Bool) {
    mayStartThread = verifierThread
  }

  /// Queues `commit` (its signature as read by the caller) for verification; a commit added before is ignored.
  func add(_ commit: ObjectID, signed pair: (signature: String, signedData: Data)?) {
    condition.lock()
    defer { condition.unlock() }
    guard adding, positions[commit] == nil else { return }
    positions[commit] = signed.count
    signed.append(pair)
    outcomes.append(nil)
    progress.append(.waiting)
    condition.broadcast()
    if !running, mayStartThread, signed.count >= Self.threadThreshold {
      running = true
      // One other thread: with verifiers on every core the threads took CPU time from the applying thread (three
      // threads on two cores): a sync of 100 actions 88.2 → 83.1 ms (2026-12-02). Once the applying thread had
      // become as fast as a verification it waited for outcomes (8.8 of the 24 ms its loop took in a sync of 100
      // actions), so it also verifies instead of waiting (`take`): 90.3 → 85.4 ms, alternated.
      DispatchQueue.global(qos: .userInitiated).async {
        while let index = self.startFromFront() { self.verify(index) }
        self.condition.lock()
        self.running = false
        self.condition.broadcast()
        self.condition.unlock()
      }
    }
  }

  /// No more commits: from now on the applying thread takes outcomes.
  func finishAdding() {
    condition.lock()
    adding = false
    back = signed.count
    condition.broadcast()
    condition.unlock()
  }

  /// `commit`'s outcome, once it is there; nil when it is not among these commits, was taken already, or its
  /// signature could not be read.
  func take(_ commit: ObjectID) -> SignatureCheck? {
    condition.lock()
    guard let index = positions[commit] else {
      condition.unlock()
      return nil
    }
    while progress[index] != .finished {
      if progress[index] == .waiting {
        progress[index] = .started
        condition.unlock()
        verify(index)
        condition.lock()
      } else if !adding, let other = startFromBack() {
        condition.unlock()
        verify(other)
        condition.lock()
      } else {
        condition.wait()
      }
    }
    defer { condition.unlock() }
    guard taken.insert(index).inserted else { return nil }
    return outcomes[index]
  }

  /// Returns when every verification has ended (a catch-up that stops early leaves no thread working for it).
  func waitForAll() {
    condition.lock()
    adding = false
    condition.broadcast()
    while running || progress.contains(.started) { condition.wait() }
    condition.unlock()
  }

  /// The first commit nobody has started, marked started; nil when the walk has ended and there is none. Waits while
  /// the walk may still add one.
  private func startFromFront() -> Int? {
    condition.lock()
    defer { condition.unlock() }
    while true {
      while front < signed.count, progress[front] != .waiting { front += 1 }
      if front < signed.count, adding || front < back {
        progress[front] = .started
        return front
      }
      if !adding { return nil }
      condition.wait()
    }
  }

  /// The last commit nobody has started, marked started; nil when there is none. Called with the lock held, after
  /// the walk has ended.
  private func startFromBack() -> Int? {
    while back > front, progress[back - 1] != .waiting { back -= 1 }
    guard back > front else { return nil }
    back -= 1
    progress[back] = .started
    return back
  }

  /// Verifies the commit at `index` (started by the caller) without the lock, then publishes the outcome.
  private func verify(_ index: Int) {
    condition.lock()
    let pair = signed[index]
    condition.unlock()
    let outcome = pair.map(Workspace.checkSignature)
    condition.lock()
    outcomes[index] = outcome
    progress[index] = .finished
    condition.broadcast()
    condition.unlock()
  }
}

/// What a commit's signature says on its own: no signature, one that does not verify, or the key that made it.
enum SignatureCheck {
  case unsigned
  case invalid(String)
  case signed(SSHPublicKey)
}

extension Member {
  /// Whether members.yaml lists `key` for this member.
  func lists(_ key: SSHPublicKey) -> Bool {
    keys.contains { (try? SSHPublicKey(line: $0)) == key }
  }
}
