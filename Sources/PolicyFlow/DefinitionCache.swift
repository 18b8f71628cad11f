import Foundation
import PolicyGit
import PolicyManifest

/// A parsed copy of the policy definition in force (`policy.yaml`, `members.yaml`, `requirements/*.yaml` as
/// committed on `main`) in `.policyflow/definition.cache`, so a command does not parse and validate the same
/// YAML again each time.
///
/// Why: every command needs the definition, and parsing plus validating a 1,000-section manifest costs
/// about 700 million instructions (≈ 0.2 s) — more than all the rest of `status`. The cache is keyed by the
/// git blob ids of those files (content addresses, so any committed change misses) and by the running
/// executable's identity (path, size, modification time), so a rebuilt policyflow misses too. Only a
/// definition that loaded without problems is stored; a miss, an unreadable or a damaged cache (its payload
/// carries a checksum) falls back to parsing, and failing to write the cache is ignored. The file is
/// local state like the database; a write replaces it atomically.
enum DefinitionCache {
  static let magic = Array("PFDEF005".utf8)

  /// The cached definition for `files` (repository path → blob id), or `parse()`'s result, then cached.
  static func definition(
    files: [(path: String, blob: ObjectID)], cache: URL, parse: () throws -> PolicyDefinition
  ) throws -> PolicyDefinition {
    try cached(key: key(files: files), at: cache, decode: decode, encode: encode, parse: parse)
  }

  /// The value `decode` finds in `cache` under `key`, or `parse()`'s, then written there: the one path of both caches
  /// (this one and `WorkflowCache`). No key, a miss, a damaged file or a failed write falls back to parsing.
  static func cached<Value>(
    key: [UInt8]?, at cache: URL, decode: (Data, [UInt8]) -> Value?, encode: (Value, [UInt8]) -> Data,
    parse: () throws -> Value
  ) throws -> Value {
    guard let key else { return try parse() }
    if let data = try? Data(contentsOf: cache), let found = decode(data, key) { return found }
    let value = try parse()
    if FileManager.default.fileExists(atPath: cache.deletingLastPathComponent().path) {
      try? encode(value, key).write(to: cache, options: .atomic)
    }
    return value
  }

  /// SHA-256 over the cache format, the executable and every file's path and blob id.
  static func key(files: [(path: String, blob: ObjectID)]) -> [UInt8]? {
    guard let executable = executableIdentity else { return nil }
    var text = "\(String(decoding: magic, as: UTF8.self))\n\(executable)"
    for file in files.sorted(by: { $0.path < $1.path }) { text += "\(file.path)\u{0}\(file.blob.hex)\n" }
    return SHA256.hash(data: Data(text.utf8))
  }

  /// The running executable's path (symbolic links resolved), size and modification time, one per line; nil when
  /// they cannot be read. Read once per process, with `stat`: `Bundle.main` and `FileManager.attributesOfItem`
  /// (which also looks up the file's owner and group by name) cost ≈ 0.4 ms a call, and every command keys two
  /// caches with it (perf, 2026-12-02).
  static let executableIdentity: String? = {
    #if os(Linux)
      guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    #else
      guard let path = Bundle.main.executableURL?.resolvingSymlinksInPath().path else { return nil }
    #endif
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    #if canImport(Darwin)
      let modified = info.st_mtimespec
    #else
      let modified = info.st_mtim
    #endif
    return "\(path)\n\(info.st_size)\n\(modified.tv_sec).\(modified.tv_nsec)\n"
  }()

  // MARK: - The file: magic, key, checksum of the payload, payload

  /// FNV-1a (64 bits, little-endian) of the payload: catches a truncated or damaged file. Not SHA-256, which
  /// cost 23 million instructions per command on a 1,000-section definition: the checksum guards against
  /// accidents, not against a person who can write `.policyflow/` (and so the database) anyway.
  static func checksum(_ payload: ArraySlice<UInt8>) -> [UInt8] {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in payload {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return (0..<8).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
  }

  static func encode(_ definition: PolicyDefinition, key: [UInt8]) -> Data {
    var writer = Writer()
    let manifest = definition.manifest
    for text in [
      manifest.title, manifest.period, manifest.language, manifest.workflow, manifest.secretariat,
      manifest.signing.rawValue,
    ] {
      writer.string(text)
    }
    writer.array(manifest.committees) { writer, committee in
      writer.string(committee.code)
      writer.string(committee.name)
    }
    func department(_ writer: inout Writer, _ department: Department) {
      writer.string(department.code)
      writer.string(department.name)
      writer.string(department.committee)
    }
    func section(_ writer: inout Writer, _ section: SectionSpec) {
      writer.string(section.id)
      writer.string(section.title)
      writer.string(section.kind.rawValue)
      writer.strings(section.owners)
      writer.strings(section.committees)
      writer.optional(section.part)
      writer.strings(section.requiredHeadings)
      writer.optional(section.guidance)
      writer.optional(section.number.map(String.init))
    }
    func member(_ writer: inout Writer, _ member: Member) {
      writer.string(member.id)
      writer.string(member.name)
      writer.string(member.email)
      writer.strings(member.departments)
      writer.strings(member.committees)
      writer.strings(member.roles.map(\.rawValue).sorted())
      writer.strings(member.keys)
    }
    writer.array(manifest.departments, department)
    writer.array(manifest.sections, section)
    writer.array(definition.members.members, member)
    writer.array(manifest.retiredDepartments, department)
    writer.array(manifest.retiredSections, section)
    writer.array(definition.members.retired, member)
    writer.array(definition.requirements) { writer, requirement in
      writer.string(requirement.id)
      writer.string(requirement.kind.rawValue)
      writer.string(requirement.source)
      writer.optional(requirement.theme)
      writer.string(requirement.text)
      writer.strings(requirement.targets)
      writer.string(requirement.file)
    }
    return Data(magic + key + checksum(writer.bytes[...]) + writer.bytes)
  }

  static func decode(_ data: Data, key: [UInt8]) -> PolicyDefinition? {
    let bytes = [UInt8](data)
    let header = magic.count + 32 + 8
    guard bytes.count >= header, Array(bytes[0..<magic.count]) == magic,
      Array(bytes[magic.count..<(magic.count + 32)]) == key
    else { return nil }
    guard checksum(bytes[header...]) == Array(bytes[(magic.count + 32)..<header]) else { return nil }
    var reader = Reader(bytes: bytes, offset: header)
    guard let title = reader.string(), let period = reader.string(), let language = reader.string(),
      let workflow = reader.string(), let secretariat = reader.string(),
      let signing = reader.string().flatMap(SigningMode.init(rawValue:)),
      let committees = reader.array({ reader -> Committee? in
        guard let code = reader.string(), let name = reader.string() else { return nil }
        return Committee(code: code, name: name)
      }),
      let departments = reader.array(readDepartment), let sections = reader.array(readSection),
      let members = reader.array(readMember), let retiredDepartments = reader.array(readDepartment),
      let retiredSections = reader.array(readSection), let retiredMembers = reader.array(readMember),
      let requirements = reader.array({ reader -> Requirement? in
        guard let id = reader.string(), let kind = reader.string().flatMap(RequirementKind.init),
          let source = reader.string(), let theme = reader.optional(), let text = reader.string(),
          let targets = reader.strings(), let file = reader.string()
        else { return nil }
        return Requirement(id: id, kind: kind, source: source, theme: theme, text: text, targets: targets, file: file)
      }),
      reader.isAtEnd
    else { return nil }
    return PolicyDefinition(
      manifest: PolicyManifest(
        title: title, period: period, language: language, workflow: workflow, secretariat: secretariat,
        committees: committees, departments: departments, sections: sections, signing: signing,
        retiredDepartments: retiredDepartments, retiredSections: retiredSections),
      members: MemberDirectory(members: members, retired: retiredMembers), requirements: requirements)
  }

  private static func readDepartment(_ reader: inout Reader) -> Department? {
    guard let code = reader.string(), let name = reader.string(), let committee = reader.string() else { return nil }
    return Department(code: code, name: name, committee: committee)
  }

  private static func readSection(_ reader: inout Reader) -> SectionSpec? {
    guard let id = reader.string(), let title = reader.string(), let kind = reader.string().flatMap(SectionKind.init),
      let owners = reader.strings(), let committees = reader.strings(), let part = reader.optional(),
      let headings = reader.strings(), let guidance = reader.optional(), let number = reader.optional()
    else { return nil }
    return SectionSpec(
      id: id, title: title, kind: kind, owners: owners, committees: committees, part: part,
      requiredHeadings: headings, guidance: guidance, number: number.flatMap { Int($0) })
  }

  private static func readMember(_ reader: inout Reader) -> Member? {
    guard let id = reader.string(), let name = reader.string(), let email = reader.string(),
      let departments = reader.strings(), let committees = reader.strings(), let roles = reader.strings(),
      let keys = reader.strings()
    else { return nil }
    let parsed = roles.compactMap(Role.init)
    guard parsed.count == roles.count else { return nil }
    return Member(
      id: id, name: name, email: email, departments: departments, committees: committees, roles: Set(parsed),
      keys: keys)
  }

  /// Length-prefixed UTF-8 strings and counted arrays.
  struct Writer {
    var bytes: [UInt8] = []
    mutating func count(_ value: Int) {
      withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func string(_ text: String) {
      count(text.utf8.count)
      bytes.append(contentsOf: text.utf8)
    }
    mutating func optional(_ text: String?) {
      bytes.append(text == nil ? 0 : 1)
      if let text { string(text) }
    }
    mutating func strings(_ texts: [String]) { array(texts) { $0.string($1) } }
    mutating func array<T>(_ items: [T], _ element: (inout Writer, T) -> Void) {
      count(items.count)
      for item in items { element(&self, item) }
    }
  }

  /// Reads what `Writer` wrote; every read is bounds-checked and fails (nil) rather than trapping.
  struct Reader {
    let bytes: [UInt8]
    var offset: Int
    var isAtEnd: Bool { offset == bytes.count }

    mutating func count() -> Int? {
      guard offset + 4 <= bytes.count else { return nil }
      let value = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
        | Int(bytes[offset + 3]) << 24
      offset += 4
      return value
    }
    mutating func string() -> String? {
      guard let length = count(), length <= bytes.count - offset else { return nil }
      defer { offset += length }
      // The payload's SHA-256 matched, so these are the bytes `Writer` wrote from Strings: decoding (fast on a
      // contiguous buffer) needs no repair, and validating each string on the generic path cost 25 M
      // instructions per load at 1,000 sections.
      return bytes.withUnsafeBufferPointer {
        String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)]), as: UTF8.self)
      }
    }
    /// `.some(nil)` for an absent value, `nil` when the data is damaged.
    mutating func optional() -> String?? {
      guard offset < bytes.count else { return nil }
      offset += 1
      if bytes[offset - 1] == 0 { return .some(nil) }
      guard let text = string() else { return nil }
      return .some(text)
    }
    mutating func strings() -> [String]? { array { $0.string() } }
    mutating func array<T>(_ element: (inout Reader) -> T?) -> [T]? {
      guard let count = count(), count <= bytes.count - offset else { return nil }
      var items: [T] = []
      items.reserveCapacity(count)
      for _ in 0..<count {
        guard let item = element(&self) else { return nil }
        items.append(item)
      }
      return items
    }
  }
}
