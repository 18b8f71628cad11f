import Foundation
import GRDB

/// How the index stores a time: whole milliseconds since 1970 as an INTEGER.
///
/// GRDB's default for `Date` is text (`yyyy-MM-dd HH:mm:ss.SSS`) written by a Foundation `DateFormatter` and read
/// back through a Gregorian calendar: both start ICU, which cost ≈ 3 ms of every write and 6 % of `status --json`
/// at 1,000 sections (perf, 2026-12-01). The times come from git (whole seconds) or from the event log (rounded
/// to milliseconds before hashing), so milliseconds lose nothing. One home for the conversion: records encode
/// through `IndexRecord`, rows decode through `Row.decodeTime`, raw statements bind `IndexTime.value`.
public enum IndexTime {
  public static func value(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
  public static func value(_ date: Date?) -> Int64? { date.map { value($0) } }
  public static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

  /// SQL turning a column GRDB wrote as text into milliseconds (the index v6 migration's conversion).
  static func fromGRDBText(_ column: String) -> String {
    "CAST(strftime('%s', substr(\(column), 1, 19)) AS INTEGER) * 1000 + CAST(substr(\(column) || '.000', 21, 3) AS INTEGER)"
  }
}

/// A record of the index whose `Date` properties are stored as `IndexTime` milliseconds.
public protocol IndexRecord: EncodableRecord {}

extension IndexRecord {
  public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
    .custom { IndexTime.value($0) }
  }
}

extension Row {
  /// A time column written by `IndexTime`.
  func decodeTime(forColumn column: String) throws -> Date {
    IndexTime.date(try decode(Int64.self, forColumn: column))
  }

  func decodeTimeIfPresent(forColumn column: String) throws -> Date? {
    try decode(Int64?.self, forColumn: column).map(IndexTime.date)
  }
}
