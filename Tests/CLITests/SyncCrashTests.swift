import Foundation
import Testing

/// `policyflow sync` killed dead (SIGKILL, as `kill -9` or a power cut) at each of its steps, against a bare
/// repository on a shared directory reached by plain path and by `file://`: the next `sync` completes, every action
/// that a command reported done on any copy is in the final history, and all copies end identical with a clean
/// `verify`.
@Suite("sync killed at every step: the next sync completes, nothing lost")
struct SyncCrashTests {
  static let faultPoints = [
    "sync-after-fetch", "sync-after-record", "sync-after-branches", "sync-after-main", "sync-between-pushes",
    "sync-after-push",
  ]

  /// The secretariat's workspace published to a bare repository, and two copies cloned from it: `a` by path, `b`
  /// by `file://`.
  static func published() throws -> (w: TemplateWorkspace, bare: URL, copies: [RemoteCopy]) {
    let w = try TemplateWorkspace()
    let bare = w.scratch.url.appendingPathComponent("share/policy.git")
    #expect(try CLI.run("git", ["init", "-q", "--bare", "-b", "main", bare.path]).status == 0)
    #expect(try CLI.git(["remote", "add", "origin", bare.path], in: w.root).status == 0)
    let secretariat = w.copy("secretariat")
    try secretariat.ok(["sync"])
    let a = try w.clone(bare.path, as: "a")
    let b = try w.clone("file://" + bare.path, as: "b")
    return (w, bare, [secretariat, a, b])
  }

  @Test("a sync killed at each step: the next sync completes; both copies keep every action and end identical", arguments: faultPoints)
  func syncKilled(at point: String) throws {
    let (w, bare, copies) = try Self.published()
    let (secretariat, a, b) = (copies[0], copies[1], copies[2])
    // Apart: both copies submit the same section and comment; the secretariat comments too.
    try a.ok(["submit", "social", try SyncCheck.text(w, "social", "Fra kopi a.").path, "-m", "a"], as: "sofie-sof")
    try a.ok(["comment", "social", "-m", "Kommentar på a"], as: "anders-sou")
    try b.ok(["submit", "social", try SyncCheck.text(w, "social", "Fra kopi b.").path, "-m", "b"], as: "sofie-sof")
    try b.ok(["comment", "forord", "-m", "Kommentar på b"], as: "soren-biu")
    try b.ok(["comment", "social", "-m", "Også på b"], as: "louise-sou")
    try secretariat.ok(["comment", "social", "-m", "Fra sekretariatet"], as: "pernille-sekretariat")
    try a.ok(["sync"])
    try secretariat.ok(["sync"])
    let bBefore = try b.policyRefs()
    let bOwn = try b.recordCommits().subtracting(try a.recordCommits()).subtracting(try secretariat.recordCommits())
    var done = Set<String>()
    for copy in copies { done.formUnion(try copy.recordCommits()) }

    let killed = try b.syncEnding(fault: point)
    #expect(killed.killed, "sync was not killed at \(point): \(killed.status) \(killed.stderr)")
    #expect(!killed.stdout.contains("synced with"), "a killed sync reported success: \(killed.stdout)")
    // The marker is there exactly while local refs were half joined.
    let marker = b.root.appendingPathComponent(".policyflow/sync-pending")
    #expect(
      FileManager.default.fileExists(atPath: marker.path)
        == ["sync-after-record", "sync-after-branches", "sync-after-main"].contains(point),
      "sync-pending after a kill at \(point)")
    // Killed before anything moved: b's refs are as they were; killed after the push: the remote has b's actions.
    if point == "sync-after-fetch" { #expect(try b.policyRefs() == bBefore) }
    let serverActions = Set(
      try CLI.run("git", ["--git-dir", bare.path, "rev-list", "--no-merges", "--glob=refs/policyflow"]).stdout
        .split(separator: "\n").map(String.init))
    #expect(done.isSubset(of: serverActions) == (point == "sync-after-push"), "the remote after a kill at \(point)")
    if point == "sync-between-pushes" {
      // The server has b's revision of `social` on its branch, and none of b's actions yet.
      let branch = try CLI.run("git", ["--git-dir", bare.path, "rev-parse", "refs/heads/sections/social"]).stdout
      let local = try b.git(["rev-parse", "refs/heads/sections/social"])
      #expect(branch.trimmingCharacters(in: .whitespacesAndNewlines) == local.trimmingCharacters(in: .whitespacesAndNewlines))
      #expect(!bOwn.isEmpty && bOwn.isDisjoint(with: serverActions), "\(bOwn) \(serverActions)")
    }

    // The next sync completes.
    let next = try b.pf(["sync"])
    #expect(next.status == 0, "\(point): the next sync: \(next.stderr)")
    #expect(next.stdout.contains("synced with origin"), "\(next.stdout)")
    if point == "sync-after-fetch" {
      // Nothing had moved: this sync takes in a's two actions and the secretariat's comment (its own joins of the
      // parted record refs are no actions) and sends b's three.
      #expect(next.stdout.contains("received 3 action(s), sent 3,"), "\(next.stdout)")
    }
    #expect(!FileManager.default.fileExists(atPath: marker.path))
    // And the next action on b builds on it.
    try b.ok(["comment", "social", "-m", "Efter nedbruddet"], as: "poul-sou")
    done.formUnion(try b.recordCommits())

    try SyncCheck.settle(copies, remote: bare)
    try SyncCheck.expectIdentical(copies, remote: bare, done: done)
    // Both submissions became consecutive revisions, both texts kept.
    for copy in copies {
      #expect(try CLI.sqlite(copy.root, "SELECT count(*) FROM revision WHERE sectionId='social'") == "3", "\(copy.name)")
      let texts = try CLI.sqlite(copy.root, "SELECT blobId FROM revision WHERE sectionId='social' ORDER BY number")
        .split(separator: "\n").dropFirst().map { try copy.git(["cat-file", "blob", String($0)]) }
      #expect(texts.filter { $0.contains("Fra kopi a.") }.count == 1 && texts.filter { $0.contains("Fra kopi b.") }.count == 1,
        "\(copy.name): \(texts.map { $0.suffix(20) })")
    }
  }

  @Test("a revision pushed without its record (killed between the pushes): the branch another copy joined meanwhile is brought to the revision the joined record makes latest")
  func branchWithoutItsRecordIsBroughtToTheLatestRevision() throws {
    let (w, bare, copies) = try Self.published()
    let (a, b) = (copies[1], copies[2])
    // b's submission carries the higher sequence (a comment came first), so in the joined order it is the latest.
    try b.ok(["comment", "social", "-m", "Først en bemærkning"], as: "anders-sou")
    try b.ok(["submit", "social", try SyncCheck.text(w, "social", "Fra kopi b.").path, "-m", "b"], as: "sofie-sof")
    try a.ok(["submit", "social", try SyncCheck.text(w, "social", "Fra kopi a.").path, "-m", "a"], as: "sofie-sof")
    var done = try a.recordCommits().union(try b.recordCommits())
    // b's branch reaches the server, its record does not.
    let killed = try b.syncEnding(fault: "sync-between-pushes")
    #expect(killed.killed)
    // a joins the branch knowing only its own submission: the join holds a's text.
    try a.ok(["sync"])
    #expect(try a.git(["show", "refs/heads/sections/social:sections/social.md"]).contains("Fra kopi a."))
    // b learns the whole order: its own submission is revision 2, and its branch must say so.
    try b.ok(["sync"])
    done.formUnion(try b.recordCommits())
    try SyncCheck.settle(copies, remote: bare)
    try SyncCheck.expectIdentical(copies, remote: bare, done: done)
    for copy in copies {
      let latest = try CLI.sqlite(copy.root, "SELECT blobId FROM revision WHERE sectionId='social' ORDER BY number DESC LIMIT 1")
      #expect(try copy.git(["cat-file", "blob", latest]).contains("Fra kopi b."), "\(copy.name): the latest revision")
      #expect(try copy.git(["show", "refs/heads/sections/social:sections/social.md"]).contains("Fra kopi b."), "\(copy.name)")
    }
  }

  @Test("a sync killed in the middle of integrating is finished by the next write of any kind, which says so")
  func interruptedSyncFinishedByAWrite() throws {
    let (w, bare, copies) = try Self.published()
    let (a, b) = (copies[1], copies[2])
    try a.ok(["submit", "kultur-og-fritid", try SyncCheck.text(w, "kultur-og-fritid", "Fra a.").path], as: "karen-kff")
    try a.ok(["sync"])
    try b.ok(["comment", "kultur-og-fritid", "-m", "Fra b"], as: "rasmus-kfu")
    var done = try a.recordCommits().union(try b.recordCommits())
    let killed = try b.syncEnding(fault: "sync-after-record")
    #expect(killed.killed)
    // A comment, not a sync: it finishes joining from what was fetched (no network) and then does its own work.
    let write = try b.pf(["comment", "kultur-og-fritid", "-m", "Næste"], as: "maja-kfu")
    #expect(write.status == 0, "\(write.stderr)")
    #expect(write.stderr.contains("completed an interrupted `policyflow sync origin`"), "\(write.stderr)")
    #expect(try b.state("kultur-og-fritid") == "committee_review", "a's submission is in b's index")
    #expect(try CLI.git(["rev-parse", "sections/kultur-og-fritid"], in: b.root).stdout
      == (try CLI.git(["rev-parse", "sections/kultur-og-fritid"], in: a.root).stdout))
    done.formUnion(try b.recordCommits())
    try SyncCheck.settle(copies, remote: bare)
    try SyncCheck.expectIdentical(copies, remote: bare, done: done)
  }

  @Test("random kills (POLICYFLOW_FAULT=random:30) through rounds of actions and syncs on two copies lose nothing")
  func randomKills() throws {
    let (w, bare, copies) = try Self.published()
    let (a, b) = (copies[1], copies[2])
    var done = Set<String>()
    var kills = 0
    var syncs = 0
    let sections = ["social", "forord", "kultur-og-fritid"]
    let commenters = ["social": "anders-sou", "forord": "soren-biu", "kultur-og-fritid": "rasmus-kfu"]
    for round in 0..<6 {
      for (index, copy) in [a, b].enumerated() {
        let section = sections[(round + index) % sections.count]
        try copy.ok(["comment", section, "-m", "Runde \(round) på \(copy.name)"], as: commenters[section])
        if round == 2 {
          try copy.ok(
            ["submit", "social", try SyncCheck.text(w, "social", "Runde \(round) på \(copy.name).").path], as: "sofie-sof")
        }
        done.formUnion(try copy.recordCommits())
        let ending = try copy.syncEnding(fault: "random:30")
        syncs += 1
        if ending.killed {
          kills += 1
        } else {
          #expect(ending.status == 0, "\(copy.name) round \(round): \(ending.stderr)")
        }
        done.formUnion(try copy.recordCommits())
      }
    }
    print("random kills: \(kills) of \(syncs) syncs killed")
    try SyncCheck.settle(copies, remote: bare)
    try SyncCheck.expectIdentical(copies, remote: bare, done: done)
    #expect(try CLI.sqlite(a.root, "SELECT count(*) FROM comment") == "12")
  }
}
