import Foundation
import PolicyGit
import PolicyManifest
import PolicyWorkflow

extension Workspace {
  /// Runs `body` with the definition committed in `commit` in force: an action of the record is judged by the
  /// members, rights and workflow it was decided against, not by today's.
  ///
  /// Definitions are parsed once per process for each distinct set of definition files (their blob ids): a
  /// history of thousands of approvals on `main` has a handful of distinct definitions.
  ///
  /// The definition used is the one in force at `commit` by the chain of trust (`DefinitionChain`): an action that
  /// names a commit carrying an unauthorised change is judged by the last authorised definition before it.
  func withDefinition<T>(at commit: ObjectID, _ body: () throws -> T) throws -> T {
    guard repository.objectExists(commit) else {
      throw PolicyFlowError.notPermitted("the action names the definition commit \(commit), which is not in the repository.")
    }
    let inForce = try chain.link(at: commit).inForce
    if inForce == definitionCommit { return try body() }
    let saved = (definition, workflow, definitionCommit)
    (definition, workflow) = try definitionPair(at: inForce)
    definitionCommit = inForce
    defer { (definition, workflow, definitionCommit) = saved }
    return try body()
  }

  func definitionPair(at commit: ObjectID) throws -> (PolicyDefinition, WorkflowDefinition) {
    // The definition this command runs under is loaded already (from the caches): parsing it again from git cost a
    // signed comment 47 M instructions, 40 % of it (the revoked-key rule asks for the definition in force today).
    if commit == definitionCommit { return (definition, workflow) }
    if let known = definitionsByCommit[commit] { return known }
    var key = ""
    for file in try Workspace.definitionBlobs(in: repository, at: commit) { key += "\(file.path)=\(file.blob.hex);" }
    for name in try repository.files(in: commit, under: "workflows") {
      let path = name.hasPrefix("workflows/") ? name : "workflows/\(name)"
      if let blob = try repository.blobID(at: path, in: commit) { key += "\(path)=\(blob.hex);" }
    }
    if let known = parsedDefinitions[key] {
      definitionsByCommit[commit] = known
      return known
    }
    let pair = try Workspace.loadCommittedDefinition(from: repository, at: commit)
    parsedDefinitions[key] = pair
    definitionsByCommit[commit] = pair
    return pair
  }
}
