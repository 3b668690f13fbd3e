// swift-tools-version:6.1
import PackageDescription

/// Upcoming features the model packages (hummingbird, swift-subprocess) enable; see ../shared/STYLE.md.
let strict: [SwiftSetting] = ["ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault"]
    .map { .enableUpcomingFeature($0) }

let package = Package(
    name: "explicable",
    products: [
        .executable(name: "explicable", targets: ["explicable"]),
        .library(name: "ExplicableCore", targets: ["ExplicableCore"]),
        .library(name: "WordNet", targets: ["WordNet"]),
        .library(name: "LabelStore", targets: ["LabelStore"]),
        .library(name: "Studies", targets: ["Studies"]),
        .library(name: "Semantics", targets: ["Semantics"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Audit", targets: ["Audit"]),
        .library(name: "StudyServer", targets: ["StudyServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // JATOS results archives (`study import --format jatos FILE.zip`). It brings its own zlib module,
        // `CZLib`: ours is `CExplicableZlib` so the two never clash.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `swift package generate-documentation`: DocC for the library targets (Sources/*/*.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Tests only (through TestSupport): golden files for rendered HTML and exported CSV (STYLE.md §5).
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", exact: "1.19.7"),
    ],
    targets: [
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CExplicableZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Our own direct 3×3 convolution kernels (AVX2 + FMA behind a run-time check). No unsafeFlags, so
        // the libraries can be depended on by version: debug builds compile them at -O0, and Conv2d then
        // prefers im2col + OpenBLAS (`Conv2d.directKernelsOptimized`); tests select the kernels explicitly.
        .target(name: "CConvKernels"),
        // wordnet/, studies/ and templates/ are compiled into ExplicableCore (EmbeddedFiles), so a copied
        // binary works from any folder (the plugin runs a small shell script with base64 at build time).
        .plugin(name: "EmbedRepositoryFiles", capability: .buildTool()),
        .target(name: "ExplicableCore", swiftSettings: strict, plugins: ["EmbedRepositoryFiles"]),
        .target(
            name: "WordNet", dependencies: ["ExplicableCore", "CLibXML2", "CExplicableZlib"], swiftSettings: strict),
        .target(
            name: "LabelStore",
            dependencies: [
                "ExplicableCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Studies",
            dependencies: [
                "ExplicableCore", "LabelStore", "CExplicableZlib",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        .target(name: "Semantics", dependencies: ["ExplicableCore", "LabelStore", "WordNet"], swiftSettings: strict),
        .target(
            name: "Training",
            dependencies: [
                "ExplicableCore", "COpenBLAS", "CConvKernels", "CExplicableZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Audit",
            dependencies: [
                "ExplicableCore", "WordNet", "LabelStore", "Semantics", "Training", "CJPEG",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "StudyServer",
            dependencies: [
                "ExplicableCore", "LabelStore", "Studies",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "explicable",
            dependencies: [
                "ExplicableCore", "WordNet", "LabelStore", "Studies", "Semantics", "Training", "Audit", "StudyServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // For the test targets only: temporary folders, the data-folder lookup, tolerances, golden
        // files and the fixtures several test targets share. No library or executable imports it.
        .target(
            name: "TestSupport",
            dependencies: ["ExplicableCore", .product(name: "SnapshotTesting", package: "swift-snapshot-testing")],
            path: "Tests/TestSupport", resources: [.copy("Fixtures")], swiftSettings: strict
        ),
        .testTarget(
            name: "ExplicableCoreTests", dependencies: ["ExplicableCore", "TestSupport"],
            exclude: ["__Snapshots__"], resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StudiesTests",
            dependencies: [
                "Studies", "LabelStore", "ExplicableCore", "CExplicableZlib", "TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            exclude: ["__Snapshots__"], resources: [.copy("Fixtures")], swiftSettings: strict
        ),
        .testTarget(
            name: "SemanticsTests",
            dependencies: ["Semantics", "LabelStore", "ExplicableCore", "WordNet", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: [
                "Audit", "ExplicableCore", "LabelStore", "Semantics", "Studies", "Training", "WordNet", "CLibXML2",
                "TestSupport",
            ],
            exclude: ["__Snapshots__"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "ExplicableCore", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StudyServerTests",
            dependencies: [
                "StudyServer", "Studies", "LabelStore", "ExplicableCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["__Snapshots__"], swiftSettings: strict
        ),
        .testTarget(
            name: "LabelStoreTests", dependencies: ["LabelStore", "ExplicableCore", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WordNetTests", dependencies: ["WordNet", "ExplicableCore", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "explicableTests",
            dependencies: [
                "explicable", "ExplicableCore", "LabelStore", "Semantics", "Studies", "WordNet", "Training",
                "TestSupport",
            ],
            swiftSettings: strict
        ),
    ]
)
