import ArgumentParser

@main
struct Policyflow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policyflow",
    abstract: "Draft one joint policy across departments: sections in git, review by committee, assembly from approved text.",
    discussion: """
      Identity: --as PERSON, else POLICYFLOW_USER, else your git user.email, matched in members.yaml.
      Workspace: --workspace DIR, else POLICYFLOW_WORKSPACE, else the nearest directory upwards with .policyflow/.
      Exit codes: 0 done, 1 verify found problems, 64 usage, 65 bad input data, 66 missing input, \
      69 remote unavailable (sync, clone: unreachable, refused credentials or certificate), 70 internal error, \
      75 temporary failure (the workspace lock was held too long, or the remote kept changing: try again), \
      77 not permitted.
      """,
    subcommands: [
      Init.self, Status.self, InboxCommand.self, Submit.self, Approve.self, RequestChanges.self, Withdraw.self, Comment.self,
      Comments.self, Resolve.self, Reopen.self, Show.self, Diff.self, Log.self, Audit.self, Req.self, Assemble.self,
      Verify.self, Reindex.self, Clone.self, Sync.self, Signers.self, Key.self, Definition.self, SectionCommand.self,
      MemberCommand.self, DepartmentCommand.self, WorkflowCommand.self,
    ])
}
