import Foundation

/// The HTML edition: one self-contained page (no scripts, no external resources) that reads well on screen and prints
/// as a paginated policy. All text — including the authors' raw HTML — is escaped; the only markup in the output is
/// the markup written here.
struct HTMLRenderer {
  let document: PolicyDocument
  let outline: Outline

  func render() throws -> String {
    let labels = document.labels
    var out = "<!DOCTYPE html>\n"
    out += "<html lang=\"\(Escape.html(document.language))\">\n<head>\n<meta charset=\"utf-8\">\n"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    let pageTitle = document.isDraft ? "\(labels.draft) — \(document.title)" : document.title
    out += "<title>\(Escape.html(pageTitle))</title>\n<style>\n\(Self.css)</style>\n</head>\n"
    out += document.isDraft ? "<body class=\"draft\">\n" : "<body>\n"
    if document.isDraft {
      out += "<div class=\"watermark\" aria-hidden=\"true\">\(Escape.html(labels.draft))</div>\n"
    }

    out += "<header class=\"title-page\">\n"
    if document.isDraft { out += "<p class=\"draft-banner\">\(Escape.html(labels.draft))</p>\n" }
    out += "<h1 class=\"doc-title\">\(Escape.htmlText(document.title))</h1>\n<dl class=\"doc-meta\">\n"
    for (label, value) in [
      (labels.period, document.period), (labels.status, document.status), (labels.date, document.date),
    ] {
      out += "<dt>\(Escape.html(label))</dt><dd>\(Escape.html(value))</dd>\n"
    }
    out += "</dl>\n</header>\n"

    out += "<nav class=\"toc\" aria-labelledby=\"contents\">\n"
    out += "<h2 id=\"contents\">\(Escape.html(labels.contents))</h2>\n"
    out += tableOfContents(outline.tocHeadings)
    out += "</nav>\n<main>\n"

    for item in outline.items {
      switch item {
      case .part(let h):
        out += heading(h, className: "part")
      case .section(let layout):
        out += "<section class=\"policy-section\" aria-labelledby=\"\(Escape.html(layout.heading.anchor))\">\n"
        out += heading(layout.heading, className: nil)
        let section = layout.section
        if let mark = section.mark {
          let (head, rest) = splitMark(mark)
          out += "<aside class=\"draft-mark\" role=\"note\"><strong>\(Escape.html(head))</strong>"
          if let rest { out += " — \(Escape.html(rest))" }
          out += "</aside>\n"
        }
        if let placeholder = section.placeholder {
          out += "<p class=\"placeholder\"><em><strong>\(Escape.html(labels.notWritten)):</strong> "
          out += "\(Escape.htmlText(placeholder))</em></p>\n"
        }
        let blocks = try CommonMark.parse(section.markdown, sectionID: section.id)
        out += self.blocks(blocks, topLevel: layout.bodyTopLevel, tight: false)
        out += "</section>\n"
      }
    }
    out += "</main>\n"
    if let h = outline.provenance {
      out += appendix(h, AppendixTable.provenance(document.provenance, labels: labels))
    }
    if let h = outline.traceability {
      out += appendix(h, AppendixTable.traceability(document.traceability, labels: labels))
    }
    out += "</body>\n</html>\n"
    return out
  }

  private func heading(_ h: Outline.Heading, className: String?) -> String {
    let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
    return "<h\(h.level) id=\"\(Escape.html(h.anchor))\"\(classAttribute)>\(Escape.htmlText(h.text))</h\(h.level)>\n"
  }

  /// Nested list mirroring the heading levels: sections inside a part are listed under it.
  private func tableOfContents(_ headings: [Outline.Heading]) -> String {
    var out = "<ul>\n"
    var index = 0
    while index < headings.count {
      let h = headings[index]
      out += "<li><a href=\"#\(Escape.html(h.anchor))\">\(Escape.htmlText(h.text))</a>"
      var children: [Outline.Heading] = []
      while index + 1 < headings.count, headings[index + 1].level > h.level {
        children.append(headings[index + 1])
        index += 1
      }
      if !children.isEmpty { out += "\n" + tableOfContents(children) }
      out += "</li>\n"
      index += 1
    }
    return out + "</ul>\n"
  }

  private func appendix(_ h: Outline.Heading, _ table: AppendixTable) -> String {
    var out = "<section class=\"appendix\" aria-labelledby=\"\(Escape.html(h.anchor))\">\n"
    out += heading(h, className: nil)
    out += "<div class=\"table-wrap\"><table>\n<thead><tr>"
    out += table.header.map { "<th scope=\"col\">\(Escape.html($0))</th>" }.joined()
    out += "</tr></thead>\n<tbody>\n"
    for row in table.rows {
      out += "<tr>"
      for runs in row {
        let content = runs.map { run -> String in
          let text = Escape.htmlText(run.text)
          if run.code { return "<code class=\"hash\">\(text)</code>" }
          return run.strong ? "<strong>\(text)</strong>" : text
        }
        out += "<td>\(content.joined())</td>"
      }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table></div>\n</section>\n"
  }

  // MARK: Section bodies

  private func blocks(_ blocks: [MarkdownBlock], topLevel: Int, tight: Bool) -> String {
    blocks.map { block($0, topLevel: topLevel, tight: tight) }.joined()
  }

  private func block(_ block: MarkdownBlock, topLevel: Int, tight: Bool) -> String {
    switch block {
    case .paragraph(let content):
      // Like cmark's own renderer: paragraphs of tight list items are not wrapped in <p>.
      return tight ? inlines(content) : "<p>\(inlines(content))</p>\n"
    case .heading(let level, let content):
      let shifted = CommonMark.shiftedLevel(level, topLevel: topLevel)
      return "<h\(shifted)>\(inlines(content))</h\(shifted)>\n"
    case .blockQuote(let children):
      return "<blockquote>\n\(blocks(children, topLevel: topLevel, tight: false))</blockquote>\n"
    case .list(let ordered, let start, let isTight, let items):
      var out = ordered ? (start == 1 ? "<ol>\n" : "<ol start=\"\(start)\">\n") : "<ul>\n"
      for item in items {
        // A tight paragraph carries no newline of its own; put one before any block that follows it.
        let rendered = item.map { self.block($0, topLevel: topLevel, tight: isTight) }
        var content = ""
        for (index, part) in rendered.enumerated() {
          if index > 0, !content.hasSuffix("\n") { content += "\n" }
          content += part
        }
        out += "<li>" + content + "</li>\n"
      }
      return out + (ordered ? "</ol>\n" : "</ul>\n")
    case .codeBlock(let info, let literal):
      let language = info.split(separator: " ").first.map(String.init) ?? ""
      let safeLanguage = language.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "+-_".contains($0)) }
      let classAttribute = safeLanguage.isEmpty ? "" : " class=\"language-\(safeLanguage)\""
      return "<pre><code\(classAttribute)>\(Escape.htmlText(literal))</code></pre>\n"
    case .htmlBlock(let literal):
      return "<pre class=\"raw-html\"><code>\(Escape.htmlText(literal))</code></pre>\n"
    case .thematicBreak:
      return "<hr>\n"
    case .table(let table):
      func cell(_ tag: String, _ content: [MarkdownInline], _ column: Int) -> String {
        let alignment = column < table.alignments.count ? table.alignments[column] : .none
        let classAttribute: String
        switch alignment {
        case .none: classAttribute = ""
        case .left: classAttribute = " class=\"align-left\""
        case .center: classAttribute = " class=\"align-center\""
        case .right: classAttribute = " class=\"align-right\""
        }
        return "<\(tag)\(classAttribute)>\(inlines(content))</\(tag)>"
      }
      var out = "<div class=\"table-wrap\"><table>\n<thead><tr>"
      out += table.header.enumerated().map { cell("th", $1, $0) }.joined()
      out += "</tr></thead>\n"
      if !table.rows.isEmpty {
        out += "<tbody>\n"
        for row in table.rows { out += "<tr>" + row.enumerated().map { cell("td", $1, $0) }.joined() + "</tr>\n" }
        out += "</tbody>\n"
      }
      return out + "</table></div>\n"
    }
  }

  private func inlines(_ inlines: [MarkdownInline]) -> String {
    inlines.map(inline).joined()
  }

  private func inline(_ inline: MarkdownInline) -> String {
    switch inline {
    case .text(let text): return Escape.htmlText(text)
    case .softBreak: return "\n"
    case .lineBreak: return "<br>\n"
    case .code(let code): return "<code>\(Escape.htmlText(code))</code>"
    case .html(let raw): return "<span class=\"raw-html\">\(Escape.htmlText(raw))</span>"
    case .emphasis(let children): return "<em>\(inlines(children))</em>"
    case .strong(let children): return "<strong>\(inlines(children))</strong>"
    case .strikethrough(let children): return "<del>\(inlines(children))</del>"
    case .link(let url, let title, let children):
      guard Escape.isSafeLink(url) else { return "<span class=\"unsafe-link\">\(inlines(children))</span>" }
      let titleAttribute = title.isEmpty ? "" : " title=\"\(Escape.html(title))\""
      return "<a href=\"\(Escape.html(Escape.uri(url)))\"\(titleAttribute)>\(inlines(children))</a>"
    case .image(let url, _, let alt):
      // The page loads nothing from outside, so an image becomes its description, linked when the target is safe.
      let text = "<span class=\"image-alt\">\(inlines(alt))</span>"
      guard Escape.isSafeLink(url), !url.isEmpty else { return text }
      return "<a href=\"\(Escape.html(Escape.uri(url)))\">\(text)</a>"
    }
  }

  /// Readable on screen, paginated on paper: every level-1 heading of the body starts a new page, tables repeat their
  /// header row, and the draft watermark repeats on each printed page.
  static let css = """
    :root { color-scheme: light; }
    html { font-size: 100%; }
    body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #1b1b1b;
      background: #fff; max-width: 48rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
    h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.8em 0 .6em; color: #0b2a4a; }
    h1 { font-size: 1.9rem; border-bottom: 2px solid #0b2a4a; padding-bottom: .2em; }
    h2 { font-size: 1.45rem; } h3 { font-size: 1.2rem; } h4, h5, h6 { font-size: 1.05rem; }
    a { color: #0b57a4; }
    p, ul, ol, blockquote, pre, .table-wrap, dl { margin: 0 0 1em; }
    li > ul, li > ol { margin-bottom: 0; }
    .title-page { padding: 3rem 0 2rem; border-bottom: 1px solid #ccc; margin-bottom: 2rem; }
    .doc-title { font-size: 2.3rem; border: 0; margin: .2em 0 .8em; }
    .doc-meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
    .doc-meta dt { font-weight: 600; } .doc-meta dd { margin: 0; }
    .draft-banner { display: inline-block; color: #a4001d; border: 2px solid #a4001d; padding: .15em .6em;
      font-weight: 700; letter-spacing: .2em; }
    .watermark { position: fixed; top: 40%; left: 0; right: 0; text-align: center; font-size: 7rem; font-weight: 700;
      color: rgba(164, 0, 29, .07); transform: rotate(-30deg); pointer-events: none; z-index: -1; }
    .toc ul { list-style: none; padding-left: 1.2rem; } .toc > ul { padding-left: 0; }
    .draft-mark { border-left: 5px solid #a4001d; background: #fcebee; padding: .7rem 1rem; margin: 0 0 1em; }
    .placeholder { border: 1px dashed #888; color: #4a4a4a; padding: .6rem 1rem; }
    blockquote { border-left: 3px solid #b9c4d0; margin-left: 0; padding-left: 1rem; color: #333; }
    code, pre { font-family: ui-monospace, "Cascadia Mono", Consolas, "Liberation Mono", monospace; font-size: .9em; }
    pre { background: #f4f5f7; padding: .8rem 1rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .raw-html { color: #555; }
    .invisible-char { color: #a4001d; border: 1px dotted #a4001d; font-size: .75em; padding: 0 .1em; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; }
    th, td { border: 1px solid #c4c9cf; padding: .35rem .55rem; vertical-align: top; text-align: left; }
    th { background: #eef1f4; }
    .align-center { text-align: center; } .align-right { text-align: right; }
    .hash { overflow-wrap: anywhere; word-break: break-all; font-size: .8em; }
    hr { border: 0; border-top: 1px solid #c4c9cf; margin: 2em 0; }
    @media print {
      @page { size: A4; margin: 2cm 2cm 2.2cm; }
      body { max-width: none; padding: 0; font-size: 11pt; }
      a { color: inherit; text-decoration: none; }
      .title-page { border: 0; break-after: page; page-break-after: always; }
      .toc { break-after: page; page-break-after: always; }
      main h1, .appendix h1 { break-before: page; page-break-before: always; }
      h1, h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; }
      tr, .draft-mark, .placeholder, pre { break-inside: avoid; page-break-inside: avoid; }
      thead { display: table-header-group; }
      .table-wrap { overflow: visible; }
      .watermark { color: rgba(164, 0, 29, .1); }
    }

    """
}
