import CExplicableZlib
import ExplicableCore
import Foundation
import Studies
import Testing
import TestSupport

struct MistakeReviewTests {
    /// 20 test images, labels `i % 10`. Run `a` is wrong on 1, 3, 5, 7, 9, 11; run `b` on 3, 5, 7,
    /// 11, 13: both on 3, 5, 7 and 11. On 3 and 11 they make the same mistake; on 5 and 7 different ones.
    static func runs() -> [ReviewRun] {
        let labels = (0..<20).map { $0 % 10 }
        var a = labels, b = labels
        for i in [1, 3, 5, 7, 9, 11] { a[i] = (labels[i] + 1) % 10 }
        for i in [3, 11, 13] { b[i] = (labels[i] + 1) % 10 }
        b[5] = (labels[5] + 2) % 10
        b[7] = (labels[7] + 9) % 10  // below a's prediction: items sort by class index
        return [
            ReviewRun(name: "a", predictions: a, labels: labels), ReviewRun(name: "b", predictions: b, labels: labels),
        ]
    }

    @Test func choosesOnlyImagesEveryRunGotWrongAndIsSeeded() throws {
        let first = try MistakeReview.select(runs: Self.runs(), count: 3, seed: 7)
        #expect(first.candidates == 4)
        let images = Set(first.entries.map(\.testIndex))
        #expect(images.count == 3 && images.isSubset(of: [3, 5, 7, 11]))
        #expect(try MistakeReview.select(runs: Self.runs(), count: 3, seed: 7) == first)
        // Different seeds choose different subsets at least once.
        let subsets = try Set(
            (0..<20).map { seed in
                try MistakeReview.select(runs: Self.runs(), count: 2, seed: UInt64(seed)).entries.map(\.testIndex)
            })
        #expect(subsets.count > 1)
    }

    @Test func oneItemPerDistinctWrongPredictionWithItsModels() throws {
        let review = try MistakeReview.select(runs: Self.runs(), count: 4, seed: 1)
        let got = review.entries.map { "\($0.item) \($0.image) \($0.trueClass)→\($0.prediction) \($0.models)" }
        #expect(
            got == [
                "image:0 cifar10-test:3 3→4 [\"a\", \"b\"]",
                "image:1 cifar10-test:5 5→6 [\"a\"]",
                "image:2 cifar10-test:5 5→7 [\"b\"]",
                "image:3 cifar10-test:7 7→6 [\"b\"]",
                "image:4 cifar10-test:7 7→8 [\"a\"]",
                "image:5 cifar10-test:11 1→2 [\"a\", \"b\"]",
            ])
        #expect(review.images.map(\.predictions) == [[4], [6], [7], [6], [8], [2]])
        #expect(review.modelsByItem["image:2"] == ["b"])
        let mapping = try JSONSerialization.jsonObject(with: review.mappingJSON(study: "s")) as! [String: Any]
        #expect(mapping["models"] as? [String] == ["a", "b"])
        #expect((mapping["items"] as? [[String: Any]])?.count == 6)
    }

    @Test func tooFewSharedMistakesSaysHowManyThereAre() {
        #expect(
            throws: ExplicableError(
                .invalidArgument,
                "only 4 test images are misclassified by every run (a, b), but 5 were asked for")
        ) {
            try MistakeReview.select(runs: Self.runs(), count: 5, seed: 1)
        }
        var other = Self.runs()
        other[1].name = "a"
        #expect(throws: ExplicableError.self) { try MistakeReview.select(runs: other, count: 1, seed: 1) }
    }

    @Test func runFilesAreCheckedAndNamed() throws {
        let folder = try temporaryFolder().appendingPathComponent("run-x")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try NPYArray(shape: [3], storage: .int64([1, 2, 3])).write(to: folder.appendingPathComponent("predictions.npy"))
        try NPYArray(shape: [3], storage: .uint8([1, 2, 4])).write(to: folder.appendingPathComponent("labels.npy"))
        let run = try ReviewRun.load(folder, classCount: 10)
        #expect(run == ReviewRun(name: "run-x", predictions: [1, 2, 3], labels: [1, 2, 4]))
        try NPYArray(shape: [3], storage: .int64([1, 12, 3])).write(
            to: folder.appendingPathComponent("predictions.npy"))
        let bad = folder.appendingPathComponent("predictions.npy").path
        #expect(throws: ExplicableError.badInput("element 1 is 12.0, not a class index in 0..<10", file: bad)) {
            try ReviewRun.load(folder, classCount: 10)
        }
        try NPYArray(shape: [1, 3], storage: .int64([1, 2, 3])).write(
            to: folder.appendingPathComponent("predictions.npy"))
        #expect(
            throws: ExplicableError.badInput("expected a 1-D array of class indices, found shape [1, 3]", file: bad)
        ) {
            try ReviewRun.load(folder, classCount: 10)
        }
        try NPYArray(shape: [2], storage: .int64([1, 2])).write(to: folder.appendingPathComponent("predictions.npy"))
        #expect(throws: ExplicableError.badInput("holds 2 predictions but labels.npy holds 3 labels", file: bad)) {
            try ReviewRun.load(folder, classCount: 10)
        }
    }

    /// Decodes the PNG: the IHDR says 128×128 8-bit RGB, and the inflated rows (filter byte 0 each)
    /// hold every source pixel as a 4×4 block of exact copies.
    @Test func upscaledPNGRepeatsEachPixelAsABlock() throws {
        var source = [UInt8]()
        for i in 0..<(32 * 32) { source += [UInt8(i % 251), UInt8((i * 7) % 256), UInt8((i / 32) * 8)] }
        let png = [UInt8](
            PNGEncoder.encode(
                rgb: PNGEncoder.upscale(rgb: source, width: 32, height: 32, factor: 4), width: 128, height: 128))
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var chunks: [String: [UInt8]] = [:]
        var at = 8
        while at < png.count {
            let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self)
            chunks[type, default: []] += png[(at + 8)..<(at + 8 + length)]
            at += 12 + length
        }
        let ihdr = try #require(chunks["IHDR"])
        func be32(_ o: Int) -> Int { ihdr[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(0) == 128 && be32(4) == 128 && Array(ihdr[8...]) == [8, 2, 0, 0, 0])
        let idat = try #require(chunks["IDAT"])
        var raw = [UInt8](repeating: 0, count: 128 * (1 + 128 * 3))
        var rawLength = uLongf(raw.count)
        #expect(uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK)
        #expect(Int(rawLength) == raw.count)
        var mismatches = 0
        for y in 0..<128 {
            let row = y * (1 + 128 * 3)
            #expect(raw[row] == 0)
            for x in 0..<128 {
                let s = ((y / 4) * 32 + x / 4) * 3
                if Array(raw[(row + 1 + x * 3)..<(row + 4 + x * 3)]) != Array(source[s..<(s + 3)]) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(PNGEncoder.upscale(rgb: source, width: 32, height: 32, factor: 1) == source)
    }
}
