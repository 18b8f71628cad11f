import Foundation
import PolicyGit
import PolicyWorkflow

/// The parsed workflow in force, in `.policyflow/workflow.cache`, beside the definition cache and for the same reason:
/// every command needs it, and parsing `workflows/<name>.yaml` with its checks cost ≈ 4.8 M instructions, 6 % of a
/// signed comment (callgrind, 2026-12-01). Keyed like `DefinitionCache` (the file's blob id, the executable), with its
/// checksum; a miss, a damaged file or a failed write falls back to parsing.
enum WorkflowCache {
  static let magic = Array("PFWFL001".utf8)

  static func workflow(
    path: String, blob: ObjectID, cache: URL, parse: () throws -> WorkflowDefinition
  ) throws -> WorkflowDefinition {
    try DefinitionCache.cached(
      key: DefinitionCache.key(files: [(path: "workflow\u{0}" + path, blob: blob)]), at: cache, decode: decode,
      encode: encode, parse: parse)
  }

  static func encode(_ workflow: WorkflowDefinition, key: [UInt8]) -> Data {
    var writer = DefinitionCache.Writer()
    writer.string(workflow.name)
    writer.string(workflow.label)
    writer.string(workflow.initial)
    writer.array(workflow.states) { writer, state in
      writer.string(state.id)
      writer.string(state.label)
      writer.strings([state.isFinal ? "1" : "0", state.isApproved ? "1" : "0"])
      writer.optional(state.line.map(String.init))
    }
    writer.array(workflow.transitions) { writer, transition in
      writer.string(transition.id)
      writer.optional(transition.event)
      writer.string(transition.isAutomatic ? "1" : "0")
      writer.strings(transition.from)
      writer.string(transition.to)
      writer.strings(transition.allowed.map(\.rawValue))
      writer.array(transition.guards) { writer, guardClause in
        switch guardClause {
        case .signoffs(let capacity, let count, let per):
          writer.strings([guardClause.name, capacity.rawValue, String(count), per.rawValue])
        default:
          writer.strings([guardClause.name])
        }
      }
      writer.optional(transition.line.map(String.init))
    }
    writer.strings(workflow.permissions.resolveBlocking.map(\.name))
    writer.strings(workflow.permissions.resolve.map(\.name))
    writer.strings(workflow.permissions.waive.map(\.rawValue))
    return Data(magic + key + DefinitionCache.checksum(writer.bytes[...]) + writer.bytes)
  }

  static func decode(_ data: Data, key: [UInt8]) -> WorkflowDefinition? {
    let bytes = [UInt8](data)
    let header = magic.count + 32 + 8
    guard bytes.count >= header, Array(bytes[0..<magic.count]) == magic,
      Array(bytes[magic.count..<(magic.count + 32)]) == key,
      DefinitionCache.checksum(bytes[header...]) == Array(bytes[(magic.count + 32)..<header])
    else { return nil }
    var reader = DefinitionCache.Reader(bytes: bytes, offset: header)
    func line(_ text: String??) -> Int?? {
      guard let text else { return nil }
      guard let text else { return .some(nil) }
      return Int(text).map { .some($0) }
    }
    guard let name = reader.string(), let label = reader.string(), let initial = reader.string(),
      let states = reader.array({ reader -> WorkflowState? in
        guard let id = reader.string(), let label = reader.string(), let flags = reader.strings(), flags.count == 2,
          let line = line(reader.optional())
        else { return nil }
        return WorkflowState(id: id, label: label, isFinal: flags[0] == "1", isApproved: flags[1] == "1", line: line)
      }),
      let transitions = reader.array({ reader -> WorkflowTransition? in
        guard let id = reader.string(), let event = reader.optional(), let automatic = reader.string(),
          let from = reader.strings(), let to = reader.string(), let allowedNames = reader.strings(),
          let guards = reader.array({ reader -> Guard? in
            guard let parts = reader.strings(), let name = parts.first else { return nil }
            switch name {
            case "signoffs":
              guard parts.count == 4, let capacity = Capacity(rawValue: parts[1]), let count = Int(parts[2]),
                let per = Grouping(rawValue: parts[3])
              else { return nil }
              return .signoffs(capacity: capacity, count: count, per: per)
            case Guard.noOpenBlockingComments.name: return .noOpenBlockingComments
            case Guard.requirementsAddressed.name: return .requirementsAddressed
            case Guard.requiredHeadingsPresent.name: return .requiredHeadingsPresent
            default: return nil
            }
          }),
          let line = line(reader.optional())
        else { return nil }
        let allowed = allowedNames.compactMap(Capacity.init(rawValue:))
        guard allowed.count == allowedNames.count else { return nil }
        return WorkflowTransition(
          id: id, event: event, isAutomatic: automatic == "1", from: from, to: to, allowed: allowed, guards: guards,
          line: line)
      }),
      let resolveBlockingNames = reader.strings(), let resolveNames = reader.strings(), let waiveNames = reader.strings(),
      reader.isAtEnd
    else { return nil }
    let resolveBlocking = resolveBlockingNames.compactMap(WorkflowPermissions.Actor.init(name:))
    let resolve = resolveNames.compactMap(WorkflowPermissions.Actor.init(name:))
    let waive = waiveNames.compactMap(Capacity.init(rawValue:))
    guard resolveBlocking.count == resolveBlockingNames.count, resolve.count == resolveNames.count,
      waive.count == waiveNames.count
    else { return nil }
    return WorkflowDefinition(
      name: name, label: label, initial: initial, states: states, transitions: transitions,
      permissions: WorkflowPermissions(resolveBlocking: resolveBlocking, resolve: resolve, waive: waive))
  }
}
