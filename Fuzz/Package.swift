// swift-tools-version:6.1
import PackageDescription

/// The root package's identity is the name of its folder (`explicable`, or a worktree's name).
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "explicable").lowercased()

/// Coverage-guided fuzz targets (libFuzzer) for explicable's readers of untrusted input.
///
/// Build and run through `run.sh`, which passes `-sanitize=fuzzer,address -parse-as-library`; a plain
/// `swift build` would link without libFuzzer's `main`. Its own package, like Benchmarks/, so the
/// root package and `swift test` never build it. StudyServer (Hummingbird) is left out on purpose:
/// the answer API's bodies are plain `JSONDecoder` on `Studies.AnswerAPI`, fuzzed here on those types.
let package = Package(
    name: "explicable-fuzz",
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "ExplicableFuzz",
            dependencies: [
                .product(name: "ExplicableCore", package: root), .product(name: "WordNet", package: root),
                .product(name: "Studies", package: root), .product(name: "LabelStore", package: root),
                .product(name: "Training", package: root),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
