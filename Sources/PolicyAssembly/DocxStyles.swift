import Foundation

/// `word/styles.xml`. Built-in styles keep Word's own names ("heading 1", "Title", "List Paragraph", "Table Grid", …)
/// so Word treats them as built-in: the navigation pane shows the headings (via `w:outlineLvl`) and a municipal
/// template can restyle the whole policy by redefining them.
enum DocxStyles {
  static func xml(language: String) -> String {
    var xml = DocxParts.xmlDeclaration + "<w:styles xmlns:w=\"\(DocxParts.wordNamespace)\">"
    xml += "<w:docDefaults><w:rPrDefault><w:rPr>"
    xml += "<w:rFonts w:ascii=\"Calibri\" w:eastAsia=\"Calibri\" w:hAnsi=\"Calibri\" w:cs=\"Calibri\"/>"
    xml += "<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/>"
    xml += "<w:lang w:val=\"\(Escape.xml(language))\" w:eastAsia=\"en-US\" w:bidi=\"ar-SA\"/>"
    xml += "</w:rPr></w:rPrDefault>"
    xml += "<w:pPrDefault><w:pPr><w:spacing w:after=\"160\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr>"
    xml += "</w:pPrDefault></w:docDefaults>"

    xml += paragraphStyle("Normal", name: "Normal", isDefault: true, basedOn: nil, next: nil, priority: 0)
    xml += "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">"
    xml += "<w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/>"
    xml += "</w:style>"
    xml += "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
    xml += "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>"
    xml += "<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
    xml +=
      "<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
    xml += "<w:style w:type=\"numbering\" w:default=\"1\" w:styleId=\"NoList\"><w:name w:val=\"No List\"/>"
    xml += "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"

    xml += paragraphStyle(
      "Title", name: "Title", priority: 10,
      pPr: "<w:spacing w:before=\"2400\" w:after=\"480\" w:line=\"240\" w:lineRule=\"auto\"/><w:contextualSpacing/>",
      rPr: "<w:rFonts w:ascii=\"Calibri Light\" w:hAnsi=\"Calibri Light\"/><w:color w:val=\"0B2A4A\"/>"
        + "<w:kern w:val=\"28\"/><w:sz w:val=\"56\"/><w:szCs w:val=\"56\"/>")
    xml += paragraphStyle(
      "Subtitle", name: "Subtitle", priority: 11, pPr: "<w:spacing w:after=\"120\"/>",
      rPr: "<w:color w:val=\"404040\"/><w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/>")
    xml += paragraphStyle(
      "TitleMeta", name: "Title Meta", priority: 12, pPr: "<w:spacing w:after=\"80\"/>",
      rPr: "<w:color w:val=\"404040\"/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>")
    xml += paragraphStyle(
      "DraftBanner", name: "Draft Banner", priority: 12,
      pPr: "<w:pBdr><w:top w:val=\"single\" w:sz=\"12\" w:space=\"4\" w:color=\"A4001D\"/>"
        + "<w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"4\" w:color=\"A4001D\"/></w:pBdr>"
        + "<w:spacing w:before=\"240\" w:after=\"240\"/><w:jc w:val=\"center\"/>",
      rPr:
        "<w:b/><w:caps/><w:color w:val=\"A4001D\"/><w:spacing w:val=\"40\"/><w:sz w:val=\"36\"/><w:szCs w:val=\"36\"/>")

    let headingSizes = [32, 28, 24, 22, 22, 20]
    for level in 1...6 {
      var pPr = "<w:keepNext/><w:keepLines/>"
      if level == 1 { pPr += "<w:pageBreakBefore/>" }
      pPr += "<w:spacing w:before=\"\(level == 1 ? 240 : 240)\" w:after=\"\(level <= 2 ? 120 : 60)\"/>"
      pPr += "<w:outlineLvl w:val=\"\(level - 1)\"/>"
      var rPr = level <= 2 ? "<w:rFonts w:ascii=\"Calibri Light\" w:hAnsi=\"Calibri Light\"/>" : ""
      rPr += level == 5 ? "<w:b/><w:i/>" : "<w:b/>"
      rPr += "<w:color w:val=\"0B2A4A\"/><w:sz w:val=\"\(headingSizes[level - 1])\"/>"
      rPr += "<w:szCs w:val=\"\(headingSizes[level - 1])\"/>"
      xml += paragraphStyle("Heading\(level)", name: "heading \(level)", priority: 9, pPr: pPr, rPr: rPr)
    }

    // "TOC Heading" deliberately has no outline level: the contents list must not list itself.
    xml += paragraphStyle(
      "TOCHeading", name: "TOC Heading", next: "Normal", priority: 39,
      pPr: "<w:keepNext/><w:spacing w:before=\"240\" w:after=\"240\"/>",
      rPr: "<w:rFonts w:ascii=\"Calibri Light\" w:hAnsi=\"Calibri Light\"/><w:b/><w:color w:val=\"0B2A4A\"/>"
        + "<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/>")
    for level in 1...3 {
      xml += paragraphStyle(
        "TOC\(level)", name: "toc \(level)", next: "Normal", priority: 39,
        pPr: "<w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" w:pos=\"\(DocxRenderer.textWidth - 10)\"/></w:tabs>"
          + "<w:spacing w:after=\"100\"/><w:ind w:left=\"\(220 * (level - 1))\"/>",
        rPr: level == 1 ? "<w:b/>" : "")
    }
    xml += paragraphStyle(
      "ListParagraph", name: "List Paragraph", priority: 34,
      pPr: "<w:spacing w:after=\"60\"/><w:ind w:left=\"720\"/><w:contextualSpacing/>")
    xml += paragraphStyle(
      "Quote", name: "Quote", next: "Normal", priority: 29,
      pPr: "<w:pBdr><w:left w:val=\"single\" w:sz=\"18\" w:space=\"8\" w:color=\"B9C4D0\"/></w:pBdr>"
        + "<w:ind w:left=\"567\" w:right=\"567\"/>",
      rPr: "<w:i/><w:color w:val=\"404040\"/>")
    xml += paragraphStyle(
      "SourceCode", name: "Source Code", priority: 40,
      pPr: "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F4F5F7\"/>"
        + "<w:spacing w:after=\"160\" w:line=\"240\" w:lineRule=\"auto\"/>",
      rPr: "<w:rFonts w:ascii=\"Consolas\" w:hAnsi=\"Consolas\" w:cs=\"Consolas\"/><w:sz w:val=\"20\"/>")
    xml += paragraphStyle(
      "HorizontalRule", name: "Horizontal Rule", priority: 40,
      pPr: "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"C4C9CF\"/></w:pBdr>")
    xml += paragraphStyle(
      "DraftMark", name: "Draft Mark", priority: 40,
      pPr: "<w:pBdr><w:left w:val=\"single\" w:sz=\"36\" w:space=\"8\" w:color=\"A4001D\"/></w:pBdr>"
        + "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"FCEBEE\"/><w:ind w:left=\"170\"/>",
      rPr: "<w:color w:val=\"6B0013\"/>")
    xml += paragraphStyle(
      "Placeholder", name: "Placeholder Guidance", priority: 40,
      pPr: "<w:pBdr><w:top w:val=\"dashed\" w:sz=\"4\" w:space=\"4\" w:color=\"888888\"/>"
        + "<w:left w:val=\"dashed\" w:sz=\"4\" w:space=\"4\" w:color=\"888888\"/>"
        + "<w:bottom w:val=\"dashed\" w:sz=\"4\" w:space=\"4\" w:color=\"888888\"/>"
        + "<w:right w:val=\"dashed\" w:sz=\"4\" w:space=\"4\" w:color=\"888888\"/></w:pBdr>",
      rPr: "<w:i/><w:color w:val=\"4A4A4A\"/>")
    xml += paragraphStyle(
      "TableText", name: "Table Text", priority: 40, pPr: "<w:spacing w:before=\"40\" w:after=\"40\"/>",
      rPr: "<w:sz w:val=\"20\"/><w:szCs w:val=\"20\"/>")
    xml += paragraphStyle(
      "TableSpacer", name: "Table Spacer", priority: 40,
      pPr: "<w:spacing w:after=\"120\" w:line=\"120\" w:lineRule=\"exact\"/>")
    let footerTabs =
      "<w:tabs><w:tab w:val=\"center\" w:pos=\"\(DocxRenderer.textWidth / 2)\"/>"
      + "<w:tab w:val=\"right\" w:pos=\"\(DocxRenderer.textWidth)\"/></w:tabs>"
    xml += paragraphStyle(
      "Header", name: "header", priority: 99, pPr: footerTabs + "<w:spacing w:after=\"0\"/>")
    xml += paragraphStyle(
      "Footer", name: "footer", priority: 99, pPr: footerTabs + "<w:spacing w:after=\"0\"/>",
      rPr: "<w:color w:val=\"595959\"/><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/>")

    xml += "<w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/>"
    xml += "<w:basedOn w:val=\"DefaultParagraphFont\"/><w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/>"
    xml += "<w:rPr><w:color w:val=\"0B57A4\"/><w:u w:val=\"single\"/></w:rPr></w:style>"
    xml += "<w:style w:type=\"character\" w:styleId=\"VerbatimChar\"><w:name w:val=\"Verbatim Char\"/>"
    xml += "<w:basedOn w:val=\"DefaultParagraphFont\"/><w:uiPriority w:val=\"40\"/>"
    xml += "<w:rPr><w:rFonts w:ascii=\"Consolas\" w:hAnsi=\"Consolas\" w:cs=\"Consolas\"/><w:sz w:val=\"20\"/></w:rPr>"
    xml += "</w:style>"

    let border = "w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"A6ADB5\""
    xml += "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
    xml += "<w:basedOn w:val=\"TableNormal\"/><w:uiPriority w:val=\"39\"/>"
    xml += "<w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>"
    xml += "<w:tblPr><w:tblBorders><w:top \(border)/><w:left \(border)/><w:bottom \(border)/><w:right \(border)/>"
    xml += "<w:insideH \(border)/><w:insideV \(border)/></w:tblBorders>"
    xml += "<w:tblCellMar><w:top w:w=\"40\" w:type=\"dxa\"/><w:left w:w=\"100\" w:type=\"dxa\"/>"
    xml += "<w:bottom w:w=\"40\" w:type=\"dxa\"/><w:right w:w=\"100\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>"
    xml += "<w:tblStylePr w:type=\"firstRow\"><w:rPr><w:b/></w:rPr>"
    xml += "<w:tcPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E8ECF0\"/></w:tcPr></w:tblStylePr></w:style>"
    return xml + "</w:styles>"
  }

  /// Children in CT_Style order: name, basedOn, next, uiPriority, qFormat, pPr, rPr.
  private static func paragraphStyle(
    _ id: String, name: String, isDefault: Bool = false, basedOn: String? = "Normal", next: String? = nil,
    priority: Int, pPr: String = "", rPr: String = ""
  ) -> String {
    var xml = "<w:style w:type=\"paragraph\"" + (isDefault ? " w:default=\"1\"" : "") + " w:styleId=\"\(id)\">"
    xml += "<w:name w:val=\"\(name)\"/>"
    if let basedOn { xml += "<w:basedOn w:val=\"\(basedOn)\"/>" }
    if let next { xml += "<w:next w:val=\"\(next)\"/>" }
    xml += "<w:uiPriority w:val=\"\(priority)\"/><w:qFormat/>"
    if !pPr.isEmpty { xml += "<w:pPr>\(pPr)</w:pPr>" }
    if !rPr.isEmpty { xml += "<w:rPr>\(rPr)</w:rPr>" }
    return xml + "</w:style>"
  }
}
