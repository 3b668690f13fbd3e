import Dispatch
import ExplicableCore
import Foundation

extension Corruption {
    /// `np.uint8(np.clip(v, 0, 1) * 255)` for a value on the 0…1 scale.
    @inline(__always)
    static func byte(_ v: Double) -> UInt8 { UInt8(min(max(v, 0), 1) * 255) }

    static func gaussianNoise(
        _ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, scale: Double,
        _ generator: inout SeededGenerator
    ) {
        var i = 0
        while i < x.count {
            let (z0, z1) = Sampling.normalPair(&generator)
            out[i] = byte(Double(x[i]) / 255 + scale * z0)
            if i + 1 < x.count { out[i + 1] = byte(Double(x[i + 1]) / 255 + scale * z1) }
            i += 2
        }
    }

    static func shotNoise(
        _ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, c: Double,
        _ generator: inout SeededGenerator
    ) {
        for i in x.indices {
            let k = Sampling.poisson(Double(x[i]) / 255 * c, &generator)
            out[i] = byte(Double(k) / c)
        }
    }

    /// scikit-image's `random_noise(mode='s&p')` as of 0.26 (`_bernoulli`, formerly `np.random.choice`):
    /// `flipped = rng.random(shape) <= amount`, `salted = rng.random(shape) <= 0.5`; flipped & salted → 1,
    /// flipped & ~salted → 0. Unflipped values come back unchanged (`v/255*255` is exact for every
    /// byte). Older releases instead set ceil(amount·size/2) values to 1 and as many to 0 at coordinates
    /// from `randint(0, dim - 1)`, which never reaches the last row, column or channel; which one the
    /// published CIFAR-10-C used depends on the authors' scikit-image version.
    static func impulseNoise(
        _ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, amount: Double,
        _ generator: inout SeededGenerator
    ) {
        for i in x.indices {
            let bits = generator.next()
            let u = Double(bits >> 11) * 0x1p-53  // top 53 bits: flip; lowest bit: salt or pepper
            out[i] = u <= amount ? (bits & 1 == 1 ? 255 : 0) : x[i]
        }
    }
}
