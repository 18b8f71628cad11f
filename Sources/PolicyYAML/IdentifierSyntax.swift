/// The identifier forms the file formats prescribe, checked without regular expressions so the
/// rules read plainly and cost nothing.
///
/// Ids end up in file names (`sections/<id>.md`), branch names, diagrams and URLs, which is why
/// they are restricted to ASCII.
public enum IdentifierSyntax {
  /// `^[a-z0-9][a-z0-9-]*$`: section ids, person ids, workflow names.
  public static func isSlug(_ text: String) -> Bool {
    matches(text, first: { isLower($0) || isDigit($0) }, rest: { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
  }

  /// `^[A-Z0-9][A-Z0-9-]*$`: requirement ids such as `WS-UDD-01`, `PM-1`, `PR-A`.
  public static func isRequirementID(_ text: String) -> Bool {
    matches(text, first: { isUpper($0) || isDigit($0) }, rest: { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
  }

  /// `^[a-z][a-z0-9_]*$`: workflow state and transition ids (`committee_review`).
  public static func isSnakeCase(_ text: String) -> Bool {
    matches(text, first: isLower, rest: { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") })
  }

  private static func matches(_ text: String, first: (UInt8) -> Bool, rest: (UInt8) -> Bool) -> Bool {
    let bytes = Array(text.utf8)
    guard let head = bytes.first, first(head) else { return false }
    return bytes.dropFirst().allSatisfy(rest)
  }

  private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
  private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
  private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
