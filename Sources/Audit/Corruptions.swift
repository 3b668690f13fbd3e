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
/// The noise corruptions draw from a `SeededGenerator` instead of NumPy's global generator, so they
/// match the reference in distribution, not in bytes; the others match it byte for byte on the
/// test image (see `Benchmarks/corruption_reference.py`).
///
/// ```swift
/// let test = try DatasetReader.cifar10(folder: folder, split: .test)
/// guard case .images(let bytes) = test.samples else { return }
/// let blurred = try Corruption.defocusBlur.corrupt(images: bytes, severity: 3, seed: 0)
/// ```
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
    /// PIL JPEG at quality c = [80, 65, 58, 50, 40], decoded again (libjpeg with Pillow's default settings).
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
    ///   - rgb: 32×32×3 bytes, interleaved RGB, row by row (as `CIFARBinary/rgb(_:)` gives them).
    ///   - severity: 1…5, as in CIFAR-10-C.
    ///   - generator: the source of randomness for the noise corruptions; the others leave it alone.
    /// - Returns: the corrupted image, same layout.
    /// - Throws: `ExplicableError` (`.invalidArgument`) for a severity outside 1…5 or an image that
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
    /// - Throws: `ExplicableError` (`.invalidArgument`) for a severity outside 1…5 or a byte count
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
