import Foundation

/// A capacity in which a person acts on a section, relative to that section (file-format spec,
/// members.yaml): who may fire a transition and whose sign-offs count are expressed in these terms,
/// never in named people, so one workflow file serves every section and every municipality.
public enum Capacity: String, CaseIterable, Sendable, Hashable, Comparable {
  /// Role `drafter` in one of the section's owning departments.
  case ownerDrafter = "owner_drafter"
  /// Role `head` in one of the section's owning departments.
  case ownerHead = "owner_head"
  /// Role `reviewer` on one of the section's reviewing committees.
  case committeeReviewer = "committee_reviewer"
  /// Role `chair` of one of the section's reviewing committees.
  case committeeChair = "committee_chair"
  /// Role `secretariat`, which applies to every section.
  case secretariat

  /// Declaration order, so that lists of capacities read the same everywhere.
  public static func < (lhs: Capacity, rhs: Capacity) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The raw names, for "known: …" hints in messages.
  public static var names: [String] { allCases.map(\.rawValue) }
}

/// The form in which department and committee codes are compared: Unicode NFC, upper case and
/// without surrounding white space.
///
/// Codes may contain non-ASCII letters (`ØKF`, `ØU`), and the same code can arrive typed in lower
/// case or in decomposed form (NFD, as some macOS tools write `Ø`/`Å`); all spellings must name the
/// same department. Use this for comparison only: keep and show codes as the manifest writes them.
public func normalizedCode(_ code: String) -> String {
  // Printable ASCII without blanks is already trimmed and NFC: upper-casing is all there is to do, and
  // the Foundation normalisations below are costly enough to show in `status` at 1,000 sections.
  if code.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return code.uppercased() }
  // NFC after upper-casing too: upper-casing may decompose a character that has no precomposed
  // capital form.
  return code.trimmingCharacters(in: .whitespacesAndNewlines)
    .precomposedStringWithCanonicalMapping
    .uppercased()
    .precomposedStringWithCanonicalMapping
}

/// Whether two codes name the same department or committee (see ``normalizedCode(_:)``).
public func sameCode(_ lhs: String, _ rhs: String) -> Bool {
  normalizedCode(lhs) == normalizedCode(rhs)
}
