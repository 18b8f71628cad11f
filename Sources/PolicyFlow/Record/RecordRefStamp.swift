import Foundation
import PolicyGit

/// What the record refs look like on disk, cheaply: the identity of `packed-refs` (device, inode, size, change and
/// modification times) and the value of every loose ref under `refs/policyflow/`, read through libgit2.
///
/// Why: every command must know whether the record refs moved since the index caught up (a `git fetch`, a plain git
/// command, another process). Listing them through libgit2 parses all of `packed-refs` — 16 M instructions at 1,000
/// sections, with reading the index's 1,000 tips another 6 M: a fifth of a write (callgrind, 2026-12-01). A stamp
/// costs a `stat`, a directory read and the few loose refs (they are packed once 32 are loose).
///
/// The index keeps the stamp of the refs it holds exactly (`recordRefStamp`); a command whose stamp is equal skips
/// the listing. A stamp is only stored when it is sound, as git treats a "racily clean" index entry
/// (Documentation/technical/racy-git.txt): `packed-refs` rewritten twice within one tick of the file system's clock
/// can keep its size, inode and times, so a stamp taken within two seconds of a change to `packed-refs` is never
/// stored, and one is stored only when it is the same before the listing and after the index took it in, and the
/// listing found the loose refs at the stamp's values.
struct RecordRefStamp: Equatable {
  /// `packed-refs`' identity, or "-" when there is none.
  var packed: String
  /// When `packed-refs` last changed, and when the stamp was taken: a stamp taken of a younger file is not stored.
  var packedChanged: TimeInterval
  var taken: TimeInterval
  var loose: [String: ObjectID]

  /// The same refs on disk (when each stamp was taken does not matter).
  static func == (a: RecordRefStamp, b: RecordRefStamp) -> Bool { a.packed == b.packed && a.loose == b.loose }

  /// The text kept in the index: one line for `packed-refs`, one per loose ref in name order.
  var text: String {
    (["packed-refs " + packed] + loose.keys.sorted().map { "\($0) \(loose[$0]!.hex)" }).joined(separator: "\n")
  }

  /// Whether a command may store it: `packed-refs` had not changed within a tick of the clock when the stamp was
  /// taken (two seconds, the coarsest timestamps a git directory meets, on FAT and some network shares).
  var isSound: Bool { taken - packedChanged >= 2 }

  /// The stamp of `repository`'s record refs now; nil when they cannot be read plainly (a loose ref that libgit2
  /// cannot resolve, a directory that cannot be read), and the caller lists them as before.
  static func current(gitDirectory: String, repository: Repository) -> RecordRefStamp? {
    let taken = Date().timeIntervalSince1970
    var info = stat()
    let packed: String
    var changed: TimeInterval = 0
    if stat(gitDirectory + "/packed-refs", &info) == 0 {
      #if canImport(Darwin)
        let modified = info.st_mtimespec, statusChanged = info.st_ctimespec
      #else
        let modified = info.st_mtim, statusChanged = info.st_ctim
      #endif
      packed = "\(info.st_dev) \(info.st_ino) \(info.st_size) \(modified.tv_sec).\(modified.tv_nsec) "
        + "\(statusChanged.tv_sec).\(statusChanged.tv_nsec)"
      changed = max(
        TimeInterval(modified.tv_sec) + TimeInterval(modified.tv_nsec) / 1e9,
        TimeInterval(statusChanged.tv_sec) + TimeInterval(statusChanged.tv_nsec) / 1e9)
    } else if errno == ENOENT {
      packed = "-"
    } else {
      return nil
    }
    guard let names = Workspace.looseReferences(under: gitDirectory + "/refs", in: "policyflow", depth: .max) else {
      return nil
    }
    var loose: [String: ObjectID] = [:]
    for name in names {
      guard let target = try? repository.referenceTarget("refs/policyflow/" + name) else { return nil }
      loose["refs/policyflow/" + name] = target
    }
    return RecordRefStamp(packed: packed, packedChanged: changed, taken: taken, loose: loose)
  }
}

extension Workspace {
  /// The stamp of the record refs now (see `RecordRefStamp`).
  func recordRefStamp() -> RecordRefStamp? {
    RecordRefStamp.current(gitDirectory: location.root.appendingPathComponent(".git").path, repository: repository)
  }

  /// The loose refs in `refs/<directory>` and its sub-folders down to `depth` levels, as paths relative to it;
  /// `*.lock` files are not refs. nil when a folder exists but cannot be read.
  static func looseReferences(under refs: String, in directory: String, depth: Int) -> [String]? {
    var names: [String] = []
    var unreadable = false
    func collect(_ path: String, prefix: String, depth: Int) {
      guard let handle = opendir(path) else {
        if errno != ENOENT { unreadable = true }
        return
      }
      defer { closedir(handle) }
      while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." || name.hasSuffix(".lock") { continue }
        var isDirectory = Int32(entry.pointee.d_type) == Int32(DT_DIR)
        if Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
          // Some file systems (NFS, FUSE, XFS without ftype) do not say: ask.
          var info = stat()
          isDirectory = lstat(path + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        }
        if isDirectory {
          if depth > 0 { collect(path + "/" + name, prefix: prefix + name + "/", depth: depth - 1) }
        } else {
          names.append(prefix + name)
        }
      }
    }
    collect(refs + "/" + directory, prefix: "", depth: depth)
    return unreadable ? nil : names
  }
}
