public import Foundation
public import Testing

// Folders and fixtures shared by every test target: the repository, temporary folders, the real
// data sets in ../shared/data and the fixtures committed once for several targets.

/// The package root (the folder holding `Package.swift`).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built products (`.build/debug`): the `explicable` binary and the resource bundles.
public let productsFolder = Bundle.module.bundleURL.deletingLastPathComponent()

/// A fresh, empty temporary folder; tests never share one.
public func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("explicable-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The folder of the real data sets: `$EXPLICABLE_DATA`, else `../shared/data` beside the checkout.
public let sharedData: URL = {
    if let path = ProcessInfo.processInfo.environment["EXPLICABLE_DATA"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
}()

/// `relativePath` inside ``sharedData``; fails the test (never skips it) when the file is missing.
public func requireSharedData(
    _ relativePath: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> URL {
    let url = sharedData.appendingPathComponent(relativePath)
    try #require(
        FileManager.default.fileExists(atPath: url.path),
        "missing \(url.path): put the real data in ../shared/data or set EXPLICABLE_DATA",
        sourceLocation: sourceLocation)
    return url
}

/// The CIFAR-10 binary batches (`cifar-10-batches-bin`); fails the test when they are missing.
public func requireCIFAR10Folder(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
    try requireSharedData("cifar-10-batches-bin/test_batch.bin", sourceLocation: sourceLocation)
        .deletingLastPathComponent()
}

/// A committed fixture: `Fixtures/name` in `bundle` (the calling target's `Bundle.module`), else
/// one of the fixtures shared by several targets (`Tests/TestSupport/Fixtures`: `mini.xml`,
/// `mini.xml.gz`, `mini-classes.tsv`). A missing fixture stops the test run with its name.
public func fixtureFile(_ name: String, in bundle: Bundle? = nil) -> URL {
    for candidate in [bundle, Bundle.module].compactMap({ $0 }) {
        if let url = candidate.url(forResource: "Fixtures/\(name)", withExtension: nil) { return url }
    }
    preconditionFailure("no fixture named '\(name)' in \(bundle?.bundlePath ?? "-") or in TestSupport")
}

/// A built-in class set of `wordnet/` (`cifar10`, `cifar100`, `imagenet1k`).
public func builtInClassSetURL(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("wordnet/\(name).tsv")
}
