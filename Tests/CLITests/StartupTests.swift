import Foundation
import Testing

/// The built binary binds libgit2's CA-bundle loader to policyflow's own start-up shim (Clibgit2Startup), so a
/// command does not parse the system's certificates. Asked of the dynamic linker itself (glibc's LD_DEBUG), not
/// of our code: if the export flag is dropped from Package.swift, libgit2 binds to mbedTLS and this fails.
@Suite("start-up")
struct StartupTests {
  @Test("libgit2's call to mbedtls_x509_crt_parse_file binds to the policyflow executable")
  func certificateLoaderBindsToExecutable() throws {
    let w = try TemplateWorkspace()
    let run = try w.pf(["status"], as: nil, environment: ["LD_DEBUG": "bindings"])
    #expect(run.status == 0, "status failed: \(run.stderr.suffix(400))")
    let bindings = run.stderr.split(separator: "\n").filter {
      $0.contains("libgit2") && $0.contains("`mbedtls_x509_crt_parse_file'")
    }
    #expect(bindings.count == 1, "expected one binding, got: \(bindings)")
    #expect(bindings.first.map { $0.contains("to \(CLI.binary.path)") || $0.contains("/policyflow [") } == true,
      "bound elsewhere: \(bindings)")
  }
}

/// Reading commands leave the database and its write-ahead log byte for byte as they were. GRDB's pool wrote a
/// table into the database whenever it found no -wal file, and SQLite deleted that file on close, so every command
/// used to be a write transaction with its fsyncs; the store uses one plain connection now, and a write leaves its
/// log for the next command instead of checkpointing it at close (StoreTests covers the size limit).
@Suite("reads do not write")
struct ReadsDoNotWriteTests {
  static func bytes(_ w: TemplateWorkspace) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in ["policy.sqlite", "policy.sqlite-wal"] {
      let url = w.root.appendingPathComponent(".policyflow/\(name)")
      files[name] = FileManager.default.fileExists(atPath: url.path) ? try Data(contentsOf: url) : Data("absent".utf8)
    }
    return files
  }

  @Test("status, show, log, comments, audit, req coverage and verify change no byte of the database")
  func readingCommandsWriteNothing() throws {
    let w = try TemplateWorkspace()
    let text = try w.templateText("forord") + "\nEt nyt afsnit.\n"
    #expect(try w.pf(["submit", "forord", w.scratch.file("forord.md", text).path, "-m", "Forord"], as: "anne-bif").status == 0)
    #expect(try w.pf(["comment", "forord", "--line", "1", "-m", "Godt"], as: "soren-biu").status == 0)
    let before = try Self.bytes(w)
    #expect(before["policy.sqlite-wal"].map { $0 != Data("absent".utf8) && !$0.isEmpty } == true,
      "a small write leaves its log for the next command instead of checkpointing it at close")
    for command in [
      ["status"], ["status", "--json"], ["show", "forord"], ["log", "forord"], ["comments", "forord"], ["audit"],
      ["req", "coverage"], ["verify"], ["diff", "forord", "--from", "0", "--to", "1"],
    ] {
      let run = try w.pf(command, as: "anne-bif")
      #expect(run.status == 0, "\(command): \(run.stderr)")
      #expect(try Self.bytes(w) == before, "\(command.joined(separator: " ")) wrote to the database")
    }
  }
}
