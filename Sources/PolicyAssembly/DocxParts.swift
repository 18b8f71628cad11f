import Foundation
import ZIPFoundation

/// The fixed and generated parts of the WordprocessingML package, and the ZIP packaging itself.
enum DocxParts {
  static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
  static let wordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
  static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
  private static let relationshipTypeBase = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
  private static let packageRelationshipNamespace = "http://schemas.openxmlformats.org/package/2006/relationships"
  private static let mainContentTypeBase = "application/vnd.openxmlformats-officedocument.wordprocessingml."

  /// Every entry gets this modification time (1980-01-01 00:00 UTC, the earliest a ZIP header can express), so the
  /// bytes do not depend on when the document was rendered. ZIPFoundation converts it with `gmtime`, not the local
  /// time zone, so the stored DOS date/time is 0x0021/0x0000 everywhere.
  static let fixedModificationDate = Date(timeIntervalSince1970: 315_532_800)

  /// Word's language tag for the document language: "da" → "da-DK"; a tag that already has a region is kept.
  static func wordLanguage(_ language: String) -> String {
    let trimmed = language.trimmingCharacters(in: .whitespaces)
    if trimmed.contains("-") { return trimmed }
    let regions = ["da": "DK", "en": "GB", "de": "DE", "sv": "SE", "nb": "NO", "nn": "NO", "fi": "FI", "fr": "FR"]
    guard let region = regions[trimmed.lowercased()] else { return trimmed.isEmpty ? "da-DK" : trimmed }
    return "\(trimmed.lowercased())-\(region)"
  }

  /// Builds the whole package. Entry order is fixed and compression is zlib deflate at its default level, so equal
  /// input gives byte-identical output.
  static func package(_ document: PolicyDocument, outline: Outline) throws -> Data {
    var renderer = DocxRenderer(document: document, outline: outline)
    let documentXML = try renderer.render()
    let language = wordLanguage(document.language)

    var entries: [(String, String)] = [
      ("[Content_Types].xml", contentTypes(withHeader: document.isDraft)),
      ("_rels/.rels", packageRelationships),
      ("docProps/core.xml", coreProperties(document, language: language)),
      ("docProps/app.xml", appProperties(document)),
      ("word/document.xml", documentXML),
      ("word/_rels/document.xml.rels", documentRelationships(links: renderer.links, withHeader: document.isDraft)),
      ("word/styles.xml", DocxStyles.xml(language: language)),
      ("word/numbering.xml", numbering(orderedLists: renderer.orderedListStarts)),
      ("word/settings.xml", settings(language: language)),
      ("word/footer1.xml", footer(document)),
    ]
    if document.isDraft { entries.append(("word/header1.xml", header(document))) }
    return try zip(entries)
  }

  static func zip(_ entries: [(String, String)]) throws -> Data {
    do {
      let archive = try Archive(data: Data(), accessMode: .create)
      for (path, text) in entries {
        let data = Data(text.utf8)
        try archive.addEntry(
          with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: fixedModificationDate,
          permissions: 0o644, compressionMethod: .deflate,
          provider: { position, size in
            let start = Int(position)
            return data.subdata(in: start..<min(start + size, data.count))
          })
      }
      guard let data = archive.data else { throw AssemblyError.packagingFailed("the in-memory archive has no data") }
      return data
    } catch let error as AssemblyError {
      throw error
    } catch {
      throw AssemblyError.packagingFailed(String(describing: error))
    }
  }

  static func contentTypes(withHeader: Bool) -> String {
    var overrides: [(String, String)] = [
      ("/word/document.xml", mainContentTypeBase + "document.main+xml"),
      ("/word/styles.xml", mainContentTypeBase + "styles+xml"),
      ("/word/numbering.xml", mainContentTypeBase + "numbering+xml"),
      ("/word/settings.xml", mainContentTypeBase + "settings+xml"),
      ("/word/footer1.xml", mainContentTypeBase + "footer+xml"),
      ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
      ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
    ]
    if withHeader { overrides.append(("/word/header1.xml", mainContentTypeBase + "header+xml")) }
    return xmlDeclaration
      + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      + overrides.map { "<Override PartName=\"\($0.0)\" ContentType=\"\($0.1)\"/>" }.joined()
      + "</Types>"
  }

  static let packageRelationships =
    xmlDeclaration
    + "<Relationships xmlns=\"\(packageRelationshipNamespace)\">"
    + "<Relationship Id=\"rId1\" Type=\"\(relationshipTypeBase)officeDocument\" Target=\"word/document.xml\"/>"
    + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
    + "core-properties\" Target=\"docProps/core.xml\"/>"
    + "<Relationship Id=\"rId3\" Type=\"\(relationshipTypeBase)extended-properties\" Target=\"docProps/app.xml\"/>"
    + "</Relationships>"

  /// rId1–rId5 are fixed (the renderer refers to rId4/rId5 for footer/header); hyperlinks start at rId100.
  static func documentRelationships(links: [(id: String, target: String)], withHeader: Bool) -> String {
    var relationships = [
      ("rId1", "styles", "styles.xml"), ("rId2", "numbering", "numbering.xml"), ("rId3", "settings", "settings.xml"),
      ("rId4", "footer", "footer1.xml"),
    ]
    if withHeader { relationships.append(("rId5", "header", "header1.xml")) }
    var xml = xmlDeclaration + "<Relationships xmlns=\"\(packageRelationshipNamespace)\">"
    for (id, type, target) in relationships {
      xml += "<Relationship Id=\"\(id)\" Type=\"\(relationshipTypeBase)\(type)\" Target=\"\(target)\"/>"
    }
    for link in links {
      xml += "<Relationship Id=\"\(link.id)\" Type=\"\(relationshipTypeBase)hyperlink\""
      xml += " Target=\"\(Escape.xml(link.target))\" TargetMode=\"External\"/>"
    }
    return xml + "</Relationships>"
  }

  /// Title, subject (period), language and status. No creation or modification timestamps: they would make every
  /// render differ, and the document's own date is already on its title page.
  static func coreProperties(_ document: PolicyDocument, language: String) -> String {
    xmlDeclaration
      + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\""
      + " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\""
      + " xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
      + "<dc:title>\(Escape.xml(document.title))</dc:title>"
      + "<dc:subject>\(Escape.xml(document.period))</dc:subject>"
      + "<dc:language>\(Escape.xml(language))</dc:language>"
      + "<cp:contentStatus>\(Escape.xml(document.isDraft ? document.labels.draft : document.status))</cp:contentStatus>"
      + "</cp:coreProperties>"
  }

  static func appProperties(_ document: PolicyDocument) -> String {
    xmlDeclaration
      + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\""
      + " xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
      + "<Application>policyflow</Application><DocSecurity>0</DocSecurity>"
      + "<HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Title</vt:lpstr></vt:variant>"
      + "<vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>"
      + "<TitlesOfParts><vt:vector size=\"1\" baseType=\"lpstr\">"
      + "<vt:lpstr>\(Escape.xml(document.title))</vt:lpstr></vt:vector></TitlesOfParts>"
      + "</Properties>"
  }

  /// Element order follows CT_Settings (defaultTabStop … compat … themeFontLang … listSeparator).
  static func settings(language: String) -> String {
    xmlDeclaration
      + "<w:settings xmlns:w=\"\(wordNamespace)\">"
      + "<w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"709\"/>"
      + "<w:characterSpacingControl w:val=\"doNotCompress\"/>"
      + "<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\""
      + " w:val=\"15\"/></w:compat>"
      + "<w:themeFontLang w:val=\"\(Escape.xml(language))\"/>"
      + "<w:decimalSymbol w:val=\",\"/><w:listSeparator w:val=\";\"/>"
      + "</w:settings>"
  }

  /// Bullet lists share `w:num` 1; each ordered list gets its own `w:num` so it restarts at its own start number.
  static func numbering(orderedLists: [(level: Int, start: Int)]) -> String {
    let bullets = ["•", "◦", "▪"]
    var xml = xmlDeclaration + "<w:numbering xmlns:w=\"\(wordNamespace)\">"
    xml += "<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"hybridMultilevel\"/>"
    for level in 0..<9 {
      xml += "<w:lvl w:ilvl=\"\(level)\"><w:start w:val=\"1\"/><w:numFmt w:val=\"bullet\"/>"
      xml += "<w:lvlText w:val=\"\(bullets[level % 3])\"/><w:lvlJc w:val=\"left\"/>"
      xml += "<w:pPr><w:ind w:left=\"\(720 * (level + 1))\" w:hanging=\"360\"/></w:pPr></w:lvl>"
    }
    xml += "</w:abstractNum>"
    xml += "<w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"hybridMultilevel\"/>"
    for level in 0..<9 {
      xml += "<w:lvl w:ilvl=\"\(level)\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/>"
      xml += "<w:lvlText w:val=\"%\(level + 1).\"/><w:lvlJc w:val=\"left\"/>"
      xml += "<w:pPr><w:ind w:left=\"\(720 * (level + 1))\" w:hanging=\"360\"/></w:pPr></w:lvl>"
    }
    xml += "</w:abstractNum>"
    xml += "<w:num w:numId=\"\(DocxRenderer.bulletNumID)\"><w:abstractNumId w:val=\"0\"/></w:num>"
    for (index, list) in orderedLists.enumerated() {
      xml += "<w:num w:numId=\"\(DocxRenderer.bulletNumID + index + 1)\"><w:abstractNumId w:val=\"1\"/>"
      xml +=
        "<w:lvlOverride w:ilvl=\"\(list.level)\"><w:startOverride w:val=\"\(list.start)\"/></w:lvlOverride></w:num>"
    }
    return xml + "</w:numbering>"
  }

  /// Draft documents carry "UDKAST" in the page header of every page.
  static func header(_ document: PolicyDocument) -> String {
    xmlDeclaration
      + "<w:hdr xmlns:w=\"\(wordNamespace)\" xmlns:r=\"\(relationshipNamespace)\">"
      + "<w:p><w:pPr><w:pStyle w:val=\"Header\"/><w:jc w:val=\"right\"/></w:pPr>"
      + "<w:r><w:rPr><w:b/><w:color w:val=\"A4001D\"/></w:rPr>"
      + "<w:t xml:space=\"preserve\">\(Escape.xml(document.labels.draft))</w:t></w:r></w:p></w:hdr>"
  }

  /// Title on the left, page number on the right.
  static func footer(_ document: PolicyDocument) -> String {
    xmlDeclaration
      + "<w:ftr xmlns:w=\"\(wordNamespace)\" xmlns:r=\"\(relationshipNamespace)\">"
      + "<w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr>"
      + "<w:r><w:t xml:space=\"preserve\">\(Escape.xml(document.title))</w:t></w:r><w:r><w:tab/></w:r>"
      + "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"
      + "<w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"
      + "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r>"
      + "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p></w:ftr>"
  }
}
