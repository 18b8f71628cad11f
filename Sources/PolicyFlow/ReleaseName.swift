import Foundation
import PolicyGit

/// The rules for `assemble --release NAME`: the name becomes the tag `refs/tags/NAME` and the folder
/// `releases/NAME/` on `main`, so it must be a name git accepts and one nobody can misread.
public enum ReleaseName {
  /// Refuses, as a usage mistake (64) and before anything is written, a name git would refuse or that would confuse:
  /// `HEAD` (and `FETCH_HEAD` …) shadow git's own names, `x.lock` is git's lock-file name, `a.` and `-x` are refused
  /// or misread by git's command line, `..` is a range (and a path out of `releases/`).
  public static func validate(_ name: String) throws {
    func refuse(_ reason: String) -> PolicyFlowError {
      PolicyFlowError.usage(
        "release name `\(name)` is not allowed: \(reason). Use letters, digits, '.', '_' and '-', starting with a "
          + "letter or digit (e.g. 2023-hoering). Nothing was written.")
    }
    if name.isEmpty { throw refuse("it is empty") }
    if name.hasPrefix("-") { throw refuse("it starts with '-', which git's command line reads as an option") }
    if name.contains("..") { throw refuse("it contains '..', which git reads as a range of commits") }
    if name.lowercased().hasSuffix(".lock") { throw refuse("it ends in '.lock', the name git gives its lock files") }
    if name.hasSuffix(".") { throw refuse("it ends in '.', which git does not allow") }
    let upper = name.uppercased()
    if upper == "HEAD" || upper.hasSuffix("_HEAD") || upper == "@" {
      throw refuse("it is one of git's own names (HEAD, FETCH_HEAD, …) for a commit and would be confused with it")
    }
    guard name.utf8.count <= 64,
      name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil
    else {
      throw refuse("it is longer than 64 characters or contains other characters")
    }
    guard Repository.isValidReferenceName("refs/tags/\(name)") else {
      throw refuse("git does not accept refs/tags/\(name) as a tag name")
    }
  }
}
