import Foundation

/// Turns a `PolicyDocument` into the bytes of one edition. Pure: no file system, no clock, no git or database, so the
/// same document always gives the same bytes and the use-case layer decides where they go.
public struct Assembler: Sendable {
  public init() {}

  public func render(_ document: PolicyDocument, as format: OutputFormat) throws -> Data {
    let outline = Outline(document)
    switch format {
    case .markdown:
      return Data(try MarkdownRenderer(document: document, outline: outline).render().utf8)
    case .html:
      return Data(try HTMLRenderer(document: document, outline: outline).render().utf8)
    case .docx:
      return try DocxParts.package(document, outline: outline)
    }
  }
}
