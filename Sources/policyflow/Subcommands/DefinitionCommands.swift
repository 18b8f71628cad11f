import ArgumentParser
import Foundation
import PolicyFlow

struct Key: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "key",
    abstract: "Members' SSH public keys in members.yaml: add or revoke (the secretariat), propose your own new key.",
    subcommands: [KeyAdd.self, KeyRevoke.self, KeyPropose.self, KeyProposals.self, KeyDecline.self])
}

struct KeyAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add", abstract: "List another public key for a member (e.g. a new laptop, or a rotated key).")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The member's id or e-mail.") var member: String
  @Argument(help: "A .pub file, or the key line `ssh-ed25519 AAAA…` (not with --proposal).") var key: String?
  @Option(help: "Adopt the member's key proposal with this id (`policyflow key proposals`).") var proposal: String?
  @Option(help: "With --proposal: the fingerprint the member confirmed by phone or in person (needed when unsigned).")
  var fingerprint: String?
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      if let proposal {
        guard key == nil else {
          throw PolicyFlowError(.usage, "give either a KEY or --proposal ID, not both: the proposal names its key.")
        }
        try adoptProposal(proposal, workspace: workspace, actor: actor)
        return
      }
      guard let key, fingerprint == nil else {
        throw PolicyFlowError(
          .usage, key == nil ? "give the KEY (a .pub file or key line) or --proposal ID." : "--fingerprint goes with --proposal.")
      }
      let result = try workspace.addKey(member: member, key: key, actor: actor, message: message)
      print("\(result.summary) (commit \(result.commit.hex.prefix(10)) on main, signed by \(actor.id))")
    }
  }
}

struct KeyRevoke: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "revoke",
    abstract: "Remove a member's key: it signs nothing from now on; acts signed with it before stay valid.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The member's id or e-mail.") var member: String
  @Argument(help: "The key: its SHA256:… fingerprint, a .pub file or the key line.") var key: String
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let result = try workspace.revokeKey(member: member, key: key, actor: actor, message: message)
      print("\(result.summary) (commit \(result.commit.hex.prefix(10)) on main, signed by \(actor.id))")
    }
  }
}

struct Definition: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "definition",
    abstract: "The definition's chain of trust: adopt or revert changes committed to main without the secretariat.",
    discussion: """
      A change to policy.yaml, members.yaml, requirements/ or workflows/ on main counts only when a secretariat
      member listed before it signs it. `status` and `verify` report changes that nobody authorised; they are
      ignored until the secretariat adopts them (a signed commit) or they are reverted.
      """,
    subcommands: [DefinitionAdopt.self, DefinitionRevert.self, DefinitionRoot.self])
}

struct DefinitionAdopt: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "adopt", abstract: "Sign main's definition as it is, so the unauthorised changes come into force.")
  @OptionGroup var global: GlobalOptions
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      guard let result = try workspace.adoptDefinition(actor: actor, message: message) else {
        print("main's definition is the one in force; there is nothing to adopt")
        return
      }
      print("\(result.summary) (commit \(result.commit.hex.prefix(10)) on main, signed by \(actor.id))")
    }
  }
}

struct DefinitionRevert: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "revert", abstract: "Put the definition in force back on main, undoing the unauthorised changes.")
  @OptionGroup var global: GlobalOptions
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      guard let result = try workspace.revertDefinition(actor: actor, message: message) else {
        print("main's definition is the one in force; there is nothing to revert")
        return
      }
      print("\(result.summary) (commit \(result.commit.hex.prefix(10)) on main)")
    }
  }
}

struct DefinitionRoot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "root",
    abstract: "Print the fingerprint of the key that signed the policy's first commit, for `clone --trust`.")
  @OptionGroup var global: GlobalOptions

  func run() throws {
    try runUseCase {
      let root = try global.openWorkspace().rootOfTrust()
      guard let fingerprint = root.fingerprint else {
        throw PolicyFlowError(.notPermitted, "the policy's first commit \(root.commit.prefix(10)) is not signed.")
      }
      print("\(fingerprint)\(root.signer.map { " \($0)" } ?? "") \(root.commit)")
    }
  }
}

/// Warns on stderr about definition changes on main that nobody authorised (they are ignored until adopted).
func warnUnauthorisedDefinitionChanges(_ workspace: Workspace) throws {
  let changes = try workspace.unauthorisedDefinitionChanges()
  for change in changes {
    Terminal.warning(
      "main carries a change to the definition that is NOT in force: commit \(change.commit.prefix(10)) by "
        + "\(change.author) (\"\(change.summary)\") changes \(change.changed.joined(separator: ", ")); "
        + "\(change.reason). "
        + "Every rule uses the definition of \(change.inForce.prefix(10)) until the secretariat adopts it "
        + "(`policyflow definition adopt`) or reverts it (`policyflow definition revert`).")
  }
}
