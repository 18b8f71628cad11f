import Foundation
import Testing

/// Seven copies of one policy — one per department, the secretariat working in its department's — against one
/// bare remote: random actions by the right people, random syncs, random partitions (copies offline for several
/// steps). At the end every copy syncs until nothing changes. Then every copy must show the same `status --json`,
/// `audit --json` and `req coverage --json`, hold the same refs, verify clean, and every action a command reported
/// as done must be in the history: taken into effect, or refused at sync with its reason. Nothing lost.
///
/// `make test` runs a short variant; `make sync-test` the long one (POLICYFLOW_SYNC_ACTIONS=1000). The counts are
/// printed for docs/sync.md.
@Suite("sync simulation: seven copies, random actions, syncs and partitions, nothing lost")
struct SyncSimulationTests {
  static let environment = ProcessInfo.processInfo.environment
  static let actionCount = Int(environment["POLICYFLOW_SYNC_ACTIONS"] ?? "") ?? 120
  static let seed = UInt64(environment["POLICYFLOW_SYNC_SEED"] ?? "") ?? 20_261_201

  /// Department → the committee whose members work from that department's copy, and the copy's directory name.
  static let departments: [(code: String, copy: String, committee: String)] = [
    ("BIF", "bif", "BIU"), ("TMF", "tmf", "TMU"), ("ØKF", "okf", "ØU"), ("KFF", "kff", "KFU"), ("SOF", "sof", "SOU"),
    ("SUF", "suf", "SUU"), ("BUF", "buf", "BUU"),
  ]
  static let drafters = ["BIF": "anne-bif", "TMF": "tine-tmf", "ØKF": "ditte-okf", "KFF": "karen-kff",
    "SOF": "sofie-sof", "SUF": "signe-suf", "BUF": "birgit-buf"]

  struct Reported {
    let copy: String
    let commit: String
    let what: String
  }

  struct Counts: CustomStringConvertible {
    var attempted = 0
    var done = 0
    var refusedByCommand = 0
    var syncs = 0
    var partitions = 0
    var applied = 0
    var refusedAtSync = 0
    var lost = 0
    var identical = 0
    var copies = 0
    var description: String {
      "actions attempted \(attempted), reported done \(done) (refused by the command: \(refusedByCommand)), syncs "
        + "\(syncs), partitions \(partitions); of the reported: in effect \(applied), refused at sync "
        + "\(refusedAtSync), lost \(lost); identical \(identical)/\(copies)"
    }
  }

  @Test("random actions on seven copies with partitions: identical in the end, verify clean, nothing lost")
  func sevenCopies() throws {
    var random = SimulationRandom(seed: Self.seed)
    let shared = try SharedPolicy()
    let targets = try shared.origin.requirementTargets()
    var copies: [String: PolicyCopy] = [:]
    for department in Self.departments { copies[department.code] = try shared.copy(department.copy) }
    var offline: [String: Int] = [:]
    var comments: [String: [(id: String, author: String, section: String)]] = [:]
    var reported: [Reported] = []
    var counts = Counts()
    counts.copies = copies.count

    var step = 0
    // Until the number of actions the copies' members tried reaches the target (a step without a sensible action
    // for the drawn copy tries nothing).
    while counts.attempted < Self.actionCount {
      step += 1
      for (code, left) in offline { offline[code] = left > 1 ? left - 1 : nil }
      if random.chance(3), let code = Self.departments.map(\.code).filter({ offline[$0] == nil }).randomElement(using: &random) {
        offline[code] = Int.random(in: 5...25, using: &random)
        counts.partitions += 1
      }
      let department = Self.departments.randomElement(using: &random)!
      let copy = copies[department.code]!
      let reviewers = Roster.committees[department.committee]!
      let reviewed = Roster.sections.filter { $0.committees.contains(department.committee) }.map(\.id)
      let drafter = Self.drafters[department.code]!
      let owned = Roster.sections.filter { $0.drafter == drafter }.map(\.id)
      var arguments: [String] = []
      var person = ""
      var section = ""
      switch Int.random(in: 0..<100, using: &random) {
      case 0..<22 where !owned.isEmpty:
        section = owned.randomElement(using: &random)!
        person = drafter
        let base = Roster.areas.contains(section) ? Roster.areaText(section) : try shared.origin.templateText(section)
        let file = try copy.scratch.file("\(department.copy)-\(step).md", base + "\nÆndring \(step) fra \(department.code).\n")
        arguments = ["submit", section, file.path, "-m", "Ændring \(step)"]
      case 0..<60 where !reviewed.isEmpty:
        section = reviewed.randomElement(using: &random)!
        person = reviewers.randomElement(using: &random)!
        arguments = random.chance(8)
          ? ["request-changes", section, "-m", "Uddyb venligst (\(step))"] : ["approve", section, "-m", "Godkendt"]
      case 60..<75:
        section = Roster.sections.randomElement(using: &random)!.id
        person = ([drafter] + reviewers).randomElement(using: &random)!
        arguments = ["comment", section, "-m", "Bemærkning \(step)"] + (random.chance(20) ? ["--blocking"] : [])
      case 75..<82 where !(comments[department.code] ?? []).isEmpty:
        let known = comments[department.code]!.randomElement(using: &random)!
        person = known.author
        section = known.section
        arguments = random.chance(50)
          ? ["resolve", known.id, "-m", "Løst"] : ["comment", section, "--reply", known.id, "-m", "Svar \(step)"]
      default:
        guard let owned = owned.randomElement(using: &random) else { continue }
        section = owned
        let open = targets.filter { $0.value.contains(section) }.map(\.key).sorted()
        guard let requirement = open.randomElement(using: &random) else { continue }
        if department.code == "BIF" && random.chance(50) {
          person = "pernille-sekretariat"
          arguments = ["req", "waive", requirement, section, "-m", "Besvares andetsteds"]
        } else {
          person = drafter
          arguments = ["req", "link", requirement, section, "-m", "Besvaret i afsnittet"]
        }
      }
      guard !arguments.isEmpty else { continue }
      counts.attempted += 1
      let run = try copy.pf(arguments, as: person)
      if run.status == 0 {
        counts.done += 1
        let ref = "refs/policyflow/sections/\(section)"
        let commit = try copy.git(["rev-parse", ref])
        reported.append(Reported(copy: department.copy, commit: commit, what: "\(person) \(arguments[0]) \(section)"))
        if arguments[0] == "comment", !arguments.contains("--reply"),
          let id = run.stdout.split(separator: " ").dropFirst().first.map(String.init)
        {
          comments[department.code, default: []].append((id, person, section))
        }
      } else {
        counts.refusedByCommand += 1
        #expect([65, 66, 77].contains(run.status), "step \(step): \(person) \(arguments): \(run.status) \(run.stderr)")
      }
      if offline[department.code] == nil && random.chance(35) {
        let synced = try copy.pf(["sync"])
        counts.syncs += 1
        #expect(synced.status == 0, "step \(step): sync on \(department.copy): \(synced.stderr)")
      }
    }

    // Everyone comes back online and syncs until nothing changes.
    let all = Self.departments.map { copies[$0.code]! }
    var settled = false
    for _ in 0..<6 where !settled {
      settled = true
      for copy in all {
        let synced = try copy.pf(["sync"])
        counts.syncs += 1
        #expect(synced.status == 0, "final sync on \(copy.root.lastPathComponent): \(synced.stderr)")
        if !synced.stdout.contains("received 0 action(s)") || !synced.stdout.contains("nothing to push") { settled = false }
      }
    }
    #expect(settled, "the copies did not settle within six rounds of sync")

    let expected = try all[0].sharedOutputs()
    let refs = try all[0].refs()
    for copy in all {
      let same = try copy.sharedOutputs() == expected && copy.refs() == refs
      if same { counts.identical += 1 }
      #expect(same, "\(copy.root.lastPathComponent) differs from \(all[0].root.lastPathComponent)")
      let findings = try copy.verifyFindings()
      #expect(findings.isEmpty, "verify on \(copy.root.lastPathComponent): \(findings.prefix(5))")
    }
    for action in reported {
      switch try all[0].recordRow(action.commit) {
      case .some((nil, _)): counts.applied += 1
      case .some((.some, true)): counts.refusedAtSync += 1
      case .some((.some(let refusal), false)):
        counts.lost += 1
        Issue.record("\(action.what) (\(action.commit) on \(action.copy)) was refused, not at sync: \(refusal)")
      case .none:
        counts.lost += 1
        Issue.record("\(action.what) (\(action.commit) on \(action.copy)) is not in the final history")
      }
    }
    #expect(counts.lost == 0)
    #expect(counts.done > counts.attempted / 4, "too few actions succeeded to test anything: \(counts)")
    print("sync simulation (seed \(Self.seed)): \(counts)")
  }
}

/// SplitMix64: a seeded generator, so a failing run can be repeated with POLICYFLOW_SYNC_SEED.
struct SimulationRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// True with `percent` % probability.
  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}
