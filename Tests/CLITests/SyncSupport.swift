import Foundation
import Testing

/// A workspace published to a bare repository on a shared directory, and copies of it made with `policyflow clone`:
/// the set-up of the sync tests. Every copy lives beside the shared test keys, so every member can sign.
final class SharedPolicy {
  let origin: TemplateWorkspace
  let remote: URL

  /// The template's workspace, published by the secretariat with `policyflow sync` to an empty bare repository.
  init() throws {
    origin = try TemplateWorkspace()
    remote = origin.scratch.url.appendingPathComponent("shared/policy.git")
    try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
    let made = try CLI.git(["init", "-q", "--bare", "--initial-branch=main", remote.path], in: origin.scratch.url)
    #expect(made.status == 0, "git init --bare: \(made.stderr)")
    let added = try CLI.git(["remote", "add", "origin", remote.path], in: origin.root)
    #expect(added.status == 0, "git remote add: \(added.stderr)")
    let published = try origin.pf(["sync"], as: "pernille-sekretariat")
    #expect(published.status == 0, "publishing with sync failed: \(published.stderr)")
  }

  /// A new copy by `policyflow clone`, in the same scratch directory (so the keys beside it are found).
  func copy(_ name: String, url: String? = nil) throws -> PolicyCopy {
    let directory = origin.scratch.url.appendingPathComponent(name)
    let cloned = try CLI.policyflow(["clone", url ?? remote.path, directory.path], in: origin.scratch.url)
    #expect(cloned.status == 0, "clone \(name): \(cloned.stderr)")
    return PolicyCopy(root: directory, scratch: origin.scratch)
  }
}

extension SharedPolicy {
  /// Two copies, `a` and `b`, that both hold revision 1 of `section` (the template's text) under committee review:
  /// where every race of this suite starts.
  func twoCopiesReviewing(_ section: String) throws -> (a: PolicyCopy, b: PolicyCopy) {
    let a = try copy("a")
    let b = try copy("b")
    try a.ok(["submit", section, try a.scratch.file("f.md", try origin.templateText(section)).path], as: "anne-bif")
    try a.ok(["sync"])
    try b.ok(["sync"])
    return (a, b)
  }

  /// Two copies that acted apart on `section`: on `a` the committee signed off revision 1 (landing it on a's main),
  /// while on `b` the drafter submitted a new text and synced first. Once `a` syncs, its sign-offs are on a revision
  /// that is no longer the latest: refused at sync. The caller makes `a` sync.
  func approvalsOvertakenApart(_ section: String) throws -> (a: PolicyCopy, b: PolicyCopy) {
    let (a, b) = try twoCopiesReviewing(section)
    for signer in Roster.signers(section) { try a.ok(["approve", section, "-m", "OK"], as: signer) }
    let replaced = try origin.templateText(section) + "\nEt nyt afsnit.\n"
    try b.ok(["submit", section, try b.scratch.file("g.md", replaced).path], as: "anne-bif")
    try b.ok(["sync"])
    return (a, b)
  }
}

/// One copy of the policy, on one (simulated) machine.
struct PolicyCopy {
  let root: URL
  let scratch: Scratch

  @discardableResult
  func pf(_ arguments: [String], as person: String? = nil, environment extra: [String: String] = [:]) throws -> Run {
    var environment = ["POLICYFLOW_WORKSPACE": root.path]
    if let person { environment["POLICYFLOW_USER"] = person }
    for (key, value) in extra { environment[key] = value }
    return try CLI.policyflow(arguments, in: scratch.url, environment: environment)
  }

  @discardableResult
  func ok(_ arguments: [String], as person: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> Run
  {
    let run = try pf(arguments, as: person)
    #expect(run.status == 0, "\(arguments.joined(separator: " ")) as \(person ?? "-"): \(run.stderr)", sourceLocation: sourceLocation)
    return run
  }

  func git(_ arguments: [String]) throws -> String {
    try CLI.git(arguments, in: root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The secretariat's `req add` of `id` to the template's workshop file, targeting `social`.
  func addWorkshopRequirement(_ id: String, text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let run = try pf(
      ["req", "add", id, "--file", "requirements/workshop-2022.yaml", "--theme", "Medborgerskab", "--text", text,
       "--targets", "social"], as: "pernille-sekretariat")
    #expect(run.status == 0, "req add \(id): \(run.stderr)", sourceLocation: sourceLocation)
  }

  /// What must be the same on every synced copy: the outputs the issue names.
  func sharedOutputs() throws -> [String] {
    [try ok(["status", "--json"]).stdout, try ok(["audit", "--json"]).stdout, try ok(["req", "coverage", "--json"]).stdout]
  }

  /// The policy's refs as `git for-each-ref` prints them (record refs, main, section branches, tags).
  func refs() throws -> String {
    try git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/policyflow", "refs/heads", "refs/tags"])
  }

  func verifyFindings() throws -> [String] {
    let run = try pf(["verify", "--json"])
    let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
    let findings = report["findings"] as? [[String: Any]] ?? [["message": "verify printed no report: \(run.stderr)"]]
    return findings.map { "\($0["check"] ?? ""): \($0["subject"] ?? ""): \($0["message"] ?? "")" }
  }

  /// The record row of a commit in this copy's index: nil when the index does not hold it.
  func recordRow(_ commit: String) throws -> (refusal: String?, atSync: Bool)? {
    let row = try CLI.sqlite(root, "SELECT ifnull(refusal, '-') || '|' || refusedAtSync FROM record WHERE commitId = '\(commit)'")
    guard !row.isEmpty else { return nil }
    let parts = row.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let refusal = parts[0] == "-" ? nil : parts[0]
    return (refusal, parts.count > 1 && parts[1].hasPrefix("1"))
  }
}
