import Foundation
import PolicyGit
import PolicyManifest

/// Two copies of `main` that both changed one `requirements/*.yaml` file, merged requirement by requirement.
///
/// `req add` and `req edit` rewrite the whole file, so two secretariat members adding different requirements on two
/// machines changed the same file, and a file-by-file merge stopped the sync (77) for what is no conflict at all. Here
/// each requirement is merged three-way by its id against the merge base: one taken from the side that changed it, a
/// requirement both sides changed differently (the same id added twice, one text edited on both) still a conflict.
/// The result does not depend on which copy merges: requirements of the base in the base's order, then the new ones
/// by id, written by `RequirementFileWriter` as `req add` writes them — so both copies write the same blob, and the
/// chain of trust, which recomputes this merge, accepts the join.
struct RequirementFileMerge {
  let repository: Repository
  let base: ObjectID?
  let ours: ObjectID
  let theirs: ObjectID
  private var definitions: [ObjectID: PolicyDefinition?] = [:]

  init(repository: Repository, base: ObjectID?, ours: ObjectID, theirs: ObjectID) {
    self.repository = repository
    self.base = base
    self.ours = ours
    self.theirs = theirs
  }

  /// The merged file, or nil when it is a conflict (or a side's definition does not load: then nothing is guessed).
  mutating func merge(_ path: String) throws -> Data? {
    guard let oursFile = try side(ours, path), let theirsFile = try side(theirs, path) else { return nil }
    let baseFile = try base.map { try side($0, path) } ?? RequirementFile(header: "", requirements: [])
    guard let baseFile else { return nil }
    let all = oursFile.requirements + theirsFile.requirements + baseFile.requirements
    guard let first = all.first, all.allSatisfy({ $0.source == first.source && $0.kind == first.kind }),
      let header = Self.threeWay(baseFile.header, oursFile.header, theirsFile.header)
    else { return nil }
    let (o, t, b) = (oursFile.byID, theirsFile.byID, baseFile.byID)
    let added = Set(o.keys).union(t.keys).subtracting(b.keys).sorted()
    var merged: [Requirement] = []
    for id in baseFile.requirements.map(\.id) + added {
      guard let pick = Self.threeWay(b[id], o[id], t[id]) else { return nil }
      if let requirement = pick { merged.append(requirement) }
    }
    return Data(
      RequirementFileWriter.render(header: header, source: first.source, kind: first.kind, requirements: merged).utf8)
  }

  /// One side's requirements in `path` and the file's leading comments; nil when its definition does not load.
  private mutating func side(_ commit: ObjectID, _ path: String) throws -> RequirementFile? {
    if definitions[commit] == nil {
      definitions[commit] = try? PolicyDefinition.load(files: Workspace.definitionFiles(in: repository, at: commit))
    }
    guard let definition = definitions[commit] ?? nil else { return nil }
    let text = try repository.blobID(at: path, in: commit).map { String(decoding: try repository.readBlob($0), as: UTF8.self) }
    return RequirementFile(
      header: text.map(RequirementFileWriter.leadingComments) ?? "",
      requirements: definition.requirements.filter { $0.file == path })
  }

  /// The three-way rule of the definition merge, for a file's blob as for one requirement: what one side changed is
  /// taken from it; nil = both sides changed it differently.
  static func threeWay<T: Equatable>(_ base: T, _ ours: T, _ theirs: T) -> T? {
    if ours == theirs { return ours }
    if ours == base { return theirs }
    if theirs == base { return ours }
    return nil
  }

  private struct RequirementFile {
    let header: String
    let requirements: [Requirement]
    var byID: [String: Requirement] { Dictionary(requirements.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }) }
  }
}
