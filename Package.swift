// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Refuge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "git-refuge", targets: ["git-refuge"]),
        .library(name: "RefugeCore", targets: ["RefugeCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // Reports: templates for HTML and Markdown, RFC 4180 CSV, aligned text tables.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/ordo-one/TextTable", from: "0.0.2"),
        // SHA-256 for the audit log's hash chain (BoringSSL's, through Apple's Crypto API).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libgit2 as Debian ships it (libgit2-dev); GitKit is the only module that imports it.
        .systemLibrary(
            name: "CLibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // libpq as Debian ships it (libpq-dev); PGKit is the only module that imports it.
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "PGKit", dependencies: ["CLibpq"]),
        // Starts libgit2 without parsing the system CA bundle it never needs here (startup.c says why).
        .target(name: "CGitStartup", dependencies: ["CLibgit2"]),
        .target(name: "GitKit", dependencies: ["CLibgit2", "CGitStartup"]),
        // The core library, in rooms named for what they hold (Docs/Architecture.md).
        .target(
            name: "RefugeCore",
            dependencies: [
                "GitKit", "PGKit", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the chain's bulk reads straight from GRDB's statements (ChainRow).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "CSV", package: "CSV.swift"),
                .product(name: "TextTable", package: "TextTable"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // One file per subcommand; each validates, calls RefugeCore, maps the outcome to output.
        .target(
            name: "RefugeCommands",
            dependencies: ["RefugeCore", "PGKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "git-refuge", dependencies: ["RefugeCommands"]),
        // Fuzz targets (Scripts/fuzz runs them under libFuzzer); built normally, it replays Fuzz/Corpus.
        .executableTarget(name: "refuge-fuzz", dependencies: ["RefugeCore", "GitKit"], path: "Fuzz/Sources"),
        // What every test target stands on: a hermetic sandbox running the real git and git-refuge, its
        // scenes (a server and clones, a diverged team), and typed decoding of every --json output.
        // It imports no test library, so that `swift build` (any configuration) builds it with the rest.
        .target(name: "RefugeTestSupport", path: "Tests/RefugeTestSupport"),
        .testTarget(name: "GitKitTests", dependencies: ["GitKit", "RefugeTestSupport"]),
        .testTarget(
            name: "RefugeCoreTests",
            dependencies: ["RefugeCore", "GitKit", "PGKit", "RefugeTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["RefugeCore", "GitKit", "RefugeTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Support/png_colors.py"]  // run by the report tests (python3's standard library)
        ),
    ],
    swiftLanguageModes: [.v6]
)
