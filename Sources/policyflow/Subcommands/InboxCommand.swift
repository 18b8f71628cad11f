import ArgumentParser
import Foundation
import PolicyFlow

struct InboxCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inbox",
    abstract: "What is waiting for you: sign-offs, change requests and comments to answer, your actions refused at sync.",
    discussion: """
      For the acting member (--as, POLICYFLOW_USER, git's user.email): sections in review that need your sign-off on
      their latest revision; your own sections with change requests or open blocking comments to answer; blocking
      comments the workflow lets you resolve; for the secretariat, sections the next action approves, requirements that
      hold up a section in review and a policy ready for release; and your own actions refused at sync, with the
      rules' reason. Printed in the policy's language. --json is the same on every copy that has synced.
      """)
  @OptionGroup var global: GlobalOptions
  @Flag(help: "Stable JSON for scripts.") var json = false

  func run() throws {
    try runUseCase {
      let workspace = try global.openWorkspace()
      let member = try global.actor(in: workspace)
      let inbox = try workspace.inbox(for: member)
      if json {
        print(try Terminal.json(inbox))
        return
      }
      let words = InboxWording(language: workspace.definition.manifest.language)
      print(Terminal.paint(words.heading(name: member.name, id: member.id), "1"))
      if inbox.isEmpty {
        print(words.nothingWaiting)
        return
      }
      func group(_ heading: String, _ body: () -> Void) {
        print("")
        print(Terminal.paint(heading, "1"))
        body()
      }
      if !inbox.toReview.isEmpty {
        group(words.toReviewHeading(inbox.toReview.count)) {
          for review in inbox.toReview {
            print("  " + words.section(review.section, revision: review.revision, stateLabel: review.stateLabel))
            for role in review.roles { print("    " + words.role(role)) }
            print("    → " + words.reviewNext(review.section))
          }
        }
      }
      if !inbox.toAnswer.isEmpty {
        group(words.toAnswerHeading(inbox.toAnswer.count)) {
          for answer in inbox.toAnswer {
            print("  " + words.section(answer.section, revision: answer.revision, stateLabel: answer.stateLabel))
            for request in answer.changeRequests { print("    " + Terminal.safe(words.changeRequest(request))) }
            for thread in answer.blockingComments {
              print("    " + Terminal.safe(words.thread(thread, withSection: false)))
            }
            print("    → " + words.answerNext(
              answer.section, requests: !answer.changeRequests.isEmpty, comments: answer.blockingComments.map(\.id)))
          }
        }
      }
      if !inbox.toResolve.isEmpty {
        group(words.toResolveHeading(inbox.toResolve.count)) {
          for thread in inbox.toResolve {
            print("  " + Terminal.safe(words.thread(thread, withSection: true)))
            print("    → " + words.resolveNext(thread.id))
          }
        }
      }
      if let secretariat = inbox.secretariat, !(secretariat.readyForApproval.isEmpty
        && secretariat.unaddressedRequirements.isEmpty && !secretariat.release.ready)
      {
        group(words.secretariatHeading) {
          if secretariat.release.ready { print("  " + words.release(secretariat.release)) }
          if !secretariat.readyForApproval.isEmpty { print("  " + words.readyForApproval(secretariat.readyForApproval)) }
          for item in secretariat.unaddressedRequirements { print("  " + words.unaddressed(item)) }
        }
      }
      if !inbox.refusedAtSync.isEmpty {
        group(words.refusedInboxHeading(inbox.refusedAtSync.count)) {
          for refused in inbox.refusedAtSync {
            for line in words.refusedLines(
              id: refused.id, actor: member.id, action: refused.action, section: refused.section,
              reason: refused.reason, you: member.id)
            {
              print("  " + Terminal.safe(line))
            }
          }
        }
      }
    }
  }
}
