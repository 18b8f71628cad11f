import Foundation
import PolicyAssembly

extension Workspace {
  /// The disposition report for the citizens of the workshop, in Danish: each of their inputs with where
  /// the policy answers it (quoting the text) or why not, and which are still open.
  public func dispositionReport(html: Bool) throws -> Data {
    let manifest = definition.manifest
    let entries = try coverage().filter { $0.kind == "workshop" }
    var markdown = ""
    let sources = Set(try store.read { try $0.requirements() }.filter { $0.kind == "workshop" }.map(\.source))
    markdown += "Denne oversigt viser for hvert input fra \(sources.sorted().joined(separator: " og ")) "
    markdown += "hvor \(manifest.title) \(manifest.period) svarer på det, eller hvorfor det ikke besvares.\n\n"
    let open = entries.filter { $0.status == "open" || $0.status == "suspect" }
    markdown += "- Input i alt: \(entries.count)\n"
    markdown += "- Besvaret i godkendt tekst: \(entries.filter { $0.status == "approved" }.count)\n"
    markdown += "- Besvaret i tekst, der endnu ikke er godkendt: \(entries.filter { $0.status == "draft" }.count)\n"
    markdown += "- Ikke besvaret, med begrundelse: \(entries.filter { $0.status == "waived" }.count)\n"
    markdown += "- Endnu åbne: \(open.count)\n\n"
    var themes: [String] = []
    for entry in entries where !themes.contains(entry.theme ?? "Øvrige") { themes.append(entry.theme ?? "Øvrige") }
    for theme in themes {
      markdown += "## \(escapeMarkdown(theme))\n\n"
      for entry in entries where (entry.theme ?? "Øvrige") == theme {
        markdown += "### \(entry.id): \(escapeMarkdown(entry.text))\n\n"
        if entry.answers.isEmpty {
          markdown += "*Endnu åben:* politikken svarer endnu ikke på dette input.\n\n"
          continue
        }
        for answer in entry.answers {
          let title = manifest.section(answer.section)?.title ?? answer.section
          switch answer.status {
          case "waived":
            markdown += "**Ikke besvaret i \(escapeMarkdown(title))**, begrundelse: \(escapeMarkdown(answer.note))\n\n"
          default:
            let state = answer.status == "approved" ? "godkendt tekst" :
              answer.status == "draft" ? "tekst, der endnu ikke er godkendt" : "skal bekræftes efter en ændring"
            markdown += "**Besvaret i \(escapeMarkdown(title))** (\(state)"
            markdown += answer.lines.map { ", linje \($0)" } ?? ""
            markdown += "): \(escapeMarkdown(answer.note))\n\n"
            for line in answer.quoted where !line.trimmingCharacters(in: .whitespaces).isEmpty {
              markdown += "> \(quoteMarkdown(line))\n"
            }
            if !answer.quoted.isEmpty { markdown += "\n" }
          }
        }
      }
    }
    if !open.isEmpty {
      markdown += "## Endnu åbne input\n\n"
      for entry in open { markdown += "- \(entry.id): \(escapeMarkdown(entry.text))\n" }
      markdown += "\n"
    }
    let title = "Sådan svarer politikken på jeres input"
    if !html {
      return Data("# \(title)\n\n\(manifest.title) \(manifest.period)\n\n\(markdown)".utf8)
    }
    let document = PolicyDocument(
      title: title, period: manifest.period, status: "Tilbagemelding til workshoppens deltagere",
      date: Workspace.danishDate(try store.read { try $0.lastEvent()?.at } ?? Date(timeIntervalSince1970: 0), withTime: false),
      isDraft: false, language: manifest.language,
      sections: [DocumentSection(id: "input", number: nil, title: manifest.title, part: nil, markdown: markdown, mark: nil, placeholder: nil)],
      provenance: [], traceability: [])
    return try Assembler().render(document, as: .html)
  }

  /// Lines of the policy are quoted as the Markdown they are, so that `**B)**` reads as bold and not as asterisks;
  /// `<` and `]` become character references, so a quoted line can open neither raw HTML nor a link.
  func quoteMarkdown(_ line: String) -> String {
    line.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "]", with: "&#93;")
  }

  /// Citizens' words are quoted as text, never as Markdown syntax.
  func escapeMarkdown(_ text: String) -> String {
    var result = ""
    for character in text {
      if "\\`*_{}[]<>#|!".contains(character) { result.append("\\") }
      result.append(character)
    }
    return result
  }
}
