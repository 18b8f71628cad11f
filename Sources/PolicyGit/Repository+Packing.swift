import Clibgit2
import Foundation

/// What packing did: loose objects before and after, and the new pack's size.
public struct PackReport: Sendable, Equatable {
  public let looseBefore: Int
  public let looseAfter: Int
  /// Objects in the new pack.
  public let packed: Int
  public let packBytes: Int
  /// Earlier packs removed because the new one holds every object they held.
  public var packsRemoved = 0
}

/// Packing loose objects, as `git gc --auto` does, through libgit2's packbuilder.
///
/// Every write adds a few loose objects (a blob, trees, commits); a policy with 1,000 sections × 50 revisions holds
/// some 200,000 of them (805 MiB, 43 MiB once packed). Laptops and network drives pay for every file.
///
/// Nothing an operation could need is ever dropped: the pack holds every object reachable from any reference, and
/// only the loose copies of exactly the objects the written pack's index lists are deleted afterwards (after the pack
/// is complete on disk, so a reader that misses a loose object finds it in the pack — libgit2 and git re-scan packs on
/// a miss). Unreachable loose objects — one a command being written right now may be about to reference — stay as
/// they are; git's own `gc` prunes those after two weeks.
extension Repository {
  /// Git's `gc.auto` default: pack when about this many objects are loose.
  public static let autoPackThreshold = 6_700

  private var objectsDirectory: URL {
    URL(fileURLWithPath: String(cString: git_repository_path(handle)), isDirectory: true).appendingPathComponent("objects")
  }

  /// Loose objects, estimated as `git gc --auto` does: the files in one of the 256 fan-out folders (`17`) × 256.
  public func estimatedLooseObjects() -> Int {
    let folder = objectsDirectory.appendingPathComponent("17")
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.count ?? 0) * 256
  }

  /// Every loose object's id (exact count, for reports and tests).
  public func looseObjects() -> [String] {
    var ids: [String] = []
    let fileManager = FileManager.default
    for folder in (try? fileManager.contentsOfDirectory(atPath: objectsDirectory.path)) ?? []
    where folder.count == 2 && folder.allSatisfy(\.isHexDigit) {
      for file in (try? fileManager.contentsOfDirectory(atPath: objectsDirectory.appendingPathComponent(folder).path)) ?? []
      where file.count == 38 && file.allSatisfy(\.isHexDigit) {
        ids.append(folder + file)
      }
    }
    return ids
  }

  /// Packs when `estimatedLooseObjects()` exceeds `threshold`; nil when it did not.
  @discardableResult
  public func packIfNeeded(threshold: Int = Repository.autoPackThreshold) throws -> PackReport? {
    guard estimatedLooseObjects() > threshold else { return nil }
    return try packLooseObjects()
  }

  /// Writes one pack of everything reachable from the references, deletes the loose copies it holds, and deletes the
  /// earlier packs it supersedes.
  ///
  /// Each pack holds everything reachable, so every earlier pack was (nearly) a subset of the next: the generated
  /// full-size policy (90,522 writes) ended with 44 packs holding 6.5 million objects, 1.45 GiB, where one pack of its
  /// objects is a few dozen MiB — and every object lookup searched 44 indexes. An earlier pack is removed only when the
  /// new one lists every object it holds (read from both indexes), so nothing is dropped; packs another process writes
  /// meanwhile (a `git fetch`) are not among those looked at, because they are listed before the walk starts.
  @discardableResult
  public func packLooseObjects() throws -> PackReport {
    let operation = "pack the repository's objects"
    let before = looseObjects()
    let packDirectory = objectsDirectory.appendingPathComponent("pack")
    let earlierPacks = ((try? FileManager.default.contentsOfDirectory(atPath: packDirectory.path)) ?? [])
      .filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }.map { String($0.dropLast(4)) }
    let written = try withPackBuilder(operation) { builder, walk -> (count: Int, name: String?) in
      try check(git_revwalk_push_glob(walk, "refs/*"), "\(operation): walk the references")
      try check(git_packbuilder_insert_walk(builder, walk), "\(operation): collect the objects")
      let count = Int(git_packbuilder_object_count(builder))
      guard count > 0 else { return (0, nil) }
      try check(git_packbuilder_write(builder, packDirectory.path, 0, nil, nil), "\(operation): write the pack")
      return (count, git_packbuilder_name(builder).map { String(cString: $0) })
    }
    let count = written.count
    guard count > 0 else { return PackReport(looseBefore: before.count, looseAfter: before.count, packed: 0, packBytes: 0) }
    guard let name = written.name else { throw GitError.invalid(operation, "libgit2 named no pack") }
    let index = packDirectory.appendingPathComponent("pack-\(name).idx")
    let packed = try Self.objectIDs(inPackIndex: index)
    var removed = 0
    for id in before where packed.contains(id) {
      let file = objectsDirectory.appendingPathComponent(String(id.prefix(2))).appendingPathComponent(String(id.dropFirst(2)))
      if (try? FileManager.default.removeItem(at: file)) != nil { removed += 1 }
    }
    var packsRemoved = 0
    for earlier in earlierPacks where earlier != "pack-\(name)" {
      func file(_ suffix: String) -> URL { packDirectory.appendingPathComponent(earlier + suffix) }
      // A pack somebody marked to be kept (git's `.keep`) is left alone, like `git repack` does.
      if FileManager.default.fileExists(atPath: file(".keep").path) { continue }
      guard let held = try? Self.objectIDs(inPackIndex: file(".idx")), held.isSubset(of: packed) else { continue }
      // As git does, the index last: a pack without its index is ignored, and every object is in the new pack already.
      for suffix in [".pack", ".rev", ".bitmap", ".promisor", ".mtimes", ".idx"] {
        try? FileManager.default.removeItem(at: file(suffix))
      }
      packsRemoved += 1
    }
    let bytes = (try? FileManager.default.attributesOfItem(
      atPath: packDirectory.appendingPathComponent("pack-\(name).pack").path)[.size] as? Int) ?? 0
    return PackReport(
      looseBefore: before.count, looseAfter: before.count - removed, packed: count, packBytes: bytes,
      packsRemoved: packsRemoved)
  }

  /// A pack builder and a commit walk for it, freed afterwards: what packing and a local push share.
  func withPackBuilder<T>(_ operation: String, _ body: (OpaquePointer?, OpaquePointer?) throws -> T) throws -> T {
    var builder: OpaquePointer?
    try check(git_packbuilder_new(&builder, handle), operation)
    defer { git_packbuilder_free(builder) }
    var walk: OpaquePointer?
    try check(git_revwalk_new(&walk, handle), operation)
    defer { git_revwalk_free(walk) }
    return try body(builder, walk)
  }

  /// The object ids a version-2 pack index lists (git's `pack-format.txt`: magic, version, 256 fan-out counts, then
  /// the sorted 20-byte names). Read from the file libgit2 just wrote: libgit2 has no call that lists them.
  static func objectIDs(inPackIndex url: URL) throws -> Set<String> {
    let data = try Data(contentsOf: url)
    let header: [UInt8] = [0xFF, 0x74, 0x4F, 0x63, 0, 0, 0, 2]
    guard data.count >= 8 + 256 * 4, Array(data.prefix(8)) == header else {
      throw GitError.invalid("read the pack index \(url.lastPathComponent)", "not a version-2 pack index")
    }
    let countOffset = 8 + 255 * 4
    let count = data[countOffset..<countOffset + 4].reduce(0) { ($0 << 8) | Int($1) }
    let namesStart = 8 + 256 * 4
    guard data.count >= namesStart + count * 20 else {
      throw GitError.invalid("read the pack index \(url.lastPathComponent)", "truncated")
    }
    var ids = Set<String>(minimumCapacity: count)
    let digits = Array("0123456789abcdef".utf8)
    for index in 0..<count {
      let start = data.startIndex + namesStart + index * 20
      var hex = [UInt8]()
      hex.reserveCapacity(40)
      for byte in data[start..<start + 20] {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
      }
      ids.insert(String(decoding: hex, as: UTF8.self))
    }
    return ids
  }
}
