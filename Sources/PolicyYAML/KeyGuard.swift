/// A pre-parse scan that refuses complex mapping keys before Yams ever sees the text.
///
/// Why: while composing, Yams hashes every mapping key to detect duplicates, and hashing a
/// collection walks it completely, following aliases each time. A key that is an alias of a nested
/// "billion laughs" structure therefore makes Yams itself run for hours, before any node count
/// of ours could stop it. Aliases in *value* position are harmless to Yams (the aliased node's
/// storage is shared) and are bounded afterwards by ``YAMLLoader``'s node count.
///
/// No policyflow file needs a key that is not plain text, so the scan rejects every way of writing
/// one: an explicit key (`? key`), an alias used as a key (`*name: value`) and a flow list or
/// mapping used as a key (`[a, b]: value`). It understands just enough YAML to avoid false alarms
/// in quoted text, comments and block scalars (`|`, `>`), where Markdown guidance lives.
struct KeyGuard {
  struct Violation: Equatable {
    var line: Int
    var message: String
  }

  private let bytes: [UInt8]

  init(_ text: String) {
    bytes = Array(text.utf8)
  }

  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  /// The first complex key in the text, if any.
  func firstViolation() -> Violation? {
    // Split into lines (without terminators); the scan keeps a little state across lines.
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == Self.newline {
      lines.append(bytes[start..<index])
      start = index + 1
    }
    lines.append(bytes[start..<bytes.count])

    var inDoubleQuote = false
    var inSingleQuote = false
    var flowDepth = 0
    var tokenStart = true
    var blockScalarThreshold: Int?

    for (lineIndex, rawLine) in lines.enumerated() {
      let lineNumber = lineIndex + 1
      var line = Array(rawLine)
      if line.last == Self.carriageReturn { line.removeLast() }
      let indent = line.prefix { $0 == Self.space }.count
      let isBlank = line.allSatisfy { $0 == Self.space || $0 == Self.tab }

      if let threshold = blockScalarThreshold {
        if isBlank || indent > threshold { continue }
        blockScalarThreshold = nil
      }
      if !inDoubleQuote && !inSingleQuote && flowDepth == 0 { tokenStart = true }

      var nodeColumn = indent  // the column of the key or `-` that owns a block scalar on this line
      var candidateColumn = indent  // where the current plain or quoted scalar began
      var previousWasSpace = true
      var position = 0

      func isBreak(_ at: Int) -> Bool {
        at >= line.count || line[at] == Self.space || line[at] == Self.tab
      }
      func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
          || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
      }
      func nextNonSpace(after at: Int) -> UInt8? {
        var cursor = at
        while cursor < line.count, line[cursor] == Self.space || line[cursor] == Self.tab { cursor += 1 }
        return cursor < line.count ? line[cursor] : nil
      }

      scan: while position < line.count {
        let byte = line[position]
        defer { position += 1 }

        if inDoubleQuote {
          if byte == UInt8(ascii: "\\") {
            position += 1
          } else if byte == UInt8(ascii: "\"") {
            inDoubleQuote = false
          }
          previousWasSpace = false
          continue
        }
        if inSingleQuote {
          if byte == UInt8(ascii: "'") {
            if position + 1 < line.count, line[position + 1] == UInt8(ascii: "'") {
              position += 1
            } else {
              inSingleQuote = false
            }
          }
          previousWasSpace = false
          continue
        }
        if byte == Self.space || byte == Self.tab {
          previousWasSpace = true
          continue
        }
        if byte == UInt8(ascii: "#") && previousWasSpace { break scan }
        defer { previousWasSpace = false }

        if flowDepth > 0 || tokenStart {
          if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
            flowDepth += 1
            tokenStart = true
            continue
          }
        }
        if flowDepth > 0 {
          if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
            flowDepth -= 1
            tokenStart = false
            if nextNonSpace(after: position + 1) == UInt8(ascii: ":") {
              return Violation(
                line: lineNumber,
                message: "a list or mapping cannot be used as a mapping key; keys must be plain text")
            }
            continue
          }
          if byte == UInt8(ascii: ",") {
            tokenStart = true
            continue
          }
        }

        if tokenStart {
          switch byte {
          case UInt8(ascii: "\""):
            inDoubleQuote = true
            candidateColumn = position
            tokenStart = false
          case UInt8(ascii: "'"):
            inSingleQuote = true
            candidateColumn = position
            tokenStart = false
          case UInt8(ascii: "-") where isBreak(position + 1) && flowDepth == 0:
            nodeColumn = position
          case UInt8(ascii: "?") where isBreak(position + 1) || (flowDepth > 0 && position + 1 < line.count
            && isFlowIndicator(line[position + 1])):
            return Violation(
              line: lineNumber,
              message: "explicit mapping keys (`? key`) are not supported; write `key: value` instead")
          case UInt8(ascii: "*"):
            var cursor = position + 1
            while cursor < line.count, !isBreak(cursor), !isFlowIndicator(line[cursor]) { cursor += 1 }
            // A `:` right after the name is part of an alias name only in theory; libyaml ends it.
            let name = line[(position + 1)..<cursor]
            let trimmedName = name.last == UInt8(ascii: ":") ? name.dropLast() : name
            let after = name.last == UInt8(ascii: ":") ? UInt8(ascii: ":") : nextNonSpace(after: cursor)
            if after == UInt8(ascii: ":") {
              let label = String(decoding: trimmedName, as: UTF8.self)
              return Violation(
                line: lineNumber,
                message: "an alias (`*\(label)`) cannot be used as a mapping key; keys must be plain text")
            }
            position = cursor - 1
            tokenStart = false
          case UInt8(ascii: "&"), UInt8(ascii: "!"):
            // An anchor or a tag: the node itself follows.
            while position + 1 < line.count, !isBreak(position + 1) { position += 1 }
          case UInt8(ascii: "|") where flowDepth == 0, UInt8(ascii: ">") where flowDepth == 0:
            blockScalarThreshold = nodeColumn
            break scan
          default:
            candidateColumn = position
            tokenStart = false
          }
          continue
        }

        // Inside a plain scalar, or after a complete node: only `: ` starts something new.
        if byte == UInt8(ascii: ":") {
          let followedByBreak = isBreak(position + 1)
            || (flowDepth > 0 && position + 1 < line.count && isFlowIndicator(line[position + 1]))
          if followedByBreak {
            nodeColumn = candidateColumn
            tokenStart = true
          }
        }
      }
    }
    return nil
  }
}
