import Foundation

/// A small, fast, seedable generator (SplitMix64), so the same parameters always give the same
/// workspace: benchmark runs on different machines then measure the same work.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
  mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

/// Danish-sounding administrative prose, wrapped at about 90 characters like the template's sections,
/// so diffs, line anchors and the Markdown renderers see text shaped like the real thing.
enum Prose {
  static let subjects = [
    "Kommunen", "Forvaltningen", "Udvalget", "Mange københavnere", "Borgerne i bydelene", "De frivillige foreninger",
    "Jobcentret", "Bibliotekerne", "Skolerne og fritidsinstitutionerne", "De almene boligorganisationer",
    "Sundhedshusene", "Medarbejderne i den kommunale service", "Virksomhederne i byen", "Unge med minoritetsbaggrund",
    "Nyankomne flygtninge og indvandrere", "Forældrene", "Civilsamfundets organisationer", "Lokaludvalgene",
  ]
  static let verbs = [
    "styrker", "understøtter", "udvikler", "prioriterer", "følger op på", "investerer i", "evaluerer", "koordinerer",
    "fremmer", "sætter fokus på", "udbygger", "samarbejder om", "tager ansvar for", "afprøver nye former for",
  ]
  static let objects = [
    "den tidlige indsats", "danskundervisningen", "inddragelsen af civilsamfundet", "beskæftigelsen blandt nyankomne",
    "trivslen i boligområderne", "adgangen til kultur- og fritidstilbud", "samarbejdet på tværs af forvaltninger",
    "mentorordningerne", "de sundhedsfremmende tilbud", "forældresamarbejdet", "brobygningen til uddannelse",
    "indsatsen mod negativ social kontrol", "den digitale inklusion", "rådgivningen om rettigheder og pligter",
    "mødet mellem borger og kommune", "lige adgang til foreningslivet", "vejledningen af unge uden job",
  ]
  static let adverbials = [
    "i de kommende år", "med særligt fokus på unge", "i tæt dialog med borgerne", "på tværs af bydelene",
    "inden for den nuværende økonomiske ramme", "så flere kommer i uddannelse eller job",
    "i samarbejde med erhvervslivet", "med udgangspunkt i data fra Danmarks Statistik",
    "sammen med de frivillige", "hvor behovet er størst", "gennem hele forløbet", "fra første dag i kommunen",
  ]
  static let facts = [
    "I %d deltog %d borgere i tilbuddet, svarende til %d pct. af målgruppen.",
    "Andelen steg fra %d pct. i %d til %d pct. året efter.",
    "Der er i dag %d aktive forløb, og ventetiden er nedbragt til %d uger i %d af bydelene.",
    "Evalueringen fra %d viser, at %d af %d deltagere var i job eller uddannelse et år efter.",
  ]
  static let areaNames = [
    "Beskæftigelse", "Bolig", "Kultur", "Fritid", "Sundhed", "Omsorg", "Børn og unge", "Uddannelse", "Tryghed",
    "Medborgerskab", "Sprog", "Foreningsliv", "Digitalisering", "Ældre", "Idræt", "Miljø", "Trafik", "Erhverv",
    "Socialområdet", "Familier",
  ]

  static func sentence(_ random: inout SeededGenerator) -> String {
    if random.chance(0.2) {
      let template = random.pick(facts)
      let year = Int.random(in: 2015...2022, using: &random)
      let a = Int.random(in: 12...4800, using: &random)
      let b = Int.random(in: 5...95, using: &random)
      let parts: [CVarArg] =
        template.hasPrefix("Andelen") ? [b, year, min(b + 7, 99)] : template.hasPrefix("Der er") ? [a, b % 12 + 1, b % 10 + 2] : [year, a, b]
      return String(format: template, arguments: parts)
    }
    var words = "\(random.pick(subjects)) \(random.pick(verbs)) \(random.pick(objects))"
    if random.chance(0.7) { words += " \(random.pick(adverbials))" }
    if random.chance(0.3) { words += ", og \(random.pick(objects)) \(random.pick(["skal", "må", "vil"])) styrkes" }
    return words + "."
  }

  /// A paragraph of `count` sentences, wrapped so no line starts like Markdown block syntax.
  static func paragraph(_ random: inout SeededGenerator, sentences count: Int) -> String {
    wrap((0..<count).map { _ in sentence(&random) }.joined(separator: " "))
  }

  static func bullets(_ random: inout SeededGenerator, count: Int) -> String {
    (0..<count).map { _ in
      let item = "\(random.pick(["At", "At sikre", "At styrke", "At udvikle"])) \(random.pick(objects)) \(random.pick(adverbials))"
      return "- " + wrap(item, width: 88).replacingOccurrences(of: "\n", with: "\n  ")
    }.joined(separator: "\n")
  }

  static func wrap(_ text: String, width: Int = 90) -> String {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
      if !line.isEmpty && line.count + 1 + word.count > width {
        lines.append(line)
        line = ""
      }
      // A wrapped line must not start like a list item, heading, quote or ordered list.
      if line.isEmpty && !lines.isEmpty, let first = word.first, "-#>+*".contains(first) || first.isNumber {
        line = lines.removeLast() + " " + word
        continue
      }
      line += line.isEmpty ? String(word) : " \(word)"
    }
    if !line.isEmpty { lines.append(line) }
    return lines.joined(separator: "\n")
  }
}

/// A section's text as a list of blocks, so a revision can change a paragraph here and there
/// (as drafters do) and leave the rest — and the comments and links anchored there — in place.
struct SectionDraft {
  enum Block {
    case heading(String)
    case paragraph(String)
    case list(String)
  }
  var blocks: [Block]

  init(requiredHeadings: [String], random: inout SeededGenerator) {
    var blocks: [Block] = []
    if requiredHeadings.isEmpty {
      for _ in 0..<Int.random(in: 5...9, using: &random) {
        blocks.append(.paragraph(Prose.paragraph(&random, sentences: Int.random(in: 3...6, using: &random))))
      }
    } else {
      for (index, heading) in requiredHeadings.enumerated() {
        blocks.append(.heading("## \(heading)"))
        switch index {
        case 0:
          for _ in 0..<Int.random(in: 2...3, using: &random) {
            blocks.append(.paragraph(Prose.paragraph(&random, sentences: Int.random(in: 3...6, using: &random))))
          }
          blocks.append(.list(Prose.bullets(&random, count: Int.random(in: 3...6, using: &random))))
        case 1:
          for _ in 0..<Int.random(in: 2...3, using: &random) {
            blocks.append(.heading("### \(random.pick(Prose.objects).prefix(1).uppercased())\(random.pick(Prose.objects).dropFirst())"))
            blocks.append(.paragraph(Prose.paragraph(&random, sentences: Int.random(in: 3...5, using: &random))))
          }
        default:
          blocks.append(.paragraph(Prose.paragraph(&random, sentences: 2)))
          blocks.append(.list(Prose.bullets(&random, count: Int.random(in: 4...7, using: &random))))
        }
      }
    }
    self.blocks = blocks
  }

  /// One drafter's edit: rewrite a paragraph, extend one, or add a bullet list item.
  mutating func revise(_ random: inout SeededGenerator) {
    let paragraphs = blocks.indices.filter { if case .paragraph = blocks[$0] { return true } else { return false } }
    guard let target = paragraphs.isEmpty ? nil : random.pick(paragraphs) else { return }
    switch Int.random(in: 0..<3, using: &random) {
    case 0:
      blocks[target] = .paragraph(Prose.paragraph(&random, sentences: Int.random(in: 3...6, using: &random)))
    case 1:
      if case .paragraph(let text) = blocks[target] {
        blocks[target] = .paragraph(Prose.wrap(text.replacingOccurrences(of: "\n", with: " ") + " " + Prose.sentence(&random)))
      }
    default:
      let lists = blocks.indices.filter { if case .list = blocks[$0] { return true } else { return false } }
      if let list = lists.isEmpty ? nil : random.pick(lists), case .list(let text) = blocks[list] {
        blocks[list] = .list(text + "\n" + Prose.bullets(&random, count: 1))
      } else {
        blocks.insert(.paragraph(Prose.paragraph(&random, sentences: 2)), at: target + 1)
      }
    }
  }

  var text: String {
    blocks.map { block -> String in
      switch block {
      case .heading(let text), .paragraph(let text), .list(let text): return text
      }
    }.joined(separator: "\n\n") + "\n"
  }
}
