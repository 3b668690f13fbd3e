// swift-tools-version:6.1
import PackageDescription

/// Upcoming features the model packages (hummingbird, swift-subprocess) enable; see ../shared/STYLE.md.
let strict: [SwiftSetting] = ["ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault"]
    .map { .enableUpcomingFeature($0) }

let package = Package(
    name: "explicable",
    products: [
        .library(name: "ExplicableCore", targets: ["ExplicableCore"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "ExplicableCore", swiftSettings: strict),
        .target(name: "Training", dependencies: ["ExplicableCore", "COpenBLAS"], swiftSettings: strict),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "ExplicableCore"], swiftSettings: strict),
    ]
)
