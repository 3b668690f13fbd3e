import ExplicableCore
import Foundation

/// The ratings a simulated study has collected, and the matrix estimated from them: each cell's
/// accepted ratings shrunk toward the prior calibrated on the ratings so far.
///
/// Calibration: the prior's off-diagonal values are cut into at most 32 bins of equal counts (a
/// WordNet measure has few distinct values, so often one bin per value); a bin's value is the
/// mean of the accepted ratings of its cells, itself shrunk toward the mean of all ratings with
/// weight 5 ratings; bins nobody has rated take the nearest rated bins' values (interpolated).
/// A cell with `n` ratings summing to `Σ` is estimated as `(Σ + k_b · cal(prior)) / (n + k_b)`,
/// `k_b = σ² / τ_b²` by empirical Bayes: `σ²` the rating variance pooled within cells, `τ_b²` the
/// spread of bin b's cell means around its calibration beyond `σ²/n` (``shrinkage``, default 5 as
/// in `matrix build --shrinkage`, until the bin has 5 rated cells). Without a prior (the full
/// design), a cell is the mean of its ratings and unrated cells the mean of all ratings.
/// The diagonal is the scale's top, as in the paper's CHL.
final class SimulationState {
    let n: Int
    let top: Double
    let shrinkage: Double
    /// Per cell, row-major.
    var counts: [Int32]
    var sums: [Double]
    var squares: [Double]
    /// Each bin's shrinkage weight `k_b = σ² / τ_b²` (empirical Bayes), in ratings.
    var binShrinkage: [Double]
    /// The prior's bin of each off-diagonal cell (-1 on the diagonal); empty without a prior.
    let bins: [Int32]
    let binCount: Int
    /// The calibrated value of each bin.
    var calibration: [Double]
    var totalSum = 0.0
    var totalCount = 0
    /// Incremented by every ``recalibrate()``: estimates computed before are stale.
    var version = 0

    init(classes n: Int, top: Double, prior: [Double]?, shrinkage: Double) {
        self.n = n
        self.top = top
        self.shrinkage = shrinkage
        counts = [Int32](repeating: 0, count: n * n)
        sums = [Double](repeating: 0, count: n * n)
        squares = [Double](repeating: 0, count: n * n)
        if let prior {
            var off: [Double] = []
            off.reserveCapacity(n * n)
            for i in 0..<n { for j in 0..<n where i != j { off.append(prior[i * n + j]) } }
            off.sort()
            // Bin edges at quantiles, merged where values repeat.
            var edges: [Double] = []
            let wanted = 32
            for q in 1..<wanted {
                let v = off[min(off.count - 1, q * off.count / wanted)]
                if edges.last.map({ v > $0 }) ?? true, v > off[0] { edges.append(v) }
            }
            var bins = [Int32](repeating: -1, count: n * n)
            for i in 0..<n {
                for j in 0..<n where i != j {
                    let v = prior[i * n + j]
                    var lo = 0, hi = edges.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if edges[mid] <= v { lo = mid + 1 } else { hi = mid }
                    }
                    bins[i * n + j] = Int32(lo)
                }
            }
            self.bins = bins
            binCount = edges.count + 1
        } else {
            bins = []
            binCount = 0
        }
        calibration = [Double](repeating: 0, count: binCount)
        binShrinkage = [Double](repeating: shrinkage, count: binCount)
    }

    var hasPrior: Bool { binCount > 0 }

    func add(cell: Int, rating: Double) {
        counts[cell] += 1
        sums[cell] += rating
        squares[cell] += rating * rating
        totalSum += rating
        totalCount += 1
    }

    /// Refits the prior's calibration to the ratings so far.
    func recalibrate() {
        version += 1
        guard hasPrior else { return }
        let overall = totalCount > 0 ? totalSum / Double(totalCount) : 0
        var s = [Double](repeating: 0, count: binCount), c = [Double](repeating: 0, count: binCount)
        for cell in 0..<(n * n) where counts[cell] > 0 {
            let b = Int(bins[cell])
            s[b] += sums[cell]
            c[b] += Double(counts[cell])
        }
        let rated = (0..<binCount).filter { c[$0] > 0 }
        for b in 0..<binCount {
            if c[b] > 0 {
                calibration[b] = (s[b] + 5 * overall) / (c[b] + 5)
                continue
            }
            let below = rated.last { $0 < b }, above = rated.first { $0 > b }
            switch (below, above) {
            case let (l?, h?):
                let t = Double(b - l) / Double(h - l)
                calibration[b] = (s[l] + 5 * overall) / (c[l] + 5) * (1 - t) + (s[h] + 5 * overall) / (c[h] + 5) * t
            case let (l?, nil): calibration[b] = (s[l] + 5 * overall) / (c[l] + 5)
            case let (nil, h?): calibration[b] = (s[h] + 5 * overall) / (c[h] + 5)
            case (nil, nil): calibration[b] = overall
            }
        }
        // Empirical Bayes: σ² pooled within cells, τ_b² = spread of a bin's cell means around its
        // calibration beyond what σ²/n explains; k_b = σ²/τ_b² (the default k until a bin has 5 rated cells), kept within 0.5…20.
        var within = 0.0, degrees = 0.0
        for cell in 0..<(n * n) where counts[cell] > 1 {
            let c = Double(counts[cell])
            within += squares[cell] - sums[cell] * sums[cell] / c
            degrees += c - 1
        }
        guard degrees > 10 else { return }
        let sigma2 = max(1e-4, within / degrees)
        var deviation = [Double](repeating: 0, count: binCount), noise = [Double](repeating: 0, count: binCount)
        var cells = [Double](repeating: 0, count: binCount)
        for cell in 0..<(n * n) where counts[cell] > 0 {
            let b = Int(bins[cell]), c = Double(counts[cell])
            let d = sums[cell] / c - calibration[b]
            deviation[b] += d * d
            noise[b] += sigma2 / c
            cells[b] += 1
        }
        for b in 0..<binCount where cells[b] >= 5 {
            let tau2 = max(sigma2 / 1000, (deviation[b] - noise[b]) / cells[b])
            binShrinkage[b] = min(20, max(0.5, sigma2 / tau2))
        }
    }

    /// The estimate of one off-diagonal cell.
    @inline(__always) func estimate(_ cell: Int) -> Double {
        let count = Double(counts[cell])
        if hasPrior {
            let b = Int(bins[cell]), k = binShrinkage[b]
            return (sums[cell] + k * calibration[b]) / (count + k)
        }
        if count > 0 { return sums[cell] / count }
        return totalCount > 0 ? totalSum / Double(totalCount) : 0
    }

    /// The whole estimated matrix, row-major.
    func matrix() -> [Double] {
        recalibrate()
        var out = [Double](repeating: top, count: n * n)
        for i in 0..<n { for j in 0..<n where i != j { out[i * n + j] = estimate(i * n + j) } }
        return out
    }
}
