import PolicyGit

/// Follows a line range of one revision into the next, through the hunks of their diff, as GitHub and
/// Gerrit carry review comments: unchanged lines move with the text, changed lines leave the anchor
/// outdated.
enum LineAnchor {
  /// The range's place in the new text, or nil when any of its lines changed or text was inserted
  /// inside it. `hunks` must come from a diff with zero context lines.
  static func follow(_ range: ClosedRange<Int>, through hunks: [DiffHunk]) -> ClosedRange<Int>? {
    var shift = 0
    for hunk in hunks {
      if hunk.oldLines == 0 {
        // Pure insertion after old line `oldStart`.
        if hunk.oldStart < range.lowerBound {
          shift += hunk.newLines
        } else if hunk.oldStart < range.upperBound {
          return nil
        }
      } else {
        let oldEnd = hunk.oldStart + hunk.oldLines - 1
        if oldEnd < range.lowerBound {
          shift += hunk.newLines - hunk.oldLines
        } else if hunk.oldStart <= range.upperBound {
          return nil
        }
      }
    }
    return (range.lowerBound + shift)...(range.upperBound + shift)
  }
}
