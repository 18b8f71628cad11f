import Foundation
import Testing

/// A workspace made before schema v2 (revision headings) keeps working: the first command adds the column,
/// also when the database has a broken reference (which `verify` must still be able to report) and when
/// several commands start at once.
@Suite("schema upgrade of an existing workspace")
struct MigrationTests {
  /// A workspace as version 1 of the schema left it: no `headings` column, no index of open threads, no v2 or
  /// v3 row in `grdb_migrations`.
  static func versionOneWorkspace() throws -> TemplateWorkspace {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt nyt afsnit.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("forord.md", text).path, "-m", "Forord"], as: "anne-bif").status == 0)
    _ = try CLI.sqlite(
      w.root,
      "ALTER TABLE revision DROP COLUMN headings; DROP INDEX comment_open_threads; "
        + "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%' OR identifier LIKE 'v3:%';")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM pragma_table_info('revision') WHERE name = 'headings'") == "0")
    return w
  }

  @Test("the first command adds the column; older revisions read their text; verify is clean")
  func upgrade() throws {
    let w = try Self.versionOneWorkspace()
    let status = try w.pf(["status", "--json"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM revision WHERE headings IS NULL") != "0")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM grdb_migrations") == "3")
    #expect(try w.pf(["verify"]).status == 0)
    let text = try w.templateText("forord") + "\nEt nyt afsnit.\n\nOg et til.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("forord2.md", text).path, "-m", "Mere"], as: "anne-bif").status == 0)
    #expect(try CLI.sqlite(w.root, "SELECT headings IS NOT NULL FROM revision WHERE sectionId='forord' AND number=2") == "1")
  }

  @Test("a database with a broken reference still opens, and verify reports the reference")
  func brokenReference() throws {
    let w = try Self.versionOneWorkspace()
    // sqlite3 runs with foreign keys off, as an administrator's hand edit would.
    _ = try CLI.sqlite(
      w.root, "INSERT INTO signoff (sectionId, revisionNumber, contentHash, personId, capacity, groupCode, decision, "
        + "message, createdAt) VALUES ('forsvundet', 9, 'x', 'soren-biu', 'committee_reviewer', 'BIU', 'approve', '', "
        + "'2026-01-01 00:00:00.000')")
    #expect(try CLI.sqlite(w.root, "SELECT count(*) FROM pragma_foreign_key_check") != "0")
    let findings = try w.pf(["verify", "--json"])
    #expect(findings.status == 1, "verify opens the database and reports: \(findings.stderr)")
    #expect(findings.stdout.contains("foreign_key_check"), "\(findings.stdout)")
  }

  @Test("commands started at once on a workspace that needs the upgrade all succeed")
  func concurrentUpgrade() throws {
    for _ in 0..<3 {
      let w = try Self.versionOneWorkspace()
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
      for (_, ending) in results.endings { #expect(ending.status == 0, "\(ending.stderr)") }
    }
  }
}
