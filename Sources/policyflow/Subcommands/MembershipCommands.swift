import ArgumentParser
import Foundation
import PolicyFlow

/// Prints what a membership change wrote and what it leaves open.
private func report(_ result: MembershipChangeResult, actor: String) {
  print("\(result.summary) (commit \(result.commit.hex.prefix(10)) on main, signed by \(actor))")
  for note in result.notes { print("  \(note)") }
}

private func codes(_ text: String?) -> [String] {
  (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

struct MemberCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "member",
    abstract: "Add or retire a member of a running policy (the secretariat; a signed change to members.yaml).",
    discussion: """
      A retired member can no longer act; what they did stays valid history, and what they left open (comments,
      change requests) stays visible for the chair to resolve. Their id is never given to anybody else.
      """,
    subcommands: [MemberAdd.self, MemberRetire.self])
}

struct MemberAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a person to members.yaml.",
    discussion: """
      policyflow member add ID --name NAME --email EMAIL --roles ROLE[,ROLE] [--department CODE[,CODE]]
        [--committee CODE[,CODE]] [--key KEY.pub | --key 'ssh-ed25519 AAAA…']
      Roles: drafter, head (need a department), reviewer, chair (need a committee), secretariat.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The person's id: lower-case ASCII letters, digits and hyphens.") var id: String
  @Option(help: "Full name, as in the author line of their commits.") var name: String
  @Option(help: "E-mail address (unique).") var email: String
  @Option(help: "Department codes, comma-separated.") var department: String?
  @Option(help: "Committee codes, comma-separated.") var committee: String?
  @Option(help: "Roles, comma-separated: drafter, head, reviewer, chair, secretariat.") var roles: String
  @Option(help: "Their SSH public key: a .pub file or the key line.") var key: String?
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      let result = try workspace.addMember(
        NewMember(
          id: id, name: name, email: email, departments: codes(department), committees: codes(committee),
          roles: codes(roles), key: key), actor: actor, message: message)
      report(result, actor: actor.id)
    }
  }
}

struct MemberRetire: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retire", abstract: "Retire a member: they can no longer act; their past acts stay valid.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The member's id or e-mail.") var member: String
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.retireMember(member, actor: actor, message: message), actor: actor.id)
    }
  }
}

struct DepartmentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "department",
    abstract: "Add or retire a department of a running policy (the secretariat; a signed change to policy.yaml).",
    discussion: """
      A department is retired when it owns no section any more; its code is never given again and its name stays
      readable beside its history.
      """,
    subcommands: [DepartmentAdd.self, DepartmentRetire.self])
}

struct DepartmentAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add", abstract: "Add a department to policy.yaml.",
    discussion: """
      policyflow department add CODE --name NAME [--committee CODE]
      Without --committee, the sections it owns name their reviewing committees (section add --committees).
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The department's code, e.g. ØKF (letters of one script, digits, - and _).") var code: String
  @Option(help: "Its full name.") var name: String
  @Option(help: "The committee whose remit covers it.") var committee: String?
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(
        try workspace.addDepartment(code: code, name: name, committee: committee, actor: actor, message: message),
        actor: actor.id)
    }
  }
}

struct DepartmentRetire: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retire", abstract: "Retire a department that owns no section any more.")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The department's code.") var code: String
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.retireDepartment(code, actor: actor, message: message), actor: actor.id)
    }
  }
}

struct SectionRetire: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retire",
    abstract: "Retire a section: it leaves the policy (and main's approved text); its record and history stay.",
    discussion: """
      Refused while requirements target it (`req edit REQ --targets …` first) and for the policy's only section.
      Releases published before keep it; `log`, `show`, `diff` and `comments` still read it.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The section's id.") var id: String
  @Option(name: .short, help: "Why (goes into the commit message).") var message: String?

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let actor = try global.actor(in: workspace)
      report(try workspace.retireSection(id, actor: actor, message: message), actor: actor.id)
    }
  }
}
