import Foundation
import PolicyGit
import PolicySigning
import Testing

@testable import PolicyFlow

/// The verifier thread and the applying thread share the verifications (`SignaturesAhead`): whoever verifies a
/// commit, each outcome is the one a verification on the spot gives, handed out once.
@Suite("signatures verified ahead: the same outcomes as on the spot, each taken once")
struct SignaturesAheadTests {
  @Test("good, changed and missing signatures, taken in order, out of order, twice and unknown")
  func outcomes() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ahead-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let keyFile = directory.appendingPathComponent("id")
    let keygen = Process()
    keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
    keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-f", keyFile.path]
    try keygen.run()
    keygen.waitUntilExit()
    #expect(keygen.terminationStatus == 0)
    let key = try SSHPrivateKey(contentsOf: keyFile)

    // Every third commit's signed data is changed after signing; every seventh has no signature.
    let count = 60
    var commits: [ObjectID] = []
    var signed: [(signature: String, signedData: Data)?] = []
    for index in 0..<count {
      commits.append(ObjectID(hex: String(format: "%040x", index + 1))!)
      let message = Data("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nHandling \(index)\n".utf8)
      if index % 7 == 0 {
        signed.append(nil)
        continue
      }
      let signature = try SSHSignature.sign(message: message, namespace: SSHSignature.gitNamespace, with: key)
      signed.append((signature, index % 3 == 0 ? message + Data("ændret".utf8) : message))
    }
    func expected(_ index: Int) -> String {
      guard let pair = signed[index] else { return "none" }
      return describe(Workspace.checkSignature(pair))
    }
    #expect(expected(1) == "signed \(key.publicKey.fingerprint)")
    #expect(expected(3).hasPrefix("invalid"))

    let ahead = SignaturesAhead(verifierThread: true)
    for index in 0..<count { ahead.add(commits[index], signed: signed[index]) }
    ahead.add(commits[3], signed: nil)  // added twice: the first stands
    ahead.finishAdding()
    // The applying thread asks for a late commit first (it verifies it itself or waits for it), then all in order.
    #expect(describe(ahead.take(commits[count - 2])) == expected(count - 2))
    for index in 0..<count where index != count - 2 {
      #expect(describe(ahead.take(commits[index])) == expected(index), "commit \(index)")
    }
    #expect(ahead.take(commits[5]) == nil, "an outcome is taken once")
    #expect(ahead.take(ObjectID(hex: String(repeating: "f", count: 40))!) == nil)
    ahead.waitForAll()
  }

  @Test("a catch-up that stops early: waitForAll returns with nothing taken")
  func stopsEarly() throws {
    let commits = (1...40).map { ObjectID(hex: String(format: "%040x", $0))! }
    let ahead = SignaturesAhead(verifierThread: true)
    for commit in commits { ahead.add(commit, signed: ("not a signature", Data("x".utf8))) }
    ahead.finishAdding()
    #expect(describe(ahead.take(commits[20])).hasPrefix("invalid"))
    ahead.waitForAll()
  }

  @Test("the walk fails half way: waitForAll stops the verifier that waits for more, nothing is taken")
  func walkStopsHalfWay() throws {
    let ahead = SignaturesAhead(verifierThread: true)
    for value in 1...20 { ahead.add(ObjectID(hex: String(format: "%040x", value))!, signed: ("x", Data())) }
    ahead.waitForAll()  // without finishAdding: a thread waiting for more commits must be woken and end
  }

  @Test("fewer commits than a thread is worth, or one core: no thread, the applying thread verifies each itself")
  func withoutThread() throws {
    for thread in [true, false] {
      let ahead = SignaturesAhead(verifierThread: thread)
      let commits = (1...3).map { ObjectID(hex: String(format: "%040x", $0))! }
      for commit in commits { ahead.add(commit, signed: ("not a signature", Data("x".utf8))) }
      ahead.finishAdding()
      for commit in commits { #expect(describe(ahead.take(commit)).hasPrefix("invalid")) }
      ahead.waitForAll()
    }
  }

  private func describe(_ check: SignatureCheck?) -> String {
    switch check {
    case nil: return "none"
    case .unsigned: return "unsigned"
    case .invalid(let reason): return "invalid \(reason)"
    case .signed(let key): return "signed \(key.fingerprint)"
    }
  }
}
