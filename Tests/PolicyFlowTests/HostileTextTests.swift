import Foundation
import Testing

@testable import PolicyFlow

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh temporary directory per test, removed afterwards.
final class TemporaryDirectory {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("pf-unit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("invisible and bidirectional characters")
struct InvisibleCharacterTests {
  @Test("each is found with its line, column (in code points) and code point")
  func found() {
    let text = "Første linje.\nSkjult \u{202E}tekst\u{202C} og\u{200B}nul.\n\u{2066}x\u{2069}\u{FEFF}\u{2060}\u{00AD}\n"
    let found = SectionText.invisibleCharacters(in: text)
    #expect(found.map { "\($0.line):\($0.column):\($0.codePoint)" } == [
      "2:8:U+202E", "2:14:U+202C", "2:18:U+200B", "3:1:U+2066", "3:3:U+2069", "3:4:U+FEFF", "3:5:U+2060", "3:6:U+00AD",
    ])
    #expect(found[0].description == "line 2, column 8: U+202E RIGHT-TO-LEFT OVERRIDE")
  }

  @Test("ordinary Danish text, tabs, no-break spaces and emoji without joiners have none")
  func none() {
    #expect(SectionText.invisibleCharacters(in: "Æblegrød på Amager Fælled\u{00A0}– «citat» 👍\tog café\n").isEmpty)
    #expect(SectionText.invisibleCharacterWarning([], subject: "x") == nil)
  }

  @Test("the warning names section, revision, each place and how they are shown; long lists are cut")
  func warning() throws {
    let found = SectionText.invisibleCharacters(in: String(repeating: "a\u{200B}\n", count: 12))
    let warning = try #require(SectionText.invisibleCharacterWarning(found, subject: "section forord revision 2"))
    #expect(warning.hasPrefix("section forord revision 2 contains 12 invisible or bidirectional control characters"))
    #expect(warning.contains("line 1, column 2: U+200B ZERO WIDTH SPACE; line 2, column 2"))
    #expect(warning.contains("; and 2 more."))
    #expect(warning.contains("shown as <U+XXXX>"))
  }

  @Test("shown for a terminal as <U+XXXX>, everything else unchanged")
  func shown() {
    #expect(SectionText.showingInvisibleCharacters("a\u{202E}b\u{200D}c ø\n") == "a<U+202E>b<U+200D>c ø\n")
    #expect(SectionText.showingInvisibleCharacters("ingen\n") == "ingen\n")
  }
}

@Suite("template texts are validated like submissions")
struct TemplateTextTests {
  func write(_ data: Data, in directory: TemporaryDirectory, name: String = "forord.md") throws -> URL {
    let sections = directory.url.appendingPathComponent("sections")
    try FileManager.default.createDirectory(at: sections, withIntermediateDirectories: true)
    let url = sections.appendingPathComponent(name)
    try data.write(to: url)
    return url
  }

  func expectRefused(_ url: URL, _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      _ = try SectionText.validateTemplateText(url: url, section: "forord")
      Issue.record("\(url.lastPathComponent) was accepted", sourceLocation: sourceLocation)
    } catch let error as PolicyFlowError {
      #expect(error.exitCode == 65, sourceLocation: sourceLocation)
      #expect(error.message.hasPrefix("section forord: "), "\(error.message)", sourceLocation: sourceLocation)
      #expect(error.message.contains(url.path), "\(error.message)", sourceLocation: sourceLocation)
      for part in parts {
        #expect(error.message.contains(part), "lacks \(part): \(error.message)", sourceLocation: sourceLocation)
      }
    } catch {
      Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test("good text comes back as a submission stores it: LF, NFC, no BOM, final newline")
  func normalised() throws {
    let directory = try TemporaryDirectory()
    let url = try write(Data("\u{FEFF}## Forord\r\nCafe\u{0301}".utf8), in: directory)
    #expect(try SectionText.validateTemplateText(url: url, section: "forord") == "## Forord\nCafé\n")
  }

  @Test("a missing file is an empty revision 0, an empty file too")
  func missingAndEmpty() throws {
    let directory = try TemporaryDirectory()
    #expect(try SectionText.validateTemplateText(url: directory.url.appendingPathComponent("sections/x.md"), section: "x") == "")
    #expect(try SectionText.validateTemplateText(url: try write(Data(), in: directory), section: "forord") == "")
  }

  @Test("NUL, ESC, invalid UTF-8 and over 1 MiB are refused, naming section, file and rule")
  func badContent() throws {
    let directory = try TemporaryDirectory()
    expectRefused(try write(Data("## Forord\nA\u{0}B\n".utf8), in: directory, name: "nul.md"), ["NUL byte at offset 11", "policyflow init"])
    expectRefused(try write(Data("## Forord\n\u{1B}[2Jryddet\n".utf8), in: directory, name: "esc.md"), ["control character U+001B on line 2"])
    expectRefused(try write(Data([0x23, 0x20, 0xF8, 0x0A]), in: directory, name: "latin1.md"), ["not valid UTF-8", "offset 2"])
    let huge = Data(repeating: UInt8(ascii: "a"), count: SectionText.maximumBytes + 1)
    expectRefused(try write(huge, in: directory, name: "huge.md"), ["1048577 bytes", "over the limit"])
  }

  @Test("a symbolic link is refused and not followed, also a dangling one and a linked sections folder")
  func symlinks() throws {
    let directory = try TemporaryDirectory()
    let sections = directory.url.appendingPathComponent("sections")
    try FileManager.default.createDirectory(at: sections, withIntermediateDirectories: true)
    let link = sections.appendingPathComponent("forord.md")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/passwd")
    expectRefused(link, ["is a symbolic link to /etc/passwd", "ordinary files"])
    let dangling = sections.appendingPathComponent("dangling.md")
    try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "/nonexistent/x.md")
    expectRefused(dangling, ["symbolic link"])

    let other = try TemporaryDirectory()
    _ = try write(Data("## Hemmelig\n".utf8), in: other)
    let template = try TemporaryDirectory()
    try FileManager.default.createSymbolicLink(
      atPath: template.url.appendingPathComponent("sections").path, withDestinationPath: other.url.appendingPathComponent("sections").path)
    expectRefused(template.url.appendingPathComponent("sections/forord.md"), ["which is a symbolic link"])
  }

  @Test("a folder or a FIFO in the text's place is refused without blocking")
  func notRegular() throws {
    let directory = try TemporaryDirectory()
    let sections = directory.url.appendingPathComponent("sections")
    try FileManager.default.createDirectory(at: sections.appendingPathComponent("mappe.md"), withIntermediateDirectories: true)
    expectRefused(sections.appendingPathComponent("mappe.md"), ["is a folder"])
    let fifo = sections.appendingPathComponent("fifo.md")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    expectRefused(fifo, ["not an ordinary file"])
  }
}

@Suite("release names")
struct ReleaseNameTests {
  @Test("names git refuses or that confuse are usage errors naming the reason", arguments: [
    ("HEAD", "git's own names"), ("head", "git's own names"), ("FETCH_HEAD", "git's own names"),
    ("x.lock", "ends in '.lock'"), ("a.", "ends in '.'"), ("-x", "starts with '-'"), ("a..b", "contains '..'"),
    ("../../evil", "contains '..'"), ("", "is empty"), ("a b", "other characters"), ("a@{1}", "other characters"),
    ("æøå", "other characters"), (String(repeating: "a", count: 65), "longer than 64"), ("a/b", "other characters"),
    ("@", "git's own names"),
  ])
  func refused(_ name: String, _ reason: String) {
    do {
      try ReleaseName.validate(name)
      Issue.record("`\(name)` was accepted")
    } catch let error as PolicyFlowError {
      #expect(error.exitCode == 64)
      #expect(error.message.hasPrefix("release name `\(name)` is not allowed: "), "\(error.message)")
      #expect(error.message.contains(reason), "\(error.message)")
      #expect(error.message.contains("Nothing was written."))
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test("ordinary names pass", arguments: ["2023-hoering", "v1.0", "Endelig_udgave", "2026", "a.b-c_d"])
  func accepted(_ name: String) throws {
    try ReleaseName.validate(name)
  }
}

@Suite("workspace lock: bounded wait, named holder", .serialized)
struct WorkspaceLockTests {
  @Test("POLICYFLOW_LOCK_TIMEOUT: default 30 s, seconds with fractions, refused when not a number")
  func timeoutSetting() throws {
    #expect(try WorkspaceLock.timeout(environment: [:]) == 30)
    #expect(try WorkspaceLock.timeout(environment: ["POLICYFLOW_LOCK_TIMEOUT": " 2.5 "]) == 2.5)
    #expect(try WorkspaceLock.timeout(environment: ["POLICYFLOW_LOCK_TIMEOUT": "0"]) == 0)
    for bad in ["abc", "-1", "inf", "nan"] {
      #expect(throws: PolicyFlowError.self) { try WorkspaceLock.timeout(environment: ["POLICYFLOW_LOCK_TIMEOUT": bad]) }
    }
  }

  @Test("the holder's record reads as one line; control characters in it are dropped")
  func holderDescription() {
    #expect(
      WorkspaceLock.holder(description: "pid: 42\ncommand: policyflow submit forord\nuser: anne\nhost: pc-7\nsince: 2026-05-02T10:31:02Z\n")
        == "pid 42: policyflow submit forord, user anne on pc-7, since 2026-05-02T10:31:02Z")
    #expect(WorkspaceLock.holder(description: "pid: 7\ncommand: x\u{1B}[2Jy\n") == "pid 7: x[2Jy")
    #expect(WorkspaceLock.holder(description: "") == nil)
    #expect(WorkspaceLock.holder(description: "garbage") == nil)
  }

  @Test("a second lock waits, reports the holder after about a second, and gives up with 75 at the timeout")
  func heldLock() throws {
    let directory = try TemporaryDirectory()
    let path = directory.url.appendingPathComponent("lock")
    let first = try WorkspaceLock(path: path, environment: [:])
    let recorded = try String(contentsOf: path, encoding: .utf8)
    #expect(recorded.hasPrefix("pid: \(getpid())\ncommand: "))
    #expect(recorded.contains("\nuser: "))
    final class Reports: @unchecked Sendable { var lines: [String] = [] }
    let reports = Reports()
    let started = Date()
    do {
      _ = try WorkspaceLock(path: path, environment: ["POLICYFLOW_LOCK_TIMEOUT": "1.5"]) { reports.lines.append($0) }
      Issue.record("took a lock that is held")
    } catch let error as PolicyFlowError {
      #expect(error.exitCode == 75)
      #expect(error.message.contains("another policyflow command (pid \(getpid())"), "\(error.message)")
      #expect(error.message.contains("for more than 1.5 s"), "\(error.message)")
      #expect(error.message.contains("nothing was changed"))
    }
    let waited = Date().timeIntervalSince(started)
    #expect(waited >= 1.5 && waited < 5, "waited \(waited) s")
    #expect(reports.lines.count == 1, "\(reports.lines)")
    #expect(reports.lines.first?.hasPrefix("waiting for the workspace lock, held by pid \(getpid())") == true)
    withExtendedLifetime(first) {}
  }

  @Test("once the holder lets go the waiter gets the lock, and the holder's record is cleared")
  func released() throws {
    let directory = try TemporaryDirectory()
    let path = directory.url.appendingPathComponent("lock")
    final class Holder: @unchecked Sendable { var lock: WorkspaceLock? }
    let holder = Holder()
    holder.lock = try WorkspaceLock(path: path, environment: [:])
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { holder.lock = nil }
    let second = try WorkspaceLock(path: path, environment: ["POLICYFLOW_LOCK_TIMEOUT": "10"]) { _ in }
    #expect(holder.lock == nil)
    #expect(try String(contentsOf: path, encoding: .utf8).hasPrefix("pid: \(getpid())"))
    withExtendedLifetime(second) {}
  }
}
