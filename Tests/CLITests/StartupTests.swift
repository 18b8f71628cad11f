import Foundation
import Testing

/// The built binary carries libgit2, libssh2, mbedTLS, libcrypto, libsodium and cmark-gfm inside (Package.swift links
/// their archives), and libgit2's start-up there skips the system CA bundle (Clibgit2Startup). Asked from outside: of the
/// dynamic linker (glibc's LD_DEBUG, which lists every shared library it loads) and of the kernel (strace, which
/// sees every file the process opens), not of our code.
@Suite("start-up")
struct StartupTests {
  @Test("status loads none of the C libraries as shared libraries")
  func cLibrariesAreInTheBinary() throws {
    let w = try TemplateWorkspace()
    let run = try w.pf(["status"], as: nil, environment: ["LD_DEBUG": "libs"])
    #expect(run.status == 0, "status failed: \(run.stderr.suffix(400))")
    let loaded = run.stderr.split(separator: "\n").filter { $0.contains("calling init:") }
    #expect(loaded.contains { $0.contains("libc.so") }, "LD_DEBUG listed nothing: \(run.stderr.prefix(400))")
    for library in ["libgit2", "libssh2", "libmbed", "libcrypto", "libsodium", "libcmark", "libhttp_parser", "libpcre2"] {
      #expect(!loaded.contains { $0.contains(library) }, "\(library) was loaded as a shared library: \(loaded)")
    }
  }

  @Test("a command that opens no connection does not read the system's certificate bundle")
  func certificateBundleIsNotRead() throws {
    let bundle = "/etc/ssl/certs/ca-certificates.crt"
    try #require(FileManager.default.fileExists(atPath: bundle), "the test needs Debian's ca-certificates")
    let w = try TemplateWorkspace()
    let trace = w.scratch.url.appendingPathComponent("openat.trace")
    let run = try CLI.run(
      "/usr/bin/strace", ["-f", "-e", "trace=openat,open", "-o", trace.path, CLI.binary.path, "status"], in: w.root)
    #expect(run.status == 0, "status under strace failed: \(run.stderr.suffix(400))")
    let opened = try String(contentsOf: trace, encoding: .utf8)
    #expect(opened.contains("policy.sqlite"), "strace saw no file of the workspace: \(opened.prefix(400))")
    #expect(!opened.contains(bundle), "status read the CA bundle")
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
