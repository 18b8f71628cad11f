import Foundation
import Testing

/// The definition's chain of trust: a change to main's definition counts only when a secretariat member listed before
/// it signs it; anything else is ignored by every rule and reported by `status` and `verify` until adopted or reverted.
@Suite("the definition is protected: only changes the secretariat signs are in force")
struct DefinitionTrustTests {
  static let section = "kultur-og-fritid"
  /// Rasmus is a reviewer of KFU; the edit makes him its chair too.
  static let reviewerLines = "    committees: [KFU]\n    roles: [reviewer]\n  - id: maja-kfu"
  static let chairLines = "    committees: [KFU]\n    roles: [reviewer, chair]\n  - id: maja-kfu"

  /// A workspace (signing: required) where Maja, a reviewer, has left a comment that only she, the drafter or the
  /// chair may resolve; returns the workspace and the comment's id.
  static func prepared() throws -> (TemplateWorkspace, String) {
    let w = try TemplateWorkspace()
    try w.ok(
      ["submit", section, w.scratch.file("k.md", Roster.areaText(section)).path, "-m", "Udkast"], as: "karen-kff")
    let comment = try w.ok(["comment", section, "--line", "1", "-m", "Kilde på tallene?"], as: "maja-kfu")
    let id = try #require(comment.stdout.firstMatch(of: #/comment ([0-9a-f]{10}) on/#)?.output.1)
    return (w, String(id))
  }

  static func git(_ w: TemplateWorkspace, _ arguments: [String]) throws -> String {
    let run = try CLI.git(arguments, in: w.root)
    #expect(run.status == 0, "git \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Commits members.yaml making Rasmus chair, with plain git, signed as `signer` (or unsigned); returns the commit.
  static func makeRasmusChair(_ w: TemplateWorkspace, signedAs signer: String?) throws -> String {
    let url = w.root.appendingPathComponent("members.yaml")
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text.components(separatedBy: reviewerLines).count == 2)
    try text.replacingOccurrences(of: reviewerLines, with: chairLines).write(to: url, atomically: true, encoding: .utf8)
    let signing = signer.map { TestKeys.signing(as: $0) } ?? []
    _ = try git(
      w,
      signing + [
        "-c", "user.name=Rasmus Revisor", "-c", "user.email=rasmus@example.invalid", "commit",
        "-qam", "Rasmus er formand",
      ])
    return try git(w, ["rev-parse", "main"])
  }

  static func resolveAsRasmus(_ w: TemplateWorkspace, _ id: String) throws -> Run {
    try w.pf(["resolve", id], as: "rasmus-kfu")
  }

  @Test("an unsigned members.yaml change making a reviewer chair is ignored; status and verify report it")
  func unsignedChangeIgnored() throws {
    let (w, id) = try Self.prepared()
    let before = try w.ok(["status", "--json"]).stdout
    #expect(try Self.resolveAsRasmus(w, id).status == 77)
    let forged = try Self.makeRasmusChair(w, signedAs: nil)

    let status = try w.pf(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(
      status.stderr.contains("NOT in force") && status.stderr.contains(String(forged.prefix(10))), "\(status.stderr)")
    #expect(status.stderr.contains("members.yaml") && status.stderr.contains("policyflow definition adopt"))
    // The JSON contract is unchanged: the report is on stderr.
    #expect(try w.pf(["status", "--json"]).stdout == before)

    let refused = try Self.resolveAsRasmus(w, id)
    #expect(refused.status == 77, "the unsigned chair may not resolve: \(refused.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT status FROM comment WHERE recordId LIKE '\(id)%'") == "open")

    let verify = try w.pf(["verify"])
    #expect(verify.status == 1, "\(verify.stdout)")
    let findings = try w.verifyFindings()
    #expect(findings.count == 1, "\(findings)")
    #expect(
      findings.first?.check == "definition" && findings.first?.subject == "main \(forged.prefix(10))", "\(findings)")
    #expect(findings.first?.message.contains("not signed") == true, "\(findings)")

    // A policyflow-written definition change would adopt it unseen: refused, nothing changed.
    let main = try Self.git(w, ["rev-parse", "main"])
    let edit = try w.pf(["req", "edit", "PM-1", "--text", "Ændret"], as: "pernille-sekretariat")
    #expect(edit.status == 77 && edit.stderr.contains("adopt"), "\(edit.stderr)")
    #expect(try Self.git(w, ["rev-parse", "main"]) == main)
  }

  @Test("a change signed by a member who is not of the secretariat is ignored")
  func signedByNonSecretariatIgnored() throws {
    let (w, id) = try Self.prepared()
    let forged = try Self.makeRasmusChair(w, signedAs: "rasmus-kfu")
    // git itself sees a good signature; policyflow asks whose.
    #expect(try Self.git(w, ["cat-file", "commit", forged]).contains("-----BEGIN SSH SIGNATURE-----"))
    #expect(try Self.resolveAsRasmus(w, id).status == 77)
    let findings = try w.verifyFindings()
    #expect(
      findings.contains {
        $0.check == "definition" && $0.message.contains("rasmus-kfu, who is not a member of the secretariat")
      }, "\(findings)")
  }

  @Test("a change signed by a secretariat member is in force; verify is clean")
  func signedBySecretariatInForce() throws {
    let (w, id) = try Self.prepared()
    _ = try Self.makeRasmusChair(w, signedAs: "pernille-sekretariat")
    let status = try w.pf(["status"])
    #expect(status.status == 0 && !status.stderr.contains("NOT in force"), "\(status.stderr)")
    let resolved = try Self.resolveAsRasmus(w, id)
    #expect(resolved.status == 0, "the chair may resolve: \(resolved.stderr)")
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("an unsigned change is adopted by a later commit the secretariat signs with plain git")
  func adoptedByLaterSignedCommit() throws {
    let (w, id) = try Self.prepared()
    let forged = try Self.makeRasmusChair(w, signedAs: nil)
    #expect(try Self.resolveAsRasmus(w, id).status == 77)
    // An approval-free, signed, empty commit: the secretariat adopts main's definition as it is.
    _ = try Self.git(
      w,
      TestKeys.signing() + [
        "-c", "user.name=Pernille Protokol",
        "-c", "user.email=pernille.protokol@example.invalid", "commit", "-q", "--allow-empty", "-m", "Vedtaget",
      ])
    #expect(try Self.git(w, ["rev-parse", "main^"]) == forged)
    #expect(!(try w.pf(["status"]).stderr.contains("NOT in force")))
    #expect(try Self.resolveAsRasmus(w, id).status == 0)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("definition adopt and revert: the secretariat's signed commits, through policyflow")
  func adoptAndRevertCommands() throws {
    let (w, id) = try Self.prepared()
    let original = try Self.git(w, ["show", "main:members.yaml"])
    _ = try Self.makeRasmusChair(w, signedAs: nil)
    let notSecretariat = try w.pf(["definition", "adopt"], as: "kirsten-kfu")
    #expect(notSecretariat.status == 77 && notSecretariat.stderr.contains("secretariat"), "\(notSecretariat.stderr)")

    try w.ok(["definition", "revert", "-m", "Ikke vedtaget"], as: "pernille-sekretariat")
    #expect(try Self.git(w, ["show", "main:members.yaml"]) == original)
    #expect(try Self.git(w, ["log", "-1", "--format=%s", "main"]).hasPrefix("Ændringen af definitionen i"))
    #expect(try Self.resolveAsRasmus(w, id).status == 77)
    #expect(try w.verifyFindings().isEmpty)
    #expect(try w.ok(["definition", "revert"], as: "pernille-sekretariat").stdout.contains("nothing to revert"))

    _ = try Self.makeRasmusChair(w, signedAs: nil)
    try w.ok(["definition", "adopt", "-m", "Rasmus er formand fra i dag"], as: "carsten-sekretariat")
    // git agrees the adoption is signed by Carsten (allowed signers from `policyflow signers`).
    let signers = try w.scratch.file("allowed_signers", try w.ok(["signers"]).stdout)
    let mark = try Self.git(
      w,
      [
        "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers.path)", "log", "-1",
        "--format=%G? %ae", "main",
      ])
    #expect(mark == "G carsten.kopi@example.invalid", "\(mark)")
    #expect(try Self.resolveAsRasmus(w, id).status == 0)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("clone prints the root key's fingerprint; --trust refuses another (77, nothing left) and accepts the right one")
  func cloneTrust() throws {
    let w = try TemplateWorkspace()
    let keys = w.scratch.url.appendingPathComponent("keys")
    func fingerprint(_ member: String) throws -> String {
      let run = try CLI.run("ssh-keygen", ["-lf", keys.appendingPathComponent("\(member).pub").path])
      return String(run.stdout.split(separator: " ")[1])
    }
    let root = try fingerprint("pernille-sekretariat")
    #expect(try w.ok(["definition", "root"]).stdout.hasPrefix("\(root) pernille-sekretariat "))

    let plain = try CLI.policyflow(["clone", w.root.path, w.scratch.url.appendingPathComponent("a").path])
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(plain.stdout.contains("root of trust: \(root) (pernille-sekretariat)"), "\(plain.stdout)")

    let wrong = w.scratch.url.appendingPathComponent("b")
    let refused = try CLI.policyflow(["clone", w.root.path, wrong.path, "--trust", try fingerprint("rasmus-kfu")])
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains(root) && refused.stderr.contains("changed nothing"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: wrong.path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: w.scratch.url.path).allSatisfy { !$0.hasPrefix(".b.") })

    let right = w.scratch.url.appendingPathComponent("c")
    let accepted = try CLI.policyflow(["clone", w.root.path, right.path, "--trust", root])
    #expect(accepted.status == 0, "\(accepted.stderr)")
    #expect(accepted.stdout.contains("as --trust expects"))
    #expect(try CLI.policyflow(["verify"], environment: ["POLICYFLOW_WORKSPACE": right.path]).status == 0)
  }

  @Test("key add and revoke: acts signed with a revoked key afterwards are refused; earlier ones stay valid")
  func keyRevoke() throws {
    let (w, _) = try Self.prepared()
    let oldKeys = w.scratch.url.appendingPathComponent("keys")
    let newKey = w.scratch.url.appendingPathComponent("maja-ny")
    #expect(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "maja", "-f", newKey.path]).status == 0)
    let oldFingerprint = String(
      try CLI.run("ssh-keygen", ["-lf", oldKeys.appendingPathComponent("maja-kfu.pub").path]).stdout.split(
        separator: " ")[1])

    let notSecretariat = try w.pf(["key", "add", "maja-kfu", newKey.path + ".pub"], as: "maja-kfu")
    #expect(notSecretariat.status == 77, "\(notSecretariat.stderr)")
    try w.ok(["key", "add", "maja-kfu", newKey.path + ".pub", "-m", "Ny bærbar"], as: "pernille-sekretariat")
    try w.ok(
      ["key", "revoke", "maja-kfu", oldFingerprint, "-m", "Den gamle bærbar er stjålet"], as: "pernille-sekretariat")
    let members = try Self.git(w, ["show", "main:members.yaml"])
    let oldLine = try String(contentsOf: oldKeys.appendingPathComponent("maja-kfu.pub"), encoding: .utf8)
      .split(separator: " ").prefix(2).joined(separator: " ")
    #expect(!members.contains(oldLine))
    #expect(
      members.contains(
        try String(contentsOf: newKey.appendingPathExtension("pub"), encoding: .utf8)
          .split(separator: " ").prefix(2).joined(separator: " ")))
    #expect(
      try Self.git(w, ["log", "-1", "--format=%s", "main"]) == "Nøgle tilbagekaldt for maja-kfu: \(oldFingerprint)")

    // With only the old key at hand she cannot act any more; with the new one she can.
    let withOld = try w.pf(["comment", Self.section, "-m", "Stadig mig"], as: "maja-kfu")
    #expect(withOld.status == 77, "\(withOld.stderr)")
    let withNew = try CLI.policyflow(
      ["comment", Self.section, "-m", "Med den nye nøgle"],
      environment: [
        "POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_USER": "maja-kfu", "POLICYFLOW_SIGNING_KEY": newKey.path,
      ])
    #expect(withNew.status == 0, "\(withNew.stderr)")

    // An act forged with the revoked key, decided against today's definition, takes no effect and is reported.
    let ref = "refs/policyflow/sections/\(Self.section)"
    let template = try Self.git(w, ["rev-parse", ref])
    let main = try Self.git(w, ["rev-parse", "main"])
    let message = try Self.git(w, ["log", "-1", "--format=%B", template])
      .replacingOccurrences(of: "Med den nye nøgle", with: "Forfalsket med den gamle nøgle")
      .replacingOccurrences(of: "Policyflow-Sequence: ", with: "Policyflow-Sequence: 9")
    let empty = try Self.git(w, ["hash-object", "-t", "tree", "/dev/null"])
    let forged = try CLI.run(
      "git",
      [
        "-C", w.root.path, "-c", "gpg.format=ssh", "-c",
        "user.signingkey=\(oldKeys.appendingPathComponent("maja-kfu").path)",
        "commit-tree", empty, "-p", template, "-S", "-m", message,
      ],
      environment: [
        "GIT_AUTHOR_NAME": "Maja", "GIT_AUTHOR_EMAIL": try Self.git(w, ["log", "-1", "--format=%ae", template]),
        "GIT_COMMITTER_NAME": "Maja", "GIT_COMMITTER_EMAIL": "x@example.invalid",
      ])
    #expect(forged.status == 0, "\(forged.stderr)")
    #expect(message.contains("Policyflow-Definition: \(main)"), "\(message)")
    _ = try Self.git(w, ["update-ref", ref, forged.stdout.trimmingCharacters(in: .whitespacesAndNewlines), template])
    let findings = try w.verifyFindings()
    #expect(findings.count == 1, "\(findings)")
    #expect(
      findings.first?.check == "record" && findings.first?.message.contains(oldFingerprint) == true, "\(findings)")
    // Her comment and sign-off from before the revocation still count; the key commits are in force.
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE authorId='maja-kfu'") == "2")
    #expect(!findings.contains { $0.check == "definition" })
  }

  @Test("signing: optional: an unsigned change by a secretariat member's e-mail is in force, by anybody else it is not")
  func optionalMode() throws {
    let template = try EditableTemplate()
    try template.replace(in: "policy.yaml", "signing: required", with: "signing: optional")
    let w = try CustomWorkspace(template)
    let url = w.root.appendingPathComponent("members.yaml")
    let text = try String(contentsOf: url, encoding: .utf8)
    try text.replacingOccurrences(of: Self.reviewerLines, with: Self.chairLines).write(
      to: url, atomically: true, encoding: .utf8)
    let commit = try CLI.git(
      ["-c", "user.name=R", "-c", "user.email=rasmus@example.invalid", "commit", "-qam", "x"], in: w.root)
    #expect(commit.status == 0)
    #expect(try w.pf(["status"]).stderr.contains("NOT in force"))
    _ = try CLI.git(
      [
        "-c", "user.name=Pernille Protokol", "-c", "user.email=pernille.protokol@example.invalid", "commit",
        "-q", "--allow-empty", "-m", "Vedtaget",
      ], in: w.root)
    let status = try w.pf(["status"])
    #expect(status.status == 0 && !status.stderr.contains("NOT in force"), "\(status.stderr)")
    let verify = try w.pf(["verify"])
    #expect(verify.status == 0, "\(verify.stdout)")
  }

  @Test("an unsigned root: verify reports it once the policy requires signing; clone --trust refuses it")
  func unsignedRoot() throws {
    let template = try EditableTemplate()
    try template.replace(in: "policy.yaml", "signing: required", with: "signing: optional")
    let scratch = try Scratch("pf-root")
    let root = scratch.url.appendingPathComponent("policy")
    let made = try CLI.policyflow(["init", root.path, "--template", template.url.path])
    try #require(made.status == 0, "\(made.stderr)")
    #expect(try CLI.git(["cat-file", "commit", "main"], in: root).stdout.contains("SSH SIGNATURE") == false)
    #expect(try CLI.policyflow(["verify"], environment: ["POLICYFLOW_WORKSPACE": root.path]).status == 0)

    // Under optional, an unsigned commit by a secretariat member's e-mail is authorised: here it requires signing.
    let policy = root.appendingPathComponent("policy.yaml")
    try String(contentsOf: policy, encoding: .utf8).replacingOccurrences(
      of: "signing: optional", with: "signing: required"
    )
    .write(to: policy, atomically: true, encoding: .utf8)
    #expect(
      try CLI.git(
        [
          "-c", "user.name=Pernille Protokol", "-c", "user.email=pernille.protokol@example.invalid",
          "commit", "-qam", "Underskrift kræves",
        ], in: root
      ).status == 0)
    let verify = try CLI.policyflow(["verify", "--json"], environment: ["POLICYFLOW_WORKSPACE": root.path])
    #expect(verify.status == 1)
    let report = try JSONDecoder().decode(VerifyReportJSON.self, from: Data(verify.stdout.utf8))
    #expect(report.findings.count == 1, "\(report.findings)")
    #expect(
      report.findings.first?.check == "definition" && report.findings.first?.message.contains("first commit") == true)

    let refused = try CLI.policyflow(
      ["clone", root.path, scratch.url.appendingPathComponent("copy").path, "--trust", "SHA256:abc"])
    #expect(refused.status == 77 && refused.stderr.contains("not signed"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("copy").path))
  }
}
