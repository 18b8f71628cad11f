import Foundation

/// The consolidated policy as the secretariat assembles it: everything needed to render the Markdown, HTML and Word
/// editions. The use-case layer fills it from the repository and the store; this module only turns it into bytes, so
/// every value that would otherwise depend on the clock or the locale (such as `date`) arrives preformatted.
public struct PolicyDocument: Sendable {
  public var title: String
  public var period: String
  public var status: String
  /// Preformatted by the caller ("27. november 2026") so that rendering the same document twice gives the same bytes.
  public var date: String
  /// Marks the whole document UDKAST: title page, HTML watermark, DOCX page header.
  public var isDraft: Bool
  /// BCP 47 language of the text ("da"); HTML `lang`, DOCX `w:lang` ("da" becomes "da-DK").
  public var language: String
  public var sections: [DocumentSection]
  public var provenance: [ProvenanceEntry]
  /// May be empty; the traceability appendix is then left out.
  public var traceability: [TraceabilityEntry]
  public var labels: DocumentLabels = .danish

  public init(
    title: String, period: String, status: String, date: String, isDraft: Bool, language: String = "da",
    sections: [DocumentSection], provenance: [ProvenanceEntry] = [], traceability: [TraceabilityEntry] = [],
    labels: DocumentLabels = .danish
  ) {
    self.title = title
    self.period = period
    self.status = status
    self.date = date
    self.isDraft = isDraft
    self.language = language
    self.sections = sections
    self.provenance = provenance
    self.traceability = traceability
    self.labels = labels
  }
}

/// One section of the policy as written by its owning department.
public struct DocumentSection: Sendable {
  /// Stable identifier (from the manifest); becomes the HTML anchor so links into the policy survive re-rendering.
  public var id: String
  /// Shown as "1. Beskæftigelsesområdet" when set.
  public var number: Int?
  public var title: String
  /// Groups sections under a level-1 heading that is emitted once, before the first section carrying it.
  public var part: String?
  /// GitHub-flavoured Markdown body whose top heading level is `##`.
  public var markdown: String
  /// Draft mark shown as a note at the top of the section, e.g. "Ikke godkendt — Kultur- og Fritidsforvaltningen, …".
  public var mark: String?
  /// Guidance shown (italic, labelled "Endnu ikke skrevet") after the mark and before the body.
  public var placeholder: String?

  public init(
    id: String, number: Int? = nil, title: String, part: String? = nil, markdown: String, mark: String? = nil,
    placeholder: String? = nil
  ) {
    self.id = id
    self.number = number
    self.title = title
    self.part = part
    self.markdown = markdown
    self.mark = mark
    self.placeholder = placeholder
  }
}

/// One row of the provenance appendix: which approved revision of a section the edition contains, and who signed it.
public struct ProvenanceEntry: Sendable {
  public var sectionTitle: String
  public var state: String
  public var revision: Int?
  public var contentHash: String?
  public var approvedAt: String?
  public var signers: [String]

  public init(
    sectionTitle: String, state: String, revision: Int? = nil, contentHash: String? = nil, approvedAt: String? = nil,
    signers: [String] = []
  ) {
    self.sectionTitle = sectionTitle
    self.state = state
    self.revision = revision
    self.contentHash = contentHash
    self.approvedAt = approvedAt
    self.signers = signers
  }
}

/// One row of the traceability appendix: a requirement from the political mandate and where the policy answers it.
public struct TraceabilityEntry: Sendable {
  public var requirementID: String
  public var text: String
  public var theme: String?
  public var answeredIn: [String]
  public var status: String

  public init(requirementID: String, text: String, theme: String? = nil, answeredIn: [String] = [], status: String) {
    self.requirementID = requirementID
    self.text = text
    self.theme = theme
    self.answeredIn = answeredIn
    self.status = status
  }
}

/// Every fixed word the renderers put on the page, so that the output language is the caller's choice and the
/// renderers contain no Danish literals.
public struct DocumentLabels: Sendable {
  public var contents: String
  public var provenance: String
  public var traceability: String
  public var draft: String
  public var period: String
  public var status: String
  public var date: String
  public var revision: String
  public var contentHash: String
  public var approvedAt: String
  public var signers: String
  public var section: String
  public var requirement: String
  public var answeredIn: String
  public var state: String
  public var notWritten: String
  /// Column header for `TraceabilityEntry.theme`; the column only appears when some entry has a theme.
  public var theme: String

  public init(
    contents: String = "Indhold", provenance: String = "Bilag: Proveniens",
    traceability: String = "Bilag: Sporbarhed til krav", draft: String = "UDKAST", period: String = "Periode",
    status: String = "Status", date: String = "Dato", revision: String = "Revision",
    contentHash: String = "Indholdshash", approvedAt: String = "Godkendt", signers: String = "Godkendt af",
    section: String = "Afsnit", requirement: String = "Krav", answeredIn: String = "Besvaret i",
    state: String = "Tilstand", notWritten: String = "Endnu ikke skrevet", theme: String = "Tema"
  ) {
    self.contents = contents
    self.provenance = provenance
    self.traceability = traceability
    self.draft = draft
    self.period = period
    self.status = status
    self.date = date
    self.revision = revision
    self.contentHash = contentHash
    self.approvedAt = approvedAt
    self.signers = signers
    self.section = section
    self.requirement = requirement
    self.answeredIn = answeredIn
    self.state = state
    self.notWritten = notWritten
    self.theme = theme
  }

  public static let danish = DocumentLabels()
}

/// The three editions of the consolidated policy; the raw value is the file extension.
public enum OutputFormat: String, CaseIterable, Sendable {
  case markdown = "md"
  case html, docx

  /// Media type for the rendered bytes, e.g. for an HTTP response or a mail attachment.
  public var mediaType: String {
    switch self {
    case .markdown: return "text/markdown; charset=utf-8"
    case .html: return "text/html; charset=utf-8"
    case .docx: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    }
  }
}

/// The single error type of the module. Rendering is pure, so the only failures are a broken cmark-gfm installation
/// and ZIP packaging errors.
public enum AssemblyError: LocalizedError, Equatable {
  /// `cmark_find_syntax_extension` did not know a GFM extension: libcmark-gfm-extensions is missing or too old.
  case markdownExtensionMissing(String)
  /// cmark-gfm returned no document (it only does so when out of memory).
  case markdownParseFailed(sectionID: String)
  /// ZIPFoundation could not build the DOCX package.
  case packagingFailed(String)

  public var errorDescription: String? {
    switch self {
    case .markdownExtensionMissing(let name):
      return "cmark-gfm extension '\(name)' is not available; install libcmark-gfm-extensions."
    case .markdownParseFailed(let id):
      return "cmark-gfm could not parse the Markdown of section '\(id)'."
    case .packagingFailed(let reason):
      return "Could not package the Word document: \(reason)"
    }
  }
}
