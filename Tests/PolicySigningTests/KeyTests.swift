import Foundation
import Testing

@testable import PolicySigning

@Suite("OpenSSH keys: what ssh-keygen writes, we read the same way")
struct KeyTests {
  @Test("fingerprints are exactly what ssh-keygen -lf prints")
  func fingerprints() throws {
    let bench = try KeyBench()
    for index in 0..<5 {
      let file = try bench.makeKey("key\(index)")
      let listed = try bench.run("ssh-keygen", "-lf", file.path + ".pub").stdout
      // "256 SHA256:… comment (ED25519)"
      let theirs = listed.split(separator: " ")[1]
      #expect(try bench.publicKey(file).fingerprint == String(theirs))
      #expect(try SSHPrivateKey(contentsOf: file).publicKey.fingerprint == String(theirs))
    }
  }

  @Test("a .pub line parses into its blob and comment and prints back unchanged")
  func publicKeyLine() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id", comment: "anna@kommune.example")
    let line = try String(contentsOf: file.appendingPathExtension("pub"), encoding: .utf8)
    let key = try SSHPublicKey(line: line)
    #expect(key.openSSHLine + "\n" == line)
    #expect(key.comment == "anna@kommune.example")
    #expect(key.algorithm == "ssh-ed25519")
    #expect(key.blob.count == 51, "string \"ssh-ed25519\" (4 + 11) and string key (4 + 32)")
    #expect(try SSHPublicKey(blob: key.blob) == key)
    #expect(try SSHPublicKey(line: "  \(key.algorithm)\t\(key.base64)  ") == key, "whitespace around fields")
  }

  @Test("equality and hashing go by the key, not by the comment")
  func equalityByBlob() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id")
    let key = try bench.publicKey(file)
    let relabelled = try SSHPublicKey(line: "ssh-ed25519 \(key.base64) somebody-else@example")
    #expect(relabelled == key)
    #expect(Set([key, relabelled]).count == 1)
    #expect(try bench.publicKey(try bench.makeKey("other")) != key)
  }

  @Test("RSA and ECDSA keys are recognised and refused by name")
  func otherKeyTypes() throws {
    let bench = try KeyBench()
    let ecdsa = try bench.makeKey("ecdsa", type: "ecdsa")
    let line = try String(contentsOf: ecdsa.appendingPathExtension("pub"), encoding: .utf8)
    let error = signingError { _ = try SSHPublicKey(line: line) }
    #expect(error == .unsupportedKeyType("ECDSA (ecdsa-sha2-nistp256)"))
    #expect(error?.errorDescription?.contains("ssh-keygen -t ed25519") == true)
    // The private key file is refused just as clearly.
    expectSigningError(.unsupportedKeyType("ECDSA (ecdsa-sha2-nistp256)")) { _ = try SSHPrivateKey(contentsOf: ecdsa) }
    expectSigningError(.unsupportedKeyType("RSA (ssh-rsa)")) {
      _ = try SSHPublicKey(line: "ssh-rsa AAAAB3NzaC1yc2E= x")
    }
  }

  @Test("damaged public keys are refused as malformed, with a reason")
  func malformedPublicKeys() throws {
    let bench = try KeyBench()
    let key = try bench.publicKey(try bench.makeKey("id"))
    let cases = [
      "",
      "ssh-ed25519",
      "ssh-ed25519 !!!not-base64!!!",
      "ssh-ed25519 \(key.blob.dropLast().base64EncodedString())",
      "ssh-ed25519 \((key.blob + Data([0])).base64EncodedString())",
      "ssh-foo \(key.base64)",
    ]
    for line in cases {
      let error = signingError { _ = try SSHPublicKey(line: line) }
      guard case .malformedPublicKey = error else {
        Issue.record("\"\(line)\": expected malformedPublicKey, got \(String(describing: error))")
        continue
      }
    }
    // A blob that says it is ssh-rsa inside an ssh-ed25519 line.
    var writer = WireWriter()
    writer.string("ssh-rsa")
    writer.string(Data(count: 32))
    expectSigningError(.unsupportedKeyType("RSA (ssh-rsa)")) {
      _ = try SSHPublicKey(line: "ssh-ed25519 \(writer.data.base64EncodedString())")
    }
  }

  @Test("an unencrypted private key loads, and its public half is the .pub file's key")
  func privateKey() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id", comment: "bo@kommune.example")
    let key = try SSHPrivateKey(contentsOf: file)
    #expect(key.publicKey == (try bench.publicKey(file)))
    #expect(key.publicKey.comment == "bo@kommune.example")
    #expect(key.path == file.path)
    #expect(try SSHPrivateKey.publicKey(ofKeyFileAt: file) == key.publicKey)
  }

  @Test("a passphrase-protected key is refused with advice to use ssh-agent, but its public half is readable")
  func encryptedPrivateKey() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("protected", passphrase: "hemmelig kode")
    let error = signingError { _ = try SSHPrivateKey(contentsOf: file) }
    #expect(error == .encryptedPrivateKey(path: file.path))
    #expect(error?.errorDescription?.contains("ssh-add \(file.path)") == true)
    #expect(try SSHPrivateKey.publicKey(ofKeyFileAt: file) == (try bench.publicKey(file)))
  }

  @Test("other files given as a private key are refused with what they are")
  func notPrivateKeys() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id")
    let pub = file.appendingPathExtension("pub")
    let error = signingError { _ = try SSHPrivateKey(contentsOf: pub) }
    let reason = "it is a public key; the private key is the file without .pub"
    #expect(error == .malformedPrivateKey(path: pub.path, reason: reason))
    let missing = bench.url("does-not-exist")
    guard case .unreadableKeyFile(let path, _) = signingError({ _ = try SSHPrivateKey(contentsOf: missing) }) else {
      Issue.record("a missing file must be unreadableKeyFile")
      return
    }
    #expect(path == missing.path)
    let text = try bench.write("notes.txt", "Mødereferat\n")
    guard case .malformedPrivateKey = signingError({ _ = try SSHPrivateKey(contentsOf: text) }) else {
      Issue.record("a text file must be malformedPrivateKey")
      return
    }
    // A PKCS#8 key as `openssl genpkey` writes it (OpenSSH 9.2 cannot read it either; this one is RFC 8410's
    // example): refused with what to do instead, also when named as a signing key.
    let pem = try bench.write("pkcs8.pem", """
      -----BEGIN PRIVATE KEY-----
      MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
      -----END PRIVATE KEY-----

      """)
    for error in [signingError { _ = try SSHPrivateKey(contentsOf: pem) },
      signingError { _ = try KeyResolver(environment: [:]).signer(named: pem.path) }]
    {
      guard case .malformedPrivateKey(_, let reason) = error else {
        Issue.record("a PEM key must be malformedPrivateKey, got \(String(describing: error))")
        continue
      }
      #expect(reason.contains("ssh-keygen -t ed25519"))
    }
  }

  @Test("a private key file whose bytes were changed is refused, never loaded as some other key")
  func damagedPrivateKey() throws {
    let bench = try KeyBench()
    let file = try bench.makeKey("id")
    let text = try String(contentsOf: file, encoding: .utf8)
    var blob = try #require(Armor.unwrap(text, begin: OpenSSHKeyFile.begin, end: OpenSSHKeyFile.end))
    let section = try OpenSSHKeyFile(text, path: "id").privateSection
    let start = blob.count - section.count
    // The private section: check numbers (8), type (4 + 11), public key (4 + 32), private key (4 + 64), comment
    // length (4), comment, padding. Every byte but the comment's text, which is a free label.
    let commentStart = start + 8 + 15 + 36 + 68 + 4
    let offsets = Array(start..<commentStart) + Array((commentStart + "member@kommune.example".utf8.count)..<blob.count)
    for offset in offsets {
      blob[offset] ^= 0x01
      let damaged = ([OpenSSHKeyFile.begin] + Armor.wrap(blob, width: 70) + [OpenSSHKeyFile.end])
        .joined(separator: "\n")
      blob[offset] ^= 0x01
      let error = signingError { _ = try SSHPrivateKey(fileContents: damaged, path: "damaged") }
      guard case .malformedPrivateKey(let path, _) = error else {
        Issue.record("offset \(offset): \(String(describing: error))")
        continue
      }
      #expect(path == "damaged")
    }
  }
}
