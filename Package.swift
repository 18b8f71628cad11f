// swift-tools-version: 6.0
import PackageDescription

/// The C libraries are linked from their static archives (Debian's -dev packages ship them), not as shared
/// libraries. Why: the dynamic linker loaded, mapped and relocated 24 shared libraries at every start, libgit2's
/// alone pulling in libssh2, mbedTLS, http-parser, PCRE2 and the Kerberos stack: a C program that only links them
/// starts in 8.7 ms against 1.4 ms without (hyperfine, 2026-12-02), and `policyflow status` went 21.8 → 18.0 ms,
/// a signed `comment` 28.2 → 24.5 ms. SQLite (GRDB links it itself; one copy in a process), zlib, GSSAPI (Debian's
/// libgit2 archive calls it and no archive of it is shipped) and the C and C++ runtimes stay shared.
///
/// The linker reads these after the objects, each archive before the ones it uses, so every target lists what its
/// libraries need in that order (an archive read twice adds nothing twice). The system-library targets' module maps
/// therefore link nothing themselves.
func linkedStatically(_ libraries: [String], _ extra: [String] = []) -> [LinkerSetting] {
  [.unsafeFlags((libraries.map { "-l:lib\($0).a" } + extra).flatMap { ["-Xlinker", $0] }, .when(platforms: [.linux]))]
}

/// libgit2 and what Debian built it with. `--wrap` sends libgit2's call to mbedtls_x509_crt_parse_file to
/// Clibgit2Startup's `__wrap_mbedtls_x509_crt_parse_file` (why: that target's header).
let libgit2Linked = linkedStatically(
  ["git2", "ssh2", "mbedtls", "mbedx509", "mbedcrypto", "http_parser", "pcre2-8", "crypto"],
  ["-l:libgssapi_krb5.so.2", "-lz", "-lrt", "-ldl", "-lpthread", "--wrap=mbedtls_x509_crt_parse_file"])

/// OpenSSL's libcrypto, for the targets that call it themselves.
let libcryptoLinked = linkedStatically(["crypto"], ["-ldl", "-lpthread"])

/// One package: system-library shims for libgit2, libcrypto, libsodium and cmark-gfm, pure domain modules, the use-case
/// layer that coordinates them, and a thin `policyflow` executable. Dependencies point one way:
/// policyflow → PolicyFlow → {PolicyWorkflow, PolicyManifest, PolicyStore, PolicyGit, PolicySigning,
/// PolicyAssembly}. Every target lists each module it imports; no module re-exports another (`@_exported`),
/// and the executables import only PolicyFlow of these (Tests/PolicyFlowTests/ImportRuleTests.swift).
let package = Package(
  name: "policyflow",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "policyflow", targets: ["policyflow"]),
    .library(name: "PolicyFlow", targets: ["PolicyFlow"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    // Headers only (no pkgConfig, no `link` in the module maps): the libraries are linked by the targets that use
    // them, from their archives (linkedStatically).
    .systemLibrary(name: "Clibgit2", providers: [.apt(["libgit2-dev"])]),
    .systemLibrary(name: "Ccmark", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

    // OpenSSL's libcrypto: Ed25519 signatures and the hashes (SHA-256/512, HMAC-SHA1 of hashed known_hosts names).
    .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
    // libsodium: verifying Ed25519 signatures, the one cryptographic operation a catch-up repeats for every action.
    .systemLibrary(name: "CSodium", providers: [.apt(["libsodium-dev"])]),

    .target(name: "Clibgit2Startup", dependencies: ["Clibgit2"], linkerSettings: libgit2Linked),
    .target(
      name: "PolicyGit", dependencies: ["Clibgit2", "Clibgit2Startup", "COpenSSL"],
      linkerSettings: libcryptoLinked),
    .target(
      name: "PolicySigning", dependencies: ["COpenSSL", "CSodium"],
      linkerSettings: libcryptoLinked + linkedStatically(["sodium"], ["-lpthread"])),
    // sqlite3_db_config, variadic, for the one option Swift cannot set through GRDB (see its header).
    .target(name: "CSQLiteOptions", linkerSettings: [.linkedLibrary("sqlite3")]),
    .target(name: "PolicyStore", dependencies: ["CSQLiteOptions", .product(name: "GRDB", package: "GRDB.swift")]),
    .target(name: "PolicyYAML", dependencies: ["Yams"]),
    .target(name: "PolicyWorkflow", dependencies: ["PolicyYAML", "Yams"]),
    .target(name: "PolicyManifest", dependencies: ["PolicyWorkflow", "PolicyYAML", "Yams"]),
    .target(
      name: "PolicyAssembly", dependencies: ["Ccmark", "ZIPFoundation"],
      linkerSettings: linkedStatically(["cmark-gfm-extensions", "cmark-gfm"])),
    .target(
      name: "PolicyFlow",
      dependencies: [
        "PolicyGit", "PolicySigning", "PolicyStore", "PolicyYAML", "PolicyWorkflow", "PolicyManifest",
        "PolicyAssembly",
      ]),
    .executableTarget(
      name: "policyflow",
      dependencies: ["PolicyFlow", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "policyflow-gen",
      dependencies: ["PolicyFlow", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

    .testTarget(name: "PolicyGitTests", dependencies: ["PolicyGit", "PolicySigning", "Clibgit2", "Clibgit2Startup"]),
    .testTarget(name: "PolicySigningTests", dependencies: ["PolicySigning"]),
    .testTarget(
      name: "PolicyStoreTests", dependencies: ["PolicyStore", .product(name: "GRDB", package: "GRDB.swift")]),
    .testTarget(name: "PolicyWorkflowTests", dependencies: ["PolicyWorkflow", "PolicyYAML"]),
    .testTarget(name: "PolicyManifestTests", dependencies: ["PolicyManifest", "PolicyWorkflow"]),
    .testTarget(name: "PolicyAssemblyTests", dependencies: ["PolicyAssembly"]),
    .testTarget(
      name: "PolicyFlowTests",
      dependencies: ["PolicyFlow", "PolicyGit", "PolicyManifest", "PolicySigning", "PolicyStore", "PolicyWorkflow"]),
    .testTarget(name: "CLITests", dependencies: ["PolicyFlow"]),
  ],
  swiftLanguageModes: [.v5]
)
