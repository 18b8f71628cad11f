import Foundation
import PolicyManifest
import PolicyWorkflow
import Testing

/// The repository's default template (`repo-template/`), found relative to this source file.
let templateDirectory = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("repo-template")

@Suite("The Copenhagen template")
struct TemplateTests {
  @Test(
    "repo-template loads: 12 sections, 7 departments with ØKF, 21 workshop requirements, 5 pejlemærker, 5 principper",
    .enabled(if: FileManager.default.fileExists(atPath: templateDirectory.appendingPathComponent("policy.yaml").path)))
  func template() throws {
    let definition = try PolicyDefinition.load(from: templateDirectory)
    let manifest = definition.manifest
    #expect(manifest.sections.count == 12)
    #expect(manifest.departments.count == 7)
    #expect(manifest.committees.count == 7)
    #expect(manifest.department("økf")?.name == "Økonomiforvaltningen")
    #expect(manifest.secretariat == "BIF")

    let areas = manifest.sections.filter { $0.kind == .area }
    #expect(areas.count == 6)
    #expect(areas.map(\.number) == [1, 2, 3, 4, 5, 6])
    for area in areas {
      #expect(!area.requiredHeadings.isEmpty, "area section \(area.id) has required headings")
    }
    let joint = try #require(areas.first { $0.owners.count == 2 })
    #expect(Set(joint.owners.map(normalizedCode)) == ["TMF", "ØKF"])
    #expect(joint.committees.count == 2)

    let kinds = Dictionary(grouping: definition.requirements, by: \.kind).mapValues(\.count)
    #expect(kinds[.workshop] == 21)
    #expect(kinds[.pejlemaerke] == 5)
    #expect(kinds[.princip] == 5)
    #expect(!definition.members.members(withRole: .secretariat).isEmpty)
  }
}
