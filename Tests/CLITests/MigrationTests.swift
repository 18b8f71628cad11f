import Foundation
import Testing

/// `.policyflow/policy.sqlite` is only an index of the record in git, made by its migrations (`index v2: the record
/// in git, joined copies` … `index v7: the record refs as last caught up`). An index of another format is not upgraded: the next command
/// deletes it and builds it anew from git. An index of an earlier version of this format is migrated in place.
/// A workspace of the first release, whose database was the only copy of its record, is refused.
@Suite("the index: rebuilt from git when its format is unknown")
struct MigrationTests {
  static let database = ".policyflow/policy.sqlite"

  /// The migrations of this version's index, in order.
  static let migrations = "index v2: the record in git, joined copies|index v3: the definition's chain of trust|index v4: links by section"
    + "|index v5: requirements by target section|index v6: times as milliseconds"
    + "|index v7: the record refs as last caught up"

  /// A workspace with some of everything: a revision under review with a sign-off, a blocking comment, a link.
  static func activeWorkspace() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    let text = try w.templateText("kultur-og-fritid") + "\nBibliotekerne holder åbent.\n"
    try w.ok(["submit", "kultur-og-fritid", w.scratch.file("k.md", text).path, "-m", "Udkast"], as: "karen-kff")
    try w.ok(["approve", "kultur-og-fritid", "-m", "fint"], as: "rasmus-kfu")
    try w.ok(["comment", "kultur-og-fritid", "--line", "2", "--blocking", "-m", "Kilde?"], as: "maja-kfu")
    try w.ok(["req", "link", "WS-MED-03", "kultur-og-fritid", "-m", "Biblioteker"], as: "karen-kff")
    #expect(try CLI.sqlite(w.root, "SELECT group_concat(identifier, '|') FROM grdb_migrations") == Self.migrations)
    return w
  }

  /// Gives the index `identifiers` as its applied migrations, and (so that a rebuild shows) drops a sign-off.
  static func relabel(_ w: TemplateWorkspace, _ identifiers: [String]) throws {
    let values = identifiers.map { "('\($0)')" }.joined(separator: ", ")
    _ = try CLI.sqlite(
      w.root,
      "DELETE FROM grdb_migrations; INSERT INTO grdb_migrations (identifier) VALUES \(values); DELETE FROM signoff;")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM grdb_migrations") == String(identifiers.count))
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff") == "0")
  }

  static let foreignFormats: [[String]] = [
    // Round one's schema versions.
    [
      "v1: sections, revisions, sign-offs, comments, requirements, events", "v2: headings of each revision",
      "v3: index of open comment threads",
    ],
    // A later version's.
    ["index v2: the record in git, joined copies", "index v9: written by a later policyflow"],
  ]

  @Test("an index whose grdb_migrations holds a foreign identifier is rebuilt from git by the next command",
    arguments: foreignFormats)
  func foreignIndexIsRebuilt(_ identifiers: [String]) throws {
    let w = try Self.activeWorkspace()
    let status = try w.ok(["status", "--json"]).stdout
    let signoffs = try CLI.sqlite(w.root, "SELECT * FROM signoff ORDER BY id")
    try Self.relabel(w, identifiers)

    let after = try w.ok(["status", "--json"])
    #expect(after.stdout == status)
    #expect(try CLI.sqlite(w.root, "SELECT group_concat(identifier, '|') FROM grdb_migrations") == Self.migrations)
    // The sign-off dropped above is back: the index was made anew from the record, not reused.
    #expect(try CLI.sqlite(w.root, "SELECT * FROM signoff ORDER BY id") == signoffs)
    #expect(try w.verifyFindings().isEmpty)
    // And it is a working index: the next write goes on from it.
    try w.ok(["approve", "kultur-og-fritid"], as: "maja-kfu")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM signoff") == "2")
    #expect(try w.verifyFindings().isEmpty)
  }

  /// The columns that hold times, which index v6 changed from GRDB's text to milliseconds.
  static let timeColumns = [
    ("section", "updatedAt"), ("revision", "createdAt"), ("signoff", "createdAt"), ("comment", "resolvedAt"),
    ("comment", "createdAt"), ("requirementLink", "createdAt"), ("event", "at"),
  ]

  @Test("an index of version 5 (times as GRDB's text) is migrated in place: the same rows, and verify is clean")
  func textTimesAreMigrated() throws {
    let w = try Self.activeWorkspace()
    let comment = try CLI.sqlite(w.root, "SELECT recordId FROM comment")
    try w.ok(["resolve", String(comment.prefix(12)), "-m", "Tilføjet"], as: "maja-kfu")
    let status = try w.ok(["status", "--json"]).stdout
    var before: [String: String] = [:]
    for (table, column) in Self.timeColumns {
      before["\(table).\(column)"] = try CLI.sqlite(w.root, "SELECT group_concat(\(column), ',') FROM \(table) ORDER BY rowid")
      #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM \(table) WHERE \(column) IS NOT NULL AND typeof(\(column)) != 'integer'") == "0")
    }
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment WHERE resolvedAt IS NOT NULL") == "1")
    // Back to version 5: the text GRDB wrote (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), the v6 migration not applied.
    let back = Self.timeColumns.map { table, column in
      "UPDATE \(table) SET \(column) = strftime('%Y-%m-%d %H:%M:%f', \(column) / 1000.0, 'unixepoch') WHERE \(column) IS NOT NULL;"
    }.joined()
    _ = try CLI.sqlite(w.root, back + "DELETE FROM grdb_migrations WHERE identifier IN ('index v6: times as milliseconds', 'index v7: the record refs as last caught up'); DROP TABLE recordRefStamp;")
    #expect(try CLI.sqlite(w.root, "SELECT typeof(createdAt) FROM revision LIMIT 1") == "text")

    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(try CLI.sqlite(w.root, "SELECT group_concat(identifier, '|') FROM grdb_migrations") == Self.migrations)
    for (table, column) in Self.timeColumns {
      #expect(try CLI.sqlite(w.root, "SELECT group_concat(\(column), ',') FROM \(table) ORDER BY rowid") == before["\(table).\(column)"])
    }
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("a missing index is built from git on first use, as in a fresh clone")
  func missingIndexIsBuilt() throws {
    let w = try Self.activeWorkspace()
    let status = try w.ok(["status", "--json"]).stdout
    let comments = try w.ok(["comments", "kultur-og-fritid", "--json"]).stdout
    try FileManager.default.removeItem(at: w.root.appendingPathComponent(".policyflow"))
    // Found as a workspace (a git work tree with policy.yaml), the index made on the way.
    #expect(try w.ok(["status", "--json"]).stdout == status)
    #expect(FileManager.default.fileExists(atPath: w.root.appendingPathComponent(Self.database).path))
    #expect(try w.ok(["comments", "kultur-og-fritid", "--json"]).stdout == comments)
    #expect(try w.verifyFindings().isEmpty)
  }

  @Test("commands started at once on a workspace whose index must be rebuilt all succeed and agree")
  func concurrentRebuild() throws {
    for identifiers in Self.foreignFormats {
      let w = try Self.activeWorkspace()
      let status = try w.ok(["status", "--json"]).stdout
      try Self.relabel(w, identifiers)
      let group = DispatchGroup()
      let results = ConcurrencyTests.Results()
      for _ in 0..<4 {
        group.enter()
        DispatchQueue.global().async {
          defer { group.leave() }
          let arguments = ["status", "--json"]
          if let ending = try? w.pfEnding(arguments) { results.add(arguments, ending) }
        }
      }
      group.wait()
      #expect(results.endings.count == 4)
      for (_, ending) in results.endings {
        #expect(ending.status == 0, "\(ending.stderr)")
        #expect(ending.stdout == status)
      }
      #expect(try w.verifyFindings().isEmpty)
    }
  }

  @Test("a workspace of the first release (record only in SQLite, no refs/policyflow) is refused, its database kept")
  func firstReleaseRefused() throws {
    let w = try Self.activeWorkspace()
    // What the first release left: the branches, and the review record in a database of its schema only.
    let refs = try CLI.git(["for-each-ref", "--format=%(refname)", "refs/policyflow"], in: w.root).stdout
      .split(separator: "\n").map(String.init)
    #expect(!refs.isEmpty)
    for ref in refs { #expect(try CLI.git(["update-ref", "-d", ref], in: w.root).status == 0) }
    try Self.relabel(w, Self.foreignFormats[0])
    _ = try CLI.sqlite(w.root, "CREATE TABLE pendingRef (id INTEGER PRIMARY KEY, refName TEXT NOT NULL)")
    let database = w.root.appendingPathComponent(Self.database)
    let before = try Data(contentsOf: database)

    let refused = try w.pf(["status"])
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains("first release"), "\(refused.stderr)")
    #expect(refused.stderr.contains("Nothing was changed"), "\(refused.stderr)")
    // The database was the only copy of that record: it must still be there, as it was.
    #expect(try Data(contentsOf: database) == before, "the first release's database was changed")
    #expect(
      try CLI.sqlite(w.root, "SELECT group_concat(identifier, '|') FROM grdb_migrations")
        == Self.foreignFormats[0].joined(separator: "|"))
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM sqlite_master WHERE name='pendingRef'") == "1")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM comment") == "1")
  }
}
