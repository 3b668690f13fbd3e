/// Float sums with eight-lane SIMD accumulators.
///
/// A plain `for` loop adding Floats runs one add after another (the compiler may not reorder
/// floating-point sums); eight independent lanes let it use the vector unit. The lane order is
/// fixed, so results are the same on every run.
enum Reductions {
    /// `Σ p[i]` for `i < count`.
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(), i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    /// `Σ (p[i] − mean)²` for `i < count`.
    static func sumOfSquaredDeviations(_ p: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var lanes = SIMD8<Float>(), i = 0
        let raw = UnsafeRawPointer(p), m = SIMD8<Float>(repeating: mean)
        while i + 8 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            let d = p[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// `Σ g[i] · (x[i] − mean)` for `i < count`.
    static func centeredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var lanes = SIMD8<Float>(), i = 0
        let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x), m = SIMD8<Float>(repeating: mean)
        while i + 8 <= count {
            let d = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            lanes += rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * d
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += g[i] * (x[i] - mean)
            i += 1
        }
        return total
    }
}
