import Foundation
import PolicyWorkflow

/// The words in which `inbox` speaks to a member, in the policy's language (`language:` in policy.yaml; Danish and
/// English are shipped, anything else reads English), one language per message. Also the one home of the words for
/// an action refused at sync, which `status` and `log` print too.
///
/// The rules' reasons (`record.refusal`) are the rules' own words, in English: they are quoted on a line of their own,
/// never inside a Danish sentence.
public struct InboxWording: Sendable {
  public let danish: Bool

  public init(language: String) { danish = language.lowercased().hasPrefix("da") }

  public static let english = InboxWording(language: "en")

  // MARK: Refused at sync (status, log, inbox)

  public var refusedHeading: String {
    danish
      ? "Afvist ved sync (tog ikke effekt: den samlede historik tillod det ikke længere)"
      : "Refused at sync (took no effect; the joined history no longer permitted it)"
  }

  /// The action as a noun, and in Danish whether it is neuter (dit, not din).
  func noun(_ action: String) -> (word: String, neuter: Bool) {
    switch ActionKind(rawValue: action) {
    case .initPolicy: return danish ? ("oprettelse af politikken", false) : ("creation of the policy", false)
    case .create: return ("revision 0", false)
    case .submit: return danish ? ("indsendelse", false) : ("submission", false)
    case .signoff: return danish ? ("godkendelse", false) : ("sign-off", false)
    case .requestChanges: return danish ? ("ønske om ændringer", true) : ("change request", false)
    case .transition: return danish ? ("overgang", false) : ("transition", false)
    case .comment: return danish ? ("kommentar", false) : ("comment", false)
    case .reply: return danish ? ("svar på en kommentar", true) : ("reply", false)
    case .resolve: return danish ? ("løsning af en kommentar", false) : ("resolution of a comment", false)
    case .reopenComment: return danish ? ("genåbning af en kommentar", false) : ("reopening of a comment", false)
    case .link: return danish ? ("svar på et krav", true) : ("requirement link", false)
    case .waive: return danish ? ("fravigelse af et krav", false) : ("waiver of a requirement", false)
    case .confirm: return danish ? ("bekræftelse af et kravsvar", false) : ("confirmation of a requirement link", false)
    case .requirementAdd: return danish ? ("nyt krav", true) : ("new requirement", false)
    case .requirementEdit: return danish ? ("ændring af et krav", false) : ("change of a requirement", false)
    case .release: return danish ? ("udgivelse", false) : ("release", false)
    case .memberAdd: return danish ? ("tilføjelse af et medlem", false) : ("addition of a member", false)
    case .memberRetire: return danish ? ("udmeldelse af et medlem", false) : ("retirement of a member", false)
    case .departmentAdd: return danish ? ("oprettelse af en afdeling", false) : ("addition of a department", false)
    case .departmentRetire: return danish ? ("nedlæggelse af en afdeling", false) : ("retirement of a department", false)
    case .sectionRetire: return danish ? ("udtagelse af et afsnit", false) : ("retirement of a section", false)
    case .keyPropose: return danish ? ("nøgleforslag", true) : ("key proposal", false)
    case .keyAdopt: return danish ? ("vedtagelse af et nøgleforslag", false) : ("adoption of a key proposal", false)
    case .keyDecline: return danish ? ("afvisning af et nøgleforslag", false) : ("refusal of a key proposal", false)
    case nil: return (action, false)
    }
  }

  /// "3f9c0a1b2d your sign-off on forord: REASON" — in Danish the reason on a line of its own. `you`: the reader's
  /// member id, when known.
  public func refusedLines(
    id: String, actor: String, action: String, section: String?, reason: String, you: String?
  ) -> [String] {
    let (word, neuter) = noun(action)
    if danish {
      let whose = actor == you ? (neuter ? "dit" : "din") : (actor.hasSuffix("s") || actor.hasSuffix("x") ? "\(actor)'" : "\(actor)s")
      return ["\(id) \(whose) \(word)\(section.map { " i afsnittet \($0)" } ?? "")", "    \(reason)"]
    }
    let whose = actor == you ? "your" : "\(actor)'s"
    return ["\(id) \(whose) \(word)\(section.map { " on \($0)" } ?? ""): \(reason)"]
  }

  // MARK: Inbox

  public func heading(name: String, id: String) -> String {
    danish ? "Indbakke for \(name) (\(id))" : "Inbox of \(name) (\(id))"
  }

  public var nothingWaiting: String { danish ? "Intet venter på dig." : "Nothing is waiting for you." }

  public func toReviewHeading(_ count: Int) -> String {
    danish ? "Venter på din godkendelse (\(count))" : "Waiting for your sign-off (\(count))"
  }

  public func section(_ id: String, revision: Int, stateLabel: String) -> String {
    "\(id), revision \(revision) (\(stateLabel))"
  }

  /// "as a reviewer of KFU: 1 of 2 sign-offs"
  public func role(_ role: Inbox.Role) -> String {
    let group = role.groupName ?? role.group ?? ""
    let capacity = Capacity(rawValue: role.capacity)
    let counted: String
    if danish {
      switch capacity {
      case .committeeReviewer: counted = "som udvalgsmedlem i \(group)"
      case .committeeChair: counted = "som formand for \(group)"
      case .ownerDrafter: counted = "som tekstforfatter i \(group)"
      case .ownerHead: counted = "som leder af \(group)"
      case .secretariat: counted = "som sekretariatet"
      case nil: counted = "som \(role.capacity)"
      }
      return "\(counted): \(role.have) af \(role.needed) \(role.needed == 1 ? "godkendelse" : "godkendelser") givet"
    }
    switch capacity {
    case .committeeReviewer: counted = "as a reviewer of \(group)"
    case .committeeChair: counted = "as the chair of \(group)"
    case .ownerDrafter: counted = "as a drafter of \(group)"
    case .ownerHead: counted = "as the head of \(group)"
    case .secretariat: counted = "as the secretariat"
    case nil: counted = "as \(role.capacity)"
    }
    return "\(counted): \(role.have) of \(role.needed) \(role.needed == 1 ? "sign-off" : "sign-offs") given"
  }

  public func reviewNext(_ section: String) -> String {
    danish
      ? "godkend med `policyflow approve \(section)` eller ønsk ændringer med `policyflow request-changes \(section) -m BEGRUNDELSE`"
      : "sign off with `policyflow approve \(section)` or ask for changes with `policyflow request-changes \(section) -m REASON`"
  }

  public func toAnswerHeading(_ count: Int) -> String {
    danish
      ? "Dine afsnit med ønskede ændringer eller blokerende kommentarer (\(count))"
      : "Your sections with change requests or blocking comments (\(count))"
  }

  public func changeRequest(_ request: Inbox.ChangeRequest) -> String {
    danish
      ? "\(request.byName) ønsker ændringer i revision \(request.revision): »\(request.message)«"
      : "\(request.byName) requested changes on revision \(request.revision): “\(request.message)”"
  }

  public func thread(_ thread: Inbox.Thread, withSection: Bool) -> String {
    let place: String
    if danish {
      place = (withSection ? " i afsnittet \(thread.section)" : "")
        + (thread.lines.map { " (revision \(thread.revision), linje \($0))" } ?? "")
      return "\(thread.blocking ? "blokerende kommentar" : "kommentar") \(thread.id)\(place) fra \(thread.authorName): "
        + "»\(Self.firstLine(thread.body))«"
    }
    place = (withSection ? " on \(thread.section)" : "")
      + (thread.lines.map { " (revision \(thread.revision), lines \($0))" } ?? "")
    return "\(thread.blocking ? "blocking comment" : "comment") \(thread.id)\(place) by \(thread.authorName): "
      + "“\(Self.firstLine(thread.body))”"
  }

  /// `comments`: the ids of the blocking comments to answer (one is named in the command, more read `ID`).
  public func answerNext(_ section: String, requests: Bool, comments: [String]) -> String {
    let id = comments.count == 1 ? comments[0] : "ID"
    if danish {
      return requests
        ? "svar med en ny revision: `policyflow submit \(section) FIL`"
        : "svar med `policyflow comment \(section) --reply \(id) -m TEKST` eller en ny revision (`policyflow submit \(section) FIL`)"
    }
    return requests
      ? "answer with a new revision: `policyflow submit \(section) FILE`"
      : "answer with `policyflow comment \(section) --reply \(id) -m TEXT` or a new revision (`policyflow submit \(section) FILE`)"
  }

  public func toResolveHeading(_ count: Int) -> String {
    danish ? "Blokerende kommentarer, som du må løse (\(count))" : "Blocking comments you may resolve (\(count))"
  }

  public func resolveNext(_ id: String) -> String {
    danish ? "løs med `policyflow resolve \(id)`" : "resolve with `policyflow resolve \(id)`"
  }

  public var secretariatHeading: String { danish ? "Til sekretariatet" : "For the secretariat" }

  public func readyForApproval(_ sections: [String]) -> String {
    danish
      ? "alle betingelser er opfyldt, den næste handling godkender: \(sections.joined(separator: ", "))"
      : "all conditions hold, the next action approves: \(sections.joined(separator: ", "))"
  }

  public func unaddressed(_ item: Inbox.SectionRequirements) -> String {
    danish
      ? "\(item.section) venter på krav uden svar eller fravigelse: \(item.requirements.joined(separator: ", ")) "
        + "(`policyflow req link` eller `policyflow req waive`)"
      : "\(item.section) waits for requirements neither answered nor waived: \(item.requirements.joined(separator: ", ")) "
        + "(`policyflow req link` or `policyflow req waive`)"
  }

  public func release(_ release: Inbox.Release) -> String {
    danish
      ? "alle \(release.sections) afsnit er godkendt: klar til udgivelse med `policyflow assemble --release NAVN`"
      : "all \(release.sections) sections are approved: ready for release with `policyflow assemble --release NAME`"
  }

  public func refusedInboxHeading(_ count: Int) -> String { "\(refusedHeading) (\(count))" }

  static func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
    return line.count > 100 ? String(line.prefix(99)) + "…" : line
  }
}
