import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import Training

/// A committed fixture file.
func fixtureURL(_ name: String) -> URL { fixtureFile(name, in: .module) }

/// The real CIFAR-10 batches; fails the test (does not skip it) when they are missing.
func cifar10Folder() throws -> URL { try requireCIFAR10Folder() }

/// The real CIFAR-10 training and test sets, read once per test process.
let realCIFAR10: (train: Dataset, test: Dataset)? = {
    guard let folder = try? cifar10Folder() else { return nil }
    guard let train = try? DatasetReader.cifar10(folder: folder, split: .train),
        let test = try? DatasetReader.cifar10(folder: folder, split: .test)
    else { return nil }
    return (train, test)
}()

func requireCIFAR10() throws -> (train: Dataset, test: Dataset) {
    _ = try cifar10Folder()
    return try #require(realCIFAR10, "CIFAR-10 could not be read")
}

/// `count` CIFAR records with the given label bytes per record and pixel bytes from a seeded generator.
func cifarRecords(labels: [[UInt8]], seed: UInt64 = 1) -> Data {
    var generator = SeededGenerator(seed: seed)
    var data = Data()
    for label in labels {
        data.append(contentsOf: label)
        data.append(contentsOf: (0..<3072).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }
    return data
}

/// The small three-class feature set of the fixtures (60 training, 30 test vectors in 4 dimensions).
func featureData() throws -> (train: Dataset, test: Dataset) {
    let classes = try ClassSet.readTSV(fixtureURL("classes.tsv"))
    return (
        try DatasetReader.features(
            features: fixtureURL("features-train.npy"), labels: fixtureURL("labels-train.npy"), classes: classes),
        try DatasetReader.features(
            features: fixtureURL("features-test.npy"), labels: fixtureURL("labels-test-u8.npy"), classes: classes)
    )
}
