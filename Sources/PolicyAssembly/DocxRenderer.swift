import Foundation

/// Builds `word/document.xml` and the parts that depend on its content (hyperlink relationships, list numbering).
/// Paragraphs use Word's built-in style names (Title, heading 1…6, List Paragraph, Quote, Table Grid) so that the
/// navigation pane, the table of contents and the secretariat's own templates recognise them.
struct DocxRenderer {
  let document: PolicyDocument
  let outline: Outline

  /// A4 with 2 cm side margins: the width, in twentieths of a point, that tables are laid out for.
  static let textWidth = 11906 - 2 * 1134

  /// Hyperlink relationships, in order of first use, so that ids are reproducible.
  private(set) var links: [(id: String, target: String)] = []
  /// One `w:num` per ordered list (so each restarts at its own start value); `w:num` 1 is shared by all bullet lists.
  private(set) var orderedListStarts: [(level: Int, start: Int)] = []
  private var body = ""

  init(document: PolicyDocument, outline: Outline) {
    self.document = document
    self.outline = outline
  }

  static let bulletNumID = 1

  mutating func render() throws -> String {
    let labels = document.labels
    body = ""

    // Title page.
    if document.isDraft { paragraph(style: "DraftBanner", runs: run(labels.draft)) }
    paragraph(style: "Title", runs: run(document.title))
    paragraph(style: "Subtitle", runs: run(labels.period + ": ", bold: true) + run(document.period))
    paragraph(style: "TitleMeta", runs: run(labels.status + ": ", bold: true) + run(document.status))
    paragraph(style: "TitleMeta", runs: run(labels.date + ": ", bold: true) + run(document.date))

    // Table of contents: a real TOC field whose cached result lists the outline, so the document reads correctly
    // before (or without) Word updating fields; `w:dirty` asks Word to refresh it, with page numbers, on opening.
    paragraph(style: "TOCHeading", properties: "<w:pageBreakBefore/>", runs: run(labels.contents))
    let headings = outline.tocHeadings
    let fieldBegin =
      "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\"/></w:r>"
      + "<w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-3\" \\h \\z \\u </w:instrText></w:r>"
      + "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
    let fieldEnd = "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    if headings.isEmpty {
      paragraph(style: "TOC1", runs: fieldBegin + fieldEnd)
    }
    for (index, h) in headings.enumerated() {
      var runs = index == 0 ? fieldBegin : ""
      runs += "<w:hyperlink w:anchor=\"\(h.bookmark)\" w:history=\"1\">" + run(h.text) + "</w:hyperlink>"
      if index == headings.count - 1 { runs += fieldEnd }
      paragraph(style: "TOC\(min(h.level, 3))", runs: runs)
    }

    for item in outline.items {
      switch item {
      case .part(let h):
        heading(h)
      case .section(let layout):
        heading(layout.heading)
        let section = layout.section
        if let mark = section.mark {
          let (head, rest) = splitMark(mark)
          paragraph(style: "DraftMark", runs: run(head, bold: true) + (rest.map { run(" — " + $0) } ?? ""))
        }
        if let placeholder = section.placeholder {
          paragraph(style: "Placeholder", runs: run(labels.notWritten + ": ", bold: true) + run(placeholder))
        }
        let blocks = try CommonMark.parse(section.markdown, sectionID: section.id)
        render(blocks, context: BlockContext(topLevel: layout.bodyTopLevel))
      }
    }
    if let h = outline.provenance {
      heading(h)
      appendixTable(AppendixTable.provenance(document.provenance, labels: labels))
    }
    if let h = outline.traceability {
      heading(h)
      appendixTable(AppendixTable.traceability(document.traceability, labels: labels))
    }

    var sectionProperties = "<w:sectPr>"
    if document.isDraft { sectionProperties += "<w:headerReference w:type=\"default\" r:id=\"rId5\"/>" }
    sectionProperties += "<w:footerReference w:type=\"default\" r:id=\"rId4\"/>"
    sectionProperties += "<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"
    sectionProperties += "<w:pgMar w:top=\"1418\" w:right=\"1134\" w:bottom=\"1418\" w:left=\"1134\" w:header=\"709\""
    sectionProperties += " w:footer=\"709\" w:gutter=\"0\"/><w:cols w:space=\"708\"/></w:sectPr>"

    let root = "<w:document xmlns:w=\"\(DocxParts.wordNamespace)\" xmlns:r=\"\(DocxParts.relationshipNamespace)\">"
    return DocxParts.xmlDeclaration + root + "<w:body>" + body + sectionProperties + "</w:body></w:document>"
  }

  // MARK: Paragraphs and runs

  private mutating func paragraph(style: String?, properties: String = "", runs: String) {
    body += paragraphXML(style: style, properties: properties, runs: runs)
  }

  private func paragraphXML(style: String?, properties: String = "", runs: String) -> String {
    var pPr = style.map { "<w:pStyle w:val=\"\($0)\"/>" } ?? ""
    pPr += properties
    return "<w:p>" + (pPr.isEmpty ? "" : "<w:pPr>\(pPr)</w:pPr>") + runs + "</w:p>"
  }

  /// A heading listed in the table of contents, wrapped in the bookmark its TOC entry links to.
  private mutating func heading(_ h: Outline.Heading) {
    let id = h.bookmarkID
    paragraph(
      style: "Heading\(min(max(h.level, 1), 6))",
      runs: "<w:bookmarkStart w:id=\"\(id)\" w:name=\"\(h.bookmark)\"/>" + run(h.text)
        + "<w:bookmarkEnd w:id=\"\(id)\"/>")
  }

  struct RunStyle {
    var bold = false
    var italic = false
    var strike = false
    var code = false
    var hyperlink = false
  }

  /// One or more `w:r` for `text`; tabs and newlines become `w:tab` and `w:br` because Word ignores them inside `w:t`.
  private func run(_ text: String, bold: Bool = false) -> String {
    var style = RunStyle()
    style.bold = bold
    return run(text, style: style)
  }

  private func run(_ text: String, style: RunStyle) -> String {
    // Element order inside w:rPr follows the schema (rStyle, b, i, strike); Word rejects other orders.
    var rPr = ""
    if style.hyperlink {
      rPr += "<w:rStyle w:val=\"Hyperlink\"/>"
    } else if style.code {
      rPr += "<w:rStyle w:val=\"VerbatimChar\"/>"
    }
    if style.bold { rPr += "<w:b/>" }
    if style.italic { rPr += "<w:i/>" }
    if style.strike { rPr += "<w:strike/>" }
    var content = ""
    var pending = ""
    // Without tabs and line breaks the run is one w:t; going Character by Character is only needed with them.
    if !text.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
      guard !text.isEmpty else { return "" }
      return "<w:r>" + (rPr.isEmpty ? "" : "<w:rPr>\(rPr)</w:rPr>")
        + "<w:t xml:space=\"preserve\">\(Escape.xml(text))</w:t></w:r>"
    }
    func flush() {
      if !pending.isEmpty { content += "<w:t xml:space=\"preserve\">\(Escape.xml(pending))</w:t>" }
      pending = ""
    }
    for character in text {
      switch character {
      case "\t":
        flush()
        content += "<w:tab/>"
      case "\n", "\r\n", "\r":
        flush()
        content += "<w:br/>"
      default: pending.append(character)
      }
    }
    flush()
    guard !content.isEmpty else { return "" }
    return "<w:r>" + (rPr.isEmpty ? "" : "<w:rPr>\(rPr)</w:rPr>") + content + "</w:r>"
  }

  private mutating func inlines(_ inlines: [MarkdownInline], style: RunStyle = RunStyle()) -> String {
    var out = ""
    for inline in inlines {
      switch inline {
      case .text(let text): out += run(text, style: style)
      case .softBreak: out += run(" ", style: style)
      case .lineBreak: out += "<w:r><w:br/></w:r>"
      case .code(let code):
        var codeStyle = style
        codeStyle.code = true
        out += run(code, style: codeStyle)
      case .html(let raw): out += run(raw, style: style)
      case .emphasis(let children):
        var inner = style
        inner.italic = true
        out += self.inlines(children, style: inner)
      case .strong(let children):
        var inner = style
        inner.bold = true
        out += self.inlines(children, style: inner)
      case .strikethrough(let children):
        var inner = style
        inner.strike = true
        out += self.inlines(children, style: inner)
      case .link(let url, _, let children):
        // Only absolute http(s)/mailto links survive: a relative link has no target inside a Word file, and any other
        // scheme could run something. The text always stays.
        guard !style.hyperlink, Escape.isAbsoluteWebLink(url) else {
          out += self.inlines(children, style: style)
          continue
        }
        var inner = style
        inner.hyperlink = true
        out +=
          "<w:hyperlink r:id=\"\(linkID(url))\" w:history=\"1\">" + self.inlines(children, style: inner)
          + "</w:hyperlink>"
      case .image(_, _, let alt):
        // Images are not embedded (the assembled policy is text); their description keeps the sentence whole.
        var inner = style
        inner.italic = true
        out += self.inlines(alt, style: inner)
      }
    }
    return out
  }

  private mutating func linkID(_ url: String) -> String {
    let target = Escape.uri(url)
    if let existing = links.first(where: { $0.target == target }) { return existing.id }
    let id = "rId\(100 + links.count)"
    links.append((id, target))
    return id
  }

  // MARK: Blocks

  struct BlockContext {
    var topLevel: Int
    var quoteDepth = 0
    /// (numId, level) of the enclosing lists, innermost last.
    var lists: [(numID: Int, level: Int)] = []
    /// Set for the first paragraph of a list item: it carries the bullet or number.
    var numbering: (numID: Int, level: Int)?
  }

  private mutating func render(_ blocks: [MarkdownBlock], context: BlockContext) {
    var context = context
    for block in blocks {
      render(block, context: context)
      context.numbering = nil
    }
  }

  /// Paragraph properties for body text in the current context (quote indentation, list numbering or continuation).
  private func bodyParagraph(_ runs: String, context: BlockContext, style: String? = nil) -> String {
    var properties = ""
    var paragraphStyle = style
    if let numbering = context.numbering {
      paragraphStyle = paragraphStyle ?? "ListParagraph"
      properties += "<w:numPr><w:ilvl w:val=\"\(numbering.level)\"/><w:numId w:val=\"\(numbering.numID)\"/></w:numPr>"
    } else if let list = context.lists.last {
      paragraphStyle = paragraphStyle ?? "ListParagraph"
      properties += "<w:ind w:left=\"\(720 * (list.level + 1))\"/>"
    } else if context.quoteDepth > 0 {
      paragraphStyle = paragraphStyle ?? "Quote"
      if context.quoteDepth > 1 { properties += "<w:ind w:left=\"\(567 * context.quoteDepth)\"/>" }
    }
    return paragraphXML(style: paragraphStyle, properties: properties, runs: runs)
  }

  private mutating func render(_ block: MarkdownBlock, context: BlockContext) {
    switch block {
    case .paragraph(let content):
      let runs = inlines(content)
      body += bodyParagraph(runs, context: context)
    case .heading(let level, let content):
      let shifted = CommonMark.shiftedLevel(level, topLevel: context.topLevel)
      let runs = inlines(content)
      paragraph(style: "Heading\(shifted)", runs: runs)
    case .blockQuote(let children):
      var inner = context
      inner.quoteDepth += 1
      if context.numbering != nil { body += bodyParagraph("", context: context) }
      inner.numbering = nil
      render(children, context: inner)
    case .list(let ordered, let start, _, let items):
      if context.numbering != nil { body += bodyParagraph("", context: context) }
      let level = min(context.lists.count, 8)
      let numID: Int
      if ordered {
        orderedListStarts.append((level, start))
        numID = Self.bulletNumID + orderedListStarts.count
      } else {
        numID = Self.bulletNumID
      }
      for item in items {
        var inner = context
        inner.lists.append((numID, level))
        inner.numbering = (numID, level)
        if item.isEmpty {
          body += bodyParagraph("", context: inner)
        } else if case .paragraph = item[0] {
          render(item, context: inner)
        } else {
          // The bullet needs a paragraph of its own when the item starts with, e.g., a code block.
          body += bodyParagraph("", context: inner)
          inner.numbering = nil
          render(item, context: inner)
        }
      }
    case .codeBlock(_, let literal), .htmlBlock(let literal):
      var text = literal
      if text.hasSuffix("\n") { text.removeLast() }
      var style = RunStyle()
      style.code = true
      body += bodyParagraph(run(text, style: style), context: context, style: "SourceCode")
    case .thematicBreak:
      body += bodyParagraph("", context: context, style: "HorizontalRule")
    case .table(let table):
      if context.numbering != nil { body += bodyParagraph("", context: context) }
      let columns = max(table.header.count, table.rows.map(\.count).max() ?? 0, 1)
      var rows: [[String]] = []
      var alignments: [String?] = []
      for column in 0..<columns {
        let alignment = column < table.alignments.count ? table.alignments[column] : .none
        switch alignment {
        case .none: alignments.append(nil)
        case .left: alignments.append("left")
        case .center: alignments.append("center")
        case .right: alignments.append("right")
        }
      }
      for row in [table.header] + table.rows {
        rows.append((0..<columns).map { column in column < row.count ? inlines(row[column]) : "" })
      }
      body += tableXML(rows: rows, alignments: alignments, weights: Array(repeating: 1, count: columns))
    }
  }

  private mutating func appendixTable(_ table: AppendixTable) {
    var rows: [[String]] = [table.header.map { run($0) }]
    for row in table.rows {
      rows.append(
        row.map { runs in
          runs.map { piece in
            var style = RunStyle()
            style.bold = piece.strong
            style.code = piece.code
            return run(piece.text, style: style)
          }.joined()
        })
    }
    body += tableXML(rows: rows, alignments: Array(repeating: nil, count: table.header.count), weights: table.weights)
  }

  /// A table in the "Table Grid" style whose first row is a repeating header row; cell widths follow `weights`.
  private func tableXML(rows: [[String]], alignments: [String?], weights: [Int]) -> String {
    let total = max(weights.reduce(0, +), 1)
    let widths = weights.map { Self.textWidth * $0 / total }
    var xml = "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/>"
    xml += "<w:tblLayout w:type=\"fixed\"/>"
    xml += "<w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" w:lastColumn=\"0\""
    xml += " w:noHBand=\"1\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>"
    xml += widths.map { "<w:gridCol w:w=\"\($0)\"/>" }.joined() + "</w:tblGrid>"
    for (index, row) in rows.enumerated() {
      xml += "<w:tr>" + (index == 0 ? "<w:trPr><w:tblHeader/></w:trPr>" : "")
      for (column, runs) in row.enumerated() {
        let width = column < widths.count ? widths[column] : 0
        xml += "<w:tc><w:tcPr><w:tcW w:w=\"\(width)\" w:type=\"dxa\"/></w:tcPr>"
        let alignment = column < alignments.count ? alignments[column] : nil
        let properties = alignment.map { "<w:jc w:val=\"\($0)\"/>" } ?? ""
        xml += paragraphXML(style: "TableText", properties: properties, runs: runs) + "</w:tc>"
      }
      xml += "</w:tr>"
    }
    // Word needs a paragraph between a table and whatever follows (another table, the section end).
    return xml + "</w:tbl>" + paragraphXML(style: "TableSpacer", runs: "")
  }
}
