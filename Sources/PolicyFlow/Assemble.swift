import Foundation
import PolicyAssembly
import PolicyGit
import PolicyManifest
import PolicyStore
import PolicyWorkflow

/// What `assemble` wrote.
public struct AssemblyResult: Sendable {
  public let files: [URL]
  public let isDraft: Bool
  /// Sections whose approved text went in, and those shown as drafts.
  public let approved: [String]
  public let drafts: [String]
  public let releaseCommit: ObjectID?
  public let releaseTag: String?
}

extension Workspace {
  /// Builds the consolidated policy from the approved text on `main`, in manifest order.
  ///
  /// Without `draft` it refuses while any section lacks approved text. The date printed on the title page
  /// is the time of the last approval on `main`, so the same approved state always yields the same bytes.
  public func assemble(
    formats: [OutputFormat], outputDirectory: URL, draft: Bool, release: String?, actor: Member
  ) throws -> AssemblyResult {
    guard actor.roles.contains(.secretariat) else {
      throw PolicyFlowError.notPermitted(
        "\(actor.name) may not assemble the policy: that is for the secretariat (role secretariat in members.yaml).")
    }
    if let release {
      guard !draft else { throw PolicyFlowError.usage("--release makes a release of approved text; it cannot be combined with --draft.") }
      try ReleaseName.validate(release)
    }
    // A release name in use is refused before anything is written, so the refusal leaves --out untouched too.
    if let release, try repository.referenceTarget("refs/tags/\(release)") != nil {
      throw PolicyFlowError.notPermitted("a release named \(release) exists already; choose another name. Nothing was written.")
    }
    let document = try buildDocument(draft: draft)
    let assembler = Assembler()
    var outputs: [(name: String, data: Data)] = []
    let base = "politik"
    for format in formats {
      outputs.append(("\(base).\(format.rawValue)", try assembler.render(document.document, as: format)))
    }
    let fileManager = FileManager.default
    var written: [URL] = []
    do {
      try fileManager.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
      for output in outputs {
        let url = outputDirectory.appendingPathComponent(output.name)
        try output.data.write(to: url, options: .atomic)
        written.append(url)
      }
    } catch {
      // A file where the directory should be, or no permission: the user's to fix, not an internal error.
      throw PolicyFlowError.usage(
        "cannot write the policy to --out \(outputDirectory.path): it is not a directory that can be created or "
          + "written to (\(error.localizedDescription)). Choose another directory with --out DIR.")
    }
    var releaseCommit: ObjectID?
    var tag: String?
    if let release {
      (releaseCommit, tag) = try performWrite {
        let tagRef = "refs/tags/\(release)"
        if try repository.referenceTarget(tagRef) != nil {
          throw PolicyFlowError.notPermitted("a release named \(release) exists already; choose another name.")
        }
        let main = try repository.referenceTarget(Workspace.mainRef)!
        var files: [String: ObjectID] = [:]
        for output in outputs { files["releases/\(release)/\(output.name)"] = try repository.writeBlob(output.data) }
        let tree = try repository.tree(base: try repository.commit(main).tree, setting: files)
        let signer = try signer(for: actor)
        let wording = RecordWording(language: definition.manifest.language)
        let (now, offset) = Workspace.actionTime(clock)
        let commit = try writeCommit(
          tree: tree, parents: [main], actor: actor, time: now, offset: offset, signer: signer,
          message: """
            \(wording.summary(.release, section: nil, detail: release)): \(definition.manifest.title) \(definition.manifest.period)

            \(document.approved.map { "\($0.id): revision \($0.revision)" }.joined(separator: "\n"))

            Policyflow-Release: \(release)
            """)
        var draft = ActionDraft(kind: .release, section: nil, subject: wording.summary(.release, section: nil, detail: release))
        draft.fields[.releaseName] = release
        draft.fields[.releaseCommit] = commit.hex
        draft.sideMove = ReferenceMove(name: Workspace.mainRef, old: main, new: commit)
        _ = try record(draft, actor: actor, signer: signer, signed: true)
        try repository.updateReference(tagRef, to: commit, expected: nil, message: "policyflow: release")
        return (commit, release)
      }
    }
    return AssemblyResult(
      files: written, isDraft: draft, approved: document.approved.map(\.id), drafts: document.drafts,
      releaseCommit: releaseCommit, releaseTag: tag)
  }

  private func buildDocument(draft: Bool) throws -> (
    document: PolicyDocument, approved: [(id: String, revision: Int)], drafts: [String]
  ) {
    let manifest = definition.manifest
    let main = try repository.referenceTarget(Workspace.mainRef)
    let records = Dictionary(try store.read { try $0.sections() }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let missing = manifest.sections.filter { section in
      guard let record = records[section.id] else { return true }
      return record.approvedRevision == nil && workflow.state(record.state)?.isFinal != true
    }
    if !draft && !missing.isEmpty {
      let list = missing.map { section -> String in
        let record = records[section.id]
        return "  \(section.id) (\(section.owners.joined(separator: ", "))): \(stateLabel(record?.state ?? "?")), "
          + "revision \(record?.latestRevision ?? 0)"
      }.joined(separator: "\n")
      throw PolicyFlowError.notPermitted(
        "cannot assemble the policy: \(missing.count) section\(missing.count == 1 ? " is" : "s are") not approved:\n"
          + "\(list)\nFinish their review, or run `policyflow assemble --draft` for a marked draft. Nothing was written.")
    }
    var sections: [DocumentSection] = []
    var provenance: [ProvenanceEntry] = []
    var approved: [(String, Int)] = []
    var drafts: [String] = []
    // Only the approval events and the approved revisions' sign-offs: loading the whole event log and every
    // sign-off made assembly's memory grow with the history (137 MiB at 92,000 events) and scanned them per section.
    var approvalEvents: [String: EventRecord] = [:]
    for event in try store.read({ try $0.events(action: "approved") }) {
      guard let sectionId = event.sectionId, let revision = event.revision else { continue }
      approvalEvents["\(sectionId)#\(revision)"] = event  // the last one wins, as before
    }
    let firstEvent = try store.read { try $0.firstEvent() }
    var lastApproval: Date?
    for section in manifest.sections {
      guard let record = records[section.id] else { continue }
      let state = workflow.state(record.state)
      if state?.isFinal == true {
        provenance.append(ProvenanceEntry(
          sectionTitle: section.title, state: stateLabel(record.state), revision: nil, contentHash: nil,
          approvedAt: nil, signers: []))
        continue
      }
      var body: String
      var mark: String?
      var revisionNumber: Int
      var contentHash: String
      if let approvedRevision = record.approvedRevision, let main,
        let data = try repository.fileContents(at: Workspace.sectionPath(section.id), in: main)
      {
        body = String(decoding: data, as: UTF8.self)
        revisionNumber = approvedRevision
        contentHash = sha256Hex(data)
        approved.append((section.id, approvedRevision))
        if draft && record.latestRevision != approvedRevision && state?.isApproved != true {
          mark = "Godkendt revision \(approvedRevision); revision \(record.latestRevision) er til behandling: "
            + stateLabel(record.state)
        }
      } else {
        let latest = try store.read { try $0.revision(section.id, record.latestRevision) }!
        body = try revisionText(section.id, latest)
        revisionNumber = latest.number
        contentHash = latest.contentHash
        drafts.append(section.id)
        mark = "Ikke godkendt — \(section.owners.map(departmentName).joined(separator: " og ")), revision "
          + "\(latest.number): \(stateLabel(record.state).lowercased())"
      }
      if draft && mark != nil {
        body += try openCommentsAppendix(sectionId: section.id)
      }
      let hasProse = SectionText.lines(body).contains { line in
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
      }
      var placeholder: String?
      if !hasProse && mark != nil { placeholder = section.guidance ?? "Endnu ikke skrevet." }
      let approvalEvent = record.approvedRevision.flatMap { approvalEvents["\(section.id)#\($0)"] }
      if let at = approvalEvent?.at, record.approvedRevision != nil {
        lastApproval = max(lastApproval ?? at, at)
      }
      let signoffs = try record.approvedRevision.map { approved in
        try store.read {
          SignoffRound.counting(
            try $0.signoffs(of: section.id, revision: approved), contentHash: try $0.revision(section.id, approved)?.contentHash)
        }
      } ?? []
      let signers = signoffs
        .map { signoff in definition.members.anyone(id: signoff.personId)?.name ?? signoff.personId }
      sections.append(DocumentSection(
        id: section.id, number: section.number, title: section.title, part: section.part, markdown: body,
        mark: mark, placeholder: placeholder))
      provenance.append(ProvenanceEntry(
        sectionTitle: section.title, state: stateLabel(record.state), revision: revisionNumber,
        contentHash: contentHash,
        approvedAt: approvalEvent.map { Workspace.danishDate($0.at, withTime: true) },
        signers: record.approvedRevision == nil ? [] : signers))
    }
    let coverage = try self.coverage().filter { !$0.answers.isEmpty }
    let traceability = coverage.map { entry in
      TraceabilityEntry(
        requirementID: entry.id, text: entry.text, theme: entry.theme,
        answeredIn: entry.answers.map { answer in
          let title = manifest.section(answer.section)?.title ?? answer.section
          return "\(title) (\(Workspace.danishStatus(answer.status)))"
        }, status: Workspace.danishStatus(entry.status))
    }
    let stamp = lastApproval ?? firstEvent?.at ?? Date(timeIntervalSince1970: 0)
    let document = PolicyDocument(
      title: manifest.title, period: manifest.period,
      status: draft && !drafts.isEmpty
        ? "UDKAST — \(drafts.count) af \(sections.count) afsnit er endnu ikke godkendt" : "Godkendt tekst",
      date: Workspace.danishDate(stamp, withTime: false), isDraft: draft && !drafts.isEmpty,
      language: manifest.language, sections: sections, provenance: provenance, traceability: traceability)
    return (document, approved, drafts)
  }

  /// In a draft, reviewers see what is still being discussed: the open threads of an unapproved
  /// section, quoted as text (commenters' words are never Markdown or HTML).
  private func openCommentsAppendix(sectionId: String) throws -> String {
    let threads = try commentThreads(sectionId: sectionId, openOnly: true)
    guard !threads.isEmpty else { return "" }
    var text = "\n\n**Åbne kommentarer**\n\n"
    for thread in threads {
      let first = thread.entries[0]
      var where_ = "revision \(thread.revision)"
      if let lines = thread.lines { where_ += ", linje \(lines)" }
      if thread.blocking { where_ += ", blokerende" }
      if thread.outdated { where_ += ", forældet" }
      let body = first.body.split(whereSeparator: \.isNewline).joined(separator: " ")
      text += "- #\(thread.id) \(escapeMarkdown(first.authorName)) (\(where_)): \(escapeMarkdown(body))\n"
    }
    return text
  }

  static func danishStatus(_ status: String) -> String {
    switch status {
    case "approved": return "godkendt tekst"
    case "draft": return "kun i udkast"
    case "waived": return "fravalgt med begrundelse"
    case "suspect": return "skal bekræftes"
    default: return "ikke besvaret"
    }
  }

  static func danishDate(_ date: Date, withTime: Bool) -> String {
    let months = [
      "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november",
      "december",
    ]
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .current
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    let day = "\(parts.day!). \(months[parts.month! - 1]) \(parts.year!)"
    guard withTime else { return day }
    return day + String(format: " kl. %02d.%02d", parts.hour!, parts.minute!)
  }
}
