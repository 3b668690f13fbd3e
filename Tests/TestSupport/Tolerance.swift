/// Whether `a` and `b` agree to within `tolerance`: absolutely for magnitudes up to 1, relatively
/// to `b` above; NaN matches NaN and an infinity only itself.
public func isClose(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

/// ``isClose(_:_:_:)`` element by element; arrays of different lengths are not close.
public func isClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { isClose($0, $1, tolerance) }
}

extension Double {
    /// Whether `self` and `other` agree to `relativeTolerance` of the larger magnitude (at least 1),
    /// as swift-numerics' `isApproximatelyEqual(to:relativeTolerance:)` with a floor for values near 0.
    public func isApproximatelyEqual(to other: Double, relativeTolerance: Double = 1e-12) -> Bool {
        if self == other { return true }
        return abs(self - other) <= relativeTolerance * max(1, abs(self), abs(other))
    }
}
