import Foundation

/// How to prove who we are to a remote: SSH keys for SSH servers, a user name and password (or token) for HTTPS.
///
/// Each source is offered at most once per operation. libgit2 calls the credentials callback again after every
/// refusal, so a source that is offered again after it failed would loop until the server hangs up; instead, once
/// every applicable source has been refused, the operation fails with `RemoteError.authenticationFailed` naming
/// what was tried.
public struct RemoteCredentials: Sendable, Equatable {
  /// A private key file (OpenSSH format) and, if it is encrypted, its passphrase.
  public struct SSHKey: Sendable, Equatable {
    public var privateKey: URL
    /// Usually `privateKey` + ".pub"; libssh2 derives the public key from the private one when this is nil.
    public var publicKey: URL?
    public var passphrase: String?

    public init(privateKey: URL, publicKey: URL? = nil, passphrase: String? = nil) {
      self.privateKey = privateKey
      self.publicKey = publicKey
      self.passphrase = passphrase
    }
  }

  /// The SSH user when the URL names none (`ssh://host/repo`); git's servers mostly want "git", gitolite the
  /// account it runs as. Default: the local login name, as `ssh` would use.
  public var sshUser: String?
  /// Tried first, when set.
  public var sshKey: SSHKey?
  /// Offer the keys held by `ssh-agent` (needs `SSH_AUTH_SOCK`), after `sshKey`.
  public var sshAgent: Bool
  /// For HTTPS; falls back to the user named in the URL.
  public var httpUser: String?
  /// A password or an access token.
  public var httpPassword: String?
  /// The user sent with `httpPassword` when neither `httpUser` nor the URL names one: "oauth2" for a token from
  /// `POLICYFLOW_HTTP_TOKEN` (GitLab accepts it with any token). Last, so a user written into the URL wins.
  public var httpUserIfUnnamed: String?
  /// Ask git's credential helpers (`git credential fill`) after `httpUser`/`httpPassword`, and tell them the outcome
  /// (`approve` / `reject`), as git does. This runs the `git` program: the one place PolicyGit does, because the
  /// helpers (libsecret, Git Credential Manager, `store`, `cache`) are git's and reachable only through it. It
  /// writes nothing to any repository. Prompts on the terminal are switched off (`GIT_TERMINAL_PROMPT=0`).
  public var gitCredentialHelper: Bool

  public init(
    sshUser: String? = nil, sshKey: SSHKey? = nil, sshAgent: Bool = false, httpUser: String? = nil,
    httpPassword: String? = nil, gitCredentialHelper: Bool = false
  ) {
    self.sshUser = sshUser
    self.sshKey = sshKey
    self.sshAgent = sshAgent
    self.httpUser = httpUser
    self.httpPassword = httpPassword
    self.gitCredentialHelper = gitCredentialHelper
  }

  /// Nothing to offer: works for local remotes and servers that allow anonymous reading.
  public static let none = RemoteCredentials()

  /// What a user configured in the environment:
  /// - `POLICYFLOW_SSH_KEY` (a private key file; its `.pub` beside it is used if present),
  ///   `POLICYFLOW_SSH_KEY_PASSPHRASE`; `ssh-agent` whenever `SSH_AUTH_SOCK` is set;
  /// - `POLICYFLOW_HTTP_USER` and `POLICYFLOW_HTTP_PASSWORD`, or `POLICYFLOW_HTTP_TOKEN` (a personal access token,
  ///   sent as the password; the user defaults to the URL's, else "oauth2", which GitLab accepts with any token);
  /// - git's credential helpers, unless `POLICYFLOW_GIT_CREDENTIAL_HELPER=0`.
  public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
    -> RemoteCredentials
  {
    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    var credentials = RemoteCredentials()
    if let key = value("POLICYFLOW_SSH_KEY") {
      let privateKey = URL(fileURLWithPath: key)
      let publicKey = URL(fileURLWithPath: key + ".pub")
      credentials.sshKey = SSHKey(
        privateKey: privateKey,
        publicKey: FileManager.default.fileExists(atPath: publicKey.path) ? publicKey : nil,
        passphrase: value("POLICYFLOW_SSH_KEY_PASSPHRASE"))
    }
    credentials.sshAgent = value("SSH_AUTH_SOCK") != nil
    credentials.sshUser = value("POLICYFLOW_SSH_USER") ?? value("USER") ?? value("LOGNAME")
    credentials.httpUser = value("POLICYFLOW_HTTP_USER")
    if let token = value("POLICYFLOW_HTTP_TOKEN") {
      credentials.httpPassword = token
      credentials.httpUserIfUnnamed = "oauth2"
    } else {
      credentials.httpPassword = value("POLICYFLOW_HTTP_PASSWORD")
    }
    credentials.gitCredentialHelper = value("POLICYFLOW_GIT_CREDENTIAL_HELPER") != "0"
    return credentials
  }
}

/// One exchange with git's credential helpers through `git credential fill|approve|reject`.
///
/// The description sent is protocol, host (with port) and path; git itself drops the path unless
/// `credential.useHttpPath` is set, exactly as for its own fetches. It runs in the repository's folder, so a
/// `credential.helper` configured for this repository alone applies as it would to `git fetch` there.
struct GitCredentialHelper {
  struct Credential: Equatable {
    let user: String
    let password: String
  }

  let location: RemoteLocation
  /// The repository's working folder (or git folder), where git reads its configuration from.
  let directory: URL?

  private var description: String {
    var lines = ["protocol=https"]
    if let host = location.host {
      lines.append("host=" + (location.port.map { "\(host):\($0)" } ?? host))
    }
    let path = location.path.hasPrefix("/") ? String(location.path.dropFirst()) : location.path
    if !path.isEmpty { lines.append("path=\(path)") }
    return lines.joined(separator: "\n")
  }

  /// The helpers' answer, or nil when none has one (no helper configured, nothing stored, git missing).
  func fill(user: String?) -> Credential? {
    var input = description
    if let user { input += "\nusername=\(user)" }
    guard let output = run("fill", input + "\n\n") else { return nil }
    var fields: [String: String] = [:]
    for line in output.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    guard let name = fields["username"], let password = fields["password"] else { return nil }
    return Credential(user: name, password: password)
  }

  /// Tells the helpers the credential worked (they may store it) or was refused (they forget it).
  func report(_ credential: Credential, accepted: Bool) {
    _ = run(
      accepted ? "approve" : "reject",
      description + "\nusername=\(credential.user)\npassword=\(credential.password)\n\n")
  }

  private func run(_ action: String, _ input: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "credential", action]
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_TERMINAL_PROMPT"] = "0"
    process.environment = environment
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return nil
    }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try? stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: output, as: UTF8.self)
  }
}
