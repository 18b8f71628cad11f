import Foundation

/// One line of an allowed-signers file (ssh-keygen(1), "ALLOWED SIGNERS"): the names a key may sign as, and for
/// which namespaces.
///
/// The file is the bridge to plain git: `git -c gpg.ssh.allowedSignersFile=FILE log --show-signature` verifies the
/// record with the lines policyflow renders here.
public struct AllowedSigner: Sendable, Equatable {
  /// Who the key speaks for, e.g. an e-mail address or a member id.
  public let principals: [String]
  /// The namespaces the key may sign in; nil means any namespace (no `namespaces=` option).
  public let namespaces: [String]?
  public let publicKey: SSHPublicKey

  /// A line for `principal`, limited to git's namespace by default so the key counts for commits only.
  ///
  /// - Throws: `SigningError.invalidPrincipal` for a name the format cannot carry safely (spaces, commas, quotes, or
  ///   the pattern characters `*`, `?` and `!`, which would make one line match other people).
  public init(principal: String, namespaces: [String]? = [SSHSignature.gitNamespace], publicKey: SSHPublicKey)
    throws
  {
    try self.init(principals: [principal], namespaces: namespaces, publicKey: publicKey)
  }

  public init(principals: [String], namespaces: [String]?, publicKey: SSHPublicKey) throws {
    for name in principals + (namespaces ?? []) where !Self.isPlainName(name) {
      throw SigningError.invalidPrincipal(name)
    }
    guard !principals.isEmpty else { throw SigningError.invalidPrincipal("") }
    self.init(checkedPrincipals: principals, namespaces: namespaces, publicKey: publicKey)
  }

  private init(checkedPrincipals: [String], namespaces: [String]?, publicKey: SSHPublicKey) {
    self.principals = checkedPrincipals
    self.namespaces = namespaces
    self.publicKey = publicKey
  }

  /// The line: `principal[,principal…] [namespaces="git"] ssh-ed25519 AAAA…` (the key's comment is left out: it is
  /// a label, and the principals already say whose key it is).
  public var line: String {
    var fields = [principals.joined(separator: ",")]
    if let namespaces { fields.append("namespaces=\"\(namespaces.joined(separator: ","))\"") }
    fields.append("\(publicKey.algorithm) \(publicKey.base64)")
    return fields.joined(separator: " ")
  }

  /// Whether this line lets its key sign in `namespace`.
  public func allows(namespace: String) -> Bool { namespaces?.contains(namespace) ?? true }

  static func isPlainName(_ name: String) -> Bool {
    !name.isEmpty && !name.hasPrefix("#")
      && !name.unicodeScalars.contains { $0.properties.isWhitespace || ",\"*?!".unicodeScalars.contains($0) }
  }

  /// Parses one line that is neither blank nor a comment; errors carry `source` and `lineNumber`.
  init(parsing line: Substring, source: String, lineNumber: Int) throws {
    func malformed(_ reason: String) -> SigningError {
      .malformedAllowedSigners(source: source, line: lineNumber, reason: reason)
    }
    var rest = line.drop(while: { $0 == " " || $0 == "\t" })
    var principalsField = Self.nextField(&rest)
    if principalsField.count >= 2 && principalsField.hasPrefix("\"") && principalsField.hasSuffix("\"") {
      principalsField = String(principalsField.dropFirst().dropLast())
    }
    let principals = principalsField.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard !principals.contains(where: \.isEmpty) else { throw malformed("an empty principal") }

    var namespaces: [String]?
    let peek = rest
    let field = Self.nextField(&rest)
    if field.isEmpty { throw malformed("the key is missing") }
    if SSHPublicKey.otherKeyTypes[field] == nil && field != SSHPublicKey.ed25519Algorithm {
      for option in Self.splitOptions(field) {
        let (name, value) = Self.nameAndValue(option)
        switch name.lowercased() {
        case "namespaces":
          guard let value, !value.isEmpty else { throw malformed("namespaces= needs a quoted list such as \"git\"") }
          namespaces = value.split(separator: ",").map(String.init)
        case "cert-authority":
          throw malformed("cert-authority lines (SSH certificates) are not supported; list the member's own key")
        case "valid-after", "valid-before":
          throw malformed("\(name) is not supported: policyflow keeps key history in members.yaml instead")
        default:
          throw malformed("unknown option \"\(name.prefix(40))\"")
        }
      }
    } else {
      rest = peek
    }
    let key: SSHPublicKey
    do {
      key = try SSHPublicKey(line: String(rest))
    } catch let error as SigningError {
      if case .unsupportedKeyType = error { throw error }
      throw malformed(error.errorDescription ?? "the key is not valid")
    }
    self.init(checkedPrincipals: principals, namespaces: namespaces, publicKey: key)
  }

  /// The next whitespace-separated field, where double quotes protect spaces (as in OpenSSH's `strdelimw`).
  private static func nextField(_ rest: inout Substring) -> String {
    var field = ""
    var quoted = false
    while let character = rest.first {
      if !quoted && (character == " " || character == "\t") { break }
      if character == "\"" { quoted.toggle() }
      field.append(character)
      rest.removeFirst()
    }
    rest = rest.drop(while: { $0 == " " || $0 == "\t" })
    return field
  }

  /// Options separated by commas outside quotes.
  private static func splitOptions(_ field: String) -> [String] {
    var options: [String] = []
    var current = ""
    var quoted = false
    for character in field {
      if character == "\"" { quoted.toggle() }
      if character == "," && !quoted {
        options.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    options.append(current)
    return options
  }

  private static func nameAndValue(_ option: String) -> (String, String?) {
    guard let equals = option.firstIndex(of: "=") else { return (option, nil) }
    var value = option[option.index(after: equals)...]
    if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
    return (String(option[..<equals]), String(value))
  }
}

/// An allowed-signers file: render it for git, or read one back.
public struct AllowedSigners: Sendable, Equatable {
  public var signers: [AllowedSigner]

  public init(_ signers: [AllowedSigner] = []) {
    self.signers = signers
  }

  /// Reads the text of a file. Blank lines and lines starting with `#` are skipped.
  ///
  /// - Throws: `SigningError.malformedAllowedSigners` naming `source` and the line, or `.unsupportedKeyType`.
  public init(parsing text: String, source: String = "the allowed-signers file") throws {
    var signers: [AllowedSigner] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let content = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if content.isEmpty || content.hasPrefix("#") { continue }
      signers.append(try AllowedSigner(parsing: Substring(content), source: source, lineNumber: index + 1))
    }
    self.signers = signers
  }

  /// The file's text: one line per signer, each ending in a newline.
  public var text: String { signers.map { $0.line + "\n" }.joined() }

  /// The principals `key` may sign as in `namespace`, in file order.
  public func principals(for key: SSHPublicKey, namespace: String) -> [String] {
    signers.filter { $0.publicKey == key && $0.allows(namespace: namespace) }.flatMap(\.principals)
  }
}
