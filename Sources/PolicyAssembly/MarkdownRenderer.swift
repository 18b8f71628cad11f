import Foundation

/// The Markdown edition: GitHub-flavoured Markdown that reads back (pandoc, cmark, GitHub) to the same text and the
/// same outline as the HTML and Word editions. Section bodies are re-rendered by cmark-gfm itself after their headings
/// have been moved, so the authors' Markdown is not re-interpreted by hand-written string surgery.
struct MarkdownRenderer {
  let document: PolicyDocument
  let outline: Outline

  func render() throws -> String {
    let labels = document.labels
    var slugs = SlugRegistry()
    var out = ""
    func heading(_ level: Int, _ text: String) {
      out += String(repeating: "#", count: level) + " " + Escape.markdownInline(text) + "\n\n"
    }

    heading(1, document.title)
    _ = slugs.unique(Escape.githubSlug(document.title))
    if document.isDraft { out += "**\(Escape.markdownInline(labels.draft))**\n\n" }
    let meta = [(labels.period, document.period), (labels.status, document.status), (labels.date, document.date)]
    out += meta.map { "**\(Escape.markdownInline($0.0)):** \(Escape.markdownInline($0.1))" }.joined(separator: "\\\n")
    out += "\n\n"

    // Bodies are rendered before the contents list is written, because GitHub numbers duplicate anchors in document
    // order and the body headings take part in that numbering.
    var parts: [String] = []
    var tocAnchors: [String] = []
    heading(2, labels.contents)
    _ = slugs.unique(Escape.githubSlug(labels.contents))

    func headingPart(_ h: Outline.Heading) -> String {
      tocAnchors.append(slugs.unique(Escape.githubSlug(h.text)))
      return String(repeating: "#", count: h.level) + " " + Escape.markdownInline(h.text) + "\n\n"
    }

    for item in outline.items {
      switch item {
      case .part(let h):
        parts.append(headingPart(h))
      case .section(let layout):
        var text = headingPart(layout.heading)
        let section = layout.section
        if let mark = section.mark {
          let (head, rest) = splitMark(mark)
          text += "> **\(Escape.markdownInline(head))**"
          if let rest { text += " — \(Escape.markdownInline(rest))" }
          text += "\n\n"
        }
        if let placeholder = section.placeholder {
          text += "_**\(Escape.markdownInline(labels.notWritten)):** \(Escape.markdownInline(placeholder))_\n\n"
        }
        if !section.markdown.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
          let body = try CommonMark.shiftedCommonMark(
            section.markdown, sectionID: section.id, topLevel: layout.bodyTopLevel)
          for headingText in body.blocks.headingTexts { _ = slugs.unique(Escape.githubSlug(headingText)) }
          text += body.text.trimmingCharacters(in: .newlines) + "\n\n"
        }
        parts.append(text)
      }
    }
    if let h = outline.provenance {
      parts.append(
        headingPart(h) + table(AppendixTable.provenance(document.provenance, labels: labels)))
    }
    if let h = outline.traceability {
      parts.append(
        headingPart(h) + table(AppendixTable.traceability(document.traceability, labels: labels)))
    }

    for (h, anchor) in zip(outline.tocHeadings, tocAnchors) {
      out += String(repeating: "  ", count: h.level - 1) + "- [\(Escape.markdownInline(h.text))](#\(anchor))\n"
    }
    out += "\n" + parts.joined()
    return out.trimmingCharacters(in: .newlines) + "\n"
  }

  private func table(_ table: AppendixTable) -> String {
    func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
    var out = row(table.header.map(Escape.markdownInline))
    out += row(table.header.map { _ in "---" })
    for cells in table.rows {
      out += row(
        cells.map { runs in
          runs.map { run in
            if run.code {
              // Inside a table even a code span needs `\\|`; a backtick would end the span, so it becomes a quote.
              let code = run.text.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "|", with: "\\|")
              return "`\(code)`"
            }
            let text = Escape.markdownInline(run.text)
            return run.strong ? "**\(text)**" : text
          }.joined()
        })
    }
    return out + "\n"
  }
}

extension Array where Element == MarkdownBlock {
  /// Plain text of every heading in document order, including headings nested in quotes and lists.
  var headingTexts: [String] {
    var texts: [String] = []
    for block in self {
      switch block {
      case .heading(_, let inlines): texts.append(inlines.plainText)
      case .blockQuote(let blocks): texts += blocks.headingTexts
      case .list(_, _, _, let items): for item in items { texts += item.headingTexts }
      default: break
      }
    }
    return texts
  }
}
