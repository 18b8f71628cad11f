import COpenSSL
import Foundation

/// An SSH server's host key as presented during the handshake (libgit2's `GIT_CERT_SSH_RAW`): the key in SSH wire
/// format, whose first field names its type.
struct HostKey: Sendable, Equatable {
  let blob: Data

  /// "ssh-ed25519", "ecdsa-sha2-nistp256", … read from the blob itself (a 32-bit length, then the name), so it is
  /// the same string known_hosts lines carry.
  var type: String {
    guard blob.count >= 4 else { return "unknown" }
    let bytes = [UInt8](blob.prefix(4))
    let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    guard length > 0, blob.count >= 4 + length else { return "unknown" }
    return String(decoding: blob.dropFirst(4).prefix(length), as: UTF8.self)
  }

  /// "SHA256:…" exactly as `ssh-keygen -lf` and `ssh` print it, so a user can compare it with what the server's
  /// administrator reads off the server.
  var fingerprint: String {
    "SHA256:" + Digest.sha256(blob).base64EncodedString().replacingOccurrences(of: "=", with: "")
  }
}

/// The hashes known_hosts needs, from OpenSSL's libcrypto (which libssh2 already loads into the process).
enum Digest {
  static func sha256(_ data: Data) -> Data {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let ok = data.withUnsafeBytes { bytes in
      EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil)
    }
    precondition(ok == 1, "EVP_Digest(SHA-256) failed")
    return Data(digest.prefix(Int(length)))
  }

  /// HMAC-SHA1, the hash of OpenSSH's hashed known_hosts names (`|1|salt|hash`, HashKnownHosts yes).
  static func hmacSHA1(key: Data, message: Data) -> Data {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let result = key.withUnsafeBytes { keyBytes in
      message.withUnsafeBytes { messageBytes in
        HMAC(
          EVP_sha1(), keyBytes.baseAddress, Int32(keyBytes.count),
          messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count, &digest, &length)
      }
    }
    precondition(result != nil, "HMAC(SHA-1) failed")
    return Data(digest.prefix(Int(length)))
  }
}

/// The hosts an SSH client trusts, read from OpenSSH known_hosts files.
///
/// libgit2 1.5 consults `~/.ssh/known_hosts` through libssh2 only to tell its `certificate_check` callback whether
/// the key is "valid"; without a callback deciding, a program either refuses every server or accepts every key (a
/// man-in-the-middle hole). PolicyGit decides in the callback with this type, so the file can be chosen
/// (`POLICYFLOW_KNOWN_HOSTS`) and a refusal can say which host, which fingerprint and what to do.
///
/// Understood: plain host patterns (comma-separated, `*` and `?` wildcards, `!` negation, `[host]:port`), hashed
/// names (`|1|salt|hash`), `@revoked`. Lines marked `@cert-authority` are skipped: libssh2 cannot verify host
/// certificates, so they cannot vouch for a key here.
struct KnownHosts: Sendable {
  struct Entry: Sendable {
    enum Names: Sendable {
      case patterns([String])
      case hashed(salt: Data, hash: Data)
    }

    let names: Names
    let keyType: String
    let key: Data
    let revoked: Bool
    /// "file:line", for messages.
    let origin: String

    func matches(_ name: String) -> Bool {
      switch names {
      case .hashed(let salt, let hash):
        return Digest.hmacSHA1(key: salt, message: Data(name.utf8)) == hash
      case .patterns(let patterns):
        var matched = false
        for pattern in patterns {
          if pattern.hasPrefix("!") {
            // A negated pattern that matches excludes the host from this line whatever else matches (sshd(8)).
            if globMatches(String(pattern.dropFirst()).lowercased(), name) { return false }
          } else if globMatches(pattern.lowercased(), name) {
            matched = true
          }
        }
        return matched
      }
    }
  }

  enum Verdict: Sendable {
    case trusted
    /// The key is listed as `@revoked` for this host.
    case revoked(Entry)
    /// The host is known with a key of the same type that differs: the key changed, or someone is in between.
    case changed([Entry])
    /// The host is known, but only with keys of other types than the one the server offered.
    case otherTypesOnly([Entry])
    case unknown
  }

  let entries: [Entry]
  /// The files that were read (existing or not), for messages.
  let files: [URL]

  /// Reads the files; a missing one counts as empty (nobody trusted yet), an unreadable one is an error because
  /// silently trusting nobody would hide the cause of every later refusal.
  static func load(_ files: [URL]) throws -> KnownHosts {
    var entries: [Entry] = []
    for file in files {
      guard FileManager.default.fileExists(atPath: file.path) else { continue }
      let data: Data
      do {
        data = try Data(contentsOf: file)
      } catch {
        throw KnownHostsError.unreadable(file, error.localizedDescription)
      }
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      for (index, line) in lines.enumerated() {
        if let entry = parse(line, origin: "\(file.path):\(index + 1)") { entries.append(entry) }
      }
    }
    return KnownHosts(entries: entries, files: files)
  }

  /// One line, or nil for blank lines, comments, certificate authorities and lines OpenSSH would also skip.
  static func parse(_ line: Substring, origin: String) -> Entry? {
    var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard let first = fields.first, !first.hasPrefix("#") else { return nil }
    var revoked = false
    if first.hasPrefix("@") {
      guard first == "@revoked" else { return nil }
      revoked = true
      fields.removeFirst()
    }
    guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { return nil }
    let hosts = fields[0]
    let names: Entry.Names
    if hosts.hasPrefix("|1|") {
      let parts = hosts.dropFirst(3).split(separator: "|", omittingEmptySubsequences: false)
      guard parts.count == 2, let salt = Data(base64Encoded: String(parts[0])),
        let hash = Data(base64Encoded: String(parts[1]))
      else { return nil }
      names = .hashed(salt: salt, hash: hash)
    } else {
      names = .patterns(hosts.split(separator: ",").map(String.init))
    }
    return Entry(names: names, keyType: fields[1], key: key, revoked: revoked, origin: origin)
  }

  /// Decides about `key` presented by the server known as `name` (`host`, or `[host]:port` off port 22).
  func verdict(for name: String, key: HostKey) -> Verdict {
    let name = name.lowercased()
    let forHost = entries.filter { $0.matches(name) }
    if let revoked = forHost.first(where: { $0.revoked && $0.key == key.blob }) { return .revoked(revoked) }
    let trusted = forHost.filter { !$0.revoked }
    if trusted.contains(where: { $0.key == key.blob }) { return .trusted }
    let sameType = trusted.filter { $0.keyType == key.type }
    if !sameType.isEmpty { return .changed(sameType) }
    if !trusted.isEmpty { return .otherTypesOnly(trusted) }
    return .unknown
  }
}

enum KnownHostsError: Error {
  case unreadable(URL, String)
}

/// OpenSSH's host pattern match: `*` any run of characters, `?` exactly one; the whole name must match.
func globMatches(_ pattern: String, _ name: String) -> Bool {
  let pattern = Array(pattern.unicodeScalars)
  let name = Array(name.unicodeScalars)
  var p = 0
  var n = 0
  var star: Int? = nil
  var resume = 0
  while n < name.count {
    if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
      p += 1
      n += 1
    } else if p < pattern.count, pattern[p] == "*" {
      star = p
      resume = n
      p += 1
    } else if let star {
      p = star + 1
      resume += 1
      n = resume
    } else {
      return false
    }
  }
  while p < pattern.count, pattern[p] == "*" { p += 1 }
  return p == pattern.count
}
