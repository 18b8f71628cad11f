import Foundation

/// Where a remote lives, parsed once from its URL.
///
/// libgit2 tells the host-key callback only the host name, but known_hosts entries for a non-standard port are
/// written `[host]:port`, so the port has to come from here. The same parse decides which pushes get PolicyGit's own
/// compare-and-swap (local repositories) and which need the CA store (HTTPS), and gives messages a URL without the
/// password a user may have put into it.
struct RemoteLocation: Sendable, Equatable {
  enum Transport: Sendable, Equatable {
    /// A repository on this machine or a mounted network share: a plain path or `file://`.
    case local
    case ssh
    case https
    /// Anything else libgit2 may know (`http://`, `git://`): no credentials or trust checks of ours apply.
    case other(String)
  }

  /// The URL exactly as configured, for libgit2.
  let url: String
  let transport: Transport
  let user: String?
  let host: String?
  let port: Int?
  /// For `.local`, the filesystem path; otherwise the path part of the URL.
  let path: String

  init(_ url: String) {
    self.url = url
    if url.hasPrefix("file://") {
      transport = .local
      user = nil
      host = nil
      port = nil
      path = URL(string: url)?.path ?? String(url.dropFirst("file://".count))
    } else if url.contains("://"), let components = URLComponents(string: url) {
      let scheme = components.scheme?.lowercased() ?? ""
      switch scheme {
      case "ssh", "ssh+git", "git+ssh": transport = .ssh
      case "https": transport = .https
      default: transport = .other(scheme)
      }
      user = components.user?.removingPercentEncoding
      host = components.host.map(Self.unbracketed)
      port = components.port
      path = components.path
    } else if let scp = Self.scpLike(url) {
      transport = .ssh
      (user, host, path) = scp
      port = nil
    } else {
      transport = .local
      user = nil
      host = nil
      port = nil
      path = url
    }
  }

  /// `[user@]host:path` with no slash before the colon, as git reads it.
  private static func scpLike(_ url: String) -> (String?, String, String)? {
    guard let colon = url.firstIndex(of: ":") else { return nil }
    let before = url[..<colon]
    guard !before.isEmpty, !before.contains("/") else { return nil }
    let path = String(url[url.index(after: colon)...])
    if let at = before.lastIndex(of: "@") {
      return (String(before[..<at]), unbracketed(String(before[before.index(after: at)...])), path)
    }
    return (nil, unbracketed(String(before)), path)
  }

  private static func unbracketed(_ host: String) -> String {
    host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
  }

  /// The URL for messages and logs: a password written into it is replaced by `***`.
  var redacted: String {
    guard url.contains("://"), var components = URLComponents(string: url), components.password != nil else {
      return url
    }
    components.password = "***"
    return components.string ?? url
  }

  /// "localhost port 8443", or just the host on the default port, for messages.
  func describeHost(_ host: String) -> String {
    port.map { "\(host) port \($0)" } ?? host
  }

  /// The name OpenSSH looks up in known_hosts: `host` on port 22, `[host]:port` otherwise; lower-cased as ssh does.
  func knownHostsName(for host: String) -> String {
    let host = host.lowercased()
    guard let port, port != 22 else { return host }
    return "[\(host)]:\(port)"
  }

  /// The `ssh-keyscan` invocation that prints this server's keys, for the message that tells a user how to add one.
  func keyscanCommand(for host: String) -> String {
    guard let port, port != 22 else { return "ssh-keyscan \(host)" }
    return "ssh-keyscan -p \(port) \(host)"
  }
}
