import Foundation
import Testing

@Suite("comments through the binary: anchoring across revisions, blocking, threads, diff, history")
struct CommentTests {
  static let section = "kultur-og-fritid"

  /// Revision 1: fifteen lines with the three required headings.
  static let revision1 = """
    ## Situationen i København

    Linje A om foreninger.
    Linje B om biblioteker.
    Linje C om idræt.

    ## Det gør vi allerede

    Linje D om kulturhuse.
    Linje E om frivillige.

    ## Det vil vi arbejde for fremadrettet

    Linje F om fællesskaber.
    Linje G om sprog.

    """

  /// Revision 2: two lines inserted after A, C deleted, E and G changed; B, D and F shift.
  static let revision2 = """
    ## Situationen i København

    Linje A om foreninger.
    Ny linje X.
    Ny linje Y.
    Linje B om biblioteker.

    ## Det gør vi allerede

    Linje D om kulturhuse.
    Linje E om frivillige foreninger.

    ## Det vil vi arbejde for fremadrettet

    Linje F om fællesskaber.
    Linje G om dansk sprog.

    """

  func submit(_ w: TemplateWorkspace, _ text: String, _ name: String) throws {
    let result = try w.pf(["submit", Self.section, try w.scratch.file(name, text).path, "-m", name], as: "karen-kff")
    #expect(result.status == 0, "submit \(name): \(result.stderr)")
  }

  /// The id a `comment` command printed (`comment <id> on <section> revision N…`): the first 10 hex characters
  /// of the record commit that made it, which must be a commit on the section's record ref.
  static func printedId(_ w: TemplateWorkspace, _ result: Run, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> String
  {
    let match = try #require(
      result.stdout.firstMatch(of: #/^comment ([0-9a-f]{10}) on ([a-z-]+) revision [0-9]+/#),
      "comment printed: \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
    let id = String(match.output.1)
    let commit = try CLI.git(["rev-parse", "--verify", "--quiet", "\(id)^{commit}"], in: w.root).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(commit.hasPrefix(id), "\(id) names no commit", sourceLocation: sourceLocation)
    #expect(
      try CLI.git(["merge-base", "--is-ancestor", commit, "refs/policyflow/sections/\(match.output.2)"], in: w.root)
        .status == 0, "\(id) is not on the record ref of \(match.output.2)", sourceLocation: sourceLocation)
    return id
  }

  /// Comments on `line` (or no line) of the latest revision; returns the new comment's id.
  func comment(
    _ w: TemplateWorkspace, _ line: String?, _ text: String, as person: String = "rasmus-kfu",
    blocking: Bool = false
  ) throws -> String {
    var arguments = ["comment", Self.section, "-m", text]
    if let line { arguments += ["--line", line] }
    if blocking { arguments.append("--blocking") }
    let result = try w.pf(arguments, as: person)
    #expect(result.status == 0, "comment: \(result.stderr)")
    return try Self.printedId(w, result)
  }

  func threads(_ w: TemplateWorkspace, open: Bool = false) throws -> [String: [String: Any]] {
    let result = try w.pf(["comments", Self.section, "--json"] + (open ? ["--open"] : []))
    #expect(result.status == 0, "\(result.stderr)")
    let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    let ids = list.map { $0["id"] as? String ?? "not a string: \($0["id"] ?? "none")" }
    #expect(Set(ids).count == ids.count, "thread ids are not unique: \(ids)")
    return Dictionary(zip(ids, list), uniquingKeysWith: { first, _ in first })
  }

  @Test("comments on revision 1 follow shifted lines into revision 2; comments on changed lines become outdated")
  func reanchoring() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    let onA = try comment(w, "3", "A står godt")
    let onB = try comment(w, "4", "B: hvilke biblioteker?")
    let onC = try comment(w, "5", "C bør udgå")
    let onDE = try comment(w, "9-10", "D og E hænger sammen")
    let onF = try comment(w, "14", "F er vigtig", as: "maja-kfu")
    let onG = try comment(w, "15", "G: hvilket sprog?")
    let general = try comment(w, nil, "Generelt fint")
    try submit(w, Self.revision2, "r2.md")

    let all = try threads(w)
    #expect(all.count == 7)
    // (lines, anchorRevision, outdated, quoted) per comment.
    let expected: [(String, String, Int, Bool, [String])] = [
      (onA, "3", 2, false, ["Linje A om foreninger."]),
      (onB, "6", 2, false, ["Linje B om biblioteker."]),
      (onC, "5", 1, true, ["Linje C om idræt."]),
      (onDE, "9-10", 1, true, ["Linje D om kulturhuse.", "Linje E om frivillige."]),
      (onF, "15", 2, false, ["Linje F om fællesskaber."]),
      (onG, "15", 1, true, ["Linje G om sprog."]),
    ]
    for (id, lines, anchor, outdated, quoted) in expected {
      let thread = try #require(all[id], "comment #\(id) missing")
      #expect(thread["lines"] as? String == lines, "#\(id): \(thread)")
      #expect(thread["anchorRevision"] as? Int == anchor, "#\(id): \(thread)")
      #expect(thread["revision"] as? Int == 1, "#\(id)")
      #expect(thread["outdated"] as? Bool == outdated, "#\(id): \(thread)")
      #expect(thread["quoted"] as? [String] == quoted, "#\(id): \(thread)")
      #expect(thread["status"] as? String == "open")
      #expect((thread["entries"] as? [[String: Any]])?.count == 1)
    }
    let generalThread = try #require(all[general])
    #expect(generalThread["lines"] == nil || generalThread["lines"] is NSNull)
    #expect(generalThread["outdated"] as? Bool == false)
    // The quoted lines are still on the new lines of revision 2 for the re-anchored comments.
    let r2 = Self.revision2.components(separatedBy: "\n")
    #expect(r2[6 - 1] == "Linje B om biblioteker.")
    #expect(r2[15 - 1] == "Linje F om fællesskaber.")

    // show --line-numbers marks exactly the re-anchored comments, on their lines of revision 2.
    let shown = try w.pf(["show", Self.section, "--line-numbers"])
    #expect(shown.status == 0, "\(shown.stderr)")
    let marks: [Int: String] = [3: "◆ #\(onA)", 6: "◆ #\(onB)", 15: "◆ #\(onF)"]
    let lines = shown.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 16)
    for (index, line) in lines.enumerated() {
      let number = index + 1
      let expected = String(format: "%2d │ ", number) + r2[index] + (marks[number].map { " " + $0 } ?? "")
      #expect(line == expected)
    }
    // A resolved thread no longer marks its line.
    #expect(try w.pf(["resolve", onB], as: "rasmus-kfu").status == 0)
    let afterResolve = try w.pf(["show", Self.section, "--line-numbers"]).stdout.split(separator: "\n")
    #expect(!afterResolve[5].contains("◆"), "\(afterResolve[5])")
    #expect(afterResolve[2].hasSuffix("◆ #\(onA)"))
    // --open lists open threads only; the text output says which are outdated.
    #expect(try threads(w, open: true).keys.sorted() == [onA, onC, onDE, onF, onG, general].sorted())
    let text = try w.pf(["comments", Self.section]).stdout
    #expect(text.contains("#\(onC) [open, outdated] revision 1, line 5"), "\(text)")
    #expect(text.contains("#\(onF) [open] revision 1, line 15 (now in revision 2)"), "\(text)")
    #expect(try w.pf(["verify"]).status == 0)
  }

  @Test("a comment on an older revision follows its own lines into a new revision, not the previous revision's")
  func olderRevisionComment() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    // Revision 0 is the template: the three headings on lines 1, 3 and 5.
    let onHeading = try w.pf(
      ["comment", Self.section, "-m", "Overskriften", "--revision", "0", "--line", "3"], as: "rasmus-kfu")
    #expect(onHeading.status == 0, "\(onHeading.stderr)")
    let id = try Self.printedId(w, onHeading)
    try submit(w, Self.revision2, "r2.md")
    let thread = try #require(try threads(w)[id])
    #expect(thread["quoted"] as? [String] == ["## Det gør vi allerede"])
    // The heading is line 8 of revision 2 and unchanged since revision 0.
    let r2 = Self.revision2.components(separatedBy: "\n")
    #expect(r2[8 - 1] == "## Det gør vi allerede")
    #expect(thread["outdated"] as? Bool == false, "\(thread)")
    #expect(thread["lines"] as? String == "8", "\(thread)")
    #expect(thread["anchorRevision"] as? Int == 2, "\(thread)")
    let shown = try w.pf(["show", Self.section, "--line-numbers"]).stdout.split(separator: "\n")
    #expect(shown[7].hasSuffix("## Det gør vi allerede ◆ #\(id)"), "\(shown[7])")
    #expect(!shown[2].contains("◆"), "\(shown[2])")
  }

  @Test("a blocking comment holds approval back until resolved; resolving it completes the approval")
  func blockingComment() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    let blocker = try comment(w, "4", "Bibliotekerne skal nævnes ved navn", as: "maja-kfu", blocking: true)
    let harmless = try comment(w, "3", "Bare en bemærkning")
    for requirement in try w.requirementsTargeting(Self.section) {
      #expect(try w.pf(["req", "waive", requirement, Self.section, "-m", "Senere"], as: "pernille-sekretariat").status == 0)
    }
    for person in ["rasmus-kfu", "maja-kfu", "kirsten-kfu"] {
      let approved = try w.pf(["approve", Self.section], as: person)
      #expect(approved.status == 0, "\(person): \(approved.stderr)")
    }
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='\(Self.section)'") == "committee_review")
    let mainBefore = try CLI.git(["rev-parse", "main"], in: w.root).stdout
    let status = try w.pf(["status", Self.section, "--json"]).stdout
    #expect(status.contains("blocking comment #\(blocker) is open"), "\(status)")
    #expect(!status.contains("#\(harmless)"))
    #expect(try w.pf(["status"]).stdout.contains("\(Self.section): blocking comment #\(blocker) is open"))

    // Resolving the harmless one changes nothing about the approval.
    #expect(try w.pf(["resolve", harmless], as: "rasmus-kfu").status == 0)
    #expect(try CLI.sqlite(w.root, "SELECT state FROM section WHERE id='\(Self.section)'") == "committee_review")
    // The drafter whose text it holds back may not resolve the blocking one (the workflow's default permissions).
    let before = try w.fingerprint()
    let refused = try w.pf(["resolve", blocker, "-m", "Klaret"], as: "karen-kff")
    #expect(refused.status == 77 && refused.stderr.contains("its author"), "\(refused.stderr)")
    #expect(try w.fingerprint() == before)
    // Its author resolves it: the three pending sign-offs now fire the approval.
    let resolved = try w.pf(["resolve", blocker, "-m", "Navne tilføjet i note"], as: "maja-kfu")
    #expect(resolved.status == 0, "\(resolved.stderr)")
    #expect(resolved.stdout.contains("approved text is on main"), "\(resolved.stdout)")
    #expect(
      try CLI.sqlite(w.root, "SELECT state||'/'||approvedRevision FROM section WHERE id='\(Self.section)'")
        == "approved/1")
    let message = try CLI.git(["log", "main", "-1", "--format=%an|%B"], in: w.root).stdout
    #expect(message.hasPrefix("Maja Mellemrum|Godkendt: Kultur- og fritidsområdet, revision 1"), "\(message)")
    #expect(message.contains("Policyflow-Section: \(Self.section)"))
    #expect(try CLI.git(["rev-parse", "main~1"], in: w.root).stdout == mainBefore)
    #expect(try CLI.git(["show", "main:sections/\(Self.section).md"], in: w.root).stdout == Self.revision1)
    let trailers = try CLI.git(["log", "main", "-1", "--format=%(trailers:key=Signed-off-by,valueonly)"], in: w.root)
    #expect(trailers.stdout.split(separator: "\n").count == 3)
    #expect(try w.pf(["verify"]).status == 0)
  }

  @Test("policyflow diff agrees with git diff of the same two revisions and has no colour off a terminal")
  func diffAgreesWithGit() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    try submit(w, Self.revision2, "r2.md")
    let commits = try CLI.sqlite(
      w.root,
      "SELECT group_concat(commitId, ' ') FROM (SELECT commitId FROM revision WHERE sectionId='\(Self.section)' "
        + "AND number IN (1, 2) ORDER BY number)"
    ).split(separator: " ").map(String.init)
    #expect(commits.count == 2)
    let path = "sections/\(Self.section).md"
    let git = try CLI.git(["diff", "--no-color", "--no-ext-diff", commits[0], commits[1], "--", path], in: w.root)
    #expect(git.status == 0)
    let ours = try w.pf(["diff", Self.section, "--from", "1", "--to", "2"])
    #expect(ours.status == 0, "\(ours.stderr)")
    func hunks(_ diff: String) -> [Substring] {
      let lines = diff.split(separator: "\n", omittingEmptySubsequences: false)
      return Array(lines.drop { !$0.hasPrefix("@@") })
    }
    #expect(!hunks(git.stdout).isEmpty)
    #expect(hunks(ours.stdout) == hunks(git.stdout), "ours:\n\(ours.stdout)\ngit:\n\(git.stdout)")
    #expect(ours.stdout.contains("--- a/\(path)"))
    #expect(ours.stdout.contains("+++ b/\(path)"))
    // Without --from/--to: the previous revision against the latest.
    #expect(try w.pf(["diff", Self.section]).stdout == ours.stdout)
    // Revision 0 (the template) against 2 also agrees.
    let zero = try CLI.sqlite(w.root, "SELECT commitId FROM revision WHERE sectionId='\(Self.section)' AND number=0")
    let git02 = try CLI.git(["diff", "--no-color", zero, commits[1], "--", path], in: w.root)
    #expect(hunks(try w.pf(["diff", Self.section, "--from", "0"]).stdout) == hunks(git02.stdout))
    #expect(try w.pf(["diff", Self.section, "--from", "7"]).status == 66)

    // Colour: none into a pipe even without NO_COLOR, and some on a terminal (so the check above can fail).
    let env = [
      "-u", "NO_COLOR", "TERM=xterm-256color", "POLICYFLOW_WORKSPACE=\(w.root.path)", CLI.binary.path, "diff",
      Self.section,
    ]
    let piped = try CLI.run("env", env)
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(!piped.stdout.contains("\u{1B}["))
    #expect(hunks(piped.stdout) == hunks(git.stdout))
    let command = (["env"] + env).map { "'\($0)'" }.joined(separator: " ")
    let terminal = try CLI.run("script", ["-qec", command, "/dev/null"])
    #expect(terminal.stdout.contains("\u{1B}[32m+"), "on a terminal: \(terminal.stdout)")
  }

  @Test("replies form threads; --line outside the text is refused with the valid range")
  func repliesAndLineRange() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    let root = try comment(w, "9-10", "Hvilke kulturhuse?")
    let reply = try w.pf(["comment", Self.section, "-m", "Alle 20", "--reply", root], as: "karen-kff")
    #expect(reply.status == 0, "\(reply.stderr)")
    let replyPrinted = try Self.printedId(w, reply)
    // Any unique prefix of four or more hex digits names the comment, also in upper case.
    let second = try w.pf(["comment", Self.section, "-m", "Tak", "--reply", String(root.prefix(4)).uppercased()], as: "rasmus-kfu")
    #expect(second.status == 0, "\(second.stderr)")
    let secondPrinted = try Self.printedId(w, second)
    let all = try threads(w)
    #expect(all.count == 1)
    let entries = try #require(all[root]?["entries"] as? [[String: Any]])
    #expect(entries.map { $0["author"] as? String } == ["rasmus-kfu", "karen-kff", "rasmus-kfu"])
    #expect(entries.map { $0["body"] as? String } == ["Hvilke kulturhuse?", "Alle 20", "Tak"])
    #expect(entries[1]["authorName"] as? String == "Karen Kladde")
    // Each entry carries the id its command printed: the thread's id is its first entry's.
    #expect(entries.map { $0["id"] as? String } == [root, replyPrinted, secondPrinted])
    #expect(
      try CLI.sqlite(
        w.root, "SELECT count(*) FROM comment WHERE parentId=(SELECT id FROM comment WHERE substr(recordId, 1, 10)='\(root)')")
        == "2")
    // Resolving by a reply's id resolves the thread.
    let replyId = try #require(entries[1]["id"] as? String)
    let resolved = try w.pf(["resolve", replyId], as: "karen-kff")
    #expect(resolved.status == 0, "\(resolved.stderr)")
    #expect(resolved.stdout == "comment \(root) on \(Self.section) is resolved\n", "\(resolved.stdout)")
    #expect(try threads(w)[root]?["status"] as? String == "resolved")

    var before = try w.fingerprint()
    let outside = try w.pf(["comment", Self.section, "-m", "Hvor?", "--line", "16"], as: "rasmus-kfu")
    #expect(outside.status == 64)
    #expect(outside.stderr.contains("has lines 1-15"), "\(outside.stderr)")
    #expect(outside.stderr.contains("--line 16"))
    let straddling = try w.pf(["comment", Self.section, "-m", "Hvor?", "--line", "14-20"], as: "rasmus-kfu")
    #expect(straddling.status == 64)
    #expect(straddling.stderr.contains("has lines 1-15"))
    #expect(try w.pf(["comment", Self.section, "-m", "Hvor?", "--line", "0"], as: "rasmus-kfu").status == 64)
    // Revision 0 (the template's headings) has its own range.
    let old = try w.pf(["comment", Self.section, "-m", "Hvor?", "--line", "6", "--revision", "0"], as: "rasmus-kfu")
    #expect(old.status == 64)
    #expect(old.stderr.contains("revision 0 has lines 1-5"), "\(old.stderr)")
    #expect(try w.fingerprint() == before)
    // Replies take no lines and must name a comment of this section.
    #expect(
      try w.pf(["comment", Self.section, "-m", "x", "--reply", root, "--line", "3"], as: "karen-kff").status
        == 64)
    let unknown = try w.pf(["comment", Self.section, "-m", "x", "--reply", "4711"], as: "karen-kff")
    #expect(unknown.status == 66, "\(unknown.stderr)")
    #expect(unknown.stderr.contains("no comment 4711"), "\(unknown.stderr)")
    // Not a comment id at all: fewer than four characters, or not hex.
    for malformed in ["999", "#12", "zzzz", "12 4"] {
      let refused = try w.pf(["comment", Self.section, "-m", "x", "--reply", malformed], as: "karen-kff")
      #expect(refused.status == 64, "--reply \(malformed): \(refused.stderr)")
      #expect(refused.stderr.contains("is not a comment id"), "--reply \(malformed): \(refused.stderr)")
    }
    let elsewhere = try w.pf(["comment", "beskaeftigelse", "-m", "x", "--reply", root], as: "anne-bif")
    #expect(elsewhere.status == 66, "\(elsewhere.stderr)")
    #expect(elsewhere.stderr.contains("is on section \(Self.section)"), "\(elsewhere.stderr)")
    #expect(try w.fingerprint() == before)

    // Commenting on an earlier revision by number is allowed and quotes that revision.
    before = try w.fingerprint()
    let onZero = try w.pf(
      ["comment", Self.section, "-m", "Overskriften", "--line", "1", "--revision", "0"], as: "maja-kfu")
    #expect(onZero.status == 0, "\(onZero.stderr)")
    #expect(try w.fingerprint() != before)
  }

  @Test("comment text from -m, --file or $EDITOR; an empty text is refused and changes nothing")
  func commentSources() throws {
    let w = try TemplateWorkspace()
    let file = try w.scratch.file("note.txt", "Første linje\nAnden linje med æøå\n")
    let fromFile = try w.pf(["comment", Self.section, "--file", file.path, "--line", "1"], as: "rasmus-kfu")
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    let editor = try w.scratch.file("editor.sh", "#!/bin/sh\nprintf 'Fra editoren\\nmed to linjer\\n' > \"$1\"\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
    let fromEditor = try w.pf(
      ["comment", Self.section, "--line", "3"], as: "maja-kfu",
      environment: ["EDITOR": editor.path, "VISUAL": editor.path])
    #expect(fromEditor.status == 0, "\(fromEditor.stderr)")
    let listed = try w.pf(["comments", Self.section, "--json"])
    let list = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
    // Oldest first, each under the id its command printed.
    #expect(list.map { $0["id"] as? String } == [try Self.printedId(w, fromFile), try Self.printedId(w, fromEditor)])
    let bodies = list.compactMap { ($0["entries"] as? [[String: Any]])?.first?["body"] as? String }
    #expect(bodies == ["Første linje\nAnden linje med æøå\n", "Fra editoren\nmed to linjer"], "\(bodies)")

    let before = try w.fingerprint()
    let blank = try w.pf(["comment", Self.section, "-m", "  \n "], as: "rasmus-kfu")
    #expect(blank.status == 64)
    #expect(blank.stderr.contains("empty"), "\(blank.stderr)")
    let emptyFile = try w.pf(
      ["comment", Self.section, "--file", try w.scratch.file("empty.txt", "").path], as: "rasmus-kfu")
    #expect(emptyFile.status == 64)
    // An editor that leaves only the hint lines cancels the comment.
    let quitter = try w.scratch.file("quit.sh", "#!/bin/sh\nexit 0\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: quitter.path)
    let cancelled = try w.pf(
      ["comment", Self.section], as: "rasmus-kfu", environment: ["EDITOR": quitter.path, "VISUAL": quitter.path])
    #expect(cancelled.status == 64, "\(cancelled.stderr)")
    let failing = try w.scratch.file("fail.sh", "#!/bin/sh\nexit 3\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing.path)
    let editorFailed = try w.pf(
      ["comment", Self.section], as: "rasmus-kfu", environment: ["EDITOR": failing.path, "VISUAL": failing.path])
    #expect(editorFailed.status == 64)
    #expect(editorFailed.stderr.contains("status 3"), "\(editorFailed.stderr)")
    #expect(try w.pf(["comment", Self.section, "--file", "/nonexistent/file"], as: "rasmus-kfu").status == 66)
    #expect(try w.fingerprint() == before)
  }

  @Test("log shows revisions, transitions, sign-offs and comments in time order")
  func log() throws {
    let w = try TemplateWorkspace()
    try submit(w, Self.revision1, "r1.md")
    let first = try comment(w, "3", "Skarpere", blocking: true)
    #expect(try w.pf(["comment", Self.section, "-m", "Enig", "--reply", first], as: "karen-kff").status == 0)
    #expect(try w.pf(["approve", Self.section, "-m", "ok"], as: "maja-kfu").status == 0)
    #expect(try w.pf(["resolve", first], as: "rasmus-kfu").status == 0)
    #expect(try w.pf(["request-changes", Self.section, "-m", "Mere om sprog"], as: "kirsten-kfu").status == 0)
    try submit(w, Self.revision2, "r2.md")

    let json = try w.pf(["log", Self.section, "--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let entries = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
    let actions = entries.compactMap { $0["action"] as? String }
    #expect(
      actions == [
        "revision", "submit", "comment", "reply", "signoff", "resolve-comment", "request_changes", "submit",
      ], "\(actions)")
    // Each entry names its commit: revision 0 and a submit the revision's commit on the section branch, every other
    // action its record commit on refs/policyflow/sections/<id>, the commit a comment's id is a prefix of.
    let commits = entries.map { $0["commit"] as? String ?? "none" }
    let revisionCommits = try CLI.sqlite(
      w.root, "SELECT group_concat(commitId, ' ') FROM (SELECT commitId FROM revision WHERE sectionId='\(Self.section)' ORDER BY number)"
    ).split(separator: " ").map(String.init)
    let recordCommits = Set(
      try CLI.git(["rev-list", "refs/policyflow/sections/\(Self.section)"], in: w.root).stdout.split(separator: "\n").map(String.init))
    #expect(revisionCommits.count == 3 && commits.count == 8)
    if revisionCommits.count == 3 && commits.count == 8 {
      #expect([commits[0], commits[1], commits[7]] == revisionCommits, "\(commits)")
      for index in 2...6 { #expect(recordCommits.contains(commits[index]), "\(actions[index]): \(commits[index])") }
      #expect(commits[2].hasPrefix(first), "\(commits[2])")
    }
    let times = entries.compactMap { $0["at"] as? String }
    #expect(times == times.sorted())
    #expect(
      entries.compactMap { $0["actor"] as? String } == [
        "pernille-sekretariat", "karen-kff", "rasmus-kfu", "karen-kff", "maja-kfu", "rasmus-kfu", "kirsten-kfu",
        "karen-kff",
      ])
    #expect(Set(entries.compactMap { $0["section"] as? String }) == [Self.section])

    let text = try w.pf(["log", Self.section]).stdout.split(separator: "\n")
    #expect(text.count == 8)
    #expect(text[1].contains("karen-kff  submit  \(Self.section) r1  draft → committee_review"), "\(text[1])")
    #expect(text[4].contains("maja-kfu  signoff"), "\(text[4])")
    #expect(text[6].contains("changes_requested"))
    #expect(text[7].contains("r2  changes_requested → committee_review"), "\(text[7])")
    // Other sections' events are not in this log.
    #expect(try w.pf(["approve", "beskaeftigelse"], as: "soren-biu").status == 77)
    #expect(try w.pf(["comment", "beskaeftigelse", "-m", "Andet"], as: "soren-biu").status == 0)
    #expect(try w.pf(["log", Self.section]).stdout.split(separator: "\n").count == 8)
  }

  @Test("a record commit carries the local UTC offset the C library gives for TZ, as git's own commits do")
  func recordCommitOffset() throws {
    let w = try TemplateWorkspace()
    for (zone, offset) in [("PFT-05:45", "+0545"), ("PFT+03:30", "-0330")] {
      let made = try CLI.policyflow(
        ["comment", "forord", "-m", "Tidszone \(zone)"], in: w.scratch.url,
        environment: ["POLICYFLOW_WORKSPACE": w.root.path, "POLICYFLOW_USER": "soren-biu", "TZ": zone])
      #expect(made.status == 0, "\(made.stderr)")
      let date = try CLI.run("git", ["-C", w.root.path, "log", "-1", "--format=%ai", "refs/policyflow/sections/forord"])
      #expect(date.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(offset), "\(date.stdout)")
    }
  }
}
