/// Descriptive statistics and rank correlations: the one home of these for every target (M^h,
/// quality control, model comparisons, reliability).
///
/// Functions take paired samples as two arrays of equal length and return `Double.nan` when a
/// statistic is undefined (fewer than two points, a constant sample). None of them skips NaN
/// entries: callers drop unpaired cells first (as `MatrixComparison` in Semantics does).
public enum Statistics {
    /// The arithmetic mean; NaN for an empty sample.
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// The standard deviation with `ddof` degrees of freedom removed (0: population, 1: sample), as
    /// NumPy's `np.std(x, ddof=ddof)`; NaN when `x.count <= ddof`.
    public static func standardDeviation(_ x: [Double], ddof: Int = 1) -> Double {
        guard x.count > ddof else { return .nan }
        let m = mean(x)
        var ss = 0.0
        for v in x { ss += (v - m) * (v - m) }
        return (ss / Double(x.count - ddof)).squareRoot()
    }

    /// The `p`-quantile of an ascending sample with NumPy's default ('linear') interpolation.
    ///
    /// With `n` values the quantile sits at the virtual index `h = (n - 1) p`; the result is
    /// `x[⌊h⌋] + (h - ⌊h⌋) (x[⌊h⌋ + 1] - x[⌊h⌋])`, which is `np.percentile(x, 100 * p)` and R's type 7.
    ///
    /// - Parameters:
    ///   - sorted: the sample in ascending order, without NaN.
    ///   - p: the probability, `0...1`.
    /// - Returns: the quantile; NaN for an empty sample.
    public static func quantile(sorted: [Double], _ p: Double) -> Double {
        precondition((0...1).contains(p), "quantile probability \(p) is not in 0...1")
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down))
        guard lo + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[lo] + (h - Double(lo)) * (sorted[lo + 1] - sorted[lo])
    }

    /// Pearson's product-moment correlation of paired samples; NaN when either is constant or `n < 2`.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "pearson: samples differ in length (\(x.count) and \(y.count))")
        guard x.count >= 2 else { return .nan }
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }

    /// Ranks `1...n`, tied values sharing the average of their positions (SciPy's `rankdata` 'average').
    public static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, x[order[end]] == x[order[start]] { end += 1 }
            let rank = Double(start + end + 1) / 2  // mean of the 1-based positions start+1 ... end
            for i in start..<end { ranks[order[i]] = rank }
            start = end
        }
        return ranks
    }

    /// Spearman's rank correlation: Pearson's r of the average ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "spearman: samples differ in length (\(x.count) and \(y.count))")
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// Kendall's tau-b, which corrects for ties in either sample, as `scipy.stats.kendalltau`.
    ///
    /// `(n_c - n_d) / sqrt((n_0 - n_1)(n_0 - n_2))` with `n_0 = n(n-1)/2` pairs, `n_1` and `n_2` the
    /// pairs tied in `x` and in `y`. Knight's (1966) algorithm: sort by `(x, y)`, then count the
    /// discordant pairs as the swaps a merge sort of `y` makes.
    ///
    /// - Complexity: O(n log n).
    /// - Returns: tau-b; NaN when `n < 2` or either sample is constant.
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "kendallTauB: samples differ in length (\(x.count) and \(y.count))")
        let n = x.count
        guard n >= 2 else { return .nan }
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && y[$0] < y[$1]) }
        var tiedX = 0, tiedXY = 0
        var start = 0
        while start < n {
            var end = start + 1
            while end < n, x[order[end]] == x[order[start]] { end += 1 }
            tiedX += (end - start) * (end - start - 1) / 2
            var s = start
            while s < end {
                var e = s + 1
                while e < end, y[order[e]] == y[order[s]] { e += 1 }
                tiedXY += (e - s) * (e - s - 1) / 2
                s = e
            }
            start = end
        }
        var ys = order.map { y[$0] }
        let discordant = countInversionsSorting(&ys)
        var tiedY = 0
        start = 0
        while start < n {
            var end = start + 1
            while end < n, ys[end] == ys[start] { end += 1 }
            tiedY += (end - start) * (end - start - 1) / 2
            start = end
        }
        let pairs = n * (n - 1) / 2
        guard pairs > tiedX, pairs > tiedY else { return .nan }
        let numerator = Double(pairs - tiedX - tiedY + tiedXY - 2 * discordant)
        let denominator = (Double(pairs - tiedX) * Double(pairs - tiedY)).squareRoot()
        return min(1, max(-1, numerator / denominator))
    }

    /// Sorts `a` ascending (bottom-up merge sort) and returns the number of pairs `i < j` with `a[i] > a[j]`.
    static func countInversionsSorting(_ a: inout [Double]) -> Int {
        let n = a.count
        var buffer = a
        var inversions = 0
        var width = 1
        a.withUnsafeMutableBufferPointer { src in
            buffer.withUnsafeMutableBufferPointer { dst in
                var from = src, to = dst
                var inSource = true
                while width < n {
                    var lo = 0
                    while lo < n {
                        let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                        var i = lo, j = mid, k = lo
                        while i < mid, j < hi {
                            if from[i] <= from[j] {
                                to[k] = from[i]
                                i += 1
                            } else {
                                to[k] = from[j]
                                j += 1
                                inversions += mid - i
                            }
                            k += 1
                        }
                        while i < mid {
                            to[k] = from[i]
                            i += 1
                            k += 1
                        }
                        while j < hi {
                            to[k] = from[j]
                            j += 1
                            k += 1
                        }
                        lo = hi
                    }
                    swap(&from, &to)
                    inSource.toggle()
                    width *= 2
                }
                if !inSource { _ = src.update(fromContentsOf: dst) }
            }
        }
        return inversions
    }
}
