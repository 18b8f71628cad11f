import ArgumentParser
import Foundation
import PolicyFlow

/// `policyflow key propose` / `key proposals` and the adoption of a proposal (`key add MEMBER --proposal ID`).
struct KeyPropose: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "propose",
    abstract: "Propose a new public key of your own for the secretariat to adopt (a rotation, or a lost key).",
    discussion: """
      The proposal is an action on the policy's record, signed with one of your current keys when one is at hand. \
      If you have lost your key, --lost-key records it unsigned: it then proves nothing, and the secretariat must \
      check the fingerprint with you by phone or in person before it adopts it.
      """)
  @OptionGroup var global: GlobalOptions
  @Option(help: "The new key's .pub file, or its key line (default: ~/.ssh/id_ed25519.pub).") var key: String?
  @Flag(help: "You no longer hold any current key: record the proposal unsigned (it proves nothing).")
  var lostKey = false
  @Option(name: .short, help: "A note for the secretariat (goes into the record).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let file =
        key ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".ssh/id_ed25519.pub").path
      let proposal = try workspace.proposeKey(file, actor: actor, message: message, lostKey: lostKey)
      if let signer = proposal.signedWith {
        print(
          "proposal \(proposal.shortID): \(proposal.fingerprint) as a new key of \(proposal.member), signed with "
            + "\(signer)")
        print(
          "the secretariat adopts it with `policyflow key add \(proposal.member) --proposal \(proposal.shortID)`; "
            + "share it with `policyflow sync`")
      } else {
        print("proposal \(proposal.shortID): \(proposal.fingerprint) as a new key of \(proposal.member), UNSIGNED")
        Terminal.warning(
          "an unsigned proposal proves nothing: anybody could have written it in \(proposal.member)'s name. Read the "
            + "fingerprint \(proposal.fingerprint) to the secretariat by phone or in person; they adopt it with "
            + "`policyflow key add \(proposal.member) --proposal \(proposal.shortID) --fingerprint "
            + "\(proposal.fingerprint)`.")
      }
    }
  }
}

struct KeyProposals: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proposals", abstract: "List the members' key proposals waiting for the secretariat.")
  @OptionGroup var global: GlobalOptions
  @Flag(help: "Also the proposals already adopted, declined or listed.") var all = false
  @Flag(help: "Machine-readable output.") var json = false

  struct Entry: Encodable {
    let id: String
    let member: String
    let key: String
    let fingerprint: String
    let signedWith: String?
    let signed: Bool
    let note: String
    let at: Date
    let status: String
    let adoptedBy: String?
    let declinedBy: String?
    let declineReason: String?
  }

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let proposals = try workspace.keyProposals(all: all)
      if json {
        print(
          try Terminal.json(
            proposals.map {
              Entry(
                id: $0.shortID, member: $0.member, key: $0.key, fingerprint: $0.fingerprint, signedWith: $0.signedWith,
                signed: $0.signedWith != nil, note: $0.note, at: $0.at, status: $0.status.rawValue,
                adoptedBy: $0.adoptedBy, declinedBy: $0.declinedBy, declineReason: $0.declineReason)
            }))
        return
      }
      guard !proposals.isEmpty else {
        print(all ? "no key proposals" : "no key proposals waiting")
        return
      }
      print(
        Terminal.table(
          ["id", "member", "key", "signed", "when", "status"],
          proposals.map {
            [
              $0.shortID, $0.member, $0.fingerprint, $0.signedWith.map { "by \($0)" } ?? "NO (check out of band)",
              Terminal.timestamp($0.at), $0.status.rawValue,
            ]
          }))
    }
  }
}

extension KeyAdd {
  /// `key add MEMBER --proposal ID [--fingerprint SHA256:…]`.
  func adoptProposal(_ id: String, workspace: Workspace, actor: ActingMember) throws {
    let (change, proposal) = try workspace.adoptKeyProposal(
      id, member: member, fingerprint: fingerprint, actor: actor, message: message)
    if let change {
      print("\(change.summary) (commit \(change.commit.hex.prefix(10)) on main, signed by \(actor.id))")
    }
    print("proposal \(proposal.shortID) of \(proposal.member) is adopted")
  }
}

struct KeyDecline: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decline",
    abstract: "Decline a member's key proposal, saying why (secretariat).",
    discussion: """
      For a key the secretariat will not list, or one it could not confirm with the member (an unsigned proposal whose \
      fingerprint nobody checked). The proposal closes on the record with the reason; the member may propose again.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The proposal's id, as `policyflow key proposals` shows it.") var proposal: String
  @Option(name: .short, help: "Why (goes into the record; the member reads it).") var message: String

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let declined = try workspace.declineKeyProposal(proposal, actor: actor, reason: message)
      print("proposal \(declined.shortID) of \(declined.member) (\(declined.fingerprint)) is declined")
    }
  }
}
