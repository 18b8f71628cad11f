import Ccmark
import Foundation

/// Block-level content of a section body, converted once from the cmark-gfm syntax tree so that the HTML and DOCX
/// renderers work on plain Swift values (Sendable, no manual memory management) instead of each holding C pointers.
indirect enum MarkdownBlock: Equatable, Sendable {
  case paragraph([MarkdownInline])
  case heading(level: Int, [MarkdownInline])
  case blockQuote([MarkdownBlock])
  case list(ordered: Bool, start: Int, tight: Bool, items: [[MarkdownBlock]])
  case codeBlock(info: String, literal: String)
  /// Raw HTML from the author; renderers show it as text, never as markup.
  case htmlBlock(String)
  case thematicBreak
  case table(MarkdownTable)
}

enum TableAlignment: Equatable, Sendable {
  case none, left, center, right
}

struct MarkdownTable: Equatable, Sendable {
  var alignments: [TableAlignment]
  var header: [[MarkdownInline]]
  var rows: [[[MarkdownInline]]]
}

indirect enum MarkdownInline: Equatable, Sendable {
  case text(String)
  case softBreak
  case lineBreak
  case code(String)
  /// Raw inline HTML from the author; shown as text.
  case html(String)
  case emphasis([MarkdownInline])
  case strong([MarkdownInline])
  case strikethrough([MarkdownInline])
  case link(url: String, title: String, [MarkdownInline])
  case image(url: String, title: String, alt: [MarkdownInline])
}

extension MarkdownInline {
  /// Text a reader would see, used for heading slugs and image alt text.
  var plainText: String {
    switch self {
    case .text(let s), .code(let s), .html(let s): return s
    case .softBreak, .lineBreak: return " "
    case .emphasis(let c), .strong(let c), .strikethrough(let c), .link(_, _, let c), .image(_, _, let c):
      return c.plainText
    }
  }
}

extension Array where Element == MarkdownInline {
  var plainText: String { map(\.plainText).joined() }
}

/// Gatekeeper for libcmark-gfm. Version 0.29.0.gfm.6 registers its extensions without a lock and, while a parser runs,
/// adds and removes the extensions' special characters in a process-global table
/// (`cmark_manage_extensions_special_characters`). Two parsers running at once can therefore miss `~~` or `|`, so every
/// call into cmark goes through one lock; parsing a section takes microseconds, so nobody waits noticeably.
enum CommonMark {
  private static let lock = NSLock()
  /// Set once under `lock`; `cmark_gfm_core_extensions_ensure_registered` itself is not thread-safe in gfm.6.
  nonisolated(unsafe) private static var registered = false
  static let extensionNames = ["table", "strikethrough", "autolink"]

  /// Parses `markdown` with the GFM table, strikethrough and autolink extensions and hands the document node to
  /// `body` while the lock is held. The tree is freed afterwards, so nothing may escape `body`.
  static func withDocument<T>(
    _ markdown: String, sectionID: String, _ body: (OpaquePointer) throws -> T
  ) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    if !registered {
      cmark_gfm_core_extensions_ensure_registered()
      registered = true
    }
    // CMARK_OPT_DEFAULT: raw HTML stays in the tree as html nodes (we escape it); CMARK_OPT_UNSAFE is never used.
    guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else {
      throw AssemblyError.markdownParseFailed(sectionID: sectionID)
    }
    defer { cmark_parser_free(parser) }
    for name in extensionNames {
      guard let ext = cmark_find_syntax_extension(name) else { throw AssemblyError.markdownExtensionMissing(name) }
      cmark_parser_attach_syntax_extension(parser, ext)
    }
    var bytes = Array(markdown.utf8)
    if bytes.isEmpty { bytes = [0x0a] }
    bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
    }
    guard let root = cmark_parser_finish(parser) else {
      throw AssemblyError.markdownParseFailed(sectionID: sectionID)
    }
    defer { cmark_node_free(root) }
    return try body(root)
  }

  /// Parses a section body into the value tree used by the HTML and DOCX renderers.
  static func parse(_ markdown: String, sectionID: String) throws -> [MarkdownBlock] {
    try withDocument(markdown, sectionID: sectionID) { TreeBuilder.build(root: $0) }
  }

  /// Re-renders a section body as CommonMark with every heading moved so that the body's top level (`##`) lands at
  /// `topLevel`. Deeper headings keep their distance below it, and a stray `#` is treated like `##` so it never
  /// outranks the section title. Width 0 keeps the author's line structure instead of re-wrapping paragraphs.
  /// Also returns the shifted tree, whose heading texts the caller needs to predict GitHub-style anchors.
  static func shiftedCommonMark(
    _ markdown: String, sectionID: String, topLevel: Int
  ) throws -> (text: String, blocks: [MarkdownBlock]) {
    try withDocument(markdown, sectionID: sectionID) { root in
      var unsafe: [OpaquePointer] = []
      if let iter = cmark_iter_new(root) {
        defer { cmark_iter_free(iter) }
        while case let event = cmark_iter_next(iter), event != CMARK_EVENT_DONE {
          guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iter) else { continue }
          switch cmark_node_get_type(node) {
          case CMARK_NODE_HEADING:
            let level = shiftedLevel(Int(cmark_node_get_heading_level(node)), topLevel: topLevel)
            cmark_node_set_heading_level(node, Int32(level))
          case CMARK_NODE_HTML_BLOCK, CMARK_NODE_HTML_INLINE:
            unsafe.append(node)
          case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
            let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
            if !Escape.isSafeLink(url) { unsafe.append(node) }
          default:
            break
          }
        }
      }
      // Changed only after the walk, which must not see its tree rearranged.
      for node in unsafe { neutralise(node) }
      let blocks = TreeBuilder.build(root: root)
      guard let rendered = cmark_render_commonmark(root, CMARK_OPT_DEFAULT, 0) else { return ("", blocks) }
      defer { free(rendered) }
      return (String(cString: rendered), blocks)
    }
  }

  /// Makes raw HTML and unsafe links in the Markdown edition what the HTML edition makes them, so that a Markdown
  /// renderer shows the same text and runs nothing: an HTML block becomes a code block, inline HTML becomes text,
  /// and a link or image with a `javascript:`-like target is replaced by its text.
  private static func neutralise(_ node: OpaquePointer) {
    switch cmark_node_get_type(node) {
    case CMARK_NODE_HTML_BLOCK, CMARK_NODE_HTML_INLINE:
      let isBlock = cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK
      guard let replacement = cmark_node_new(isBlock ? CMARK_NODE_CODE_BLOCK : CMARK_NODE_TEXT) else { return }
      var literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
      if isBlock, !literal.hasSuffix("\n") { literal += "\n" }
      cmark_node_set_literal(replacement, literal)
      cmark_node_insert_before(node, replacement)
    default:
      while let child = cmark_node_first_child(node) { cmark_node_insert_before(node, child) }
    }
    cmark_node_free(node)
  }

  /// Body heading level `level` (top level 2) moved so that `##` becomes `topLevel`, clamped to 1…6.
  static func shiftedLevel(_ level: Int, topLevel: Int) -> Int {
    min(6, max(topLevel, level + topLevel - 2))
  }
}

/// Converts a cmark-gfm document into `MarkdownBlock`s with one `cmark_iter` pass and an explicit stack. The renderers
/// recurse over the result, so nesting is capped at `maxDepth`: quotes, lists and inline styles nested deeper than
/// that (only ever seen in hostile input, e.g. 2,000 `>` in a row) are flattened into their ancestor with their text
/// kept, instead of overflowing the stack of a small concurrency thread.
enum TreeBuilder {
  static let maxDepth = 48

  /// A container being filled while the iterator is inside it.
  private final class Frame {
    let node: OpaquePointer
    let kind: Kind
    var blocks: [MarkdownBlock] = []
    var inlines: [MarkdownInline] = []
    var items: [[MarkdownBlock]] = []
    var rows: [[[MarkdownInline]]] = []
    var headerRow: [[MarkdownInline]]?
    var cells: [[MarkdownInline]] = []

    init(node: OpaquePointer, kind: Kind) {
      self.node = node
      self.kind = kind
    }
  }

  private enum Kind {
    case document, blockQuote, list, item, paragraph, heading, table, tableRow, tableCell
    case emphasis, strong, strikethrough, link, image, otherBlock, otherInline
    /// A quote or list beyond `maxDepth`: its items and blocks go straight to the parent.
    case flattenedBlock
  }

  static func build(root: OpaquePointer) -> [MarkdownBlock] {
    guard let iter = cmark_iter_new(root) else { return [] }
    defer { cmark_iter_free(iter) }
    var stack: [Frame] = []
    var result: [MarkdownBlock] = []
    while case let event = cmark_iter_next(iter), event != CMARK_EVENT_DONE {
      guard let node = cmark_iter_get_node(iter) else { continue }
      if event == CMARK_EVENT_ENTER {
        if let leaf = leafContent(node) {
          switch leaf {
          case .block(let block): stack.last?.blocks.append(block)
          case .inline(let inline): stack.last?.inlines.append(inline)
          }
          continue
        }
        var frameKind = kind(of: node)
        if stack.count >= maxDepth {
          switch frameKind {
          case .blockQuote, .list, .otherBlock: frameKind = .flattenedBlock
          case .emphasis, .strong, .strikethrough, .link, .image, .otherInline: frameKind = .otherInline
          default: break
          }
        }
        stack.append(Frame(node: node, kind: frameKind))
      } else if event == CMARK_EVENT_EXIT {
        guard let frame = stack.popLast() else { continue }
        let parent = stack.last
        switch close(frame) {
        case .block(let block)?:
          if let parent {
            parent.blocks.append(block)
          } else {
            result.append(block)
          }
        case .inline(let inline)?:
          parent?.inlines.append(inline)
        case nil:
          attach(frame, to: parent, result: &result)
        }
      }
    }
    return result
  }

  private enum Content {
    case block(MarkdownBlock)
    case inline(MarkdownInline)
  }

  private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
  }

  private static func typeString(_ node: OpaquePointer) -> String {
    string(cmark_node_get_type_string(node))
  }

  private static func kind(of node: OpaquePointer) -> Kind {
    switch cmark_node_get_type(node) {
    case CMARK_NODE_DOCUMENT: return .document
    case CMARK_NODE_BLOCK_QUOTE: return .blockQuote
    case CMARK_NODE_LIST: return .list
    case CMARK_NODE_ITEM: return .item
    case CMARK_NODE_PARAGRAPH: return .paragraph
    case CMARK_NODE_HEADING: return .heading
    case CMARK_NODE_EMPH: return .emphasis
    case CMARK_NODE_STRONG: return .strong
    case CMARK_NODE_LINK: return .link
    case CMARK_NODE_IMAGE: return .image
    default:
      // Extension node types are numbered at registration time and their globals (CMARK_NODE_TABLE, …) are not in
      // the installed headers, so they are recognised by their type string.
      switch typeString(node) {
      case "table": return .table
      case "table_header", "table_row": return .tableRow
      case "table_cell": return .tableCell
      case "strikethrough": return .strikethrough
      default:
        let isInline =
          (Int(cmark_node_get_type(node).rawValue) & Int(CMARK_NODE_TYPE_MASK)) == Int(CMARK_NODE_TYPE_INLINE)
        return isInline ? .otherInline : .otherBlock
      }
    }
  }

  /// Content of nodes that have no children (cmark reports only an ENTER event for them).
  private static func leafContent(_ node: OpaquePointer) -> Content? {
    let literal = { string(cmark_node_get_literal(node)) }
    switch cmark_node_get_type(node) {
    case CMARK_NODE_TEXT: return .inline(.text(literal()))
    case CMARK_NODE_CODE: return .inline(.code(literal()))
    case CMARK_NODE_HTML_INLINE: return .inline(.html(literal()))
    case CMARK_NODE_SOFTBREAK: return .inline(.softBreak)
    case CMARK_NODE_LINEBREAK: return .inline(.lineBreak)
    case CMARK_NODE_CODE_BLOCK:
      return .block(.codeBlock(info: string(cmark_node_get_fence_info(node)), literal: literal()))
    case CMARK_NODE_HTML_BLOCK: return .block(.htmlBlock(literal()))
    case CMARK_NODE_THEMATIC_BREAK: return .block(.thematicBreak)
    default: return nil
    }
  }

  private static func close(_ frame: Frame) -> Content? {
    let node = frame.node
    switch frame.kind {
    case .paragraph: return .block(.paragraph(frame.inlines))
    case .heading: return .block(.heading(level: Int(cmark_node_get_heading_level(node)), frame.inlines))
    case .blockQuote: return .block(.blockQuote(frame.blocks))
    case .list:
      let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
      return .block(
        .list(
          ordered: ordered, start: Int(cmark_node_get_list_start(node)), tight: cmark_node_get_list_tight(node) != 0,
          items: frame.items))
    case .table:
      let columns = Int(cmark_gfm_extensions_get_table_columns(node))
      var alignments: [TableAlignment] = []
      if let raw = cmark_gfm_extensions_get_table_alignments(node) {
        for index in 0..<columns {
          switch raw[index] {
          case UInt8(ascii: "l"): alignments.append(.left)
          case UInt8(ascii: "c"): alignments.append(.center)
          case UInt8(ascii: "r"): alignments.append(.right)
          default: alignments.append(.none)
          }
        }
      } else {
        alignments = Array(repeating: .none, count: columns)
      }
      return .block(.table(MarkdownTable(alignments: alignments, header: frame.headerRow ?? [], rows: frame.rows)))
    case .emphasis: return .inline(.emphasis(frame.inlines))
    case .strong: return .inline(.strong(frame.inlines))
    case .strikethrough: return .inline(.strikethrough(frame.inlines))
    case .link:
      return .inline(
        .link(url: string(cmark_node_get_url(node)), title: string(cmark_node_get_title(node)), frame.inlines))
    case .image:
      return .inline(
        .image(url: string(cmark_node_get_url(node)), title: string(cmark_node_get_title(node)), alt: frame.inlines))
    case .document, .item, .tableRow, .tableCell, .otherBlock, .otherInline, .flattenedBlock:
      return nil
    }
  }

  /// Containers that do not become a value of their own hand their content to the parent frame.
  private static func attach(_ frame: Frame, to parent: Frame?, result: inout [MarkdownBlock]) {
    switch frame.kind {
    case .document:
      result.append(contentsOf: frame.blocks)
    case .item:
      parent?.items.append(frame.blocks)
    case .tableCell:
      parent?.cells.append(frame.inlines)
    case .tableRow:
      if cmark_gfm_extensions_get_table_row_is_header(frame.node) != 0 {
        parent?.headerRow = frame.cells
      } else {
        parent?.rows.append(frame.cells)
      }
    case .otherInline:
      parent?.inlines.append(contentsOf: frame.inlines)
    case .flattenedBlock:
      parent?.blocks.append(contentsOf: frame.items.joined())
      parent?.blocks.append(contentsOf: frame.blocks)
    default:
      // Unknown blocks (custom blocks, footnote definitions) keep their content in place.
      parent?.blocks.append(contentsOf: frame.blocks)
      if !frame.inlines.isEmpty { parent?.blocks.append(.paragraph(frame.inlines)) }
    }
  }
}
