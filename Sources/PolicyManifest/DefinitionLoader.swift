import Foundation
import PolicyWorkflow
import PolicyYAML

extension PolicyDefinition {
  /// Reads `policy.yaml`, `members.yaml` and `requirements/*.yaml` (in file-name order) from a
  /// policy repository and validates them together.
  ///
  /// - Throws: ``PolicyDefinitionError`` listing every problem in every file, each with file, line
  ///   and path, so that one run shows everything to fix.
  public static func load(from directory: URL) throws -> PolicyDefinition {
    let diagnostics = YAMLDiagnostics()
    var loader = DefinitionLoader(diagnostics: diagnostics)

    let manifestRoot = YAMLLoader.load(
      contentsOf: directory.appendingPathComponent("policy.yaml"), file: "policy.yaml", diagnostics: diagnostics)
    let manifest = manifestRoot.flatMap { loader.parseManifest($0) }

    let membersRoot = YAMLLoader.load(
      contentsOf: directory.appendingPathComponent("members.yaml"), file: "members.yaml", diagnostics: diagnostics)
    let members = membersRoot.flatMap { loader.parseMembers($0, manifest: manifest) }

    var requirements: [Requirement] = []
    for file in requirementFiles(in: directory, diagnostics: diagnostics) {
      let name = "requirements/\(file.lastPathComponent)"
      guard let root = YAMLLoader.load(contentsOf: file, file: name, diagnostics: diagnostics) else { continue }
      requirements += loader.parseRequirements(root, manifest: manifest)
    }

    guard diagnostics.isEmpty, let manifest, let members else {
      throw PolicyDefinitionError(issues: diagnostics.issues.sortedForDisplay())
    }
    return PolicyDefinition(
      manifest: manifest, members: MemberDirectory(members: members.active, retired: members.retired),
      requirements: requirements)
  }

  /// The same as ``load(from:)`` for files already in memory — e.g. read from a commit on `main`, so that
  /// what is in force is what is committed, not what someone is editing in the work tree.
  ///
  /// A `requirements/<name>.yaml` file that `load(files:)` reads (not in a subfolder, not hidden).
  public static func isRequirementFile(_ path: String) -> Bool {
    let name = path.dropFirst("requirements/".count)
    return path.hasPrefix("requirements/") && path.hasSuffix(".yaml") && !name.contains("/") && !name.hasPrefix(".")
  }

  /// The files `load(files:)` reads: `policy.yaml`, `members.yaml` and the requirement files.
  public static func isDefinitionFile(_ path: String) -> Bool {
    path == "policy.yaml" || path == "members.yaml" || isRequirementFile(path)
  }

  /// - Parameter files: contents by repository path: `policy.yaml`, `members.yaml`, `requirements/<name>.yaml`.
  public static func load(files: [String: Data]) throws -> PolicyDefinition {
    let diagnostics = YAMLDiagnostics()
    var loader = DefinitionLoader(diagnostics: diagnostics)
    func root(_ name: String) -> YAMLNode? {
      guard let data = files[name] else {
        diagnostics.report(YAMLError(file: name, line: nil, path: "", message: "file not found", kind: .fileNotFound))
        return nil
      }
      return YAMLLoader.parse(data: data, file: name, diagnostics: diagnostics)
    }
    let manifest = root("policy.yaml").flatMap { loader.parseManifest($0) }
    let members = root("members.yaml").flatMap { loader.parseMembers($0, manifest: manifest) }
    var requirements: [Requirement] = []
    let requirementFiles = files.keys.filter(isRequirementFile).sorted()
    for name in requirementFiles {
      guard let node = root(name) else { continue }
      requirements += loader.parseRequirements(node, manifest: manifest)
    }
    guard diagnostics.isEmpty, let manifest, let members else {
      throw PolicyDefinitionError(issues: diagnostics.issues.sortedForDisplay())
    }
    return PolicyDefinition(
      manifest: manifest, members: MemberDirectory(members: members.active, retired: members.retired),
      requirements: requirements)
  }

  /// `requirements/*.yaml`, sorted by name; a missing directory simply means no requirements.
  private static func requirementFiles(in directory: URL, diagnostics: YAMLDiagnostics) -> [URL] {
    let folder = directory.appendingPathComponent("requirements")
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      return []
    }
    do {
      return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "yaml" && !$0.lastPathComponent.hasPrefix(".") }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
    } catch {
      diagnostics.report(
        YAMLError(
          file: "requirements", line: nil, path: "", message: "cannot list the directory: \(error.localizedDescription)",
          kind: .unreadable))
      return []
    }
  }
}

/// Parses and cross-checks the definition files, reporting every problem to the diagnostics.
struct DefinitionLoader {
  let diagnostics: YAMLDiagnostics
  /// Requirement id → where it was first defined, to refuse duplicates across files.
  private var requirementOrigins: [String: String] = [:]

  init(diagnostics: YAMLDiagnostics) {
    self.diagnostics = diagnostics
  }

  // MARK: policy.yaml

  func parseManifest(_ root: YAMLNode) -> PolicyManifest? {
    guard
      let top = root.mapping(allowedKeys: [
        "title", "period", "language", "workflow", "secretariat", "committees", "departments", "sections", "signing",
      ])
    else { return nil }

    let title = top.requiredString("title")
    let period = top.requiredString("period")
    let language = top.optionalString("language") ?? "da"
    let workflow = top.requiredString("workflow")
    if let workflow, let node = top["workflow"], !IdentifierSyntax.isSlug(workflow) {
      node.error(
        "`\(workflow)` is not a valid workflow name; use lower-case letters, digits and hyphens, as in the file "
          + "name workflows/<name>.yaml")
    }

    let committees = parseCommittees(top)
    let (departments, retiredDepartments) = parseDepartments(top, committees: committees)

    var secretariat: String?
    if let code = top.requiredString("secretariat"), let node = top["secretariat"] {
      secretariat = resolve(
        code, among: departments.map(\.code), kind: "department", at: node, retired: retiredDepartments.map(\.code))
    }

    let (sections, retiredSections) = parseSections(
      top, departments: departments, committees: committees, retiredDepartments: retiredDepartments.map(\.code))
    var signing = SigningMode.optional
    if let value = top.optionalString("signing"), let node = top["signing"] {
      if let mode = SigningMode(rawValue: value) { signing = mode } else {
        node.error("`signing` is `required` or `optional`, not `\(value)`")
      }
    }

    guard let title, let period, let workflow else { return nil }
    return PolicyManifest(
      title: title, period: period, language: language, workflow: workflow, secretariat: secretariat ?? "",
      committees: committees, departments: departments, sections: sections, signing: signing,
      retiredDepartments: retiredDepartments, retiredSections: retiredSections)
  }

  private func parseCommittees(_ top: YAMLMapping) -> [Committee] {
    guard let nodes = top.requiredSequence("committees") else { return [] }
    if nodes.isEmpty { top["committees"]?.error("list at least one committee") }
    var committees: [Committee] = []
    var seen: [String: (code: String, line: Int?)] = [:]
    for node in nodes {
      guard let mapping = node.mapping(allowedKeys: ["code", "name"]) else { continue }
      let code = parseCode(mapping, seen: &seen, kind: "committee")
      let name = mapping.requiredString("name")
      if let code { committees.append(Committee(code: code, name: name ?? code)) }
    }
    return committees
  }

  /// The departments taking part and those marked `retired: true` (whose codes stay taken: a new department may
  /// neither repeat nor look like one).
  private func parseDepartments(_ top: YAMLMapping, committees: [Committee]) -> (
    active: [Department], retired: [Department]
  ) {
    guard let nodes = top.requiredSequence("departments") else { return ([], []) }
    if nodes.isEmpty { top["departments"]?.error("list at least one department") }
    var departments: [Department] = []
    var retired: [Department] = []
    var seen: [String: (code: String, line: Int?)] = [:]
    for node in nodes {
      guard let mapping = node.mapping(allowedKeys: ["code", "name", "committee", "retired"]) else { continue }
      let code = parseCode(mapping, seen: &seen, kind: "department")
      let name = mapping.requiredString("name")
      if let problem = name.flatMap(Self.signatureProblem(in:)), let value = name {
        mapping["name"]?.error("the name `\(Self.visible(value))` contains \(problem), which a name may not contain")
      }
      // A department without a standing committee (a staff unit): the sections it owns name their committees.
      var committee: String?
      if let value = mapping.optionalString("committee"), let valueNode = mapping["committee"] {
        // An unknown committee is reported here; kept as written so that the sections it owns are not reported as
        // having none (the load fails anyway).
        committee = resolve(value, among: committees.map(\.code), kind: "committee", at: valueNode) ?? value
      }
      let isRetired = Self.retiredFlag(mapping)
      // Kept as soon as the code is sound, so that one bad field does not turn every reference to
      // the department into a second error (nothing partial is ever returned: any error throws).
      if let code {
        let department = Department(code: code, name: name ?? code, committee: committee ?? "")
        if isRetired { retired.append(department) } else { departments.append(department) }
      }
    }
    if !nodes.isEmpty && departments.isEmpty && !retired.isEmpty {
      top["departments"]?.error("every department is retired; at least one must take part")
    }
    return (departments, retired)
  }

  /// `retired: true` on an entry of `departments`, `sections` or `members`; absent means taking part.
  static func retiredFlag(_ mapping: YAMLMapping) -> Bool {
    guard let node = mapping.optional("retired") else { return false }
    guard let value = node.bool() else {
      node.error("`retired` is `true` or `false`")
      return false
    }
    return value
  }

  /// Reads a `code`, stored in NFC as written; reports a malformed or repeated code.
  private func parseCode(
    _ mapping: YAMLMapping, seen: inout [String: (code: String, line: Int?)], kind: String
  ) -> String? {
    guard let raw = mapping.requiredString("code"), let node = mapping["code"] else { return nil }
    let code = raw.trimmingCharacters(in: .whitespaces).precomposedStringWithCanonicalMapping
    let valid = code.unicodeScalars.allSatisfy {
      CharacterSet.letters.contains($0) || CharacterSet.decimalDigits.contains($0) || $0 == "-" || $0 == "_"
    }
    guard valid else {
      node.error("`\(raw)` is not a valid \(kind) code; use letters and digits only (e.g. `ØKF`)")
      return nil
    }
    guard code.utf8.count <= Self.maximumCodeBytes else {
      node.error(
        "the \(kind) code `\(code.prefix(20))…` is \(code.utf8.count) bytes long; a code is a short abbreviation "
          + "(at most \(Self.maximumCodeBytes) bytes, e.g. `ØKF`): shorten it")
      return nil
    }
    if let problem = CodeScripts.problem(with: code) {
      node.error("the \(kind) code `\(code)` is refused: \(problem)")
      return nil
    }
    let key = normalizedCode(code)
    if let earlier = seen[key] {
      node.error("duplicate \(kind) code `\(code)`\(earlier.line.map { " (already used on line \($0))" } ?? "")")
      return nil
    }
    let skeleton = CodeScripts.skeleton(code)
    if let lookalike = seen.values.first(where: { CodeScripts.skeleton($0.code) == skeleton }) {
      node.error(
        "the \(kind) code `\(code)` looks the same as `\(lookalike.code)`"
          + "\(lookalike.line.map { " (line \($0))" } ?? "") but is written with other characters "
          + "(\(CodeScripts.differences(code, lookalike.code))); readers could not tell the two apart. Give it a "
          + "code that looks different, or use `\(lookalike.code)` if it is the same \(kind)")
      return nil
    }
    seen[key] = (code, node.line)
    return code
  }

  /// Section and person ids become file names, git branch names and commit trailers: git and file systems refuse
  /// names over 255 bytes (a section's branch lock file is `sections/<id>.lock`), so ids stay far below that.
  static let maximumIDBytes = 100

  /// Codes are abbreviations shown in every status line; far longer ones are a mistake in the file.
  static let maximumCodeBytes = 32

  private func parseSections(
    _ top: YAMLMapping, departments: [Department], committees: [Committee], retiredDepartments: [String]
  ) -> (active: [SectionSpec], retired: [SectionSpec]) {
    guard let nodes = top.requiredSequence("sections") else { return ([], []) }
    if nodes.isEmpty { top["sections"]?.error("list at least one section") }
    var sections: [SectionSpec] = []
    var retired: [SectionSpec] = []
    var seen: [String: Int?] = [:]
    var areaCount = 0
    for node in nodes {
      guard
        let mapping = node.mapping(allowedKeys: [
          "id", "title", "kind", "owners", "committees", "part", "required_headings", "guidance", "retired",
        ])
      else { continue }

      var id = mapping.requiredString("id")
      if let value = id, let idNode = mapping["id"] {
        if !IdentifierSyntax.isSlug(value) {
          idNode.error(
            "`\(value)` is not a valid section id; use lower-case ASCII letters, digits and hyphens (æ → ae, "
              + "ø → oe, å → aa), as it is also the file name sections/<id>.md")
          id = nil
        } else if value.utf8.count > Self.maximumIDBytes {
          idNode.error(
            "the section id `\(value.prefix(40))…` is \(value.utf8.count) characters long; section ids may have at "
              + "most \(Self.maximumIDBytes), as they are also file names (sections/<id>.md) and git branch names "
              + "(sections/<id>). Choose a shorter id; the title may be as long as needed")
          id = nil
        } else if let earlier = seen[value] {
          idNode.error("duplicate section id `\(value)`\(earlier.map { " (already used on line \($0))" } ?? "")")
          id = nil
        } else {
          seen[value] = idNode.line
        }
      }
      let title = mapping.requiredString("title")

      var kind: SectionKind?
      if let value = mapping.requiredString("kind"), let kindNode = mapping["kind"] {
        kind = SectionKind(rawValue: value)
        if kind == nil {
          kindNode.error(
            "unknown kind `\(value)` \(YAMLNode.suggestion(for: value, among: SectionKind.allCases.map(\.rawValue)))")
        }
      }

      let isRetired = Self.retiredFlag(mapping)
      // A retired section keeps the owners it had, retired departments among them; a section taking part is owned by
      // departments taking part.
      let owners = resolveList(
        mapping, key: "owners", required: true,
        among: isRetired ? departments.map(\.code) + retiredDepartments : departments.map(\.code), kind: "department",
        ifEmpty: "list at least one owning department", retired: isRetired ? [] : retiredDepartments)
      var sectionCommittees: [String]
      if mapping.optional("committees") != nil {
        sectionCommittees = resolveList(
          mapping, key: "committees", required: false, among: committees.map(\.code), kind: "committee",
          ifEmpty: "list at least one committee, or leave `committees` out to use the owners' committees")
      } else {
        sectionCommittees = []
        for owner in owners {
          if let committee = departments.first(where: { $0.code == owner })?.committee, !committee.isEmpty,
            !sectionCommittees.contains(committee)
          {
            sectionCommittees.append(committee)
          }
        }
        if sectionCommittees.isEmpty && !owners.isEmpty && !isRetired {
          (mapping["owners"] ?? node).error(
            "no reviewing committee: the owning department\(owners.count == 1 ? " has" : "s have") no `committee`; "
              + "list the section's `committees`")
        }
      }

      let part = mapping.optionalString("part")
      let requiredHeadings = mapping.optionalStringList("required_headings") ?? []
      let guidance = mapping.optionalString("guidance")

      // Kept as soon as the id is sound, so that requirement targets naming it are not misreported.
      guard let id else { continue }
      if isRetired {
        retired.append(
          SectionSpec(
            id: id, title: title ?? id, kind: kind ?? .common, owners: owners, committees: sectionCommittees,
            part: part, requiredHeadings: requiredHeadings, guidance: guidance, number: nil))
        continue
      }
      var number: Int?
      if kind == .area {
        areaCount += 1
        number = areaCount
      }
      sections.append(
        SectionSpec(
          id: id, title: title ?? id, kind: kind ?? .common, owners: owners, committees: sectionCommittees, part: part,
          requiredHeadings: requiredHeadings, guidance: guidance, number: number))
    }
    if !nodes.isEmpty && sections.isEmpty && !retired.isEmpty {
      top["sections"]?.error("every section is retired; at least one must take part")
    }
    return (sections, retired)
  }

  // MARK: members.yaml

  func parseMembers(_ root: YAMLNode, manifest: PolicyManifest?) -> (active: [Member], retired: [Member])? {
    guard let top = root.mapping(allowedKeys: ["members"]), let nodes = top.requiredSequence("members") else {
      return nil
    }
    var members: [Member] = []
    var retired: [Member] = []
    var hasUnknownRoles = false
    var seenIDs: [String: Int?] = [:]
    var seenEmails: [String: (id: String, line: Int?)] = [:]
    for node in nodes {
      guard
        let mapping = node.mapping(allowedKeys: [
          "id", "name", "email", "departments", "committees", "roles", "keys", "retired",
        ])
      else { continue }

      var id = mapping.requiredString("id")
      if let value = id, let idNode = mapping["id"] {
        if !IdentifierSyntax.isSlug(value) {
          idNode.error("`\(value)` is not a valid person id; use lower-case ASCII letters, digits and hyphens")
          id = nil
        } else if value.utf8.count > Self.maximumIDBytes {
          idNode.error(
            "the person id `\(value.prefix(40))…` is \(value.utf8.count) characters long; person ids may have at "
              + "most \(Self.maximumIDBytes), as they are recorded in every action's commit. Choose a shorter id")
          id = nil
        } else if let earlier = seenIDs[value] {
          idNode.error("duplicate person id `\(value)`\(earlier.map { " (already used on line \($0))" } ?? "")")
          id = nil
        } else {
          seenIDs[value] = idNode.line
        }
      }
      var name = mapping.requiredString("name")
      if let value = name, let nameNode = mapping["name"], let problem = Self.signatureProblem(in: value) {
        nameNode.error(
          "the name `\(Self.visible(value))` contains \(problem); a name goes into the author line of every commit "
            + "the person makes, where `<`, `>`, line breaks and control characters are not allowed. Remove it")
        name = nil
      }

      var email = mapping.requiredString("email")
      if let value = email, let emailNode = mapping["email"], let problem = Self.signatureProblem(in: value) {
        emailNode.error(
          "the e-mail address `\(Self.visible(value))` contains \(problem); an address goes into the author line of "
            + "every commit, where `<`, `>`, line breaks and control characters are not allowed. Write it as "
            + "name@example.dk without them")
        email = nil
      } else if let value = email, let emailNode = mapping["email"] {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") || trimmed.contains(" ") {
          emailNode.error("`\(value)` is not an e-mail address")
          email = nil
        } else if let earlier = seenEmails[trimmed.lowercased()] {
          emailNode.error(
            "the e-mail address `\(trimmed)` is already used by `\(earlier.id)`"
              + (earlier.line.map { " (line \($0))" } ?? ""))
          email = nil
        } else {
          seenEmails[trimmed.lowercased()] = (id ?? "?", emailNode.line)
          email = trimmed
        }
      }

      // A member may still list a retired department (it owns nothing, so it gives no rights).
      let departments = resolveList(
        mapping, key: "departments", required: false,
        among: manifest.map { $0.departments.map(\.code) + $0.retiredDepartments.map(\.code) }, kind: "department")
      let committees = resolveList(
        mapping, key: "committees", required: false, among: manifest?.committees.map(\.code), kind: "committee")

      var roles = Set<Role>()
      if let roleNodes = mapping.requiredSequence("roles") {
        if roleNodes.isEmpty { mapping["roles"]?.error("give the person at least one role") }
        for roleNode in roleNodes {
          guard let value = roleNode.nonEmptyString() else { continue }
          if let role = Role(rawValue: value) {
            roles.insert(role)
          } else {
            hasUnknownRoles = true
            roleNode.error(
              "unknown role `\(value)` \(YAMLNode.suggestion(for: value, among: Role.allCases.map(\.rawValue)))")
          }
        }
      }
      // A role that can never apply is a mistake in the list, not a harmless extra.
      for role in [Role.drafter, .head] where roles.contains(role) && departments.isEmpty {
        (mapping["roles"] ?? node).error("role `\(role.rawValue)` needs at least one department under `departments`")
      }
      for role in [Role.reviewer, .chair] where roles.contains(role) && committees.isEmpty {
        (mapping["roles"] ?? node).error("role `\(role.rawValue)` needs at least one committee under `committees`")
      }

      var keys: [String] = []
      for keyNode in mapping.optionalSequence("keys") ?? [] {
        guard let line = keyNode.string()?.trimmingCharacters(in: .whitespaces) else { continue }
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("ssh-") || parts[0].hasPrefix("ecdsa-"),
          parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) })
        else {
          keyNode.error(
            "`\(line.prefix(40))…` is not an SSH public key; give the line of the member's `.pub` file "
              + "(`ssh-ed25519 AAAA… comment`)")
          continue
        }
        keys.append(parts.prefix(2).joined(separator: " "))
      }

      let isRetired = Self.retiredFlag(mapping)
      if let id, let name, let email {
        let member = Member(
          id: id, name: name, email: email, departments: departments, committees: committees, roles: roles, keys: keys)
        if isRetired { retired.append(member) } else { members.append(member) }
      }
    }
    // After a misspelt role the secretariat may well be the one misspelt: report that alone.
    if !members.contains(where: { $0.roles.contains(.secretariat) }) && !hasUnknownRoles {
      (top["members"] ?? root).error(
        "nobody has the role `secretariat`; at least one person must, to assemble the policy and manage "
          + "requirements")
    }
    return (members, retired)
  }

  /// What makes `text` unusable in a git author line (`Name <email> time zone`), described for the message, or `nil`.
  /// libgit2 refuses `<` and `>`; a line break would end the header; other control characters and the
  /// bidirectional controls would make the history read differently from what it records.
  static func signatureProblem(in text: String) -> String? {
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x3C: return "`<`"
      case 0x3E: return "`>`"
      case 0x0A, 0x0D, 0x85, 0x2028, 0x2029: return "a line break (\(codePoint(scalar)))"
      case 0x00..<0x20, 0x7F...0x9F: return "the control character \(codePoint(scalar))"
      case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
        return "the invisible bidirectional control \(codePoint(scalar))"
      default: continue
      }
    }
    return nil
  }

  static func codePoint(_ scalar: Unicode.Scalar) -> String { "U+\(String(format: "%04X", scalar.value))" }

  /// `text` with control and bidirectional characters written as `<U+000A>`, so the message shows where they are.
  static func visible(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x00..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
        result += "<\(codePoint(scalar))>"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  // MARK: requirements/*.yaml

  mutating func parseRequirements(_ root: YAMLNode, manifest: PolicyManifest?) -> [Requirement] {
    guard let top = root.mapping(allowedKeys: ["source", "kind", "requirements"]) else { return [] }
    let source = top.requiredString("source")
    var kind: RequirementKind?
    if let value = top.requiredString("kind"), let node = top["kind"] {
      kind = RequirementKind(rawValue: value)
      if kind == nil {
        node.error(
          "unknown kind `\(value)` \(YAMLNode.suggestion(for: value, among: RequirementKind.allCases.map(\.rawValue)))")
      }
    }
    guard let nodes = top.requiredSequence("requirements") else { return [] }

    var requirements: [Requirement] = []
    let sectionIDs = manifest.map { Set($0.sections.map(\.id)) }
    for node in nodes {
      guard let mapping = node.mapping(allowedKeys: ["id", "theme", "text", "targets"]) else { continue }
      var id = mapping.requiredString("id")
      if let value = id, let idNode = mapping["id"] {
        let location = "\(idNode.file)\(idNode.line.map { ":\($0)" } ?? "")"
        if !IdentifierSyntax.isRequirementID(value) {
          idNode.error(
            "`\(value)` is not a valid requirement id; use upper-case ASCII letters, digits and hyphens "
              + "(e.g. `WS-UDD-01`)")
          id = nil
        } else if let earlier = requirementOrigins[value] {
          idNode.error("duplicate requirement id `\(value)` (already defined in \(earlier))")
          id = nil
        } else {
          requirementOrigins[value] = location
        }
      }
      let theme = kind == .workshop ? mapping.requiredString("theme") : mapping.optionalString("theme")
      let text = mapping.requiredString("text")
      var targets: [String] = []
      if let targetNodes = mapping.optionalSequence("targets") {
        for targetNode in targetNodes {
          guard let target = targetNode.nonEmptyString() else { continue }
          if let manifest, manifest.retiredSection(target) != nil {
            targetNode.error("section `\(target)` is retired (`retired: true`); a requirement cannot target it")
          } else if let manifest, let sectionIDs, !sectionIDs.contains(target) {
            targetNode.error(
              "unknown section `\(target)` \(YAMLNode.suggestion(for: target, among: manifest.sections.map(\.id)))")
          } else if !targets.contains(target) {
            targets.append(target)
          }
        }
      }
      if let id, let kind, let source, let text {
        requirements.append(
          Requirement(id: id, kind: kind, source: source, theme: theme, text: text, targets: targets, file: root.file))
      }
    }
    return requirements
  }

  // MARK: Code references

  /// The manifest's spelling of `code` among `known`, or `nil` after reporting it as unknown.
  /// With `known == nil` (the manifest could not be read) the code is kept as written, unchecked.
  private func resolve(
    _ code: String, among known: [String]?, kind: String, at node: YAMLNode, retired: [String] = []
  ) -> String? {
    guard let known else { return code.precomposedStringWithCanonicalMapping }
    // Codes are almost always written as declared; normalising every known code for every reference
    // made loading a 1,000-section manifest quadratic in Unicode normalisations. Declared codes are
    // unique after normalisation, so an exact match is the only match.
    if known.contains(code) { return code }
    let key = normalizedCode(code)
    if let match = known.first(where: { normalizedCode($0) == key }) { return match }
    if let gone = retired.first(where: { normalizedCode($0) == key }) {
      node.error("the \(kind) `\(gone)` is retired (`retired: true`); name one that takes part (\(known.joined(separator: ", ")))")
      return nil
    }
    let skeleton = CodeScripts.skeleton(code)
    if let lookalike = known.first(where: { CodeScripts.skeleton($0) == skeleton }) {
      node.error(
        "unknown \(kind) `\(code)`: it looks like `\(lookalike)` but is written with other characters "
          + "(\(CodeScripts.differences(code, lookalike))); retype it as `\(lookalike)`")
      return nil
    }
    node.error("unknown \(kind) `\(code)` (known: \(known.joined(separator: ", ")))")
    return nil
  }

  /// A list of department or committee codes, resolved to the manifest's spelling; unknown and
  /// repeated codes are reported.
  ///
  /// - Parameter ifEmpty: the message for an empty list, or `nil` when an empty list is fine.
  private func resolveList(
    _ mapping: YAMLMapping, key: String, required: Bool, among known: [String]?, kind: String,
    ifEmpty: String? = nil, retired: [String] = []
  ) -> [String] {
    let nodes = required ? mapping.requiredSequence(key) : mapping.optionalSequence(key)
    guard let nodes else { return [] }
    if nodes.isEmpty, let ifEmpty { mapping[key]?.error(ifEmpty) }
    var result: [String] = []
    for node in nodes {
      guard let code = node.nonEmptyString(), let resolved = resolve(code, among: known, kind: kind, at: node, retired: retired)
      else {
        continue
      }
      if result.contains(resolved) {
        node.error("`\(code)` is listed more than once")
      } else {
        result.append(resolved)
      }
    }
    return result
  }
}

/// The loader's checks of single values, for the commands that write the definition (`member add`,
/// `department add`): they refuse a value before it is written into YAML, with the same rule the loader applies to
/// the file as a whole afterwards.
public enum DefinitionValues {
  /// What makes `text` unusable as a name or e-mail address (`<`, `>`, line breaks, control and bidirectional
  /// characters), or nil.
  public static func authorLineProblem(in text: String) -> String? { DefinitionLoader.signatureProblem(in: text) }
  /// `text` with its control and bidirectional characters written as `<U+000A>`.
  public static func visible(_ text: String) -> String { DefinitionLoader.visible(text) }
  /// The longest section or person id, in bytes.
  public static var maximumIDBytes: Int { DefinitionLoader.maximumIDBytes }
}
