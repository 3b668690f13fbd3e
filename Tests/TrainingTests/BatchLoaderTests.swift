import ExplicableCore
import Testing
@testable import Training

/// Normalisation, crop with padding, flip, and seeded augmentation.
struct BatchLoaderTests {
    func images(_ count: Int) throws -> Dataset {
        var bytes: [UInt8] = []
        for i in 0..<count { bytes += (0..<3072).map { UInt8(($0 * 7 + i * 13) % 256) } }
        return Dataset(
            source: "t", samples: .images(bytes), labels: (0..<count).map { Int32($0 % 2) },
            classes: try ClassSet(name: "t", labels: ["a", "b"]))
    }

    let normalization = Normalization(mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2])

    func expected(_ byte: UInt8, channel c: Int) -> Float {
        (Float(byte) / 255 - normalization.mean[c]) / normalization.std[c]
    }

    @Test func normalisesEachChannelWithoutAugmentation() throws {
        let data = try images(3)
        let loader = BatchLoader(dataset: data, normalization: normalization)
        var none: SeededGenerator? = nil
        loader.load([2, 0, 1], 0..<2, augmenting: &none)
        #expect(loader.batch.shape == [2, 3, 32, 32] && loader.labels == [0, 0])
        guard case .images(let bytes) = data.samples else { return }
        for (row, sample) in [2, 0].enumerated() {
            for i in stride(from: 0, to: 3072, by: 97) {
                #expect(loader.batch[row * 3072 + i] == expected(bytes[sample * 3072 + i], channel: i / 1024))
            }
        }
    }

    @Test func cropsWithZeroPaddingAndFlips() throws {
        let data = try images(1)
        guard case .images(let bytes) = data.samples else { return }
        let loader = BatchLoader(dataset: data, normalization: normalization)
        var table: [Float] = []
        for c in 0..<3 { for v in 0..<256 { table.append(expected(UInt8(v), channel: c)) } }
        var out = [Float](repeating: 0, count: 3072)
        func crop(dy: Int, dx: Int, flip: Bool) {
            bytes.withUnsafeBufferPointer { b in
                table.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { o in
                        BatchLoader.crop(
                            b.baseAddress!, into: o.baseAddress!, dy: dy, dx: dx, flip: flip, table: t.baseAddress!)
                    }
                }
            }
        }
        func source(_ c: Int, _ y: Int, _ x: Int) -> Float {
            y < 0 || y > 31 || x < 0 || x > 31
                ? expected(0, channel: c) : expected(bytes[c * 1024 + y * 32 + x], channel: c)
        }
        // Offset 4 on both axes is the image itself.
        crop(dy: 4, dx: 4, flip: false)
        #expect(out == (0..<3072).map { expected(bytes[$0], channel: $0 / 1024) })
        // Offset (0, 8): shifted down 4 and left 4, padding at the top and right; then mirrored.
        for flip in [false, true] {
            crop(dy: 0, dx: 8, flip: flip)
            for c in 0..<3 {
                for y in 0..<32 {
                    for x in 0..<32 {
                        let sx = (flip ? 31 - x : x) + 4
                        #expect(out[c * 1024 + y * 32 + x] == source(c, y - 4, sx))
                    }
                }
            }
        }
        _ = loader
    }

    @Test func augmentationIsSeeded() throws {
        let data = try images(8)
        let loader = BatchLoader(dataset: data, normalization: normalization)
        func batch(_ seed: UInt64) -> [Float] {
            var g: SeededGenerator? = SeededGenerator(seed: seed)
            loader.load(Array(0..<8), 0..<8, augmenting: &g)
            return loader.batch.values
        }
        #expect(batch(1) == batch(1))
        #expect(batch(1) != batch(2))
    }

    @Test func featureBatchesCopyRows() throws {
        let (train, _) = try featureData()
        let loader = BatchLoader(dataset: train, normalization: Normalization(mean: [0], std: [1]))
        var none: SeededGenerator? = nil
        loader.load([5, 1], 0..<2, augmenting: &none)
        guard case .features(let values, _) = train.samples else { return }
        #expect(loader.batch.shape == [2, 4])
        #expect(loader.batch.values == Array(values[20..<24]) + Array(values[4..<8]))
        #expect(loader.labels == [2, 1])
    }
}
