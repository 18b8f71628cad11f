import Foundation
import PolicyManifest

extension Workspace {
  /// Who is acting: `--as`, else `POLICYFLOW_USER`, else git's `user.email`, matched in members.yaml.
  ///
  /// Every change records this person, so there is no anonymous fallback.
  public func actor(explicit: String?, environment: [String: String]) throws -> Member {
    if let explicit, !explicit.isEmpty { return try member(explicit) }
    if let user = environment["POLICYFLOW_USER"], !user.isEmpty { return try member(user) }
    if let email = repository.configValue("user.email"), !email.isEmpty {
      if let member = definition.members.resolve(email) { return member }
      if let retired = definition.members.retiredMember(email) { throw Workspace.retiredMemberError(retired) }
      throw PolicyFlowError.missing(
        "your git user.email \(email) is not in members.yaml. Say who you are with --as PERSON or "
          + "POLICYFLOW_USER, or ask the secretariat to add you.")
    }
    throw PolicyFlowError.usage(
      "who is acting? Give --as PERSON (id or e-mail from members.yaml), set POLICYFLOW_USER, "
        + "or set git's user.email to your address in members.yaml.")
  }
}
