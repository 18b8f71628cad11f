import Foundation

/// The words of commit summaries on `main` and on the record refs, in the policy's language (`language:` in
/// policy.yaml; Danish and English are shipped, anything else reads English). Summaries are for people reading
/// `git log`; the trailers carry the meaning.
struct RecordWording {
  let danish: Bool

  init(language: String) { danish = language.lowercased().hasPrefix("da") }

  var and: String { danish ? " og " : " and " }

  func approvedHeading(_ title: String, _ revision: Int) -> String {
    danish ? "Godkendt: \(title), revision \(revision)" : "Approved: \(title), revision \(revision)"
  }

  func approvedBody(workflow: String, section: String, bodies: String) -> String {
    danish ? "\(workflow): \(section) er godkendt af \(bodies)." : "\(workflow): \(section) is approved by \(bodies)."
  }

  func createPolicy(_ title: String, _ period: String) -> String {
    danish ? "Opret politikken: \(title) \(period)" : "Create the policy: \(title) \(period)"
  }

  var createPolicyBody: String {
    danish
      ? "Manifest, medlemmer, krav og arbejdsgange. Afsnittenes tekst kommer på main, når den er godkendt."
      : "Manifest, members, requirements and workflows. Section text reaches main when it is approved."
  }

  var templateText: String { danish ? "Skabelonens tekst" : "The template's text" }
  var sectionAdded: String { danish ? "Afsnittet er tilføjet den igangværende politik" : "The section joins the running policy" }

  func revisionZeroAdded(_ title: String) -> String {
    danish ? "\(title): revision 0 (nyt afsnit)" : "\(title): revision 0 (a new section)"
  }

  func revisionZero(_ title: String) -> String {
    danish ? "\(title): revision 0 (skabelonens tekst)" : "\(title): revision 0 (the template's text)"
  }

  func summary(_ kind: ActionKind, section: String?, detail: String) -> String {
    let subject = section.map { "\($0): " } ?? ""
    let words: String
    switch kind {
    case .initPolicy: words = danish ? "politikken oprettet" : "policy created"
    case .create: words = danish ? "revision 0" : "revision 0"
    case .submit: words = danish ? "indsendt \(detail)" : "submitted \(detail)"
    case .signoff: words = danish ? "godkendt af \(detail)" : "signed off by \(detail)"
    case .requestChanges: words = danish ? "ændringer ønsket af \(detail)" : "changes requested by \(detail)"
    case .transition: words = detail
    case .comment: words = danish ? "kommentar fra \(detail)" : "comment by \(detail)"
    case .reply: words = danish ? "svar fra \(detail)" : "reply by \(detail)"
    case .resolve: words = danish ? "kommentar \(detail) løst" : "comment \(detail) resolved"
    case .reopenComment: words = danish ? "kommentar \(detail) genåbnet" : "comment \(detail) reopened"
    case .link: words = danish ? "krav \(detail) besvaret" : "requirement \(detail) answered"
    case .waive: words = danish ? "krav \(detail) fraveget" : "requirement \(detail) waived"
    case .confirm: words = danish ? "krav \(detail) bekræftet" : "requirement \(detail) confirmed"
    case .requirementAdd: words = danish ? "krav \(detail) tilføjet" : "requirement \(detail) added"
    case .requirementEdit: words = danish ? "krav \(detail) ændret" : "requirement \(detail) changed"
    case .release: words = danish ? "udgivelse \(detail)" : "release \(detail)"
    case .memberAdd: words = danish ? "medlem \(detail) tilføjet" : "member \(detail) added"
    case .memberRetire: words = danish ? "medlem \(detail) udtrådt" : "member \(detail) retired"
    case .departmentAdd: words = danish ? "afdeling \(detail) tilføjet" : "department \(detail) added"
    case .departmentRetire: words = danish ? "afdeling \(detail) nedlagt" : "department \(detail) retired"
    case .sectionRetire: words = danish ? "afsnittet udgår af politikken" : "the section leaves the policy"
    case .keyPropose: words = danish ? "ny nøgle foreslået: \(detail)" : "new key proposed: \(detail)"
    case .keyAdopt: words = danish ? "nøgleforslag vedtaget: \(detail)" : "key proposal adopted: \(detail)"
    case .keyDecline: words = danish ? "nøgleforslag afvist: \(detail)" : "key proposal declined: \(detail)"
    }
    return subject + words
  }
}
