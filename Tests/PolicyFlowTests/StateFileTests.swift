import Foundation
import Testing

@testable import PolicyFlow

@Suite("state files in .policyflow/ are replaced whole")
struct StateFileTests {
  @Test("a new file, then a shorter one over it: the new content exactly, no temporary file left")
  func replacesWhole() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("statefile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("sync-origin.times")
    try StateFile.replace(file, with: Data("fetch 1764662400.5\nsync 1764662401.25\n".utf8))
    try StateFile.replace(file, with: Data("sync 2\n".utf8))
    #expect(try String(contentsOf: file, encoding: .utf8) == "sync 2\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["sync-origin.times"])
  }

  @Test("a folder that does not exist: an error, and nothing written")
  func missingFolder() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("statefile-\(UUID().uuidString)/x")
    #expect(throws: POSIXError.self) { try StateFile.replace(file, with: Data("x".utf8)) }
    #expect(!FileManager.default.fileExists(atPath: file.deletingLastPathComponent().path))
  }
}
