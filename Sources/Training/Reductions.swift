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

    /// `(Σ g[i], Σ g[i] · (x[i] − mean))` for `i < count` in one pass over `g` and `x`, the first
    /// equal to ``sum(_:count:)`` (the same lanes, added in the same order). With `mask`, `g[i]`
    /// counts only where `mask[i] > 0`: the input gradient of a ReLU whose output is `mask`, as
    /// ``ReLU/backward(_:)`` writes it.
    static func sumAndCenteredDot(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int, mean: Float
    ) -> (sum: Float, centeredDot: Float) {
        var sums = SIMD8<Float>(), dots = SIMD8<Float>(), i = 0
        let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x), m = SIMD8<Float>(repeating: mean)
        if let mask {
            let rm = UnsafeRawPointer(mask), zero = SIMD8<Float>()
            while i + 8 <= count {
                // g where mask > 0, else +0 (a NaN mask is not > 0): the bits of g and-ed with the comparison's.
                let keep = rm.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) .> zero
                let v = unsafeBitCast(
                    unsafeBitCast(rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), to: SIMD8<Int32>.self)
                        & unsafeBitCast(keep, to: SIMD8<Int32>.self), to: SIMD8<Float>.self)
                sums += v
                dots += v * (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m)
                i += 8
            }
        } else {
            while i + 8 <= count {
                let v = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                sums += v
                dots += v * (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m)
                i += 8
            }
        }
        var (sum, dot) = (sums.sum(), dots.sum())
        while i < count {
            let v = mask.map { $0[i] > 0 ? g[i] : 0 } ?? g[i]
            sum += v
            dot += v * (x[i] - mean)
            i += 1
        }
        return (sum, dot)
    }
}
