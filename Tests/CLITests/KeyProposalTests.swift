import Foundation
import Testing

/// Keys over time (issue 13, item 5, and the revoked key): a member proposes a new key of their own on the record, the
/// secretariat adopts it; a key revoked in a definition the record shows the actor had seen signs nothing, however the
/// action is dated.
@Suite("key proposals and revoked keys: the record decides, not the commit time")
struct KeyProposalTests {
  static let section = "kultur-og-fritid"

  static func git(_ w: TemplateWorkspace, _ arguments: [String], env: [String: String] = [:]) throws -> String {
    let run = try CLI.run("git", ["-C", w.root.path] + arguments, environment: env)
    #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// A new Ed25519 key in the scratch directory (ssh-keygen), and its fingerprint as ssh-keygen prints it.
  static func newKey(_ w: TemplateWorkspace, _ name: String) throws -> (key: URL, pub: URL, fingerprint: String) {
    let key = w.scratch.url.appendingPathComponent(name)
    #expect(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.path]).status == 0)
    return (key, key.appendingPathExtension("pub"), try fingerprint(key.appendingPathExtension("pub")))
  }

  static func fingerprint(_ pub: URL) throws -> String {
    String(try CLI.run("ssh-keygen", ["-lf", pub.path]).stdout.split(separator: " ")[1])
  }

  static func keysDir(_ w: TemplateWorkspace) -> URL { w.scratch.url.appendingPathComponent("keys") }

  /// An empty key directory: acting with it (and no other key) is acting without any key at hand.
  static func noKeys(_ w: TemplateWorkspace) throws -> URL {
    let url = w.scratch.url.appendingPathComponent("no-keys")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func run(_ w: TemplateWorkspace, _ arguments: [String], as person: String, env: [String: String] = [:]) throws
    -> Run
  {
    var environment = ["POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_USER": person]
    for (key, value) in env { environment[key] = value }
    return try CLI.policyflow(arguments, environment: environment)
  }

  struct Proposal: Decodable {
    let id: String
    let member: String
    let fingerprint: String
    let signed: Bool
    let signedWith: String?
    let status: String
    let adoptedBy: String?
    let declinedBy: String?
    let declineReason: String?
  }

  static func proposals(_ w: TemplateWorkspace, all: Bool = false) throws -> [Proposal] {
    let run = try w.ok(["key", "proposals", "--json"] + (all ? ["--all"] : []))
    return try JSONDecoder().decode([Proposal].self, from: Data(run.stdout.utf8))
  }

  static func proposalID(_ run: Run) throws -> String {
    String(try #require(run.stdout.firstMatch(of: #/proposal ([0-9a-f]{10})/#)?.output.1))
  }

  @Test("propose (signed with the current key) → list → adopt: the new key signs acts that plain git verifies")
  func proposeListAdopt() throws {
    let w = try TemplateWorkspace()
    let new = try Self.newKey(w, "maja-ny")
    let old = try Self.fingerprint(Self.keysDir(w).appendingPathComponent("maja-kfu.pub"))
    let proposed = try w.ok(["key", "propose", "--key", new.pub.path, "-m", "Ny bærbar"], as: "maja-kfu")
    #expect(proposed.stdout.contains("signed with \(old)"), "\(proposed.stdout)")
    let id = try Self.proposalID(proposed)

    // The proposal is a signed commit on the policy's record: plain git verifies it with `policyflow signers`.
    let signers = try w.scratch.file("allowed_signers", try w.ok(["signers"]).stdout)
    let config = ["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers.path)"]
    let tip = try Self.git(w, ["rev-parse", "refs/policyflow/policy"])
    #expect(tip.hasPrefix(id))
    #expect(try Self.git(w, config + ["log", "-1", "--format=%G? %GF", tip]) == "G \(old)")
    let trailers = try Self.git(w, ["log", "-1", "--format=%(trailers:only)", tip])
    #expect(trailers.contains("Policyflow-Action: key-propose") && trailers.contains("Policyflow-Key: ssh-ed25519 "))

    var listed = try Self.proposals(w)
    #expect(listed.count == 1)
    #expect(listed.first?.id == id && listed.first?.member == "maja-kfu" && listed.first?.fingerprint == new.fingerprint)
    #expect(listed.first?.signed == true && listed.first?.signedWith == old && listed.first?.status == "open")
    #expect(try w.ok(["key", "proposals"]).stdout.contains(new.fingerprint))
    #expect(try w.ok(["status"]).stdout.contains("Key proposals waiting for the secretariat: \(id) (maja-kfu)"))

    // The same after the index is rebuilt from git.
    try w.ok(["reindex"])
    listed = try Self.proposals(w)
    #expect(listed.count == 1 && listed.first?.id == id)

    // Only the secretariat adopts; the refusal changes nothing.
    let before = try w.fingerprint()
    let bySelf = try w.pf(["key", "add", "maja-kfu", "--proposal", id], as: "maja-kfu")
    #expect(bySelf.status == 77 && bySelf.stderr.contains("secretariat"), "\(bySelf.stderr)")
    #expect(try w.fingerprint() == before)

    let adopted = try w.ok(["key", "add", "maja-kfu", "--proposal", id], as: "pernille-sekretariat")
    #expect(adopted.stdout.contains("Nøgle tilføjet for maja-kfu: \(new.fingerprint)"), "\(adopted.stdout)")
    #expect(adopted.stdout.contains("proposal \(id) of maja-kfu is adopted"), "\(adopted.stdout)")
    let newLine = try String(contentsOf: new.pub, encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
    #expect(try Self.git(w, ["show", "main:members.yaml"]).contains(newLine))
    #expect(try Self.proposals(w).isEmpty)
    #expect(!(try w.ok(["status"]).stdout.contains("Key proposals waiting")))
    let all = try Self.proposals(w, all: true)
    #expect(all.count == 1 && all.first?.status == "adopted" && all.first?.adoptedBy == "pernille-sekretariat")

    // Adopting it again is refused and changes nothing.
    let again = try w.pf(["key", "add", "maja-kfu", "--proposal", id], as: "pernille-sekretariat")
    #expect(again.status == 77 && again.stderr.contains("adopted already"), "\(again.stderr)")

    // The new key signs; plain git and OpenSSH accept it with the allowed-signers file policyflow prints.
    try w.ok(["submit", Self.section, w.scratch.file("k.md", Roster.areaText(Self.section)).path], as: "karen-kff")
    let comment = try Self.run(
      w, ["comment", Self.section, "-m", "Med den nye nøgle"], as: "maja-kfu",
      env: ["POLICYFLOW_SIGNING_KEY": new.key.path, "POLICYFLOW_KEYS_DIR": try Self.noKeys(w).path])
    #expect(comment.status == 0, "\(comment.stderr)")
    let signersNow = try w.scratch.file("allowed_signers_2", try w.ok(["signers"]).stdout)
    let act = try Self.git(w, ["rev-parse", "refs/policyflow/sections/\(Self.section)"])
    let verified = try CLI.run(
      "git", ["-C", w.root.path, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signersNow.path)",
        "verify-commit", act])
    #expect(verified.status == 0 && verified.stderr.contains("Good \"git\" signature"), "\(verified.stderr)")
    #expect(verified.stderr.contains(new.fingerprint), "\(verified.stderr)")
    try Self.expectSSHKeygenVerifies(w, act, signers: signersNow)
    #expect(try w.verifyFindings().isEmpty)
  }

  /// `ssh-keygen -Y verify` on the commit's signature and the payload git signs.
  static func expectSSHKeygenVerifies(_ w: TemplateWorkspace, _ commit: String, signers: URL) throws {
    let raw = try git(w, ["cat-file", "commit", commit]) + "\n"
    var payload: [Substring] = []
    var signature: [String] = []
    var inSignature = false
    for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("gpgsig ") {
        inSignature = true
        signature.append(String(line.dropFirst(7)))
        continue
      }
      if inSignature, line.hasPrefix(" ") {
        signature.append(String(line.dropFirst()))
        continue
      }
      inSignature = false
      payload.append(line)
    }
    let message = try w.scratch.file("payload-\(commit)", payload.joined(separator: "\n"))
    let sig = try w.scratch.file("payload-\(commit).sig", signature.joined(separator: "\n") + "\n")
    let author = try git(w, ["log", "-1", "--format=%ae", commit])
    let keygen = try CLI.run(
      "/bin/sh",
      ["-c", "ssh-keygen -Y verify -f '\(signers.path)' -I '\(author)' -n git -s '\(sig.path)' < '\(message.path)'"])
    #expect(keygen.status == 0, "\(keygen.stdout) \(keygen.stderr)")
  }

  @Test("decline: only the secretariat, with a reason; the proposal closes (no adoption), the member may propose again")
  func decline() throws {
    let w = try TemplateWorkspace()
    let new = try Self.newKey(w, "maja-ny")
    let id = try Self.proposalID(try w.ok(["key", "propose", "--key", new.pub.path], as: "maja-kfu"))
    let record = try Self.git(w, ["rev-parse", "refs/policyflow/policy"])

    // Not the secretariat, no reason, no such proposal: refused, nothing recorded.
    let chair = try w.pf(["key", "decline", id, "-m", "Nej"], as: "kirsten-kfu")
    #expect(chair.status == 77 && chair.stderr.contains("secretariat"), "\(chair.stderr)")
    let silent = try w.pf(["key", "decline", id, "-m", "  "], as: "pernille-sekretariat")
    #expect(silent.status == 64 && silent.stderr.contains("-m REASON"), "\(silent.stderr)")
    #expect(try w.pf(["key", "decline", "ffff0000", "-m", "Nej"], as: "pernille-sekretariat").status == 66)
    #expect(try Self.git(w, ["rev-parse", "refs/policyflow/policy"]) == record)

    let declined = try w.ok(["key", "decline", id, "-m", "Fingeraftrykket kunne ikke bekræftes"], as: "pernille-sekretariat")
    #expect(declined.stdout.contains("proposal \(id)") && declined.stdout.contains("declined"), "\(declined.stdout)")
    // On the record, signed by the secretariat, with the reason as its body and the proposal as a trailer.
    let tip = try Self.git(w, ["rev-parse", "refs/policyflow/policy"])
    let message = try Self.git(w, ["log", "-1", "--format=%B", tip])
    #expect(message.contains("Policyflow-Action: key-decline") && message.contains("Policyflow-Key-Proposal: \(id)"))
    #expect(message.contains("Fingeraftrykket kunne ikke bekræftes"))
    #expect(try Self.proposals(w).isEmpty, "a declined proposal no longer waits")
    let all = try Self.proposals(w, all: true)
    #expect(all.count == 1 && all[0].status == "declined" && all[0].declinedBy == "pernille-sekretariat")
    #expect(all[0].declineReason == "Fingeraftrykket kunne ikke bekræftes")

    // Closed once: neither adopted nor declined again; members.yaml unchanged.
    let adopt = try w.pf(["key", "add", "maja-kfu", "--proposal", id], as: "pernille-sekretariat")
    #expect(adopt.status == 77 && adopt.stderr.contains("declined"), "\(adopt.stderr)")
    #expect(try w.pf(["key", "decline", id, "-m", "Igen"], as: "pernille-sekretariat").status == 77)
    #expect(!(try Self.git(w, ["show", "main:members.yaml"]).contains(try String(contentsOf: new.pub, encoding: .utf8)
      .split(separator: " ")[1])))

    // The member proposes the same key again; that proposal is open and can be adopted.
    let again = try Self.proposalID(try w.ok(["key", "propose", "--key", new.pub.path], as: "maja-kfu"))
    #expect(again != id)
    #expect(try Self.proposals(w).map(\.id) == [again])
    try w.ok(["key", "add", "maja-kfu", "--proposal", again], as: "pernille-sekretariat")
    #expect(try Self.proposals(w, all: true).map(\.status) == ["declined", "adopted"])
    // A proposal whose key members.yaml lists already (here a plain `key add`; or an adoption interrupted after its
    // change of members.yaml) cannot be declined: the record would contradict the definition in force.
    let third = try Self.newKey(w, "maja-tredje")
    let listed = try Self.proposalID(try w.ok(["key", "propose", "--key", third.pub.path], as: "maja-kfu"))
    try w.ok(["key", "add", "maja-kfu", third.pub.path, "-m", "Direkte"], as: "pernille-sekretariat")
    #expect(try Self.proposals(w, all: true).first { $0.id == listed }?.status == "listed")
    let contradict = try w.pf(["key", "decline", listed, "-m", "Nej"], as: "pernille-sekretariat")
    #expect(contradict.status == 77 && contradict.stderr.contains("cannot be declined"), "\(contradict.stderr)")
    #expect(contradict.stderr.contains("key revoke"), "\(contradict.stderr)")
    // The same on a rebuilt index, and verify is clean.
    let before = try w.ok(["key", "proposals", "--all", "--json"]).stdout
    try w.ok(["reindex"])
    #expect(try w.ok(["key", "proposals", "--all", "--json"]).stdout == before)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a lost key: the proposal needs --lost-key, is unsigned, says it proves nothing; adopting it needs the fingerprint")
  func lostKey() throws {
    let w = try TemplateWorkspace()
    let new = try Self.newKey(w, "maja-ny")
    let without = ["POLICYFLOW_KEYS_DIR": try Self.noKeys(w).path]
    let before = try w.fingerprint()
    let refused = try Self.run(w, ["key", "propose", "--key", new.pub.path], as: "maja-kfu", env: without)
    #expect(refused.status == 77 && refused.stderr.contains("--lost-key"), "\(refused.stderr)")
    #expect(try w.fingerprint() == before)

    let proposed = try Self.run(w, ["key", "propose", "--key", new.pub.path, "--lost-key"], as: "maja-kfu", env: without)
    #expect(proposed.status == 0, "\(proposed.stderr)")
    #expect(proposed.stdout.contains("UNSIGNED") && proposed.stderr.contains("proves nothing"), "\(proposed.stderr)")
    let id = try Self.proposalID(proposed)
    #expect(!(try Self.git(w, ["cat-file", "commit", "refs/policyflow/policy"]).contains("gpgsig")))
    #expect(try Self.proposals(w).first?.signed == false)

    let unchecked = try w.fingerprint()
    let noFingerprint = try w.pf(["key", "add", "maja-kfu", "--proposal", id], as: "pernille-sekretariat")
    #expect(noFingerprint.status == 77 && noFingerprint.stderr.contains("unsigned"), "\(noFingerprint.stderr)")
    let wrong = try w.pf(
      ["key", "add", "maja-kfu", "--proposal", id, "--fingerprint", "SHA256:AAAA"], as: "pernille-sekretariat")
    #expect(wrong.status == 77 && wrong.stderr.contains("not the one"), "\(wrong.stderr)")
    #expect(try w.fingerprint() == unchecked)
    try w.ok(
      ["key", "add", "maja-kfu", "--proposal", id, "--fingerprint", new.fingerprint], as: "pernille-sekretariat")
    #expect(try Self.proposals(w, all: true).first?.status == "adopted")
    // An unsigned proposal is no finding: it is allowed, and says what it is.
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a proposal for another member is refused: by whoever holds another's key, of another's key, or forged")
  func proposalForAnotherMember() throws {
    let w = try TemplateWorkspace()
    let new = try Self.newKey(w, "maja-ny")
    let rasmusKey = Self.keysDir(w).appendingPathComponent("rasmus-kfu")
    let before = try w.fingerprint()
    // Rasmus, holding his own key, cannot propose a key in Maja's name, signed or unsigned.
    for extra in [[], ["--lost-key"]] {
      let refused = try Self.run(
        w, ["key", "propose", "--key", new.pub.path] + extra, as: "maja-kfu",
        env: ["POLICYFLOW_SIGNING_KEY": rasmusKey.path, "POLICYFLOW_KEYS_DIR": try Self.noKeys(w).path])
      #expect(refused.status == 77 && refused.stderr.contains("is the key of rasmus-kfu"), "\(refused.stderr)")
    }
    // Nobody proposes another member's key as their own.
    let taken = try w.pf(["key", "propose", "--key", rasmusKey.path + ".pub"], as: "maja-kfu")
    #expect(taken.status == 77 && taken.stderr.contains("rasmus-kfu"), "\(taken.stderr)")
    #expect(try w.fingerprint() == before)

    // Maja's proposal is adopted only for Maja.
    let id = try Self.proposalID(try w.ok(["key", "propose", "--key", new.pub.path], as: "maja-kfu"))
    let proposedState = try w.fingerprint()
    let forRasmus = try w.pf(["key", "add", "rasmus-kfu", "--proposal", id], as: "pernille-sekretariat")
    #expect(forRasmus.status == 77 && forRasmus.stderr.contains("maja-kfu's key"), "\(forRasmus.stderr)")
    #expect(try w.fingerprint() == proposedState)

    // A proposal in Maja's name written with plain git and signed with Rasmus's key takes no effect and is reported.
    let other = try Self.newKey(w, "anden")
    let otherLine = try String(contentsOf: other.pub, encoding: .utf8).split(separator: " ").prefix(2)
      .joined(separator: " ")
    let tip = try Self.git(w, ["rev-parse", "refs/policyflow/policy"])
    let message = try Self.git(w, ["log", "-1", "--format=%B", tip])
      .replacing(#/Policyflow-Key: .*/#, with: "Policyflow-Key: \(otherLine)")
      .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    try Self.forge(
      w, ref: "refs/policyflow/policy", message: message, author: try Self.author(w, tip), key: rasmusKey)
    let findings = try w.verifyFindings()
    #expect(findings.count == 1 && findings.first?.check == "record", "\(findings)")
    #expect(findings.first?.message.contains("does not list for maja-kfu") == true, "\(findings)")
    #expect(try Self.proposals(w).map(\.id) == [id])
  }

  static func author(_ w: TemplateWorkspace, _ commit: String) throws -> (name: String, email: String) {
    (try git(w, ["log", "-1", "--format=%an", commit]), try git(w, ["log", "-1", "--format=%ae", commit]))
  }

  /// Appends a commit made by plain git (as an attacker would) to `ref`: `message`, authored and committed by
  /// `author` at `date` (git's date format; now when nil), signed with `key` in git's SSH format.
  @discardableResult
  static func forge(
    _ w: TemplateWorkspace, ref: String, parent: String? = nil, message: String,
    author: (name: String, email: String), key: URL?, date: String? = nil
  ) throws -> String {
    let tip = try git(w, ["rev-parse", ref])
    let empty = try git(w, ["hash-object", "-t", "tree", "/dev/null"])
    var arguments = ["-c", "gpg.format=ssh"]
    if let key { arguments += ["-c", "user.signingkey=\(key.path)"] }
    arguments += ["commit-tree", empty, "-p", parent ?? tip, "-m", message] + (key == nil ? [] : ["-S"])
    var env = [
      "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_COMMITTER_NAME": author.name,
      "GIT_COMMITTER_EMAIL": author.email,
    ]
    if let date {
      env["GIT_AUTHOR_DATE"] = date
      env["GIT_COMMITTER_DATE"] = date
    }
    let forged = try git(w, arguments, env: env)
    _ = try git(w, ["update-ref", ref, forged, tip])
    return forged
  }

  /// Maja comments (signed with her key), the secretariat rotates her key (add the new one, revoke the old), and
  /// Rasmus comments afterwards: his action names the definition in which her old key is revoked.
  static func revokedSetting() throws -> (
    w: TemplateWorkspace, comment: String, before: String, oldKey: URL, oldFingerprint: String
  ) {
    let w = try TemplateWorkspace()
    try w.ok(["submit", section, w.scratch.file("k.md", Roster.areaText(section)).path, "-m", "Udkast"], as: "karen-kff")
    try w.ok(["comment", section, "--line", "1", "-m", "Kilde på tallene?"], as: "maja-kfu")
    let ref = "refs/policyflow/sections/\(section)"
    let comment = try git(w, ["rev-parse", ref])
    let before = try git(w, ["rev-parse", "main"])
    let new = try newKey(w, "maja-ny")
    let oldKey = keysDir(w).appendingPathComponent("maja-kfu")
    let oldFingerprint = try fingerprint(oldKey.appendingPathExtension("pub"))
    try w.ok(["key", "add", "maja-kfu", new.pub.path, "-m", "Ny bærbar"], as: "pernille-sekretariat")
    try w.ok(["key", "revoke", "maja-kfu", oldFingerprint, "-m", "Bærbar stjålet"], as: "pernille-sekretariat")
    try w.ok(["comment", section, "--line", "2", "-m", "Hvor kommer tallet fra?"], as: "rasmus-kfu")
    #expect(try git(w, ["log", "-1", "--format=%(trailers:key=Policyflow-Definition,valueonly)", ref])
      == (try git(w, ["rev-parse", "main"])))
    return (w, comment, before, oldKey, oldFingerprint)
  }

  @Test(
    "a revoked key used after revocation, naming the definition from before it, is reported and ignored — also backdated",
    arguments: [nil, "2001-02-03T04:05:06+01:00"])
  func revokedKeyAfterRevocation(date: String?) throws {
    let (w, comment, before, oldKey, oldFingerprint) = try Self.revokedSetting()
    let ref = "refs/policyflow/sections/\(Self.section)"
    let status = try w.ok(["status", "--json"]).stdout
    let comments = try CLI.sqlite(w.root, "SELECT count(*) FROM comment")
    // Her old comment's message, with another text: it names the definition from before the revocation.
    let message = try Self.git(w, ["log", "-1", "--format=%B", comment])
      .replacingOccurrences(of: "Kilde på tallene?", with: "Skrevet med den stjålne nøgle")
      .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    #expect(message.contains("Policyflow-Definition: \(before)"))
    let forged = try Self.forge(w, ref: ref, message: message, author: try Self.author(w, comment), key: oldKey, date: date)
    if let date {
      #expect(try Self.git(w, ["log", "-1", "--format=%cI", forged]) == date)
    }

    let findings = try w.verifyFindings()
    #expect(findings.count == 1 && findings.first?.check == "record", "\(findings)")
    let words = findings.first?.message ?? ""
    #expect(findings.first?.subject.contains(String(forged.prefix(10))) == true, "\(findings)")
    #expect(words.contains(oldFingerprint) && words.contains("revoked"), "\(words)")
    #expect(words.contains("whatever its commit time says"), "\(words)")
    // Ignored by the rules: nothing changed, and a rebuild agrees.
    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment") == comments)
    try w.ok(["reindex"])
    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment") == comments)
  }

  @Test("the limit: an act with the old key on a line that never saw the revocation (an offline copy) is accepted")
  func offlineLineIsTheLimit() throws {
    let (w, comment, _, oldKey, _) = try Self.revokedSetting()
    let ref = "refs/policyflow/sections/\(Self.section)"
    let message = try Self.git(w, ["log", "-1", "--format=%B", comment])
      .replacingOccurrences(of: "Kilde på tallene?", with: "Skrevet offline")
      .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    // Made on top of her own comment, as a copy that had not synced since would make it; `sync` joins the lines.
    let tip = try Self.git(w, ["rev-parse", ref])
    let apart = try Self.forge(
      w, ref: ref, parent: comment, message: message, author: try Self.author(w, comment), key: oldKey)
    let parents = [tip, apart].sorted()
    let time = try Self.git(w, ["log", "-1", "--format=%ct", tip])
    let later = max(Int(time)!, Int(try Self.git(w, ["log", "-1", "--format=%ct", apart]))!)
    let empty = try Self.git(w, ["hash-object", "-t", "tree", "/dev/null"])
    // A join as `sync` writes one (docs/sync.md): no action, both tips in id order, sync's author, the later time.
    let joinMessage = "policyflow sync: join two copies of the record"
    let join = try Self.git(
      w, ["commit-tree", empty, "-p", parents[0], "-p", parents[1], "-m", joinMessage],
      env: [
        "GIT_AUTHOR_NAME": "policyflow", "GIT_AUTHOR_EMAIL": "sync@policyflow.invalid", "GIT_COMMITTER_NAME": "policyflow",
        "GIT_COMMITTER_EMAIL": "sync@policyflow.invalid", "GIT_AUTHOR_DATE": "\(later) +0000",
        "GIT_COMMITTER_DATE": "\(later) +0000",
      ])
    _ = try Self.git(w, ["update-ref", ref, join, apart])
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE authorId='maja-kfu'") == "2")
  }

  @Test("a member removed from members.yaml: her old sign-off stays valid; her key used afterwards is reported")
  func removedMember() throws {
    let w = try TemplateWorkspace()
    try w.ok(["submit", Self.section, w.scratch.file("k.md", Roster.areaText(Self.section)).path], as: "karen-kff")
    try w.ok(["approve", Self.section, "-m", "Enig"], as: "maja-kfu")
    let ref = "refs/policyflow/sections/\(Self.section)"
    let signoff = try Self.git(w, ["rev-parse", ref])
    let members = try Self.git(w, ["show", "main:members.yaml"])
    let start = try #require(members.range(of: "  - id: maja-kfu"))
    let next = members[start.upperBound...].range(of: "\n  - id: ").map { members.index(after: $0.lowerBound) }
    var without = members
    without.removeSubrange(start.lowerBound..<(next ?? members.endIndex))
    try without.write(to: w.root.appendingPathComponent("members.yaml"), atomically: true, encoding: .utf8)
    _ = try Self.git(w, ["add", "members.yaml"])
    _ = try Self.git(
      w,
      TestKeys.signing() + [
        "-c", "user.name=Pernille Protokol", "-c", "user.email=x@example.invalid", "commit", "-qm", "Maja er stoppet",
      ])
    try w.ok(["comment", Self.section, "-m", "Maja er stoppet i udvalget"], as: "rasmus-kfu")
    #expect(try w.verifyFindings().isEmpty)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='maja-kfu'") == "1")

    // Her key, used after she left on a definition from before, is reported and ignored.
    let status = try w.ok(["status", "--json"]).stdout
    let message = try Self.git(w, ["log", "-1", "--format=%B", signoff])
      .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    try Self.forge(
      w, ref: ref, message: message, author: try Self.author(w, signoff),
      key: Self.keysDir(w).appendingPathComponent("maja-kfu"), date: "2001-02-03T04:05:06+01:00")
    let findings = try w.verifyFindings()
    #expect(findings.count == 1 && findings.first?.message.contains("no longer a member") == true, "\(findings)")
    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff WHERE personId='maja-kfu'") == "1")
  }

  @Test("through sync: a proposal made on one copy is adopted on another; an offline act with the old key is kept")
  func throughSync() throws {
    let shared = try SharedPolicy()
    let a = try shared.copy("a")
    let b = try shared.copy("b")
    try b.ok(["submit", Self.section, b.scratch.file("k.md", Roster.areaText(Self.section)).path], as: "karen-kff")
    try SyncTests.settle([a, b])

    // Copy a: Maja proposes a new key. Copy b, apart: she comments there with the old key, not having seen anything.
    let key = a.scratch.url.appendingPathComponent("maja-ny")
    #expect(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "maja", "-f", key.path]).status == 0)
    let proposed = try a.ok(["key", "propose", "--key", key.path + ".pub"], as: "maja-kfu")
    let id = String(try #require(proposed.stdout.firstMatch(of: #/proposal ([0-9a-f]{10})/#)?.output.1))
    try SyncTests.settle([a, b])
    let onB = try b.ok(["key", "proposals", "--json"]).stdout
    #expect(onB == (try a.ok(["key", "proposals", "--json"]).stdout) && onB.contains(id))

    // The secretariat adopts it on b and revokes the old key; meanwhile Maja, on a and offline, comments with it.
    try b.ok(["key", "add", "maja-kfu", "--proposal", id], as: "pernille-sekretariat")
    let old = String(
      try CLI.run("ssh-keygen", ["-lf", a.scratch.url.appendingPathComponent("keys/maja-kfu.pub").path]).stdout
        .split(separator: " ")[1])
    try b.ok(["key", "revoke", "maja-kfu", old], as: "pernille-sekretariat")
    try a.ok(["comment", Self.section, "-m", "Skrevet offline med den gamle nøgle"], as: "maja-kfu")
    try SyncTests.settle([a, b])
    try SyncTests.expectIdentical([a, b])
    // The offline comment names the definition its copy had, in which the key was listed: it stands (the rule's limit).
    #expect(try CLI.sqlite(b.root, "SELECT count(*) FROM comment WHERE authorId='maja-kfu'") == "1")
    #expect(try b.ok(["key", "proposals", "--all", "--json"]).stdout.contains("\"adopted\""))
    // From now on the old key signs nothing on either copy.
    let refused = try a.pf(["comment", Self.section, "-m", "Igen"], as: "maja-kfu")
    #expect(refused.status == 77, "\(refused.stderr)")
  }
}
