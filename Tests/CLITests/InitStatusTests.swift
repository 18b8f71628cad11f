import Foundation
import Testing

@Suite("init and status through the binary")
struct InitStatusTests {
  @Test("init makes a git repository that git fsck accepts, with one commit on main by a person")
  func initCreatesRepository() throws {
    let workspace = try TemplateWorkspace()
    let fsck = try CLI.git(["fsck", "--strict"], in: workspace.root)
    #expect(fsck.status == 0, "git fsck: \(fsck.stderr)")
    let log = try CLI.git(["log", "main", "--format=%an <%ae>|%cn|%s"], in: workspace.root)
    let lines = log.stdout.split(separator: "\n")
    #expect(lines.count == 1)
    #expect(lines.first?.hasPrefix("Pernille Protokol <") == true, "author: \(log.stdout)")
    #expect(!log.stdout.contains("policyflow <"), "no bot author")
    // main has the manifest etc. but no section text.
    let tree = try CLI.git(["ls-tree", "-r", "--name-only", "main"], in: workspace.root).stdout
    #expect(tree.contains("policy.yaml") && tree.contains("members.yaml"))
    #expect(tree.contains("requirements/workshop-2022.yaml") && tree.contains("workflows/section-review.yaml"))
    #expect(!tree.contains("sections/"))
    // Each section: revision 0 on its own branch, holding the template text byte for byte.
    let branches = try CLI.git(["branch", "--list", "sections/*", "--format=%(refname:short)"], in: workspace.root)
    #expect(branches.stdout.split(separator: "\n").count == 12)
    let forord = try CLI.git(["show", "sections/forord:sections/forord.md"], in: workspace.root).stdout
    #expect(forord == (try workspace.templateText("forord")))
    // The work tree shows main and git status is clean (the database is excluded).
    #expect(try CLI.git(["status", "--porcelain"], in: workspace.root).stdout.isEmpty)
    #expect(try CLI.sqlite(workspace.root, "SELECT count(*) FROM section WHERE state = 'draft'") == "12")
    #expect(try CLI.sqlite(workspace.root, "SELECT count(*) FROM requirement") == "31")
  }

  @Test("init refuses an existing workspace and a non-empty directory, leaving them intact")
  func initRefusesTwice() throws {
    let workspace = try TemplateWorkspace()
    let before = try workspace.fingerprint()
    let again = try CLI.policyflow(["init", workspace.root.path])
    #expect(again.status == 77)
    #expect(again.stderr.contains("already is a policyflow workspace"))
    #expect(try workspace.fingerprint() == before)

    let scratch = try Scratch()
    _ = try scratch.file("notes.txt", "mine")
    let nonEmpty = try CLI.policyflow(["init", scratch.url.path])
    #expect(nonEmpty.status == 77)
    #expect(nonEmpty.stderr.contains("is not empty"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["notes.txt"])
  }

  @Test("status --json lists every section with owners; ØKF spelled right")
  func statusJSON() throws {
    let workspace = try TemplateWorkspace()
    let result = try workspace.pf(["status", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let sections = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    #expect(sections.map { $0["id"] as? String } == [
      "forord", "indledning", "pejlemaerker", "principper", "beskaeftigelse", "by-og-bolig", "kultur-og-fritid",
      "social", "sundhed-og-omsorg", "boern-og-unge", "tilblivelsen", "statistiske-definitioner",
    ])
    let joint = try #require(sections.first { $0["id"] as? String == "by-og-bolig" })
    #expect(joint["owners"] as? [String] == ["TMF", "ØKF"])
    #expect(joint["committees"] as? [String] == ["TMU", "ØU"])
    #expect(joint["state"] as? String == "draft")
    #expect(joint["latestRevision"] as? Int == 0)
    #expect((joint["blockers"] as? [String])?.first?.contains("Teknik- og Miljøforvaltningen") == true)
  }

  @Test("status on a terminal-less stdout prints a table; one section by id")
  func statusTable() throws {
    let workspace = try TemplateWorkspace()
    let result = try workspace.pf(["status"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("Københavns Kommunes Integrations- og medborgerskabspolitik 2023-2026"))
    #expect(result.stdout.contains("TMF+ØKF"))
    let one = try workspace.pf(["status", "social", "--json"])
    #expect(one.stdout.contains("\"id\" : \"social\"") && !one.stdout.contains("\"forord\""))
    let unknown = try workspace.pf(["status", "../../etc"])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("unknown section"))
  }

  @Test("the workspace is found from a subdirectory, and identity by --as, POLICYFLOW_USER or git email")
  func discoveryAndIdentity() throws {
    let workspace = try TemplateWorkspace()
    let sub = workspace.root.appendingPathComponent("requirements")
    let found = try CLI.policyflow(["status", "--json"], in: sub)
    #expect(found.status == 0)
    let nowhere = try CLI.policyflow(["status"], in: FileManager.default.temporaryDirectory)
    #expect(nowhere.status == 66)
    #expect(nowhere.stderr.contains("no policyflow workspace"))
    // git user.email identifies the person when nothing else does.
    _ = try CLI.git(["config", "user.email", "anne.eksempel@example.invalid"], in: workspace.root)
    let text = try workspace.templateText("forord")
    let file = try workspace.scratch.file("forord.md", text + "\nNy linje.\n")
    let submitted = try CLI.policyflow(["submit", "forord", file.path], in: workspace.root)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    #expect(try CLI.sqlite(workspace.root, "SELECT authorId FROM revision WHERE number = 1") == "anne-bif")
    let stranger = try workspace.pf(["approve", "forord"], as: "nobody-here")
    #expect(stranger.status == 66)
    #expect(stranger.stderr.contains("unknown person"))
  }

  @Test("department codes match case-insensitively and in NFD: økf and ØKF name the same department")
  func unicodeCodes() throws {
    let workspace = try TemplateWorkspace()
    let nfd = "Ø".decomposedStringWithCanonicalMapping + "KF"
    #expect(nfd.unicodeScalars.count == 3 || nfd == "ØKF")
    for spelling in ["ØKF", "økf", nfd, "Økf", "  økf "] {
      let result = try workspace.pf(["status", "--department", spelling, "--json"])
      #expect(result.status == 0, "\(spelling): \(result.stderr)")
      let sections = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
      #expect(sections?.map { $0["id"] as? String } == ["by-og-bolig"], "\(spelling)")
    }
    let committee = try workspace.pf(["status", "--committee", "øu", "--json"])
    #expect(committee.stdout.contains("by-og-bolig"))
    let unknown = try workspace.pf(["status", "--department", "XYZ"])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("unknown department"))
    #expect(unknown.stderr.contains("ØKF"))
  }
}

@Suite("finding the default template")
struct TemplateDiscoveryTests {
  @Test("an installed binary finds PREFIX/share/policyflow from any directory, also through PATH")
  func installedLayout() throws {
    let prefix = try Scratch("pf-prefix")
    let bin = prefix.url.appendingPathComponent("bin")
    let share = prefix.url.appendingPathComponent("share/policyflow")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: CLI.binary, to: bin.appendingPathComponent("policyflow"))
    for name in ["repo-template", "workflows"] {
      try FileManager.default.copyItem(
        at: CLI.packageRoot.appendingPathComponent(name), to: share.appendingPathComponent(name))
    }
    let target = prefix.url.appendingPathComponent("kbh")
    let result = try CLI.run(
      "policyflow", ["init", target.path, "--generate-keys", TestKeys.shared.path],
      in: URL(fileURLWithPath: "/"),
      environment: ["PATH": bin.path + ":/usr/bin:/bin"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent(".policyflow/policy.sqlite").path))
    // An explicit --template wins; a directory without policy.yaml is refused with exit 66.
    let bogus = try Scratch()
    let refused = try CLI.policyflow(["init", bogus.url.appendingPathComponent("w").path, "--template", bogus.url.path])
    #expect(refused.status == 66)
    #expect(refused.stderr.contains("no policy.yaml"))
  }
}
