import Dispatch
import ExplicableCore
import Foundation

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
