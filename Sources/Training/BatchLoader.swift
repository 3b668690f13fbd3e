public import ExplicableCore

/// Per-channel normalisation, `(x / 255 − mean[c]) / std[c]` for image bytes.
public struct Normalization: Sendable, Equatable, Codable {
    /// One mean per channel, in [0, 1] units.
    public var mean: [Float]
    /// One standard deviation per channel, in [0, 1] units.
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && std.allSatisfy { $0 > 0 }, "Normalization: bad statistics")
        self.mean = mean
        self.std = std
    }
}

/// Turns samples of a ``Dataset`` into batches: normalised, optionally augmented, written into one
/// reused tensor and one reused label array, so the training loop allocates nothing per batch.
///
/// Augmentation is torchvision's `RandomCrop(32, padding: 4)` then `RandomHorizontalFlip()`: the
/// image is padded with 4 zero pixels on each side (zero before normalisation), a 32×32 window is
/// cut at a random offset in 0…8 on each axis, and mirrored with probability ½. Each image draws
/// its offsets and flip from the generator in batch order, so a seeded run is reproducible.
public final class BatchLoader {
    /// The data set batches are cut from.
    public let dataset: Dataset
    /// The normalisation applied to image bytes (feature vectors are passed through as they are).
    public let normalization: Normalization
    /// The current batch, N×3×32×32 or N×D.
    public let batch = Tensor(shape: [0])
    /// The labels of the current batch.
    public private(set) var labels: [Int] = []

    /// Per channel, the normalised value of each byte.
    private var lookup: [Float]
    private var crops: [Int] = []
    private var flips: [Bool] = []

    public init(dataset: Dataset, normalization: Normalization) {
        self.dataset = dataset
        self.normalization = normalization
        lookup = []
        if case .images = dataset.samples {
            precondition(normalization.mean.count == 3, "BatchLoader: images need three channel statistics")
            for c in 0..<3 {
                for v in 0..<256 { lookup.append((Float(v) / 255 - normalization.mean[c]) / normalization.std[c]) }
            }
        }
    }

    /// Fills ``batch`` and ``labels`` with the samples `order[range]`.
    ///
    /// - Parameters:
    ///   - order: sample indices into the data set (an epoch's permutation, or `0..<count`).
    ///   - range: the positions in `order` of this batch's samples.
    ///   - generator: the generator for crops and flips; `nil` gives the plain images (evaluation).
    public func load(_ order: [Int], _ range: Range<Int>, augmenting generator: inout SeededGenerator?) {
        let n = range.count
        labels.removeAll(keepingCapacity: true)
        for k in range { labels.append(Int(dataset.labels[order[k]])) }
        switch dataset.samples {
        case .features(let values, let d):
            batch.resize(n, d)
            let out = batch.storage
            values.withUnsafeBufferPointer { v in
                for (row, k) in range.enumerated() {
                    (out + row * d).update(from: v.baseAddress! + order[k] * d, count: d)
                }
            }
        case .images(let bytes):
            batch.resize(n, 3, 32, 32)
            crops.removeAll(keepingCapacity: true)
            flips.removeAll(keepingCapacity: true)
            if generator != nil {
                for _ in 0..<n {
                    crops.append(Int(generator!.next() % 9))
                    crops.append(Int(generator!.next() % 9))
                    flips.append(generator!.next() & 1 == 1)
                }
            }
            let augment = generator != nil
            let out = batch.storage, start = range.lowerBound
            bytes.withUnsafeBufferPointer { b in
                lookup.withUnsafeBufferPointer { table in
                    crops.withUnsafeBufferPointer { crops in
                        flips.withUnsafeBufferPointer { flips in
                            order.withUnsafeBufferPointer { order in
                                Parallel.forEachChunk(count: n, minimumChunk: 16) { _, rows in
                                    for row in rows {
                                        let src = b.baseAddress! + order[start + row] * Dataset.imageSize
                                        let dst = out + row * Dataset.imageSize
                                        if augment {
                                            Self.crop(
                                                src, into: dst, dy: crops[2 * row], dx: crops[2 * row + 1],
                                                flip: flips[row], table: table.baseAddress!)
                                        } else {
                                            for c in 0..<3 {
                                                let t = table.baseAddress! + c * 256
                                                for p in 0..<1024 { dst[c * 1024 + p] = t[Int(src[c * 1024 + p])] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes the 32×32 window at offset (`dy`, `dx`) of the 4-pixel zero-padded image, mirrored when
    /// `flip`, normalised through `table`.
    static func crop(
        _ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<Float>, dy: Int, dx: Int, flip: Bool,
        table: UnsafePointer<Float>
    ) {
        for c in 0..<3 {
            let t = table + c * 256, pad = t[0], plane = src + c * 1024, out = dst + c * 1024
            for y in 0..<32 {
                let sy = y + dy - 4
                let row = out + y * 32
                guard sy >= 0 && sy < 32 else {
                    row.update(repeating: pad, count: 32)
                    continue
                }
                let line = plane + sy * 32
                for x in 0..<32 {
                    let sx = (flip ? 31 - x : x) + dx - 4
                    row[x] = sx >= 0 && sx < 32 ? t[Int(line[sx])] : pad
                }
            }
        }
    }
}
