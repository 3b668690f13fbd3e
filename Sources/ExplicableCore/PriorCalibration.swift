import Foundation

/// A prior calibrated on human ratings: the prior's off-diagonal values cut into at most 32 bins
/// of equal counts (merged where values repeat), each bin's value fitted to the ratings so far,
/// monotone in the prior, and each bin's weight in ratings set by empirical Bayes.
///
/// One calibration serves three places, so they agree: ``AdaptiveAllocator`` with
/// ``AdaptiveAllocator/Parameters/calibratesPrior``, the estimate `audit --cost-of-quality`
/// simulates, and `matrix build --prior … --prior-fit calibrated` (``calibrated(prior:classes:means:counts:)``).
public struct PriorCalibration: Sendable {
    /// Each cell's bin (-1 on the diagonal), row-major.
    let bin: [Int32]
    /// Each bin's mean prior value (on the rating scale): its value before any rating.
    let binPrior: [Double]
    /// Ratings and their sum (thousandths of a scale point) per bin.
    var binCount: [Int64]
    var binSum: [Int64]
    /// Each bin's calibrated value and weight (ratings the prior counts as).
    var value: [Double]
    var weight: [Double]
    /// Ratings recorded in all, and how many there were at the last fit.
    var ratings: Int64 = 0
    var fittedAt: Int64 = 0

    /// Bins of the prior's off-diagonal cells (any values that order the cells as the prior
    /// does; row-major, `c²` of them); every bin starts at its mean prior value with `weight`.
    public init(scaledPrior prior: [Double], classes c: Int, weight: Double) {
        var off: [Double] = []
        off.reserveCapacity(c * (c - 1))
        for i in 0..<c { for j in 0..<c where i != j { off.append(prior[i * c + j]) } }
        off.sort()
        var edges: [Double] = []
        for q in 1..<32 {
            let v = off[min(off.count - 1, q * off.count / 32)]
            if v > off[0], edges.last.map({ v > $0 }) ?? true { edges.append(v) }
        }
        var bin = [Int32](repeating: -1, count: c * c)
        var sums = [Double](repeating: 0, count: edges.count + 1), counts = sums
        for i in 0..<c {
            for j in 0..<c where i != j {
                let v = prior[i * c + j]
                var lo = 0, hi = edges.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if edges[mid] <= v { lo = mid + 1 } else { hi = mid }
                }
                bin[i * c + j] = Int32(lo)
                sums[lo] += v
                counts[lo] += 1
            }
        }
        self.bin = bin
        binPrior = zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
        binCount = [Int64](repeating: 0, count: edges.count + 1)
        binSum = binCount
        value = binPrior
        self.weight = [Double](repeating: weight, count: edges.count + 1)
    }

    /// A cell's calibrated prior value and its weight in ratings; nil on the diagonal.
    public func prior(of cell: Int) -> (value: Double, weight: Double)? {
        let b = bin[cell]
        return b < 0 ? nil : (value[Int(b)], weight[Int(b)])
    }

    /// Adds ratings of a cell: `count` of them summing to `sum` thousandths of a scale point.
    public mutating func add(cell: Int, count: Int64, sum: Int64) {
        let b = Int(bin[cell])
        guard b >= 0 else { return }
        binCount[b] += count
        binSum[b] += sum
        ratings += count
    }

    /// The calibrated prior of every cell from the cells' mean ratings and counts (cells without
    /// ratings, or with a mean that is not finite, are not used); the diagonal keeps `prior`'s.
    public static func calibrated(prior: [Double], classes c: Int, means: [Double], counts: [Int]) -> [Double] {
        var calibration = PriorCalibration(scaledPrior: prior, classes: c, weight: 1)
        for cell in 0..<(c * c) where counts[cell] > 0 && means[cell].isFinite {
            calibration.add(
                cell: cell, count: Int64(counts[cell]),
                sum: Int64((means[cell] * Double(counts[cell]) * 1000).rounded()))
        }
        calibration.fitValues()
        return (0..<(c * c)).map { calibration.prior(of: $0)?.value ?? prior[$0] }
    }

    /// Whether the ratings grew enough since the last fit (by a quarter, and at least `classes`).
    func isDue(classes c: Int) -> Bool { ratings >= max(Int64(c), fittedAt + max(Int64(c), fittedAt / 4)) }

    /// Refits the bins' values and weights to the cells' statistics.
    ///
    /// A rated bin's value is the mean of its ratings with the mean of all ratings counted as 5
    /// more; a bin nobody rated takes the values of the nearest rated bins (linear between them,
    /// flat beyond); then the values are made monotone in the prior (pool adjacent violators,
    /// weighted by ratings + 1). A bin's weight is `σ² / τ²`: `σ²` the rating variance pooled
    /// within cells, `τ²` the spread of its rated cells' means around its value beyond `σ²/n`
    /// (kept within 0.5…20; `priorWeight` until the bin has 5 cells with ratings and the study 10
    /// degrees of freedom within cells).
    public mutating func fit(count: [Int32], sum: [Int64], squares: [Int64], priorWeight: Double) {
        fitValues()
        fitWeights(count: count, sum: sum, squares: squares, priorWeight: priorWeight)
    }

    /// Refits the bins' values only (see ``fit(count:sum:squares:priorWeight:)``).
    public mutating func fitValues() {
        fittedAt = ratings
        let total = binCount.reduce(0, +)
        guard total > 0 else { return }
        let overall = Double(binSum.reduce(0, +)) / 1000 / Double(total)
        let rated = binCount.indices.filter { binCount[$0] > 0 }
        func shrunk(_ b: Int) -> Double { (Double(binSum[b]) / 1000 + 5 * overall) / (Double(binCount[b]) + 5) }
        var raw = [Double](repeating: overall, count: value.count)
        for b in raw.indices {
            if binCount[b] > 0 {
                raw[b] = shrunk(b)
                continue
            }
            switch (rated.last { $0 < b }, rated.first { $0 > b }) {
            case let (l?, h?):
                let t = Double(b - l) / Double(h - l)
                raw[b] = shrunk(l) * (1 - t) + shrunk(h) * t
            case let (l?, nil): raw[b] = shrunk(l)
            case let (nil, h?): raw[b] = shrunk(h)
            case (nil, nil): break
            }
        }
        // Pool adjacent violators over the bins, in prior order.
        var blocks: [(value: Double, weight: Double, bins: Int)] = []
        for b in raw.indices {
            var block = (value: raw[b], weight: Double(binCount[b]) + 1, bins: 1)
            while let last = blocks.last, last.value >= block.value {
                blocks.removeLast()
                let w = last.weight + block.weight
                block = ((last.value * last.weight + block.value * block.weight) / w, w, last.bins + block.bins)
            }
            blocks.append(block)
        }
        var b = 0
        for block in blocks {
            for _ in 0..<block.bins {
                value[b] = block.value
                b += 1
            }
        }
    }

    /// The bins' empirical-Bayes weights (see ``fit(count:sum:squares:priorWeight:)``).
    mutating func fitWeights(count: [Int32], sum: [Int64], squares: [Int64], priorWeight: Double) {
        var within = 0.0, degrees = 0.0
        for cell in count.indices where count[cell] > 1 {
            let n = Double(count[cell]), s = Double(sum[cell]) / 1000
            within += Double(squares[cell]) / 1_000_000 - s * s / n
            degrees += n - 1
        }
        guard degrees > 10 else { return }
        let sigma2 = max(1e-4, within / degrees)
        var deviation = [Double](repeating: 0, count: value.count), noise = deviation, cells = deviation
        for cell in count.indices where count[cell] > 0 && bin[cell] >= 0 {
            let k = Int(bin[cell]), n = Double(count[cell])
            let d = Double(sum[cell]) / 1000 / n - value[k]
            deviation[k] += d * d
            noise[k] += sigma2 / n
            cells[k] += 1
        }
        for k in value.indices {
            guard cells[k] >= 5 else {
                weight[k] = priorWeight
                continue
            }
            let tau2 = max(sigma2 / 1000, (deviation[k] - noise[k]) / cells[k])
            weight[k] = min(20, max(0.5, sigma2 / tau2))
        }
    }
}
