import Dispatch
import ExplicableCore
import Foundation

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
