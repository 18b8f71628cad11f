import Foundation
import Testing

/// The seed was OCR'd with systematic errors (ø → g/@, å → a/d/&, æ → z/a/e, i → 1). The template ships
/// to real users, so it must read as proper Danish: these are the artefacts we saw in the seed.
@Suite("The Copenhagen template reads as proper Danish")
struct TemplateSpellingTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("repo-template")

  static func shippedTexts() throws -> [(name: String, text: String)] {
    let fileManager = FileManager.default
    var result: [(String, String)] = []
    for directory in ["", "sections", "requirements"] {
      let folder = root.appendingPathComponent(directory)
      for name in try fileManager.contentsOfDirectory(atPath: folder.path).sorted()
      where name.hasSuffix(".md") || name.hasSuffix(".yaml") {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        // Only the Danish content: YAML comments are English documentation for the people editing the file.
        let content = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") || name.hasSuffix(".md") }
        result.append(("\(directory)/\(name)", content.joined(separator: "\n")))
      }
    }
    return result
  }

  @Test(
    "no OCR artefacts",
    arguments: [
      "Kgbenhavn", "kgbenhavn", "K@benhavn", " ggr ", " gor ", " pa ", " pd ", " p& ", "omrade", "omrdder", " ar ",
      "beskaftigelse", "beskzftigelse", "beskeftigelse", " vere ", "bgrn", "fglgende", "stgtte", "@KF", " i1 ",
      " 1 fritidslivet", "0gsa", "”“", "Jjob", "Erhverwv", "wvil", "Statiske definitioner", "lzrere", "fallesskab",
      "integrationsomradet", "selvforsgrg", "mal om",
    ])
  func noArtefacts(_ artefact: String) throws {
    for (name, text) in try Self.shippedTexts() {
      #expect(!text.contains(artefact), "\(name) contains the OCR artefact `\(artefact)`")
    }
  }

  @Test("the texts use æ, ø and å where the seed's words need them")
  func danishLetters() throws {
    let all = try Self.shippedTexts().map(\.text).joined(separator: "\n")
    for word in ["København", "beskæftigelse", "børn", "på", "også", "være", "fællesskab", "Økonomiforvaltningen", "ØKF"] {
      #expect(all.contains(word), "expected `\(word)` somewhere in the template")
    }
  }
}
