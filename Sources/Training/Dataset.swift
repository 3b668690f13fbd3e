public import ExplicableCore
import Foundation

/// A labelled data set held in memory: CIFAR images or feature vectors, with their classes.
///
/// Images are kept as the bytes of the release (3×32×32 per image, channel planes red, green,
/// blue, rows top first), so the 50,000 CIFAR training images take 150 MB; ``BatchLoader``
/// normalises (and augments) them batch by batch into a reused tensor.
public struct Dataset: Sendable {
    /// The samples, in data-set order.
    public enum Samples: Sendable, Equatable {
        /// `count × 3 × 32 × 32` bytes, NCHW.
        case images([UInt8])
        /// `count × dimension` floats, row-major.
        case features([Float], dimension: Int)
    }

    /// Where the samples came from, for messages and checkpoints (a folder or file path).
    public let source: String
    public let samples: Samples
    /// The class of each sample, in `0..<classes.count`.
    public let labels: [Int32]
    /// The classes, in label order.
    public let classes: ClassSet

    /// Creates a data set; `labels` must be in range and as many as the samples.
    public init(source: String, samples: Samples, labels: [Int32], classes: ClassSet) {
        switch samples {
        case .images(let bytes): precondition(bytes.count == labels.count * Self.imageSize, "image bytes ≠ labels")
        case .features(let values, let d): precondition(d > 0 && values.count == labels.count * d, "features ≠ labels")
        }
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes.count }, "label out of range")
        self.source = source
        self.samples = samples
        self.labels = labels
        self.classes = classes
    }

    /// The bytes of one 3×32×32 image.
    public static let imageSize = 3 * 32 * 32

    /// The number of samples.
    public var count: Int { labels.count }

    /// The shape of one sample: `[3, 32, 32]` or `[D]`.
    public var sampleShape: [Int] {
        switch samples {
        case .images: [3, 32, 32]
        case .features(_, let d): [d]
        }
    }

    /// The samples at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> Dataset {
        let newLabels = indices.map { labels[$0] }
        switch samples {
        case .images(let bytes):
            var out = [UInt8](repeating: 0, count: indices.count * Self.imageSize)
            for (k, i) in indices.enumerated() {
                out.replaceSubrange(
                    (k * Self.imageSize)..<((k + 1) * Self.imageSize),
                    with: bytes[(i * Self.imageSize)..<((i + 1) * Self.imageSize)])
            }
            return Dataset(source: source, samples: .images(out), labels: newLabels, classes: classes)
        case .features(let values, let d):
            var out = [Float](repeating: 0, count: indices.count * d)
            for (k, i) in indices.enumerated() {
                out.replaceSubrange((k * d)..<((k + 1) * d), with: values[(i * d)..<((i + 1) * d)])
            }
            return Dataset(source: source, samples: .features(out, dimension: d), labels: newLabels, classes: classes)
        }
    }

    /// A stratified subset of `size` samples: each class keeps its share of the data set (rounded
    /// by largest remainder), the samples of a class drawn at random with `seed`. The result keeps
    /// data-set order.
    ///
    /// - Throws: `ExplicableError` (`invalidArgument`) when `size` is not in `1...count`.
    public func stratifiedSubset(_ size: Int, seed: UInt64) throws(ExplicableError) -> Dataset {
        guard size >= 1 && size <= count else {
            throw ExplicableError(
                .invalidArgument, "--subset \(size) must be between 1 and the \(count) samples of \(source)")
        }
        if size == count { return self }
        var byClass = [[Int]](repeating: [], count: classes.count)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        // Largest-remainder apportionment of `size` over the classes.
        let exact = byClass.map { Double($0.count) * Double(size) / Double(count) }
        var quota = exact.map { Int($0.rounded(.down)) }
        let order = (0..<classes.count).sorted {
            (exact[$0] - Double(quota[$0]), -$0) > (exact[$1] - Double(quota[$1]), -$1)
        }
        for c in order.prefix(size - quota.reduce(0, +)) { quota[c] += 1 }
        var generator = SeededGenerator(seed: seed ^ 0x5EB5_E7_5AB5E7)
        var chosen: [Int] = []
        chosen.reserveCapacity(size)
        for c in 0..<classes.count {
            var members = byClass[c]
            members.shuffle(using: &generator)
            chosen += members.prefix(quota[c])
        }
        chosen.sort()
        return selecting(chosen)
    }

    /// Per-channel mean and standard deviation of the images scaled to [0, 1] (for feature vectors:
    /// zero mean and unit deviation, so they pass through unchanged).
    public func channelStatistics() -> (mean: [Float], std: [Float]) {
        guard case .images(let bytes) = samples else { return ([0], [1]) }
        var sum = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
        let plane = 32 * 32
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<count {
                for c in 0..<3 {
                    var s = 0, q = 0
                    let base = i * Self.imageSize + c * plane
                    for p in 0..<plane {
                        let v = Int(b[base + p])
                        s += v
                        q += v * v
                    }
                    sum[c] += Double(s)
                    squares[c] += Double(q)
                }
            }
        }
        let n = Double(count * plane)
        let mean = sum.map { $0 / n / 255 }
        let std = (0..<3).map { c in max(1e-6, (squares[c] / n / 65025 - mean[c] * mean[c]).squareRoot()) }
        return (mean.map(Float.init), std.map(Float.init))
    }

    /// A short fingerprint of the labels (count and an FNV-1a hash), so a resumed run can tell that
    /// it is given the same data.
    public var fingerprint: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for y in labels {
            hash ^= UInt64(UInt32(bitPattern: y))
            hash &*= 0x100_0000_01B3
        }
        return "\(count):\(String(hash, radix: 16))"
    }
}
