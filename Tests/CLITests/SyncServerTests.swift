import Foundation
import Testing

/// `policyflow sync` and `clone` against real servers started once for this suite by `scripts/test-servers`:
/// gitolite on a private sshd, where each department's SSH key may push only its own sections' branches, and
/// git-http-backend behind apache2 with TLS from a test CA and basic authentication. Every copy is driven through the
/// binary, with the credentials a member would configure (POLICYFLOW_SSH_KEY, POLICYFLOW_KNOWN_HOSTS,
/// POLICYFLOW_HTTP_USER/PASSWORD, POLICYFLOW_CA_FILE).
@Suite("sync against real servers (gitolite over SSH, HTTPS)", .serialized, .syncServers)
struct SyncServerTests {
  /// The members that log in to gitolite in these tests (one SSH key each, apart from their signing keys).
  static let logins = ["pernille-sekretariat", "karen-kff", "sofie-sof", "rasmus-kfu"]

  /// The secretariat may create every section branch (it publishes the workspace); each department only its own
  /// sections' branches; `main`, the record and the tags are open to every member (signatures and the rules protect
  /// them, not the server). RW, not RW+: nobody rewinds or deletes.
  static func gitoliteConf(_ repository: String) -> String {
    """
    repo gitolite-admin
        RW+                                         =   admin

    repo \(repository)
        R                                           =   @all
        RW  refs/heads/sections/                    =   pernille-sekretariat
        RW  refs/heads/sections/kultur-og-fritid$   =   karen-kff
        RW  refs/heads/sections/social$             =   sofie-sof
        RW  refs/heads/main$                        =   @all
        RW  refs/policyflow/                        =   @all
        RW  refs/tags/                              =   @all

    """
  }

  @Test("gitolite: departments' clones act apart and sync to identical copies; a push to another department's branch is refused (77), nothing lost")
  func gitolite() throws {
    let servers = try syncServers()
    for login in Self.logins { try servers.makeKey(login) }
    let name = "sync-\(UUID().uuidString.prefix(8).lowercased())"
    try servers.configureGitolite(Self.gitoliteConf(name))
    let url = servers.sshURL(name)
    let server = servers.gitoliteRepository(name)

    // The secretariat publishes its workspace.
    let w = try TemplateWorkspace()
    #expect(try CLI.git(["remote", "add", "origin", url], in: w.root).status == 0)
    let secretariat = w.copy("secretariat", environment: servers.ssh("pernille-sekretariat"))
    let published = try secretariat.ok(["sync"])
    #expect(published.stdout.contains("synced with origin"), "\(published.stdout)")
    #expect(try RemoteCopy.policyRefs(of: server) == (try secretariat.policyRefs()))

    // Each member clones with their own key.
    let karen = try w.clone(url, as: "karen", environment: servers.ssh("karen-kff"))
    let sofie = try w.clone(url, as: "sofie", environment: servers.ssh("sofie-sof"))
    let kfu = try w.clone(url, as: "kfu", environment: servers.ssh("rasmus-kfu"))
    let copies = [secretariat, karen, sofie, kfu]
    for copy in copies.dropFirst() {
      #expect(try copy.sharedOutputs() == (try secretariat.sharedOutputs()), "\(copy.name) after clone")
    }

    // Apart: each department submits its own section and comments on the other's.
    try karen.ok(["submit", "kultur-og-fritid", try SyncCheck.text(w, "kultur-og-fritid", "Karens udkast.").path, "-m", "Udkast"], as: "karen-kff")
    try karen.ok(["comment", "social", "-m", "Hvad med foreningerne?"], as: "karen-kff")
    try sofie.ok(["submit", "social", try SyncCheck.text(w, "social", "Sofies udkast.").path, "-m", "Udkast"], as: "sofie-sof")
    try sofie.ok(["comment", "kultur-og-fritid", "-m", "Husk biblioteket"], as: "sofie-sof")
    try SyncCheck.settle(copies, remote: server)
    // The secretariat answers the sections' requirements on the revisions all copies now share.
    try w.waiveTargets(of: "kultur-og-fritid")
    try w.waiveTargets(of: "social")
    try SyncCheck.settle(copies, remote: server)
    for copy in copies {
      #expect(try copy.state("kultur-og-fritid") == "committee_review", "\(copy.name)")
      #expect(try copy.state("social") == "committee_review", "\(copy.name)")
    }

    // Apart again: the culture committee signs off on its machine, the social committee on Sofie's; both sections
    // reach approval on two different mains, which sync joins.
    for signer in Roster.signers("kultur-og-fritid") { try kfu.ok(["approve", "kultur-og-fritid"], as: signer) }
    for signer in Roster.signers("social") { try sofie.ok(["approve", "social"], as: signer) }
    #expect(try kfu.state("kultur-og-fritid") == "approved")
    #expect(try sofie.state("social") == "approved")
    try karen.ok(["comment", "forord", "-m", "Et ord om forordet"], as: "karen-kff")
    var done = Set<String>()
    for copy in copies { done.formUnion(try copy.recordCommits()) }
    try SyncCheck.settle(copies, remote: server)
    try SyncCheck.expectIdentical(copies, remote: server, done: done)
    for copy in copies {
      #expect(try copy.state("kultur-og-fritid") == "approved" && copy.state("social") == "approved", "\(copy.name)")
      let main = try copy.git(["show", "main:sections/kultur-og-fritid.md"]) + copy.git(["show", "main:sections/social.md"])
      #expect(main.contains("Karens udkast.") && main.contains("Sofies udkast."), "\(copy.name): main lacks an approved text")
      #expect(try String(contentsOf: copy.root.appendingPathComponent("sections/social.md"), encoding: .utf8)
        .contains("Sofies udkast."), "\(copy.name): the work tree is not main")
    }

    // Karen acts as Sofie (with Sofie's signing key) on Sofie's section, and syncs with her own SSH key: the server
    // declines refs/heads/sections/social, sync says so and exits 77, and nothing of it reaches the remote.
    try karen.ok(["submit", "social", try SyncCheck.text(w, "social", "Karen skriver for Sofie.").path], as: "sofie-sof")
    try karen.ok(["comment", "kultur-og-fritid", "-m", "Og en kommentar"], as: "karen-kff")
    let serverBefore = try RemoteCopy.policyRefs(of: server)
    let karenActions = try karen.recordCommits()
    let karenBranch = try karen.git(["rev-parse", "sections/social"])
    let refused = try karen.pf(["sync"])
    #expect(refused.status == 77, "\(refused.status): \(refused.stdout) \(refused.stderr)")
    #expect(refused.stderr.contains("refs/heads/sections/social"), "\(refused.stderr)")
    #expect(refused.stderr.contains("DENIED") && refused.stderr.contains("karen-kff"), "gitolite's words: \(refused.stderr)")
    #expect(!refused.stderr.contains("internal error"), "\(refused.stderr)")
    // The remote: unchanged (no record ref naming a revision it does not hold).
    #expect(try RemoteCopy.policyRefs(of: server) == serverBefore)
    // Karen's copy: everything still there, and still waiting to be sent.
    #expect(karenActions.isSubset(of: try karen.recordCommits()))
    #expect(try karen.git(["rev-parse", "sections/social"]) == karenBranch)
    let pending = try karen.ok(["sync", "--status"])
    #expect(pending.stdout.contains("2 action(s) of this copy not yet on origin"), "\(pending.stdout)")
    try karen.expectVerifyClean()
    // The others sync on unharmed.
    for copy in [secretariat, sofie, kfu] {
      let synced = try copy.ok(["sync"])
      #expect(synced.stdout.contains("received 0 action(s)"), "\(copy.name): \(synced.stdout)")
      try copy.expectVerifyClean()
    }

    // Sofie takes the text over on her own machine: the same revision, signed by her, synced with her key.
    try sofie.ok(["submit", "social", try SyncCheck.text(w, "social", "Sofie skriver selv.").path], as: "sofie-sof")
    try sofie.ok(["sync"])
    #expect(try RemoteCopy.policyRefs(of: server) != serverBefore)
  }

  @Test("HTTPS: clone and sync with the test CA; without it the unknown certificate is refused (69), nothing changed")
  func https() throws {
    let servers = try syncServers()
    let name = "sync-\(UUID().uuidString.prefix(8).lowercased())"
    try servers.makeHTTPSRepository(name)
    let url = servers.httpsURL(name)
    let server = servers.httpsRepository(name)

    let w = try TemplateWorkspace()
    #expect(try CLI.git(["remote", "add", "origin", url], in: w.root).status == 0)
    let secretariat = w.copy("secretariat", environment: servers.https(trustingCA: true))
    try secretariat.ok(["sync"])
    #expect(try RemoteCopy.policyRefs(of: server) == (try secretariat.policyRefs()))

    // Without the CA: the clone is refused before anything is sent, and leaves no directory.
    let untrusted = try CLI.policyflow(["clone", url, "untrusted"], in: w.scratch.url, environment: servers.https(trustingCA: false))
    #expect(untrusted.status == 69, "\(untrusted.status): \(untrusted.stderr)")
    #expect(untrusted.stderr.contains("certificate") && untrusted.stderr.contains("POLICYFLOW_CA_FILE"), "\(untrusted.stderr)")
    #expect(!FileManager.default.fileExists(atPath: w.scratch.url.appendingPathComponent("untrusted").path))

    let copy = try w.clone(url, as: "copy", environment: servers.https(trustingCA: true))
    try copy.ok(["submit", "by-og-bolig", try SyncCheck.text(w, "by-og-bolig", "Over HTTPS.").path], as: "tine-tmf")
    try copy.ok(["comment", "by-og-bolig", "-m", "Via HTTPS"], as: "peter-tmu")
    try secretariat.ok(["comment", "forord", "-m", "Fra sekretariatet"], as: "pernille-sekretariat")

    // The same sync without the CA: refused with the certificate named, nothing changed on either side.
    let serverBefore = try RemoteCopy.policyRefs(of: server)
    let before = try CLI.fingerprint(of: copy.root)
    let refused = try copy.pf(["sync"], environment: servers.https(trustingCA: false))
    #expect(refused.status == 69, "\(refused.status): \(refused.stderr)")
    #expect(refused.stderr.contains("certificate"), "\(refused.stderr)")
    #expect(try CLI.fingerprint(of: copy.root) == before)
    #expect(try RemoteCopy.policyRefs(of: server) == serverBefore)

    var done = try copy.recordCommits().union(try secretariat.recordCommits())
    try SyncCheck.settle([copy, secretariat], remote: server)
    done.formUnion(try copy.recordCommits())
    try SyncCheck.expectIdentical([secretariat, copy], remote: server, done: done)
    #expect(try secretariat.state("by-og-bolig") == "committee_review")

    // A personal access token instead of a password, as GitLab and Gitea hand them out: POLICYFLOW_HTTP_TOKEN, the
    // user from the URL (the test server's password serves as the token).
    let user = servers["PF_HTTPS_USER"]
    let withUser = url.replacingOccurrences(of: "https://", with: "https://\(user)@")
    #expect(try CLI.git(["remote", "set-url", "origin", withUser], in: copy.root).status == 0)
    func token(_ value: String) -> [String: String] {
      var environment = servers.https(trustingCA: true)
      environment["POLICYFLOW_HTTP_USER"] = ""
      environment["POLICYFLOW_HTTP_PASSWORD"] = ""
      environment["POLICYFLOW_HTTP_TOKEN"] = value
      return environment
    }
    try copy.ok(["comment", "by-og-bolig", "-m", "Med en token"], as: "peter-tmu")
    let wrongBefore = try RemoteCopy.policyRefs(of: server)
    let wrong = try copy.pf(["sync"], environment: token("forkert-token"))
    #expect(wrong.status == 69, "\(wrong.status): \(wrong.stderr)")
    #expect(try RemoteCopy.policyRefs(of: server) == wrongBefore)
    let withToken = try copy.pf(["sync"], environment: token(servers["PF_HTTPS_PASSWORD"]))
    #expect(withToken.status == 0, "\(withToken.stderr)")
    #expect(try RemoteCopy.policyRefs(of: server) == (try copy.policyRefs()))
  }
}
