import Dispatch
import ExplicableCore

/// Split-half reliability of M^h with the Spearman–Brown correction.
public struct SplitHalfReliability: Sendable, Equatable {
    /// The Spearman–Brown corrected correlation `2r / (1 + r)` of each split that had at least two
    /// off-diagonal cells rated in both halves, in split order.
    public let coefficients: [Double]
    /// The number of splits drawn (some may be missing from `coefficients`).
    public let splits: Int

    /// The mean corrected correlation over the splits; NaN when none was usable.
    public var mean: Double { Statistics.mean(coefficients) }
    /// The sample standard deviation (ddof 1) of the corrected correlations.
    public var standardDeviation: Double { Statistics.standardDeviation(coefficients, ddof: 1) }
}

/// Estimates how well M^h would replicate with a new panel of the same size (split-half reliability).
///
/// Each split shuffles the annotators who rated anything and cuts them into halves (the first
/// `⌊m/2⌋`, and the rest); each half is aggregated with `options`; `r` is Pearson's correlation of
/// the two matrices over the off-diagonal cells rated in both halves, and `2r / (1 + r)` (Spearman–Brown)
/// projects it to the full panel.
///
/// - Parameters:
///   - ratings: the study's ratings, by annotator.
///   - options: how each half is aggregated.
///   - splits: the number of random splits, at least 1.
///   - seed: fixes the splits.
public func splitHalfReliability(
    _ ratings: LikertRatings, _ options: LikertAggregation, splits: Int = 100, seed: UInt64
) -> SplitHalfReliability {
    precondition(splits >= 1, "split-half reliability needs at least one split, got \(splits)")
    let n = ratings.classes.count
    let pool = AnnotatorPool(ratings, zScore: options.zScore)
    let m = pool.members.count
    var aggregator = CellAggregator(classCount: n, options: options, scale: ratings.scale)
    var order = Array(0..<m)
    var cells: [Int32] = [], values: [Double] = []
    var first = [Double](repeating: .nan, count: n * n), second = first
    var coefficients: [Double] = []
    func aggregateHalf(_ members: ArraySlice<Int>, into out: inout [Double]) {
        pool.gather(Array(members), cells: &cells, values: &values)
        cells.withUnsafeBufferPointer { c in
            values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in aggregator.aggregate(cells: c, values: v, into: o) }
            }
        }
    }
    for s in 0..<splits {
        var g = derivedGenerator(seed: seed, stream: 1, index: s)
        for i in order.indices { order[i] = i }
        for i in stride(from: m - 1, to: 0, by: -1) { order.swapAt(i, uniformIndex(below: i + 1, using: &g)) }
        aggregateHalf(order[..<(m / 2)], into: &first)
        aggregateHalf(order[(m / 2)...], into: &second)
        let r = offDiagonalPearson(first, second, classCount: n)
        if !r.isNaN { coefficients.append(2 * r / (1 + r)) }
    }
    return SplitHalfReliability(coefficients: coefficients, splits: splits)
}

/// Pearson's r over the off-diagonal cells that are finite in both row-major matrices.
func offDiagonalPearson(_ a: [Double], _ b: [Double], classCount n: Int) -> Double {
    var x: [Double] = [], y: [Double] = []
    x.reserveCapacity(n * n)
    y.reserveCapacity(n * n)
    for i in 0..<n {
        for j in 0..<n where i != j && a[i * n + j].isFinite && b[i * n + j].isFinite {
            x.append(a[i * n + j])
            y.append(b[i * n + j])
        }
    }
    return Statistics.pearson(x, y)
}

/// How the agreement of M^h with itself grows with the number of ratings per pair.
public struct ReliabilityCurve: Sendable, Equatable {
    /// The correlation with the full-data matrix when every pair keeps `k` ratings.
    public struct Point: Sendable, Equatable {
        public let k: Int
        /// Mean Pearson correlation over the draws.
        public let mean: Double
        /// Sample standard deviation (ddof 1) over the draws.
        public let standardDeviation: Double
        /// 5th and 95th percentiles over the draws (linear interpolation, as `np.percentile`).
        public let p05: Double
        public let p95: Double
    }

    /// One point per `k = 2...K`, ascending; empty when some rated pair has fewer than 2 ratings.
    public let points: [Point]
    /// Subsamples drawn per `k`.
    public let draws: Int

    /// The first `k` whose mean correlation reaches `threshold`, or `nil` if none does.
    public func smallestK(reaching threshold: Double) -> Int? {
        points.first { $0.mean >= threshold }?.k
    }
}

/// Correlation of M^h built from `k` ratings per pair with M^h from all ratings, for `k = 2...K`.
///
/// `K` is the smallest number of ratings any rated off-diagonal pair has, or `maxK` if that is
/// smaller. For each `k`, `draws` times: every rated off-diagonal cell keeps `k` of its ratings,
/// drawn without replacement; the cells are reduced with `options.statistic` and finished (diagonal,
/// symmetrisation) as ``aggregate(_:_:)`` does; the result is correlated (Pearson, off-diagonal cells)
/// with the full-data matrix. With `options.zScore`, ratings are z-scored once on all the data and
/// subsampled after mapping. At `k = K` cells with exactly `K` ratings are reproduced exactly.
///
/// - Complexity: O(draws · c · Σ_k k log k) for `c` cells with the median or trimmed mean, without
///   the log for the mean; the `k` values run in parallel.
public func reliabilityCurve(
    _ ratings: LikertRatings, _ options: LikertAggregation, maxK: Int? = nil, draws: Int = 50, seed: UInt64
) -> ReliabilityCurve {
    precondition(draws >= 2, "a reliability curve needs at least two draws per k, got \(draws)")
    let n = ratings.classes.count, cellCount = n * n
    let full = aggregate(ratings, options).matrix.values
    let values = options.zScore ? zScoredValues(ratings) : ratings.values
    // Ratings grouped by directed cell: cell c's are bucket[offsets[c]..<offsets[c + 1]].
    var offsets = [Int](repeating: 0, count: cellCount + 1)
    for r in 0..<ratings.count { offsets[Int(ratings.rows[r]) * n + Int(ratings.columns[r]) + 1] += 1 }
    for c in 0..<cellCount { offsets[c + 1] += offsets[c] }
    var grouped = [Double](repeating: 0, count: ratings.count)
    var cursor = offsets
    for r in 0..<ratings.count {
        let c = Int(ratings.rows[r]) * n + Int(ratings.columns[r])
        grouped[cursor[c]] = values[r]
        cursor[c] += 1
    }
    let bucket = grouped, cellStart = offsets
    let rated = (0..<cellCount).filter { offsets[$0 + 1] > offsets[$0] }
    let smallest = rated.map { offsets[$0 + 1] - offsets[$0] }.min() ?? 0
    let upper = min(smallest, maxK ?? smallest)
    guard upper >= 2 else { return ReliabilityCurve(points: [], draws: draws) }
    let ks = Array(2...upper)
    var points = [ReliabilityCurve.Point?](repeating: nil, count: ks.count)
    points.withUnsafeMutableBufferPointer { buffer in
        let points = SharedMutableBuffer(buffer)  // index `index` writes only `points[index]`
        // As many chunks as values of k, so chunk `index` is exactly k = ks[index].
        ParallelWork.forEachChunk(count: ks.count, chunksPerWorker: ks.count) { index, _ in
            let k = ks[index]
            var shuffled = bucket  // permuted in place by the draws; a cell's slice keeps its multiset
            var aggregator = CellAggregator(classCount: n, options: options, scale: ratings.scale)
            var out = [Double](repeating: .nan, count: cellCount)
            var correlations: [Double] = []
            for d in 0..<draws {
                var g = derivedGenerator(seed: seed, stream: 2, index: k * draws + d)
                shuffled.withUnsafeMutableBufferPointer { s in
                    out.withUnsafeMutableBufferPointer { o in
                        o.update(repeating: .nan)  // symmetrisation wrote into unrated cells last draw
                        for c in rated {
                            let start = cellStart[c], count = cellStart[c + 1] - start
                            for i in 0..<k {  // partial Fisher–Yates: the first k become a uniform sample
                                s.swapAt(start + i, start + i + uniformIndex(below: count - i, using: &g))
                            }
                            // The median sorts the sample in place; harmless, as a partial Fisher–Yates
                            // draws a uniform subset whatever order the slice is in.
                            let sample = UnsafeMutableBufferPointer(rebasing: s[start..<(start + k)])
                            o[c] = cellStatistic(sample, options.statistic, trim: options.trim)
                        }
                        aggregator.finish(o)
                    }
                }
                let r = offDiagonalPearson(full, out, classCount: n)
                if !r.isNaN { correlations.append(r) }
            }
            let sorted = correlations.sorted()
            points[index] = ReliabilityCurve.Point(
                k: k, mean: Statistics.mean(correlations),
                standardDeviation: Statistics.standardDeviation(correlations, ddof: 1),
                p05: Statistics.quantile(sorted: sorted, 0.05), p95: Statistics.quantile(sorted: sorted, 0.95))
        }
    }
    return ReliabilityCurve(points: points.map { $0! }, draws: draws)
}

/// The level of measurement Krippendorff's alpha compares values at.
public enum KrippendorffMetric: String, Sendable, CaseIterable {
    /// Values are categories: any two different values disagree equally.
    case nominal
    /// Values are ranks: the disagreement of `c` and `k` grows with how many values lie between them.
    case ordinal
    /// Values are on an interval scale: the squared difference.
    case interval
}

/// Krippendorff's alpha of Likert ratings: units are the off-diagonal directed pairs, coders the annotators.
///
/// See ``krippendorffAlpha(units:values:metric:)``; pairs with fewer than two ratings are ignored.
public func krippendorffAlpha(_ ratings: LikertRatings, metric: KrippendorffMetric) -> Double {
    let n = ratings.classes.count
    let units = (0..<ratings.count).map { Int(ratings.rows[$0]) * n + Int(ratings.columns[$0]) }
    return krippendorffAlpha(units: units, values: ratings.values, metric: metric)
}

/// Krippendorff's alpha-reliability `1 - D_o / D_e` of values assigned to units, with missing data.
///
/// Value `i` was given to unit `units[i]` by some coder; each coder gives a unit at most one value,
/// and who gave it does not enter the computation, so coders are not passed. Units with fewer than
/// two values are not pairable and are ignored. With `n` pairable values, `m_u` in unit `u`, and
/// `n_c` values equal to `c`:
/// `D_o = (1/n) Σ_u 1/(m_u - 1) Σ_{i≠j in u} δ²(v_i, v_j)` and
/// `D_e = 1/(n(n - 1)) Σ_{c≠k} n_c n_k δ²(c, k)`, where δ² is 0/1 (nominal), `(c - k)²` (interval)
/// or `(Σ_{g=c}^{k} n_g - (n_c + n_k)/2)²` (ordinal). Krippendorff, K. (2011), "Computing
/// Krippendorff's Alpha-Reliability", Annenberg School for Communication, University of Pennsylvania.
///
/// - Returns: alpha; NaN when no unit is pairable or the pairable values do not vary (`D_e = 0`).
public func krippendorffAlpha(units: [Int], values: [Double], metric: KrippendorffMetric) -> Double {
    precondition(units.count == values.count, "krippendorffAlpha: \(units.count) units for \(values.count) values")
    precondition(values.allSatisfy(\.isFinite), "krippendorffAlpha: values must be finite")
    let order = units.indices.sorted { units[$0] < units[$1] || (units[$0] == units[$1] && values[$0] < values[$1]) }
    // Pairable units as runs of `order`.
    var runs: [Range<Int>] = []
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count, units[order[end]] == units[order[start]] { end += 1 }
        if end - start >= 2 { runs.append(start..<end) }
        start = end
    }
    let pairable = runs.flatMap { $0.map { values[order[$0]] } }
    let total = Double(pairable.count)
    guard !runs.isEmpty else { return .nan }
    let categories = Array(Set(pairable)).sorted()
    var categoryOf: [Double: Int] = [:]
    for (i, c) in categories.enumerated() { categoryOf[c] = i }
    var marginal = [Double](repeating: 0, count: categories.count)
    for v in pairable { marginal[categoryOf[v]!] += 1 }
    var cumulative = [0.0]
    for c in marginal { cumulative.append(cumulative.last! + c) }
    func delta2(_ c: Int, _ k: Int) -> Double {  // categories c ≠ k
        switch metric {
        case .nominal: return 1
        case .interval: return (categories[c] - categories[k]) * (categories[c] - categories[k])
        case .ordinal:
            let lo = min(c, k), hi = max(c, k)
            let d = cumulative[hi + 1] - cumulative[lo] - (marginal[lo] + marginal[hi]) / 2
            return d * d
        }
    }
    // Observed: Σ_u 1/(m_u - 1) Σ over ordered pairs of different values in u.
    var observed = 0.0
    var unitCategories: [(category: Int, count: Double)] = []
    for run in runs {
        let m = Double(run.count)
        var within = 0.0
        if metric == .interval {
            let vs = run.map { values[order[$0]] }
            let mean = vs.reduce(0, +) / m
            within = 2 * m * vs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        } else {
            unitCategories.removeAll(keepingCapacity: true)
            for i in run {
                let c = categoryOf[values[order[i]]]!
                if let last = unitCategories.last, last.category == c {
                    unitCategories[unitCategories.count - 1].count += 1
                } else {
                    unitCategories.append((c, 1))
                }
            }
            for a in unitCategories.indices {
                for b in unitCategories.indices where a != b {
                    within +=
                        unitCategories[a].count * unitCategories[b].count
                        * delta2(unitCategories[a].category, unitCategories[b].category)
                }
            }
        }
        observed += within / (m - 1)
    }
    var expected = 0.0
    if metric == .interval {
        let mean = pairable.reduce(0, +) / total
        expected = 2 * total * pairable.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    } else {
        for c in categories.indices {
            for k in categories.indices where c != k { expected += marginal[c] * marginal[k] * delta2(c, k) }
        }
    }
    guard expected > 0 else { return .nan }
    return 1 - (total - 1) * observed / expected
}
