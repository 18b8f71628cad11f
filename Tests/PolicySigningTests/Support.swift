import Foundation
import Testing

@testable import PolicySigning

/// A fresh temporary directory with real OpenSSH keys in it, and a way to ask OpenSSH's own tools about what
/// PolicySigning produced: the point of these tests is that ssh-keygen and ssh-agent agree with us.
final class KeyBench {
  let root: URL

  init() throws {
    // Short: an agent socket lives here, and unix socket paths are limited to 107 bytes.
    root = URL(fileURLWithPath: "/tmp/pfsig-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  func url(_ name: String) -> URL { root.appendingPathComponent(name) }

  /// A new Ed25519 key pair made by `ssh-keygen`; returns the private key's file (the public one is beside it).
  func makeKey(_ name: String, comment: String = "member@kommune.example", passphrase: String = "",
    type: String = "ed25519") throws -> URL
  {
    let file = url(name)
    try run("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", comment, "-f", file.path)
    return file
  }

  func publicKey(_ privateKeyFile: URL) throws -> SSHPublicKey {
    try SSHPublicKey(line: try String(contentsOf: privateKeyFile.appendingPathExtension("pub"), encoding: .utf8))
  }

  @discardableResult
  func write(_ name: String, _ data: Data) throws -> URL {
    let file = url(name)
    try data.write(to: file)
    return file
  }

  @discardableResult
  func write(_ name: String, _ text: String) throws -> URL { try write(name, Data(text.utf8)) }

  /// Signs `message` with `ssh-keygen -Y sign` and returns the armoured signature it wrote.
  func sshKeygenSign(_ message: Data, key: URL, namespace: String = "git", environment: [String: String] = [:])
    throws -> String
  {
    let file = try write("message-\(UUID().uuidString.prefix(8))", message)
    try run("ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", key.path, file.path, environment: environment)
    return try String(contentsOf: file.appendingPathExtension("sig"), encoding: .utf8)
  }

  /// Verifies with `ssh-keygen -Y verify` against an allowed-signers file; returns its result.
  func sshKeygenVerify(_ signature: String, message: Data, allowedSigners: String, principal: String,
    namespace: String = "git") throws -> ProcessOutput
  {
    let signers = try write("allowed-\(UUID().uuidString.prefix(8))", allowedSigners)
    let signatureFile = try write("sig-\(UUID().uuidString.prefix(8))", signature)
    return try run(
      "ssh-keygen", "-Y", "verify", "-n", namespace, "-f", signers.path, "-I", principal, "-s", signatureFile.path,
      input: message, allowFailure: true)
  }

  /// Runs a program found on PATH and returns its output; a non-zero exit fails the test unless `allowFailure`.
  @discardableResult
  func run(_ program: String, _ arguments: String..., input: Data? = nil, environment: [String: String] = [:],
    allowFailure: Bool = false) throws -> ProcessOutput
  {
    try runProgram(program, arguments, input: input, environment: environment, allowFailure: allowFailure)
  }

  @discardableResult
  func runProgram(_ program: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:],
    allowFailure: Bool = false) throws -> ProcessOutput
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.currentDirectoryURL = root
    var merged = ProcessInfo.processInfo.environment
    merged["SSH_AUTH_SOCK"] = nil
    merged["LC_ALL"] = "C"
    merged.merge(environment) { $1 }
    process.environment = merged
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    stdin.fileHandleForWriting.write(input ?? Data())
    try stdin.fileHandleForWriting.close()
    // Read before waiting, or a chatty command fills the pipe and never exits.
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let result = ProcessOutput(
      status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
      stderr: String(decoding: err, as: UTF8.self))
    if !allowFailure && result.status != 0 {
      Issue.record("\(program) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return result
  }

  /// A script that prints `passphrase`, for `SSH_ASKPASS`: how ssh-add is given a passphrase without a terminal.
  func askpass(_ passphrase: String) throws -> [String: String] {
    let script = try write("askpass-\(UUID().uuidString.prefix(8))", "#!/bin/sh\necho '\(passphrase)'\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
    return ["SSH_ASKPASS": script.path, "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"]
  }
}

struct ProcessOutput {
  let status: Int32
  let stdout: String
  let stderr: String
}

/// A real `ssh-agent` started for one test, listening on a socket in the bench's directory. `stop()` ends it (and
/// only it, by its own process); call it with `defer` so a failing test does not leave an agent behind.
final class RunningAgent {
  let socket: String
  private let process: Process

  init(in bench: KeyBench) throws {
    socket = bench.url("agent.sock").path
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    // -D: stay in the foreground, so the process we started is the agent and terminating it ends it.
    process.arguments = ["ssh-agent", "-D", "-a", socket]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(10)
    while !FileManager.default.fileExists(atPath: socket) {
      guard Date() < deadline, process.isRunning else {
        process.terminate()
        throw AgentDidNotStart()
      }
      usleep(10_000)
    }
  }

  var environment: [String: String] { ["SSH_AUTH_SOCK": socket] }

  /// `ssh-add FILE` against this agent.
  func add(_ key: URL, bench: KeyBench, extraEnvironment: [String: String] = [:], options: [String] = []) throws {
    try bench.runProgram("ssh-add", ["-q"] + options + [key.path], environment: environment.merging(extraEnvironment) {
      $1
    })
  }

  /// SIGKILL, not SIGTERM: a child started from one of Swift's worker threads inherits their blocked signal mask,
  /// and ssh-agent keeps that mask while it waits, so SIGTERM would stay pending for ever.
  func stop() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  deinit {
    stop()
  }

  struct AgentDidNotStart: Error {}
}

/// `#expect(throws:)` for a `SigningError` case, comparing the whole value.
func expectSigningError(_ expected: SigningError, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void)
{
  do {
    try body()
    Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as SigningError {
    #expect(error == expected, sourceLocation: sourceLocation)
  } catch {
    Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
  }
}

/// The `SigningError` that `body` throws, or a recorded issue when it throws nothing or something else.
func signingError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> SigningError? {
  do {
    try body()
    Issue.record("expected a SigningError, nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as SigningError {
    return error
  } catch {
    Issue.record("expected a SigningError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}
