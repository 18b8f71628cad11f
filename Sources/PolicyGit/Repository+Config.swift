import Clibgit2
import Foundation

extension Repository {
  /// A configuration value as git resolves it (repository, then global and system files), or nil.
  ///
  /// Used for the acting person's `user.email` when neither `--as` nor `POLICYFLOW_USER` is given.
  public func configValue(_ key: String) -> String? {
    var config: OpaquePointer?
    guard git_repository_config_snapshot(&config, handle) == 0, let config else { return nil }
    defer { git_config_free(config) }
    var value: UnsafePointer<CChar>?
    guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
    return String(cString: value)
  }
}
