// swift-tools-version:6.1
import PackageDescription

/// The root package's identity is the name of its folder (`explicable`, or a worktree's name).
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "explicable").lowercased()

/// Release benchmarks for explicable; run through the scripts in this folder, which print JSON lines
/// and compare against their peers (xmllint and the Python package wn, numpy's bundled OpenBLAS,
/// PyTorch, the sqlite3 shell) in the same run.
let package = Package(
    name: "explicable-benchmarks",
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "BLASBenchmark", dependencies: [.product(name: "Training", package: root)],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .executableTarget(
            name: "WordNetBenchmark",
            dependencies: [.product(name: "WordNet", package: root), .product(name: "ExplicableCore", package: root)],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "SemanticsBenchmark",
            dependencies: [
                .product(name: "Semantics", package: root), .product(name: "ExplicableCore", package: root),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "AllocatorBenchmark", dependencies: [.product(name: "ExplicableCore", package: root)],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "TrainBenchmark",
            dependencies: [.product(name: "Training", package: root), .product(name: "ExplicableCore", package: root)],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .executableTarget(
            name: "DesignBenchmark",
            dependencies: [
                .product(name: "Audit", package: root), .product(name: "Semantics", package: root),
                .product(name: "ExplicableCore", package: root),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
