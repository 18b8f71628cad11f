import Foundation

@testable import PolicyAssembly

/// A small but complete Danish policy: two common sections, a part with two numbered area sections (one of them a
/// draft with a mark and guidance), provenance and traceability.
enum Fixtures {
  static let part = "Udfordringer og visioner på 6 centrale områder"

  static let indledning = """
    Københavns Kommune vil være en by, hvor **alle** borgere kan deltage — også dem, der er kommet hertil for nylig.

    ## Baggrund

    Politikken bygger på *dialog* med borgere, foreninger og forvaltninger. Se [kk.dk](https://www.kk.dk/politik).
    Linjen fortsætter her.\\
    Og efter et hårdt linjeskift.

    > Mangfoldighed er en styrke, når den bruges.

    ### Principper

    - Ligeværd og åbenhed
    - Fællesskab på tværs
      - i skolen
      - på arbejdspladsen
    - Ansvar og rettigheder

    """

  static let vaerdier = """
    Byens værdier skal mærkes i hverdagen.

    1. Første skridt
    2. Andet skridt
    3. Tredje skridt

    ---

    Brug `kode` sparsomt og ~~overstreget~~ tekst slet ikke.
    """

  static let beskaeftigelse = """
    Flere københavnere med anden etnisk baggrund end dansk skal i job.

    ## Mål for 2026

    | Indikator | Udgangspunkt | Mål |
    |:--|--:|:-:|
    | Beskæftigelsesfrekvens | 58 % | 65 % |
    | Ledighed blandt unge | 12 % | 8 % |

    ### Indsatser

    Virksomhedsrettede forløb og mentorordninger.
    """

  static func document(isDraft: Bool = true) -> PolicyDocument {
    PolicyDocument(
      title: "Københavns Kommunes Integrations- og medborgerskabspolitik",
      period: "2023-2026",
      status: isDraft ? "UDKAST — ikke alle afsnit er godkendt" : "Godkendt",
      date: "27. november 2026",
      isDraft: isDraft,
      language: "da",
      sections: [
        DocumentSection(id: "indledning", title: "Indledning", markdown: indledning),
        DocumentSection(id: "vaerdier", title: "Værdier og principper", markdown: vaerdier),
        DocumentSection(
          id: "beskaeftigelse", number: 1, title: "Beskæftigelsesområdet", part: part, markdown: beskaeftigelse),
        DocumentSection(
          id: "kultur-fritid", number: 2, title: "Kultur- og fritidsområdet", part: part, markdown: "",
          mark: "Ikke godkendt — Kultur- og Fritidsforvaltningen, revision 2 er i udvalgsbehandling",
          placeholder: "Beskriv områdets udfordringer, visioner og konkrete mål for perioden."),
      ],
      provenance: [
        ProvenanceEntry(
          sectionTitle: "Indledning", state: "Godkendt", revision: 3,
          contentHash: "9f2c4e1ab07d5e3c8b6a1f0e2d4c6b8a", approvedAt: "14. oktober 2026",
          signers: ["Søren Ørsted", "Åse Lærke"]),
        ProvenanceEntry(
          sectionTitle: "Kultur- og fritidsområdet", state: "I udvalgsbehandling", revision: 2, signers: []),
      ],
      traceability: [
        TraceabilityEntry(
          requirementID: "K-1", text: "Politikken skal sætte mål for beskæftigelse.", theme: "Beskæftigelse",
          answeredIn: ["1. Beskæftigelsesområdet"], status: "Besvaret"),
        TraceabilityEntry(
          requirementID: "K-2", text: "Kultur og fritid skal indgå.", answeredIn: [], status: "Mangler"),
      ])
  }
}

extension Fixtures {
  typealias Heading = External.Heading

  /// The outline every edition must show after the title page and contents, with the shifted levels.
  static let bodyOutline: [Heading] = [
    Heading(level: 1, text: "Indledning"),
    Heading(level: 2, text: "Baggrund"),
    Heading(level: 3, text: "Principper"),
    Heading(level: 1, text: "Værdier og principper"),
    Heading(level: 1, text: part),
    Heading(level: 2, text: "1. Beskæftigelsesområdet"),
    Heading(level: 3, text: "Mål for 2026"),
    Heading(level: 4, text: "Indsatser"),
    Heading(level: 2, text: "2. Kultur- og fritidsområdet"),
    Heading(level: 1, text: "Bilag: Proveniens"),
    Heading(level: 1, text: "Bilag: Sporbarhed til krav"),
  ]

  /// Markdown and HTML also carry the title and the contents heading as headings.
  static let fullOutline: [Heading] =
    [
      Heading(level: 1, text: "Københavns Kommunes Integrations- og medborgerskabspolitik"),
      Heading(level: 2, text: "Indhold"),
    ] + bodyOutline

  static let hostile = "<script>alert(1)</script>"
  static let hostileImage = "<img src=x onerror=alert(1)>"

  /// Every field a caller or an author controls carries markup that must come out as text.
  static func hostileDocument() -> PolicyDocument {
    var document = document()
    document.title = "Politik \(hostile)"
    document.status = "Status \(hostileImage)"
    document.sections[0].title = "Indledning \(hostile)"
    document.sections[0].markdown = """
      Før.

      \(hostile)

      Tekst med \(hostileImage) inde i og et [farligt link](javascript:alert(1)) samt
      [skjult](JaVaScRiPt:alert(2)) og [data](data:text/html;base64,PHNjcmlwdD4=) og [fint](<https://kk.dk/a b>).

      ![billede](javascript:alert(3))

      | a \(hostileImage) | b |
      |---|---|
      | <script>x</script> | [c](javascript:alert(4)) |
      """
    document.sections[3].mark = "Ikke godkendt — \(hostile)"
    document.sections[3].placeholder = "Skriv \(hostileImage)"
    document.provenance[0].sectionTitle = "Indledning \(hostile)"
    document.provenance[0].signers = [hostileImage]
    document.traceability[0].text = hostile
    return document
  }
}
