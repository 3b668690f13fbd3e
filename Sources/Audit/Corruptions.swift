import Dispatch
public import ExplicableCore
import Foundation

/// A common corruption of CIFAR-10-C (Hendrycks & Dietterich, "Benchmarking Neural Network
/// Robustness to Common Corruptions and Perturbations", ICLR 2019), for 32×32 RGB images.
///
/// Definitions and severity parameters are those of the authors' CIFAR script,
/// `ImageNet-C/create_c/make_cifar_c.py` in the hendrycks/robustness repository (quoted on each
/// case). Their functions take a PIL image and return floats in 0…255 (or a PIL image); the data
/// set stores `np.uint8(result)`, which truncates toward zero, and so does ``apply(to:severity:generator:)``.
/// The noise corruptions draw from a ``SeededGenerator`` instead of NumPy's global generator, so they
/// match the reference in distribution, not in bytes; the others match it byte for byte on the
/// test image (see `Benchmarks/corruption_reference.py`).
public enum Corruption: String, CaseIterable, Sendable {
    /// `np.clip(x/255 + np.random.normal(scale=c), 0, 1) * 255`, c = [0.04, 0.06, .08, .09, .10].
    case gaussianNoise = "gaussian-noise"
    /// `np.clip(np.random.poisson(x/255 * c) / c, 0, 1) * 255`, c = [500, 250, 100, 75, 50].
    case shotNoise = "shot-noise"
    /// `sk.util.random_noise(x/255, mode='s&p', amount=c)`, c = [.01, .02, .03, .05, .07]: each
    /// channel value independently becomes 0 or 255 (even odds) with probability c.
    case impulseNoise = "impulse-noise"
    /// Each channel correlated with `disk(radius, alias_blur)`, c = [(0.3, 0.4), (0.4, 0.5),
    /// (0.5, 0.6), (1, 0.2), (1.5, 0.1)]: the pixels with x² + y² ≤ radius² normalised to sum 1,
    /// smoothed by `cv2.GaussianBlur(ksize=(3, 3), sigmaX=alias_blur)`; `cv2.filter2D` borders are
    /// BORDER_REFLECT_101.
    case defocusBlur = "defocus-blur"
    /// `(x - mean) * c + mean` on x/255 with the mean of each channel over the image
    /// (`np.mean(x, axis=(0, 1))`), c = [.75, .5, .4, .3, 0.15].
    case contrast
    /// skimage `rgb2hsv`, V = clip(V + c, 0, 1), `hsv2rgb`, c = [.05, .1, .15, .2, .3].
    case brightness
    /// PIL `resize((int(32c), int(32c)), BOX)` then `resize((32, 32), BOX)`, c = [0.95, 0.9, 0.85,
    /// 0.75, 0.65], i.e. down to 30, 28, 27, 24 and 20 pixels.
    case pixelate
    /// PIL JPEG at quality c = [80, 65, 58, 50, 40], decoded again (see ``JPEGRoundTrip``).
    case jpeg

    /// Side of the square images the corruptions are defined for.
    public static let side = 32
    /// Bytes per image: 32×32 pixels × 3 channels, interleaved RGB, row by row.
    public static let imageByteCount = 32 * 32 * 3

    /// Whether the corruption draws random numbers (the three noises); the others ignore the generator.
    public var isRandom: Bool { self == .gaussianNoise || self == .shotNoise || self == .impulseNoise }

    /// Corrupts one image.
    ///
    /// - Parameters:
    ///   - rgb: 32×32×3 bytes, interleaved RGB, row by row (as ``CIFARBinary/rgb(_:)`` gives them).
    ///   - severity: 1…5, as in CIFAR-10-C.
    ///   - generator: the source of randomness for the noise corruptions; the others leave it alone.
    /// - Returns: the corrupted image, same layout.
    /// - Throws: ``ExplicableError`` (`.invalidArgument`) for a severity outside 1…5 or an image that
    ///   is not 3,072 bytes.
    public func apply(
        to rgb: [UInt8], severity: Int, generator: inout SeededGenerator
    ) throws(ExplicableError) -> [UInt8] {
        try checkSeverity(severity)
        guard rgb.count == Self.imageByteCount else {
            throw ExplicableError(
                .invalidArgument, "image has \(rgb.count) bytes, expected \(Self.imageByteCount) (32×32 RGB)")
        }
        var output = [UInt8](repeating: 0, count: Self.imageByteCount)
        rgb.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                corrupt(input, into: out, severity: severity, generator: &generator)
            }
        }
        return output
    }

    /// Corrupts a batch of images on all cores, deterministically.
    ///
    /// Image `i` gets its own generator, ``imageGenerator(seed:index:)``, so the result depends on
    /// `seed` and the images only, not on how the work is scheduled, and image `i` comes out as
    /// `apply(to:severity:generator:)` with that generator makes it.
    ///
    /// - Parameters:
    ///   - images: N×3,072 bytes, each image 32×32×3 interleaved RGB.
    ///   - severity: 1…5.
    ///   - seed: fixes the noise; ignored by the deterministic corruptions.
    /// - Returns: N×3,072 corrupted bytes, in the same order.
    /// - Throws: ``ExplicableError`` (`.invalidArgument`) for a severity outside 1…5 or a byte count
    ///   that is not a multiple of 3,072.
    public func corrupt(images: [UInt8], severity: Int, seed: UInt64) throws(ExplicableError) -> [UInt8] {
        try checkSeverity(severity)
        let size = Self.imageByteCount
        guard images.count % size == 0 else {
            throw ExplicableError(
                .invalidArgument, "\(images.count) bytes is not a whole number of 32×32 RGB images (3,072 bytes each)")
        }
        let count = images.count / size
        var output = [UInt8](repeating: 0, count: images.count)
        guard count > 0 else { return output }
        images.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                // A chunk reads the input and writes only its own images' bytes; each image draws
                // its noise from its own generator, so the chunking does not change the result.
                let input = SharedBuffer(inputBuffer)
                let out = SharedMutableBuffer(outBuffer)
                ParallelWork.forEachChunk(count: count, chunksPerWorker: 8) { _, indices in
                    for index in indices {
                        var generator = Self.imageGenerator(seed: seed, index: index)
                        let range = (index * size)..<((index + 1) * size)
                        corrupt(
                            UnsafeBufferPointer(rebasing: input.buffer[range]),
                            into: UnsafeMutableBufferPointer(rebasing: out.buffer[range]),
                            severity: severity, generator: &generator)
                    }
                }
            }
        }
        return output
    }

    /// The generator ``corrupt(images:severity:seed:)`` uses for image `index`: SplitMix64 seeded
    /// with a SplitMix64 hash of `seed` and `index`.
    public static func imageGenerator(seed: UInt64, index: Int) -> SeededGenerator {
        var mix = SeededGenerator(seed: seed)
        var derived = SeededGenerator(seed: mix.next() ^ (UInt64(truncatingIfNeeded: index) &* 0xD6E8_FEB8_6659_FD93))
        return SeededGenerator(seed: derived.next())
    }

    private func checkSeverity(_ severity: Int) throws(ExplicableError) {
        guard (1...5).contains(severity) else {
            throw ExplicableError(.invalidArgument, "severity \(severity) is out of range, expected 1…5")
        }
    }

    private func corrupt(
        _ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, severity: Int,
        generator: inout SeededGenerator
    ) {
        let s = severity - 1
        switch self {
        case .gaussianNoise: Self.gaussianNoise(x, into: out, scale: [0.04, 0.06, 0.08, 0.09, 0.10][s], &generator)
        case .shotNoise: Self.shotNoise(x, into: out, c: [500, 250, 100, 75, 50][s], &generator)
        case .impulseNoise: Self.impulseNoise(x, into: out, amount: [0.01, 0.02, 0.03, 0.05, 0.07][s], &generator)
        case .defocusBlur: Self.defocusBlur(x, into: out, taps: Self.defocusTaps[s])
        case .contrast: Self.contrast(x, into: out, c: [0.75, 0.5, 0.4, 0.3, 0.15][s])
        case .brightness: Self.brightness(x, into: out, c: [0.05, 0.1, 0.15, 0.2, 0.3][s])
        case .pixelate: Self.pixelate(x, into: out, level: s)
        case .jpeg: JPEGRoundTrip.roundTrip(x, width: 32, height: 32, quality: [80, 65, 58, 50, 40][s], into: out)
        }
    }
}

// MARK: - Noise

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

// MARK: - Defocus blur

extension Corruption {
    /// One nonzero weight of a defocus kernel, at offset (dy, dx) from the centre.
    struct Tap: Sendable {
        var dy: Int
        var dx: Int
        var weight: Double
    }

    /// The nonzero entries of `disk(radius, alias_blur)` for the five severities, row by row.
    static let defocusTaps: [[Tap]] = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)].map {
        defocusKernel(radius: $0.0, aliasBlur: $0.1)
    }

    /// The authors' `disk()` for radius ≤ 8: a 17×17 float32 grid with 1 where x² + y² ≤ radius²,
    /// divided by its sum, then `cv2.GaussianBlur(ksize=(3, 3), sigmaX=alias_blur)` in float32:
    /// `getGaussianKernel(3, σ)` (exp(−x²/2σ²) in double, times the reciprocal of the sum, stored as
    /// float), applied as cv2's symmetric 3-tap row then column filter, k₀·centre + k₁·(left + right),
    /// with BORDER_REFLECT_101.
    static func defocusKernel(radius: Double, aliasBlur sigma: Double) -> [Tap] {
        let n = 17
        var disk = [Float](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n where Double((x - 8) * (x - 8) + (y - 8) * (y - 8)) <= radius * radius {
                disk[y * n + x] = 1
            }
        }
        let total = disk.reduce(0, +)
        disk = disk.map { $0 / total }
        let scale = -0.5 / (sigma * sigma)
        let g = [exp(scale), 1.0, exp(scale)]
        let k0 = Float(g[1] * (1 / (g[0] + g[1] + g[2])))
        let k1 = Float(g[0] * (1 / (g[0] + g[1] + g[2])))
        func reflect(_ i: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i) }
        var rows = [Float](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                let sides = disk[y * n + reflect(x - 1)] + disk[y * n + reflect(x + 1)]
                rows[y * n + x] = k0 * disk[y * n + x] + k1 * sides
            }
        }
        var taps: [Tap] = []
        for y in 0..<n {
            for x in 0..<n {
                let w = k0 * rows[y * n + x] + k1 * (rows[reflect(y - 1) * n + x] + rows[reflect(y + 1) * n + x])
                if w != 0 { taps.append(Tap(dy: y - 8, dx: x - 8, weight: Double(w))) }
            }
        }
        return taps
    }

    /// `cv2.filter2D(x/255, -1, kernel)` per channel as a direct sum in double, BORDER_REFLECT_101.
    static func defocusBlur(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, taps: [Tap]) {
        let n = side
        func reflect(_ i: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i) }
        for y in 0..<n {
            for xx in 0..<n {
                var sum = (0.0, 0.0, 0.0)
                for tap in taps {
                    let p = (reflect(y + tap.dy) * n + reflect(xx + tap.dx)) * 3
                    sum.0 += tap.weight * (Double(x[p]) / 255)
                    sum.1 += tap.weight * (Double(x[p + 1]) / 255)
                    sum.2 += tap.weight * (Double(x[p + 2]) / 255)
                }
                let q = (y * n + xx) * 3
                out[q] = byte(sum.0)
                out[q + 1] = byte(sum.1)
                out[q + 2] = byte(sum.2)
            }
        }
    }
}

// MARK: - Contrast and brightness

extension Corruption {
    /// The channel means are summed pixel by pixel in double, the order `np.mean(axis=(0, 1))` uses
    /// for an H×W×3 array.
    static func contrast(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, c: Double) {
        var mean = [0.0, 0.0, 0.0]
        for i in x.indices { mean[i % 3] += Double(x[i]) / 255 }
        let pixels = Double(x.count / 3)
        for k in 0..<3 { mean[k] /= pixels }
        for i in x.indices {
            let m = mean[i % 3]
            out[i] = byte((Double(x[i]) / 255 - m) * c + m)
        }
    }

    /// skimage's `rgb2hsv` and `hsv2rgb` (0.14–0.26) per pixel, with its tie order (blue's hue
    /// formula wins over green's, green's over red's) and NumPy's float `%`.
    static func brightness(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, c: Double) {
        for p in stride(from: 0, to: x.count, by: 3) {
            let r = Double(x[p]) / 255
            let g = Double(x[p + 1]) / 255
            let b = Double(x[p + 2]) / 255
            let value = max(r, g, b)
            let delta = value - min(r, g, b)
            var hue = 0.0
            var saturation = 0.0
            if delta != 0 {
                saturation = delta / value
                let h6: Double
                if b == value {
                    h6 = 4 + (r - g) / delta
                } else if g == value {
                    h6 = 2 + (b - r) / delta
                } else {
                    h6 = (g - b) / delta
                }
                hue = fmod(h6 / 6, 1)
                if hue < 0 { hue += 1 }
            }
            let v = min(max(value + c, 0), 1)
            let hi = (hue * 6).rounded(.down)
            let f = hue * 6 - hi
            let pp = v * (1 - saturation)
            let q = v * (1 - f * saturation)
            let t = v * (1 - (1 - f) * saturation)
            let rgb: (Double, Double, Double)
            switch Int(hi) % 6 {
            case 0: rgb = (v, t, pp)
            case 1: rgb = (q, v, pp)
            case 2: rgb = (pp, v, t)
            case 3: rgb = (pp, q, v)
            case 4: rgb = (t, pp, v)
            default: rgb = (v, pp, q)
            }
            out[p] = byte(rgb.0)
            out[p + 1] = byte(rgb.1)
            out[p + 2] = byte(rgb.2)
        }
    }
}

// MARK: - Pixelate

extension Corruption {
    /// `int(32 * c)` for c = [0.95, 0.9, 0.85, 0.75, 0.65].
    static let pixelateSizes = [30, 28, 27, 24, 20]

    /// Pillow's fixed-point precision for 8-bit resampling (`Resample.c`: 32 − 8 − 2).
    static let precisionBits = 22

    /// Pillow's `precompute_coeffs` with the BOX filter (support 0.5; weight 1 where
    /// −0.5 < (i − centre + 0.5)·ss ≤ 0.5) and `normalize_coeffs_8bpc`: for each output pixel the
    /// first input pixel and the weights, normalised and rounded to 22-bit integers.
    static func boxCoefficients(inSize: Int, outSize: Int) -> [(first: Int, weights: [Int])] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 0.5 * filterScale
        return (0..<outSize).map { xx in
            let center = (Double(xx) + 0.5) * scale
            let ss = 1 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var w = (0..<xmax).map { x -> Double in
                let t = (Double(x + xmin) - center + 0.5) * ss
                return t > -0.5 && t <= 0.5 ? 1 : 0
            }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            let one = Double(1 << precisionBits)
            return (xmin, w.map { $0 < 0 ? Int(-0.5 + $0 * one) : Int(0.5 + $0 * one) })
        }
    }

    static let pixelateCoefficients: [(down: [(first: Int, weights: [Int])], up: [(first: Int, weights: [Int])])] =
        pixelateSizes.map { (boxCoefficients(inSize: 32, outSize: $0), boxCoefficients(inSize: $0, outSize: 32)) }

    /// One resampling pass of Pillow's `ImagingResample` along x (`vertical == false`) or y, on an
    /// interleaved RGB image of `width`×`height`, rounding and clamping to bytes as `clip8` does.
    static func resample(
        _ image: [UInt8], width: Int, height: Int, vertical: Bool, coefficients: [(first: Int, weights: [Int])]
    ) -> [UInt8] {
        let outWidth = vertical ? width : coefficients.count
        let outHeight = vertical ? coefficients.count : height
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let half = 1 << (precisionBits - 1)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (first, weights) = coefficients[vertical ? y : x]
                for ch in 0..<3 {
                    var acc = half
                    for (j, k) in weights.enumerated() {
                        let src = vertical ? ((first + j) * width + x) : (y * width + first + j)
                        acc += Int(image[src * 3 + ch]) * k
                    }
                    out[(y * outWidth + x) * 3 + ch] = UInt8(min(max(acc >> precisionBits, 0), 255))
                }
            }
        }
        return out
    }

    /// Pillow resizes horizontally first, then vertically, with bytes in between.
    static func pixelate(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, level: Int) {
        let size = pixelateSizes[level]
        let coefficients = pixelateCoefficients[level]
        var image = Array(x)
        image = resample(image, width: 32, height: 32, vertical: false, coefficients: coefficients.down)
        image = resample(image, width: size, height: 32, vertical: true, coefficients: coefficients.down)
        image = resample(image, width: size, height: size, vertical: false, coefficients: coefficients.up)
        image = resample(image, width: 32, height: size, vertical: true, coefficients: coefficients.up)
        _ = out.initialize(from: image)
    }
}

// MARK: - Random variates

/// Normal and Poisson variates from a ``SeededGenerator``.
enum Sampling {
    /// A uniform double in [0, 1) from the top 53 bits.
    @inline(__always)
    static func uniform(_ g: inout SeededGenerator) -> Double { Double(g.next() >> 11) * 0x1p-53 }

    /// Two independent standard normals by the Box–Muller transform, u₁ in (0, 1] so the log is finite.
    static func normalPair(_ g: inout SeededGenerator) -> (Double, Double) {
        let u1 = (Double(g.next() >> 11) + 1) * 0x1p-53
        let u2 = uniform(&g)
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (r * cos(theta), r * sin(theta))
    }

    /// A Poisson variate with mean `lambda`.
    ///
    /// Below 10: inversion by sequential search (one uniform; P(k) = P(k−1)·λ/k). From 10 on:
    /// Hörmann's transformed rejection with squeeze, PTRS ("The transformed rejection method for
    /// generating Poisson random variables", Insurance: Mathematics and Economics 12, 1993), the
    /// algorithm NumPy's `random.poisson` uses for λ ≥ 10, with the same constants.
    static func poisson(_ lambda: Double, _ g: inout SeededGenerator) -> Int {
        if lambda <= 0 { return 0 }
        if lambda < 10 {
            let u = uniform(&g)
            var k = 0
            var p = exp(-lambda)
            var cumulative = p
            while u > cumulative && p > 0 {
                k += 1
                p *= lambda / Double(k)
                cumulative += p
            }
            return k
        }
        let slam = lambda.squareRoot()
        let loglam = log(lambda)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform(&g) - 0.5
            let v = uniform(&g)
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1) {
                return Int(k)
            }
        }
    }
}
