import Foundation

#if canImport(Glibc)
  import Glibc

  private let streamSocket = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
  /// An agent that went away must be an error, not a SIGPIPE that ends the process.
  private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
  import Darwin

  private let streamSocket = SOCK_STREAM
  private let sendFlags: Int32 = 0
#endif

/// A connection to ssh-agent over its unix socket, speaking the agent protocol (draft-miller-ssh-agent): list the
/// keys it holds and have it sign with one of them.
///
/// This is how passphrase-protected keys, and keys on another machine reached through agent forwarding, sign
/// without policyflow ever seeing a passphrase or a private key. One connection serves any number of requests and
/// is closed when the object goes away.
public final class SSHAgent {
  /// A key the agent holds.
  public struct Identity: Sendable, Equatable {
    public let publicKey: SSHPublicKey
    /// The comment given when the key was added, usually its file name or `user@host`.
    public let comment: String
  }

  /// The socket path the connection was made to.
  public let socketPath: String
  private let descriptor: Int32

  /// How long to wait for an answer. Long enough for a person to confirm a key added with `ssh-add -c`; short
  /// enough that a hung agent does not hang policyflow for good.
  static let answerTimeoutSeconds = 60
  /// The agent protocol's own limit on one message; a longer length can only be damage.
  static let maximumMessageSize = 256 * 1024

  private enum MessageType: UInt8 {
    case failure = 5
    case requestIdentities = 11
    case identitiesAnswer = 12
    case signRequest = 13
    case signResponse = 14
  }

  /// Connects to the agent listening at `socketPath`.
  ///
  /// - Throws: `SigningError.agentUnavailable` when nothing listens there.
  public init(socketPath: String) throws {
    self.socketPath = socketPath
    self.descriptor = try Self.openConnection(to: socketPath)
  }

  /// Connects to the agent that `SSH_AUTH_SOCK` names, as every OpenSSH tool does.
  ///
  /// - Throws: `SigningError.agentUnavailable` when the variable is unset or nothing listens there.
  public convenience init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    guard let path = environment["SSH_AUTH_SOCK"], !path.isEmpty else {
      throw SigningError.agentUnavailable(reason: "SSH_AUTH_SOCK is not set, so no agent is running for this session")
    }
    try self.init(socketPath: path)
  }

  deinit {
    close(descriptor)
  }

  /// The Ed25519 keys the agent holds, in the agent's order. Keys of other types are left out: policyflow cannot
  /// use them, and they must not stop it from using the ones it can.
  public func identities() throws -> [Identity] {
    let answer = try request(.requestIdentities, Data(), expecting: .identitiesAnswer, refused: {
      SigningError.agentProtocol(reason: "it refused to list its keys")
    })
    var reader = WireReader(answer) { SigningError.agentProtocol(reason: "its list of keys is damaged: \($0)") }
    let count = try reader.uint32("the number of keys")
    var identities: [Identity] = []
    for _ in 0..<count {
      let blob = try reader.string("a key")
      let comment = try reader.text("a key's comment")
      if let key = try? SSHPublicKey(blob: blob, comment: comment) {
        identities.append(Identity(publicKey: key, comment: comment))
      }
    }
    try reader.expectEnd("the list of keys")
    return identities
  }

  /// Has the agent sign `data` with `key` and returns the SSH signature blob (`string "ssh-ed25519",
  /// string signature`).
  ///
  /// - Throws: `SigningError.agentRefused` when the agent declines (the key is not loaded, a confirmation was
  ///   declined, the agent is locked).
  public func sign(_ data: Data, with key: SSHPublicKey) throws -> Data {
    var body = WireWriter()
    body.string(key.blob)
    body.string(data)
    // No flags: they choose among RSA hash variants and mean nothing for Ed25519.
    body.uint32(0)
    let answer = try request(.signRequest, body.data, expecting: .signResponse, refused: {
      SigningError.agentRefused(fingerprint: key.fingerprint)
    })
    var reader = WireReader(answer) { SigningError.agentProtocol(reason: "its signature is damaged: \($0)") }
    let signature = try reader.string("the signature")
    try reader.expectEnd("the signature")
    return signature
  }

  /// A signer that signs with `key` through this agent.
  ///
  /// - Throws: `SigningError.keyNotAvailable` when the agent does not hold the key.
  public func signer(for key: SSHPublicKey) throws -> AgentSigner {
    guard try identities().contains(where: { $0.publicKey == key }) else {
      throw SigningError.keyNotAvailable(
        fingerprint: key.fingerprint,
        hint: "ssh-agent (\(socketPath)) does not hold it. Add it with `ssh-add PATH-OF-THE-PRIVATE-KEY`.")
    }
    return AgentSigner(agent: self, publicKey: key)
  }

  // MARK: - Messages

  /// Sends one request and reads its answer. The agent answers requests in order on a connection, so a request and
  /// the next message read belong together.
  private func request(_ type: MessageType, _ body: Data, expecting answerType: MessageType,
    refused: () -> SigningError) throws -> Data
  {
    var message = WireWriter()
    message.uint32(UInt32(body.count + 1))
    message.byte(type.rawValue)
    message.raw(body)
    try sendAll(message.data)

    var header = WireReader(try receiveExactly(4)) { SigningError.agentProtocol(reason: $0) }
    let length = Int(try header.uint32("the length of the answer"))
    guard length >= 1, length <= Self.maximumMessageSize else {
      throw SigningError.agentProtocol(reason: "it announced a message of \(length) bytes")
    }
    let answer = try receiveExactly(length)
    switch answer.first {
    case answerType.rawValue: return answer.dropFirst()
    // 28 (extension failure) and 30 (a legacy failure code) also mean "no".
    case MessageType.failure.rawValue, 28, 30: throw refused()
    default: throw SigningError.agentProtocol(reason: "it answered with message type \(answer.first ?? 0)")
    }
  }

  private func sendAll(_ data: Data) throws {
    try data.withUnsafeBytes { buffer in
      var sent = 0
      while sent < buffer.count {
        let count = send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, sendFlags)
        if count < 0 {
          if errno == EINTR { continue }
          throw SigningError.agentUnavailable(reason: "writing to \(socketPath) failed: \(Self.lastErrno())")
        }
        sent += count
      }
    }
  }

  private func receiveExactly(_ count: Int) throws -> Data {
    var buffer = [UInt8](repeating: 0, count: count)
    var received = 0
    while received < count {
      let got = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + received, count - received, 0) }
      if got < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK {
          throw SigningError.agentUnavailable(
            reason: "it did not answer within \(Self.answerTimeoutSeconds) seconds")
        }
        throw SigningError.agentUnavailable(reason: "reading from \(socketPath) failed: \(Self.lastErrno())")
      }
      if got == 0 { throw SigningError.agentProtocol(reason: "it closed the connection in the middle of an answer") }
      received += got
    }
    return Data(buffer)
  }

  private static func openConnection(to path: String) throws -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let pathBytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard pathBytes.count < capacity else {
      throw SigningError.agentUnavailable(reason: "the socket path \(path) is longer than \(capacity - 1) bytes")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes + [0]) }

    let descriptor = socket(AF_UNIX, streamSocket, 0)
    guard descriptor >= 0 else {
      throw SigningError.agentUnavailable(reason: "cannot create a socket: \(lastErrno())")
    }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard connected == 0 else {
      let reason = lastErrno()
      close(descriptor)
      throw SigningError.agentUnavailable(reason: "nothing answers at \(path) (\(reason))")
    }
    var timeout = timeval(tv_sec: answerTimeoutSeconds, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return descriptor
  }

  private static func lastErrno() -> String { String(cString: strerror(errno)) }
}

/// Signs with a key held by ssh-agent.
public struct AgentSigner: Signer {
  let agent: SSHAgent
  public let publicKey: SSHPublicKey

  /// The agent's signature, checked in-process before it is used: an agent that answered with another key's
  /// signature, or with garbage, would otherwise produce a commit that fails verification only later, elsewhere.
  public func sshSignature(of data: Data) throws -> Data {
    let blob = try agent.sign(data, with: publicKey)
    let signature = try SSHSignature.parseSignatureBlob(blob)
    guard try publicKey.verifier().verify(signature, of: data) else {
      throw SigningError.agentProtocol(
        reason: "the signature it returned does not verify with \(publicKey.fingerprint)")
    }
    return blob
  }
}
