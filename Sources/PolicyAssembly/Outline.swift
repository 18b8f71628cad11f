import Foundation

/// The shared outline of every edition: which headings exist, at which level, under which anchors, and in which order.
/// Computing it once keeps Markdown, HTML and DOCX structurally identical, which is what the secretariat promises the
/// departments ("the Word file says what the web page says").
struct Outline {
  enum Item {
    case part(Heading)
    case section(SectionLayout)
  }

  struct Heading {
    var text: String
    var level: Int
    /// HTML id: stable across renders because it comes from the section id (or a fixed name), not from the title.
    var anchor: String
    /// DOCX bookmark the table of contents links to, and its numeric `w:id`.
    var bookmarkID: Int
    var bookmark: String { String(format: "_TocPolicy%04d", bookmarkID) }
  }

  struct SectionLayout {
    var section: DocumentSection
    var heading: Heading
    /// Level that the body's top heading (`##`) moves to.
    var bodyTopLevel: Int { heading.level + 1 }
  }

  var items: [Item] = []
  var provenance: Heading?
  var traceability: Heading?

  /// Headings the tables of contents list, in document order (parts, sections, appendices).
  var tocHeadings: [Heading] {
    var headings: [Heading] = items.map {
      switch $0 {
      case .part(let heading): return heading
      case .section(let layout): return layout.heading
      }
    }
    if let provenance { headings.append(provenance) }
    if let traceability { headings.append(traceability) }
    return headings
  }

  init(_ document: PolicyDocument) {
    var anchors = SlugRegistry()
    // Fixed anchors are reserved first so that a section id such as "contents" cannot take them.
    _ = anchors.unique("contents")
    var bookmarkCount = 0
    func heading(_ text: String, level: Int, anchorBase: String) -> Heading {
      bookmarkCount += 1
      return Heading(
        text: text, level: level, anchor: anchors.unique(anchorBase, firstSuffix: 2), bookmarkID: bookmarkCount)
    }

    var seenParts: Set<String> = []
    var partCount = 0
    for section in document.sections {
      var level = 1
      if let part = section.part?.trimmingCharacters(in: .whitespacesAndNewlines), !part.isEmpty {
        level = 2
        if seenParts.insert(part).inserted {
          partCount += 1
          items.append(.part(heading(part, level: 1, anchorBase: "part-\(partCount)")))
        }
      }
      let title = section.number.map { "\($0). \(section.title)" } ?? section.title
      items.append(
        .section(
          SectionLayout(section: section, heading: heading(title, level: level, anchorBase: Escape.anchor(section.id))))
      )
    }
    if !document.provenance.isEmpty {
      provenance = heading(document.labels.provenance, level: 1, anchorBase: "appendix-provenance")
    }
    if !document.traceability.isEmpty {
      traceability = heading(document.labels.traceability, level: 1, anchorBase: "appendix-traceability")
    }
  }
}

/// Splits a draft mark "Ikke godkendt — Kultur- og Fritidsforvaltningen, …" into the verdict shown in bold and the
/// explanation after the dash, so every format can emphasise the verdict the same way.
func splitMark(_ mark: String) -> (head: String, rest: String?) {
  for separator in [" — ", " – ", " - "] {
    if let range = mark.range(of: separator) {
      return (String(mark[..<range.lowerBound]), String(mark[range.upperBound...]))
    }
  }
  return (mark, nil)
}

/// The appendix tables as plain strings, shared by all formats so the columns cannot drift apart.
struct AppendixTable {
  /// A piece of cell text: the requirement id is bold, a content hash is monospace.
  struct Run {
    var text: String
    var strong = false
    var code = false
  }

  var header: [String]
  var rows: [[[Run]]]
  /// Relative column widths for DOCX.
  var weights: [Int]

  static let missing = "—"

  static func provenance(_ entries: [ProvenanceEntry], labels: DocumentLabels) -> AppendixTable {
    AppendixTable(
      header: [labels.section, labels.state, labels.revision, labels.contentHash, labels.approvedAt, labels.signers],
      rows: entries.map { entry in
        [
          [Run(text: entry.sectionTitle)], [Run(text: entry.state)],
          [Run(text: entry.revision.map(String.init) ?? missing)],
          [entry.contentHash.map { Run(text: $0, code: true) } ?? Run(text: missing)],
          [Run(text: entry.approvedAt ?? missing)],
          [Run(text: entry.signers.isEmpty ? missing : entry.signers.joined(separator: ", "))],
        ]
      },
      weights: [18, 16, 11, 22, 15, 18])
  }

  static func traceability(_ entries: [TraceabilityEntry], labels: DocumentLabels) -> AppendixTable {
    let withTheme = entries.contains { ($0.theme ?? "").isEmpty == false }
    var header = [labels.requirement]
    if withTheme { header.append(labels.theme) }
    header += [labels.answeredIn, labels.status]
    return AppendixTable(
      header: header,
      rows: entries.map { entry in
        var requirement = [Run(text: entry.requirementID, strong: true)]
        if !entry.text.isEmpty { requirement.append(Run(text: " " + entry.text)) }
        var row = [requirement]
        if withTheme { row.append([Run(text: entry.theme.flatMap { $0.isEmpty ? nil : $0 } ?? missing)]) }
        row.append([Run(text: entry.answeredIn.isEmpty ? missing : entry.answeredIn.joined(separator: ", "))])
        row.append([Run(text: entry.status)])
        return row
      },
      weights: withTheme ? [46, 16, 24, 14] : [56, 28, 16])
  }
}
