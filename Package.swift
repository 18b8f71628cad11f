// swift-tools-version: 6.0
import PackageDescription

/// Exports Clibgit2Startup's mbedtls_x509_crt_parse_file from a binary, so that libgit2's start-up skips
/// parsing the system CA bundle it never uses here (≈ 12 ms a command; see that target's header).
let exportLibgit2StartupInterposition: [LinkerSetting] = [
  .unsafeFlags(["-Xlinker", "--export-dynamic-symbol=mbedtls_x509_crt_parse_file"], .when(platforms: [.linux]))
]

/// One package: system-library shims for libgit2, libcrypto and cmark-gfm, pure domain modules, the use-case
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
    .systemLibrary(name: "Clibgit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
    .systemLibrary(
      name: "Ccmark", pkgConfig: "libcmark-gfm",
      providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

    // OpenSSL's libcrypto: Ed25519 signatures and the hashes (SHA-256/512, HMAC-SHA1 of hashed known_hosts names).
    // libgit2's libssh2 already loads it, so linking it costs a command nothing at start-up.
    .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

    .target(name: "Clibgit2Startup", dependencies: ["Clibgit2"], linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "PolicyGit", dependencies: ["Clibgit2", "Clibgit2Startup", "COpenSSL"]),
    .target(name: "PolicySigning", dependencies: ["COpenSSL"]),
    // sqlite3_db_config, variadic, for the one option Swift cannot set through GRDB (see its header).
    .target(name: "CSQLiteOptions", linkerSettings: [.linkedLibrary("sqlite3")]),
    .target(name: "PolicyStore", dependencies: ["CSQLiteOptions", .product(name: "GRDB", package: "GRDB.swift")]),
    .target(name: "PolicyYAML", dependencies: ["Yams"]),
    .target(name: "PolicyWorkflow", dependencies: ["PolicyYAML", "Yams"]),
    .target(name: "PolicyManifest", dependencies: ["PolicyWorkflow", "PolicyYAML", "Yams"]),
    .target(name: "PolicyAssembly", dependencies: ["Ccmark", "ZIPFoundation"]),
    .target(
      name: "PolicyFlow",
      dependencies: [
        "PolicyGit", "PolicySigning", "PolicyStore", "PolicyYAML", "PolicyWorkflow", "PolicyManifest",
        "PolicyAssembly",
      ]),
    .executableTarget(
      name: "policyflow",
      dependencies: ["PolicyFlow", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      linkerSettings: exportLibgit2StartupInterposition),
    .executableTarget(
      name: "policyflow-gen",
      dependencies: ["PolicyFlow", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      linkerSettings: exportLibgit2StartupInterposition),

    .testTarget(
      name: "PolicyGitTests", dependencies: ["PolicyGit", "PolicySigning", "Clibgit2", "Clibgit2Startup"],
      linkerSettings: exportLibgit2StartupInterposition),
    .testTarget(name: "PolicySigningTests", dependencies: ["PolicySigning"]),
    .testTarget(
      name: "PolicyStoreTests", dependencies: ["PolicyStore", .product(name: "GRDB", package: "GRDB.swift")]),
    .testTarget(name: "PolicyWorkflowTests", dependencies: ["PolicyWorkflow", "PolicyYAML"]),
    .testTarget(name: "PolicyManifestTests", dependencies: ["PolicyManifest", "PolicyWorkflow"]),
    .testTarget(name: "PolicyAssemblyTests", dependencies: ["PolicyAssembly"]),
    .testTarget(
      name: "PolicyFlowTests",
      dependencies: ["PolicyFlow", "PolicyGit", "PolicyManifest", "PolicyStore", "PolicyWorkflow"]),
    .testTarget(name: "CLITests", dependencies: ["PolicyFlow"]),
  ],
  swiftLanguageModes: [.v5]
)
