import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import Training

/// The CIFAR and feature readers: real data, and every kind of bad data.
struct DatasetReaderTests {
    @Test func readsTheRealCIFAR10() throws {
        let (train, test) = try requireCIFAR10()
        #expect(train.count == 50_000 && test.count == 10_000)
        #expect(train.classes.labels == DatasetReader.cifar10Labels && train.sampleShape == [3, 32, 32])
        // The README of the data folder lists 1,000 test images per class and these per-class counts for data_batch_1.
        var perClass = [Int](repeating: 0, count: 10)
        for y in test.labels { perClass[Int(y)] += 1 }
        #expect(perClass == [Int](repeating: 1000, count: 10))
        var first = [Int](repeating: 0, count: 10)
        for y in train.labels.prefix(10_000) { first[Int(y)] += 1 }
        #expect(first == [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981])
        // Per-channel statistics near the well-known CIFAR-10 values (0.491, 0.482, 0.447 / 0.247, 0.243, 0.261).
        let (mean, std) = train.channelStatistics()
        for (m, e) in zip(mean, [0.4914, 0.4822, 0.4465] as [Float]) { #expect(abs(m - e) < 0.005) }
        for (s, e) in zip(std, [0.2470, 0.2435, 0.2616] as [Float]) { #expect(abs(s - e) < 0.005) }
    }

    /// Labels and pixels of known images, read from the batches with python3 (records of 3,073 bytes:
    /// the label byte, then the red, green and blue 32×32 planes; `rec[1 + c*1024 + y*32 + x]`).
    /// The dataset keeps the planes: channel c of pixel (x, y) of image i is at `i*3072 + c*1024 + y*32 + x`.
    @Test func realCIFAR10LabelsAndPixelsByContent() throws {
        let (train, test) = try requireCIFAR10()
        let cases: [(Dataset, image: Int, label: Int32, x: Int, y: Int, rgb: [UInt8])] = [
            (test, 0, 3, 0, 0, [158, 112, 49]), (test, 0, 3, 17, 5, [66, 56, 45]), (test, 0, 3, 31, 31, [21, 67, 110]),
            (test, 9999, 7, 8, 16, [86, 76, 67]),
            (train, 0, 6, 0, 0, [59, 62, 63]), (train, 0, 6, 17, 5, [97, 63, 32]),  // data_batch_1, record 0
            (train, 49_999, 1, 31, 31, [159, 158, 154]),  // data_batch_5, record 9999
        ]
        for (data, image, label, x, y, rgb) in cases {
            #expect(data.labels[image] == label, "label of image \(image)")
            guard case .images(let bytes) = data.samples else {
                Issue.record("not images")
                return
            }
            let planes = (0..<3).map { bytes[image * 3072 + $0 * 1024 + y * 32 + x] }
            #expect(planes == rgb, "image \(image), pixel (\(x), \(y))")
        }
    }

    @Test func stratifiedSubsetKeepsClassSharesAndIsSeeded() throws {
        let (train, _) = try requireCIFAR10()
        let a = try train.stratifiedSubset(1000, seed: 1), b = try train.stratifiedSubset(1000, seed: 1)
        let c = try train.stratifiedSubset(1000, seed: 2)
        #expect(a.count == 1000 && a.labels == b.labels && a.samples == b.samples)
        #expect(a.samples != c.samples)
        var perClass = [Int](repeating: 0, count: 10)
        for y in a.labels { perClass[Int(y)] += 1 }
        #expect(perClass == [Int](repeating: 100, count: 10))  // 5,000 of each class in 50,000
        #expect(throws: ExplicableError.self) { try train.stratifiedSubset(0, seed: 1) }
    }

    @Test func stratifiedSubsetRoundsByLargestRemainder() throws {
        // Classes of 5, 3 and 2 samples; 5 of 10 gives 2.5, 1.5, 1 → 3 (tie broken to the lower index), 1, 1.
        let classes = try ClassSet(name: "t", labels: ["a", "b", "c"])
        let labels: [Int32] = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]
        let data = Dataset(
            source: "t", samples: .features((0..<10).map(Float.init), dimension: 1), labels: labels, classes: classes)
        let subset = try data.stratifiedSubset(5, seed: 9)
        #expect(subset.labels.filter { $0 == 0 }.count == 3)
        #expect(subset.labels.filter { $0 == 1 }.count == 1 && subset.labels.filter { $0 == 2 }.count == 1)
        // Each kept sample keeps its own label.
        guard case .features(let values, _) = subset.samples else {
            Issue.record("not features")
            return
        }
        for (v, y) in zip(values, subset.labels) { #expect(labels[Int(v)] == y) }
    }

    @Test func readsCIFAR100FineAndCoarseLabels() throws {
        let folder = try temporaryFolder()
        try cifarRecords(labels: [[3, 99], [19, 0]]).write(to: folder.appendingPathComponent("train.bin"))
        let fine = try DatasetReader.cifar100(folder: folder, split: .train)
        let coarse = try DatasetReader.cifar100(folder: folder, split: .train, coarse: true)
        #expect(fine.labels == [99, 0] && fine.classes.count == 100 && fine.classes.labels[99] == "worm")
        #expect(coarse.labels == [3, 19] && coarse.classes.count == 20 && coarse.classes.labels[19] == "vehicles_2")
        // The image bytes follow the two label bytes.
        let raw = [UInt8](cifarRecords(labels: [[3, 99], [19, 0]]))
        #expect(fine.samples == .images(Array(raw[2..<3074]) + Array(raw[3076..<6148])))
    }

    @Test func rejectsACIFARFileOfTheWrongSize() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("test_batch.bin")
        try cifarRecords(labels: [[1], [2]]).dropLast().write(to: file)
        let error = try #require(throws: ExplicableError.self) {
            try DatasetReader.cifar10(folder: folder, split: .test)
        }
        #expect(error.kind == .badInput && error.file == file.path)
        #expect(
            error.message.contains("wrong file size: 6145 bytes is not a positive multiple of the 3073-byte record"))
        try Data().write(to: file)
        #expect(throws: ExplicableError.self) { try DatasetReader.cifar10(folder: folder, split: .test) }
    }

    @Test func rejectsALabelByteOutOfRange() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("test_batch.bin")
        try cifarRecords(labels: [[1], [9], [10]]).write(to: file)
        let error = try #require(throws: ExplicableError.self) {
            try DatasetReader.cifar10(folder: folder, split: .test)
        }
        #expect(error.description == "\(file.path): record 2: label byte 10 is out of range 0…9")
        // CIFAR-100: a fine label of 100, and a coarse label of 20 even when reading fine labels.
        try cifarRecords(labels: [[0, 100]]).write(to: folder.appendingPathComponent("test.bin"))
        let fine = try #require(throws: ExplicableError.self) {
            try DatasetReader.cifar100(folder: folder, split: .test)
        }
        #expect(fine.message == "record 0: label byte 100 is out of range 0…99")
        try cifarRecords(labels: [[20, 5]]).write(to: folder.appendingPathComponent("test.bin"))
        let coarse = try #require(throws: ExplicableError.self) {
            try DatasetReader.cifar100(folder: folder, split: .test)
        }
        #expect(coarse.message == "record 0: label byte 1 is 20, out of range 0…19")
    }

    @Test func namesTheMissingFileAndHowToFetchIt() throws {
        let folder = try temporaryFolder()
        let error = try #require(throws: ExplicableError.self) {
            try DatasetReader.cifar10(folder: folder, split: .train)
        }
        #expect(error.kind == .missingData)
        #expect(error.message.contains(folder.appendingPathComponent("data_batch_1.bin").path))
        #expect(error.message.contains("explicable data fetch cifar10"))
    }

    @Test func readsFeaturesWithInt64AndUInt8Labels() throws {
        let (train, test) = try featureData()
        #expect(train.count == 60 && test.count == 30 && train.sampleShape == [4] && test.sampleShape == [4])
        #expect(Array(train.labels.prefix(4)) == [0, 1, 2, 0] && Array(test.labels.prefix(4)) == [0, 1, 2, 0])
    }

    @Test(arguments: [
        ("features-nan.npy", "labels-train.npy", "features-nan.npy: row 7, column 2 is nan (features must be finite)"),
        (
            "features-f8.npy", "labels-train.npy",
            "features-f8.npy: features must be a 2-D float32 (<f4) array N×D, got <f8 of shape [60, 4]"
        ),
        ("features-train.npy", "labels-short.npy", "labels-short.npy: 59 labels for the 60 feature rows of"),
        (
            "features-train.npy", "labels-out-of-range.npy",
            "labels-out-of-range.npy: label 11 is 3, out of range 0…2 for 3 classes"
        ),
        (
            "features-train.npy", "features-train.npy",
            "features-train.npy: labels must be int64 (<i8) or uint8 (|u1), got <f4"
        ),
    ])
    func rejectsBadFeatureData(_ features: String, _ labels: String, _ expected: String) throws {
        let classes = try ClassSet.readTSV(fixtureURL("classes.tsv"))
        let error = try #require(throws: ExplicableError.self) {
            try DatasetReader.features(features: fixtureURL(features), labels: fixtureURL(labels), classes: classes)
        }
        #expect(error.kind == .badInput)
        #expect(error.description.contains(expected), "\(error.description)")
    }

    /// Labels of `Int64.max` (once an overflow trap) or 10^12 (once a class list of a trillion
    /// names) are refused when the class count is inferred from them.
    @Test(arguments: [Int64.max, 1_000_000_000_000, Int64(DatasetReader.maxInferredClassCount), -1])
    func refusesAbsurdLabelsWhenInferringClasses(label: Int64) throws {
        let url = try temporaryFolder().appendingPathComponent("labels.npy")
        try NPYArray(shape: [3], storage: .int64([0, label, 1])).write(to: url)
        let error = try #require(throws: ExplicableError.self) { try DatasetReader.classCount(labels: url) }
        #expect(error.kind == .badInput && error.file == url.path)
        #expect(error.message.hasPrefix("label 1 is \(label), out of range 0…99999"), "\(error.message)")
        try NPYArray(shape: [3], storage: .int64([0, 99_999, 1])).write(to: url)
        #expect(try DatasetReader.classCount(labels: url) == 100_000)
    }

    /// `CIFARBinary` (the reader behind matrix building and study images) refuses a label byte above 9.
    @Test func cifarBinaryRefusesALabelByteOutOfRange() throws {
        let file = try temporaryFolder().appendingPathComponent("test_batch.bin")
        try cifarRecords(labels: [[1], [200]]).write(to: file)
        let error = try #require(throws: ExplicableError.self) { try CIFARBinary(url: file) }
        #expect(error.description == "\(file.path): record 1: label byte 200 is out of range 0…9")
        try cifarRecords(labels: [[1], [9]]).write(to: file)
        #expect(try CIFARBinary(url: file).label(1) == 9)
    }
}
