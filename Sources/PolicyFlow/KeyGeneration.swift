import Foundation

#if canImport(Glibc)
  import Glibc
#endif
import PolicyManifest

/// Throwaway SSH keys for a template's fictional members (`init --generate-keys DIR`), for demos, tutorials and
/// tests: one Ed25519 key per member, made by OpenSSH's `ssh-keygen`, in DIR (outside the workspace), named by
/// member id. A real municipality lists its members' own public keys in members.yaml instead.
enum KeyGeneration {
  /// Makes (or reuses, when DIR already holds it) a key per member; returns member id → public key line.
  static func generate(for members: [Member], in directory: URL) throws -> [String: String] {
    let fileManager = FileManager.default
    try fileManager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    var keys: [String: String] = [:]
    for member in members {
      let file = directory.appendingPathComponent(member.id)
      if !fileManager.fileExists(atPath: file.path) {
        // Made under a temporary name and linked into place: two inits sharing DIR never see half a key.
        let temporary = directory.appendingPathComponent(".\(member.id).\(UUID().uuidString)")
        defer {
          try? fileManager.removeItem(at: temporary)
          try? fileManager.removeItem(at: temporary.appendingPathExtension("pub"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", member.email, "-f", temporary.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
          throw PolicyFlowError.missing(
            "cannot run ssh-keygen to make the throwaway keys (\(error.localizedDescription)); install openssh-client.")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
          throw PolicyFlowError.internal("ssh-keygen could not make a key for \(member.id) in \(directory.path)")
        }
        // The public half first: whoever sees the private key file finds its .pub beside it.
        if link(temporary.appendingPathExtension("pub").path, file.appendingPathExtension("pub").path) == 0 {
          _ = link(temporary.path, file.path)
        }
      }
      let line = try String(contentsOf: file.appendingPathExtension("pub"), encoding: .utf8)
      keys[member.id] = line.split(separator: " ").prefix(2).joined(separator: " ")
    }
    return keys
  }

  /// members.yaml with a `keys:` entry after each member's `- id:` line.
  static func insertKeys(_ keys: [String: String], into text: String) -> String {
    var lines: [String] = []
    for line in text.components(separatedBy: "\n") {
      lines.append(line)
      guard line.range(of: #"^\s*- id:\s*"?[A-Za-z0-9._-]+"?\s*$"#, options: .regularExpression) != nil else { continue }
      let indent = line.prefix { $0 == " " }
      let id = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
      guard let key = keys[id] else { continue }
      lines.append("\(indent)  keys: [\"\(key)\"]")
    }
    return lines.joined(separator: "\n")
  }
}
