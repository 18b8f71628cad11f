import Clibgit2
import Foundation

extension Repository {
  /// Whether git accepts `name` as a full reference name (`refs/tags/2023-hoering`), by libgit2's own rules
  /// (`git_reference_name_is_valid`, the rules of `git check-ref-format`): no `..`, no component starting with `.` or
  /// ending in `.lock`, no control characters, space, `~ ^ : ? * [ \`, no `@{`, no trailing `/` or `.`.
  ///
  /// Checking before writing lets a caller refuse a name as a usage mistake instead of failing half-way.
  public static func isValidReferenceName(_ name: String) -> Bool {
    ensureLibgit2()
    // libgit2 1.5 lets DEL (0x7F) through, which git itself refuses as a control character.
    guard !name.utf8.contains(where: { $0 == 0 || $0 == 0x7F }) else { return false }
    var valid: Int32 = 0
    guard git_reference_name_is_valid(&valid, name) == 0 else {
      git_error_clear()
      return false
    }
    return valid == 1
  }
}
