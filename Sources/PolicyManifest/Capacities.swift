import PolicyWorkflow

extension PolicyDefinition {
  /// The capacities `member` holds for `section`, each with the group it applies to: the owning
  /// department for `owner_drafter`/`owner_head`, the reviewing committee for
  /// `committee_reviewer`/`committee_chair`, and `nil` for `secretariat`, which is global.
  ///
  /// A person can hold several (a reviewer on both committees of a joint section holds
  /// `committee_reviewer` twice, once per committee); the group tells which quota a sign-off
  /// counts towards. Codes are compared with ``normalizedCode(_:)``; groups are returned in the
  /// section's spelling and order. Ordered by capacity, then by the section's group order.
  public func capacities(of member: Member, for section: SectionSpec) -> [(capacity: Capacity, group: String?)] {
    func shared(_ sectionCodes: [String], _ memberCodes: [String]) -> [String] {
      let mine = Set(memberCodes.map(normalizedCode))
      return sectionCodes.filter { mine.contains(normalizedCode($0)) }
    }
    let departments = shared(section.owners, member.departments)
    let committees = shared(section.committees, member.committees)

    var result: [(capacity: Capacity, group: String?)] = []
    if member.roles.contains(.drafter) { result += departments.map { (.ownerDrafter, $0) } }
    if member.roles.contains(.head) { result += departments.map { (.ownerHead, $0) } }
    if member.roles.contains(.reviewer) { result += committees.map { (.committeeReviewer, $0) } }
    if member.roles.contains(.chair) { result += committees.map { (.committeeChair, $0) } }
    if member.roles.contains(.secretariat) { result.append((.secretariat, nil)) }
    return result
  }
}
