import Dispatch
import ExplicableCore
import Foundation

/// Normal and Poisson variates from a `SeededGenerator`.
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
