import Clibgit2
import Foundation

extension Repository {
  /// Unified diff text of two blobs via git_diff_blobs / git_patch_from_buffers, with a/ b/ paths and `contextLines`.
  ///
  /// Works on buffers, so neither version has to be stored first. The text includes git's `diff --git` and
  /// `index` header lines; empty when the contents are equal. Binary contents (NUL bytes) give git's
  /// "Binary files … differ" line instead of hunks.
  public func unifiedDiff(old: Data, new: Data, oldPath: String, newPath: String, contextLines: Int = 3) throws
    -> String
  {
    let operation = "diff \(oldPath) → \(newPath)"
    return try withPatch(old: old, new: new, oldPath: oldPath, newPath: newPath, contextLines: contextLines,
      operation)
    { patch in
      var buffer = git_buf()
      try check(git_patch_to_buf(&buffer, patch), operation)
      defer { git_buf_dispose(&buffer) }
      guard let pointer = buffer.ptr else { return "" }
      return String(decoding: UnsafeRawBufferPointer(start: pointer, count: buffer.size), as: UTF8.self)
    }
  }

  /// Structured hunks (same engine) for re-anchoring line comments; contextLines default 0 is fine for that use.
  ///
  /// The "\ No newline at end of file" markers are not lines of either text and are left out.
  public func diffHunks(old: Data, new: Data, contextLines: Int = 0) throws -> [DiffHunk] {
    let operation = "diff hunks"
    return try withPatch(old: old, new: new, oldPath: "file", newPath: "file", contextLines: contextLines, operation)
    { patch in
      try (0..<git_patch_num_hunks(patch)).map { hunkIndex in
        var hunk: UnsafePointer<git_diff_hunk>?
        var lineCount = 0
        try check(git_patch_get_hunk(&hunk, &lineCount, patch, hunkIndex), operation)
        let lines = try (0..<lineCount).compactMap { lineIndex -> DiffLine? in
          var line: UnsafePointer<git_diff_line>?
          try check(git_patch_get_line_in_hunk(&line, patch, hunkIndex, lineIndex), operation)
          return DiffLine(line!.pointee)
        }
        return DiffHunk(hunk!.pointee, lines: lines)
      }
    }
  }

  private func withPatch<T>(old: Data, new: Data, oldPath: String, newPath: String, contextLines: Int,
    _ operation: String, _ body: (OpaquePointer) throws -> T) throws -> T
  {
    guard contextLines >= 0, contextLines <= Int(UInt32.max) else {
      throw GitError.invalid(operation, "context lines must be non-negative")
    }
    var options = git_diff_options()
    try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
    options.context_lines = UInt32(contextLines)
    // The patch points into the buffers rather than copying them, so it must be used and freed while they are lent.
    return try withBytes(of: old) { oldBytes, oldCount in
      try withBytes(of: new) { newBytes, newCount in
        var patch: OpaquePointer?
        try check(
          git_patch_from_buffers(&patch, oldBytes, oldCount, oldPath, newBytes, newCount, newPath, &options),
          operation)
        defer { git_patch_free(patch) }
        return try body(patch!)
      }
    }
  }
}

extension DiffLine {
  /// nil for the end-of-file newline markers, which libgit2 reports as pseudo-lines.
  init?(_ line: git_diff_line) {
    let origin: Origin
    switch UInt8(bitPattern: line.origin) {
    case UInt8(ascii: " "): origin = .context
    case UInt8(ascii: "+"): origin = .addition
    case UInt8(ascii: "-"): origin = .deletion
    default: return nil
    }
    var count = line.content_len
    if count > 0, let content = line.content, content[count - 1] == CChar(UInt8(ascii: "\n")) {
      count -= 1
    }
    let text = line.content.map {
      String(decoding: UnsafeRawBufferPointer(start: $0, count: count), as: UTF8.self)
    } ?? ""
    self.init(
      origin: origin,
      oldLine: line.old_lineno > 0 ? Int(line.old_lineno) : nil,
      newLine: line.new_lineno > 0 ? Int(line.new_lineno) : nil,
      text: text)
  }
}

extension DiffHunk {
  init(_ hunk: git_diff_hunk, lines: [DiffLine]) {
    var raw = hunk
    let header = withUnsafeBytes(of: &raw.header) { bytes in
      String(decoding: bytes.prefix(min(hunk.header_len, bytes.count)), as: UTF8.self)
    }
    self.init(
      oldStart: Int(hunk.old_start), oldLines: Int(hunk.old_lines),
      newStart: Int(hunk.new_start), newLines: Int(hunk.new_lines),
      header: header.hasSuffix("\n") ? String(header.dropLast()) : header,
      lines: lines)
  }
}
