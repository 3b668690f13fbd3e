public import ExplicableCore
import Dispatch
import Foundation

/// Per-cell percentile confidence intervals of an aggregated M^h, from a cluster bootstrap over annotators.
public struct CellIntervals: Sendable, Equatable {
    public let classes: ClassSet
    /// The nominal coverage, e.g. 0.95.
    public let confidence: Double
    /// The number of bootstrap replicates drawn.
    public let replicates: Int
    /// Lower bounds, row-major; NaN for cells with no rating in any replicate.
    public let lower: [Double]
    /// Upper bounds, row-major; NaN for cells with no rating in any replicate.
    public let upper: [Double]
    /// Per cell, the replicates in which it had at least one rating (the others are skipped).
    public let usedReplicates: [Int]

    /// The interval of the cell relating class `row` to class `column`.
    public subscript(row: Int, column: Int) -> ClosedRange<Double>? {
        let c = row * classes.count + column
        return lower[c].isNaN ? nil : lower[c]...upper[c]
    }
}

/// Percentile bootstrap confidence intervals for every cell of ``aggregate(_:_:)``'s matrix.
///
/// A cluster bootstrap: each replicate draws as many annotators as rated anything, uniformly with
/// replacement from those annotators, and each drawn annotator brings all of their ratings (drawn
/// twice, twice over). The replicate is aggregated with the same `options` (z-scoring uses the
/// replicate's pooled mean and SD). A cell with no rating in a replicate is skipped for that
/// replicate. The bounds are the `(1 - confidence) / 2` and `(1 + confidence) / 2` quantiles of each
/// cell's replicate values with linear interpolation, NumPy's default: with `n` sorted values the
/// `p`-quantile sits at index `(n - 1) p` (`Statistics/quantile(sorted:_:)`), as `np.percentile`.
///
/// Replicate `r` draws from its own generator, derived from `seed` and `r` alone, so the result
/// depends only on the inputs and the seed, not on how replicates are spread over threads.
/// Pool annotator `i` is drawn from 64 random bits `x` as `⌊x · m / 2^64⌋`
/// (`Benchmarks/semantics_reference.py` reproduces the draws in NumPy).
///
/// - Parameters:
///   - ratings: the study's ratings, by annotator.
///   - options: how each replicate is aggregated (as the point estimate is).
///   - replicates: the number of bootstrap replicates, at least 1.
///   - confidence: the nominal coverage, in `0 < confidence < 1`.
///   - seed: fixes the resamples.
public func bootstrapIntervals(
    _ ratings: LikertRatings, _ options: LikertAggregation, replicates: Int = 1000, confidence: Double = 0.95,
    seed: UInt64
) -> CellIntervals {
    precondition(replicates >= 1, "bootstrap needs at least one replicate, got \(replicates)")
    precondition(confidence > 0 && confidence < 1, "confidence \(confidence) is not in (0, 1)")
    let n = ratings.classes.count, cellCount = n * n
    let pool = AnnotatorPool(ratings, zScore: options.zScore)
    let m = pool.members.count
    // Cell-major: cell c, replicate r at c · replicates + r, so each cell's values are contiguous.
    var samples = [Double](repeating: .nan, count: cellCount * replicates)
    samples.withUnsafeMutableBufferPointer { buffer in
        // A chunk writes only the entries of its own replicates; each replicate draws from its own stream.
        let samples = SharedMutableBuffer(buffer)
        ParallelWork.forEachChunk(count: replicates) { _, replicateRange in
            var aggregator = CellAggregator(classCount: n, options: options, scale: ratings.scale)
            var drawn = [Int](repeating: 0, count: m)
            var cells: [Int32] = [], values: [Double] = []
            var out = [Double](repeating: .nan, count: cellCount)
            for r in replicateRange {
                var g = derivedGenerator(seed: seed, stream: 0, index: r)
                for i in 0..<m { drawn[i] = uniformIndex(below: m, using: &g) }
                pool.gather(drawn, cells: &cells, values: &values)
                cells.withUnsafeBufferPointer { c in
                    values.withUnsafeBufferPointer { v in
                        out.withUnsafeMutableBufferPointer { o in aggregator.aggregate(cells: c, values: v, into: o) }
                    }
                }
                for c in 0..<cellCount { samples[c * replicates + r] = out[c] }
            }
        }
    }
    var lower = [Double](repeating: .nan, count: cellCount), upper = lower
    var used = [Int](repeating: 0, count: cellCount)
    let alpha = (1 - confidence) / 2
    var column: [Double] = []
    column.reserveCapacity(replicates)
    for c in 0..<cellCount {
        column.removeAll(keepingCapacity: true)
        for r in 0..<replicates where !samples[c * replicates + r].isNaN { column.append(samples[c * replicates + r]) }
        used[c] = column.count
        guard !column.isEmpty else { continue }
        column.sort()
        lower[c] = Statistics.quantile(sorted: column, alpha)
        upper[c] = Statistics.quantile(sorted: column, 1 - alpha)
    }
    return CellIntervals(
        classes: ratings.classes, confidence: confidence, replicates: replicates, lower: lower, upper: upper,
        usedReplicates: used)
}

/// A generator for item `index` of stream `stream` (bootstrap replicates, split-half splits, curve
/// draws), derived from `seed` alone: one SplitMix64 step from a state spread by the index.
func derivedGenerator(seed: UInt64, stream: UInt64, index: Int) -> SeededGenerator {
    var g = SeededGenerator(seed: (seed ^ (stream &* 0xA076_1D64_78BD_642F)) &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
    return SeededGenerator(seed: g.next())
}

/// A uniform index in `0..<bound` as `⌊x · bound / 2^64⌋` of the next 64 random bits (bias below bound / 2^64).
@inline(__always) func uniformIndex(below bound: Int, using g: inout SeededGenerator) -> Int {
    Int(g.next().multipliedFullWidth(by: UInt64(bound)).high)
}

/// Every annotator's ratings as (cell, value) runs, so any multiset of annotators can be aggregated.
struct AnnotatorPool: Sendable {
    let scale: ClosedRange<Double>
    let zScore: Bool
    /// The annotators with at least one rating, ascending; pool index `i` is annotator `members[i]`.
    let members: [Int]
    /// Pool member `i`'s ratings are `cells[start[i]..<start[i + 1]]`.
    let start: [Int]
    let cells: [Int32]
    /// Raw values, or each rating's within-annotator z-score when `zScore`.
    let values: [Double]
    /// Per member: rating count, sum and sum of squares of the raw values (for pooled statistics).
    let count: [Double], sum: [Double], sumOfSquares: [Double]

    init(_ ratings: LikertRatings, zScore: Bool) {
        let n = Int32(ratings.classes.count)
        self.scale = ratings.scale
        self.zScore = zScore
        var perAnnotator = [Int](repeating: 0, count: ratings.annotatorCount)
        for a in ratings.annotators { perAnnotator[Int(a)] += 1 }
        members = perAnnotator.indices.filter { perAnnotator[$0] > 0 }
        var poolIndex = [Int](repeating: -1, count: ratings.annotatorCount)
        for (i, a) in members.enumerated() { poolIndex[a] = i }
        var start = [Int](repeating: 0, count: members.count + 1)
        for (i, a) in members.enumerated() { start[i + 1] = start[i] + perAnnotator[a] }
        var next = Array(start.dropLast())
        var cells = [Int32](repeating: 0, count: ratings.count)
        var values = [Double](repeating: 0, count: ratings.count)
        var count = [Double](repeating: 0, count: members.count), sum = count, sumOfSquares = count
        let source = zScore ? annotatorZScores(ratings) : ratings.values
        for r in 0..<ratings.count {
            let i = poolIndex[Int(ratings.annotators[r])], v = ratings.values[r]
            cells[next[i]] = ratings.rows[r] * n + ratings.columns[r]
            values[next[i]] = source[r]
            next[i] += 1
            count[i] += 1
            sum[i] += v
            sumOfSquares[i] += v * v
        }
        self.start = start
        self.cells = cells
        self.values = values
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    /// Replaces `cells` and `values` with the ratings of the given pool members, each as often as it
    /// is listed; z-scores are mapped back to the scale with these members' pooled mean and SD.
    func gather(_ drawn: [Int], cells outCells: inout [Int32], values outValues: inout [Double]) {
        outCells.removeAll(keepingCapacity: true)
        outValues.removeAll(keepingCapacity: true)
        var n = 0.0, s = 0.0, ss = 0.0
        for i in drawn {
            outCells.append(contentsOf: cells[start[i]..<start[i + 1]])
            outValues.append(contentsOf: values[start[i]..<start[i + 1]])
            n += count[i]
            s += sum[i]
            ss += sumOfSquares[i]
        }
        guard zScore, n > 0 else { return }
        let mean = s / n, sd = Swift.max(0, ss / n - mean * mean).squareRoot()
        for r in outValues.indices { outValues[r] = clamp(mean + outValues[r] * sd, to: scale) }
    }
}
