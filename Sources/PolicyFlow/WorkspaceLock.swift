import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive advisory lock on `.policyflow/lock`, held for the whole of a write command.
///
/// Git refs and SQLite rows change together; serialising writers across processes is what makes
/// "read state, decide, write" safe without lost updates. Readers do not take it.
///
/// Waiting is bounded: after `noticeAfter` (1 s) the waiting command says on stderr whom it waits for — the holder
/// writes its pid, command, user, host and start time into the lock file once it has the lock — and after the
/// timeout (default 30 s, `POLICYFLOW_LOCK_TIMEOUT` seconds) it gives up with exit 75, having changed nothing.
/// `flock` locks die with their process, so a held lock always means a live process somewhere; nothing is ever
/// removed or broken here.
final class WorkspaceLock {
  private let descriptor: Int32

  /// The default of `POLICYFLOW_LOCK_TIMEOUT`: long enough for any single command at 1,000 sections (the slowest,
  /// `verify` of a full-size workspace, takes a few seconds), short enough that a stuck process is noticed.
  static let defaultTimeout: TimeInterval = 30
  static let timeoutVariable = "POLICYFLOW_LOCK_TIMEOUT"
  static let noticeAfter: TimeInterval = 1
  private static let pollInterval: useconds_t = 50_000

  /// - Parameter report: where the "waiting for …" notice goes (stderr by default).
  init(
    path: URL, environment: [String: String] = ProcessEnvironment.current,
    report: (String) -> Void = { FileHandle.standardError.write(Data("policyflow: \($0)\n".utf8)) }
  ) throws {
    let timeout = try Self.timeout(environment: environment)
    descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw PolicyFlowError.internal("cannot open the workspace lock \(path.path): \(String(cString: strerror(errno)))")
    }
    let started = Date()
    var noticed = false
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let error = errno
      if error == EINTR { continue }
      guard error == EWOULDBLOCK || error == EAGAIN else {
        close(descriptor)
        throw PolicyFlowError.internal("cannot lock the workspace \(path.path): \(String(cString: strerror(error)))")
      }
      let waited = Date().timeIntervalSince(started)
      if waited >= timeout {
        let holder = Self.holder(descriptor: descriptor)
        close(descriptor)
        throw PolicyFlowError.temporary(
          "the workspace is busy: \(holder.map { "another policyflow command (\($0))" } ?? "another process") has "
            + "held its lock \(path.path) for more than \(Self.seconds(timeout)); gave up waiting, nothing was "
            + "changed. Try again when it has finished. The lock is released when that process ends (it cannot be "
            + "left behind by a crash); to wait longer, set \(Self.timeoutVariable) to a number of seconds.")
      }
      if !noticed && waited >= Self.noticeAfter {
        noticed = true
        let holder = Self.holder(descriptor: descriptor)
        report(
          "waiting for the workspace lock, held by \(holder ?? "another process (it recorded no details)"); "
            + "giving up after \(Self.seconds(timeout)) (\(Self.timeoutVariable)).")
      }
      usleep(Self.pollInterval)
    }
    Self.recordHolder(descriptor: descriptor)
    LockFaultPoint.holdIfAsked()
  }

  deinit {
    // Cleared first, so that a waiter that gets the lock next never reports us as the holder.
    _ = ftruncate(descriptor, 0)
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  /// `POLICYFLOW_LOCK_TIMEOUT` in seconds (fractions allowed; 0 means do not wait), else the default.
  static func timeout(environment: [String: String]) throws -> TimeInterval {
    guard let text = environment[timeoutVariable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
      return defaultTimeout
    }
    guard let value = Double(text), value.isFinite, value >= 0 else {
      throw PolicyFlowError.usage(
        "\(timeoutVariable)=\(text) is not a number of seconds; set it to e.g. 60, or unset it for the default of "
          + "\(seconds(defaultTimeout)).")
    }
    return value
  }

  static func seconds(_ value: TimeInterval) -> String {
    value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
  }

  // MARK: - Who holds the lock

  /// Writes who we are into the lock file, for a command that has to wait. Best effort: the lock itself is the
  /// `flock`, not the text.
  private static func recordHolder(descriptor: Int32) {
    // The program, the subcommand and the arguments before the first option (`policyflow submit forord`): never an
    // option's value, which may be a comment's text.
    let arguments = CommandLine.arguments
    let program = URL(fileURLWithPath: arguments.first ?? "policyflow").lastPathComponent
    let command = ([program] + arguments.dropFirst().prefix(while: { !$0.hasPrefix("-") }).prefix(3))
      .map { argument in
        String(argument.prefix(60).map { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true ? " " : $0 })
      }
      .joined(separator: " ")
    let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(geteuid())"
    var host = [CChar](repeating: 0, count: 256)
    let hostName = gethostname(&host, host.count - 1) == 0 ? String(cString: host) : "?"
    // libc's strftime, not ISO8601DateFormatter: creating one and formatting a date cost 3.1 M instructions, 4 % of a
    // signed comment (callgrind, 2026-12-01), for a line only a person waiting for the lock reads.
    var now = time(nil)
    var parts = tm()
    var stamp = [CChar](repeating: 0, count: 32)
    let since = gmtime_r(&now, &parts) != nil && strftime(&stamp, stamp.count, "%Y-%m-%dT%H:%M:%SZ", &parts) > 0
      ? String(cString: stamp) : "?"
    let text = "pid: \(getpid())\ncommand: \(command)\nuser: \(user)\nhost: \(hostName)\nsince: \(since)\n"
    guard ftruncate(descriptor, 0) == 0 else { return }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBufferPointer { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
  }

  /// "pid 4711: policyflow submit forord, user anne on laptop-12, since 2026-05-02T10:31:02Z", or `nil` when the
  /// holder wrote nothing (an older policyflow, or another program such as `flock`).
  static func holder(descriptor: Int32) -> String? {
    var buffer = [UInt8](repeating: 0, count: 1024)
    let count = buffer.withUnsafeMutableBufferPointer { pread(descriptor, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return nil }
    return holder(description: String(decoding: buffer[0..<count], as: UTF8.self))
  }

  static func holder(description text: String) -> String? {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      fields[String(line[..<colon])] = String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
        .map(Character.init))
    }
    guard let pid = fields["pid"] else { return nil }
    var result = "pid \(pid)"
    if let command = fields["command"] { result += ": \(command)" }
    if let user = fields["user"] { result += ", user \(user)" }
    if let host = fields["host"] { result += " on \(host)" }
    if let since = fields["since"] { result += ", since \(since)" }
    return result
  }
}

/// For tests: `POLICYFLOW_FAULT=hold-lock:SECONDS` makes a command sleep that long right after taking the
/// workspace lock, so that another command finds it held by a policyflow process that recorded who it is.
enum LockFaultPoint {
  static func holdIfAsked() {
    guard let setting = ProcessEnvironment.current["POLICYFLOW_FAULT"], setting.hasPrefix("hold-lock:"),
      let seconds = Double(setting.dropFirst("hold-lock:".count)), seconds > 0
    else { return }
    usleep(useconds_t(min(seconds, 600) * 1_000_000))
  }
}
