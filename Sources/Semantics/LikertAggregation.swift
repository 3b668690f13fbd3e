public import ExplicableCore

/// How Likert ratings of directed class pairs become one similarity matrix M^h.
///
/// The paper (Olmo et al., the CHL study) takes the mean rating of each directed pair and puts the
/// scale maximum on the diagonal; that is the default here. The options add robust statistics,
/// per-annotator standardisation, symmetrisation and a minimum-count flag.
///
/// **z-scoring** (`zScore`). Each rating `v` of annotator `a` becomes `z = (v - mean_a) / sd_a`, with
/// `mean_a` and `sd_a` the mean and population standard deviation (ddof 0) of `a`'s own ratings, and
/// is mapped back onto the scale as `v' = pooled mean + z · pooled SD` (both over all ratings, ddof 0),
/// clamped to `scale`. An annotator with a single rating or a standard deviation of zero (within
/// 1e-9 of the scale's width) has no spread to standardise by: each of their ratings maps to the
/// pooled mean (`z = 0`). The cell statistic is then taken over the mapped values.
///
/// ```swift
/// let study = try store.study(named: "pilot")
/// let ratings = try LikertRatings.load(studyId: study.record.id!, study: "pilot", classes: study.classes,
///                                      scale: 0...4, from: store)
/// let options = try LikertAggregation(statistic: .trimmedMean, trim: 0.1, zScore: true)
/// let mh = aggregate(ratings, options).matrix   // M^h over the study's classes
/// ```
public struct LikertAggregation: Sendable, Equatable, Codable {
    /// The per-cell statistic over a directed pair's ratings.
    public enum Statistic: String, Sendable, Codable, CaseIterable {
        /// The arithmetic mean (the paper's choice).
        case mean
        /// The median; the mean of the two middle ratings for an even count.
        case median
        /// The mean after cutting `⌊trim · n⌋` ratings from each end, as `scipy.stats.trim_mean`.
        case trimmedMean = "trimmed-mean"
    }

    /// How a directed cell and its transpose are combined into one symmetric value.
    public enum Symmetrize: String, Sendable, Codable, CaseIterable {
        case mean, max, min
    }

    public let statistic: Statistic
    /// The fraction of ratings cut from each end for ``Statistic/trimmedMean``, in `0..<0.5`.
    public let trim: Double
    /// Whether ratings are z-scored per annotator and mapped back to the scale (see the type's discussion).
    public let zScore: Bool
    /// The value on the diagonal; `nil` puts the scale's maximum there, as the paper does.
    public let diagonal: Double?
    /// How to make the matrix symmetric after aggregation; `nil` keeps it directed (asymmetric).
    public let symmetrize: Symmetrize?
    /// Off-diagonal cells with fewer ratings than this are listed in ``AggregatedLikert/flagged``.
    public let minCount: Int

    /// Creates and checks aggregation options.
    ///
    /// - Throws: `ExplicableError` (`invalidArgument`) when `trim` is not in `0..<0.5`, `diagonal`
    ///   is not finite or `minCount` is negative.
    public init(
        statistic: Statistic = .mean, trim: Double = 0.1, zScore: Bool = false, diagonal: Double? = nil,
        symmetrize: Symmetrize? = nil, minCount: Int = 1
    ) throws(ExplicableError) {
        guard trim >= 0, trim < 0.5 else {
            throw ExplicableError(.invalidArgument, "trim \(trim) is not in 0..<0.5 (the fraction cut from each end)")
        }
        if let diagonal, !diagonal.isFinite {
            throw ExplicableError(.invalidArgument, "diagonal \(diagonal) is not a finite number")
        }
        guard minCount >= 0 else {
            throw ExplicableError(.invalidArgument, "minimum count \(minCount) is negative")
        }
        self.statistic = statistic
        self.trim = trim
        self.zScore = zScore
        self.diagonal = diagonal
        self.symmetrize = symmetrize
        self.minCount = minCount
    }

    /// The paper's aggregation: mean per directed pair, scale maximum on the diagonal.
    public static let paper = try! LikertAggregation()

    private enum CodingKeys: String, CodingKey {
        case statistic, trim
        case zScore = "z-score"
        case diagonal, symmetrize
        case minCount = "min-count"
    }

    /// Decodes options; missing keys take their defaults, and the values are checked as
    /// ``init(statistic:trim:zScore:diagonal:symmetrize:minCount:)`` does.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            statistic: c.decodeIfPresent(Statistic.self, forKey: .statistic) ?? .mean,
            trim: c.decodeIfPresent(Double.self, forKey: .trim) ?? 0.1,
            zScore: c.decodeIfPresent(Bool.self, forKey: .zScore) ?? false,
            diagonal: c.decodeIfPresent(Double.self, forKey: .diagonal),
            symmetrize: c.decodeIfPresent(Symmetrize.self, forKey: .symmetrize),
            minCount: c.decodeIfPresent(Int.self, forKey: .minCount) ?? 1)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(statistic, forKey: .statistic)
        try c.encode(trim, forKey: .trim)
        try c.encode(zScore, forKey: .zScore)
        try c.encodeIfPresent(diagonal, forKey: .diagonal)
        try c.encodeIfPresent(symmetrize, forKey: .symmetrize)
        try c.encode(minCount, forKey: .minCount)
    }

    /// The options as provenance parameters: `statistic`, `trim` (trimmed mean only), `z-score`,
    /// `diagonal` (`scale-max` when `nil`), `symmetrize` (`none` when `nil`) and `min-count`.
    public var parameters: [String: String] {
        var p = [
            "statistic": statistic.rawValue, "z-score": String(zScore),
            "diagonal": diagonal.map { String($0) } ?? "scale-max", "symmetrize": symmetrize?.rawValue ?? "none",
            "min-count": String(minCount),
        ]
        if statistic == .trimmedMean { p["trim"] = String(trim) }
        return p
    }
}

/// An aggregated M^h: the matrix, how many ratings stand behind each cell, and the thin cells.
public struct AggregatedLikert: Sendable, Equatable {
    /// An off-diagonal cell with fewer ratings than ``LikertAggregation/minCount``.
    public struct FlaggedCell: Sendable, Equatable, Hashable {
        public var row: Int
        public var column: Int
        public var count: Int

        public init(row: Int, column: Int, count: Int) {
            self.row = row
            self.column = column
            self.count = count
        }
    }

    /// Kind `.similarity`, provenance source `likert` with the options' parameters. Cells nobody
    /// rated hold `Double.nan`: fill them from a prior or refuse the matrix.
    public var matrix: ClassMatrix
    /// Ratings per cell, row-major; 0 on the diagonal. After symmetrisation a cell counts the
    /// ratings of both directions, `count[i, j] + count[j, i]`.
    public var counts: [Int]
    /// Off-diagonal cells whose count is below the minimum, in row-major order (unrated cells included).
    public var flagged: [FlaggedCell]
}

/// Aggregates Likert ratings into a similarity matrix (M^h of Olmo et al.).
///
/// Per directed pair the ratings (z-scored first if asked) are reduced by `options.statistic`;
/// the diagonal gets `options.diagonal` or the scale maximum; then, if asked, each cell and its
/// transpose are combined by `options.symmetrize` (when one side is unrated, the other is taken).
///
/// - Complexity: O(r) for the mean, O(r log(r / c)) for the median and trimmed mean, with `r`
///   ratings over `c` cells.
public func aggregate(_ ratings: LikertRatings, _ options: LikertAggregation) -> AggregatedLikert {
    let n = ratings.classes.count
    precondition(n <= 46_340, "cell indices are Int32: at most 46,340 classes")
    let values = options.zScore ? zScoredValues(ratings) : ratings.values
    var cells = [Int32](repeating: 0, count: ratings.count)
    for r in cells.indices { cells[r] = ratings.rows[r] * Int32(n) + ratings.columns[r] }
    var aggregator = CellAggregator(classCount: n, options: options, scale: ratings.scale)
    var out = [Double](repeating: .nan, count: n * n)
    cells.withUnsafeBufferPointer { c in
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in aggregator.aggregate(cells: c, values: v, into: o) }
        }
    }
    var flagged: [AggregatedLikert.FlaggedCell] = []
    for i in 0..<n {
        for j in 0..<n where i != j && aggregator.counts[i * n + j] < options.minCount {
            flagged.append(.init(row: i, column: j, count: aggregator.counts[i * n + j]))
        }
    }
    let matrix = ClassMatrix(
        classes: ratings.classes, kind: .similarity, values: out,
        provenance: .init(source: "likert", parameters: options.parameters))
    return AggregatedLikert(matrix: matrix, counts: aggregator.counts, flagged: flagged)
}

/// Each rating z-scored within its annotator and mapped back onto the scale (see ``LikertAggregation``).
func zScoredValues(_ ratings: LikertRatings) -> [Double] {
    let z = annotatorZScores(ratings)
    var pooledMean = 0.0
    for v in ratings.values { pooledMean += v }
    pooledMean /= Double(max(1, ratings.count))
    var ss = 0.0
    for v in ratings.values { ss += (v - pooledMean) * (v - pooledMean) }
    let pooledSD = (ss / Double(max(1, ratings.count))).squareRoot()
    return z.map { clamp(pooledMean + $0 * pooledSD, to: ratings.scale) }
}

/// `(v - mean_a) / sd_a` for every rating, 0 for annotators without spread (one rating, or sd ≈ 0).
func annotatorZScores(_ ratings: LikertRatings) -> [Double] {
    let m = ratings.annotatorCount
    var count = [Int](repeating: 0, count: m)
    var sum = [Double](repeating: 0, count: m)
    for r in 0..<ratings.count {
        count[Int(ratings.annotators[r])] += 1
        sum[Int(ratings.annotators[r])] += ratings.values[r]
    }
    let mean = (0..<m).map { count[$0] > 0 ? sum[$0] / Double(count[$0]) : 0 }
    var ss = [Double](repeating: 0, count: m)
    for r in 0..<ratings.count {
        let a = Int(ratings.annotators[r]), d = ratings.values[r] - mean[a]
        ss[a] += d * d
    }
    let tiny = 1e-9 * max(1, ratings.scale.upperBound - ratings.scale.lowerBound)
    let sd = (0..<m).map { count[$0] > 1 ? (ss[$0] / Double(count[$0])).squareRoot() : 0 }
    return (0..<ratings.count).map { r in
        let a = Int(ratings.annotators[r])
        return sd[a] > tiny ? (ratings.values[r] - mean[a]) / sd[a] : 0
    }
}

@inline(__always) func clamp(_ v: Double, to range: ClosedRange<Double>) -> Double {
    min(range.upperBound, max(range.lowerBound, v))
}

/// Reduces (cell, value) ratings to a matrix; its scratch buffers are reused between calls, so one
/// aggregator serves all the replicates of a bootstrap chunk without allocating.
struct CellAggregator {
    let classCount: Int
    let options: LikertAggregation
    let diagonal: Double
    /// Ratings per cell after the last ``aggregate(cells:values:into:)``, symmetrised if the options say so.
    private(set) var counts: [Int]
    private var sums: [Double]
    private var offsets: [Int]
    private var bucket: [Double]

    init(classCount: Int, options: LikertAggregation, scale: ClosedRange<Double>) {
        self.classCount = classCount
        self.options = options
        self.diagonal = options.diagonal ?? scale.upperBound
        counts = [Int](repeating: 0, count: classCount * classCount)
        sums = options.statistic == .mean ? [Double](repeating: 0, count: classCount * classCount) : []
        offsets = options.statistic == .mean ? [] : [Int](repeating: 0, count: classCount * classCount + 1)
        bucket = []
    }

    /// Writes the aggregated matrix (NaN where a cell has no rating) into `out`, `classCount²` entries.
    mutating func aggregate(
        cells: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Double>,
        into out: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(cells.count == values.count && out.count == classCount * classCount)
        let cellCount = classCount * classCount
        let statistic = options.statistic, trim = options.trim
        counts.withUnsafeMutableBufferPointer { counts in
            counts.update(repeating: 0)
            for c in cells { counts[Int(c)] += 1 }
            if statistic == .mean {
                sums.withUnsafeMutableBufferPointer { sums in
                    sums.update(repeating: 0)
                    for r in 0..<cells.count { sums[Int(cells[r])] += values[r] }
                    for c in 0..<cellCount { out[c] = counts[c] > 0 ? sums[c] / Double(counts[c]) : .nan }
                }
                return
            }
            if bucket.count < cells.count { bucket = [Double](repeating: 0, count: cells.count) }
            offsets.withUnsafeMutableBufferPointer { offsets in
                offsets[0] = 0
                for c in 0..<cellCount { offsets[c + 1] = offsets[c] + counts[c] }
                bucket.withUnsafeMutableBufferPointer { bucket in
                    // Fill each cell's slice from its end, so `offsets[c + 1]` ends at the start of cell c.
                    for r in 0..<cells.count {
                        let end = Int(cells[r]) + 1
                        offsets[end] -= 1
                        bucket[offsets[end]] = values[r]
                    }
                    for c in 0..<cellCount {
                        let start = offsets[c + 1], n = counts[c]
                        guard n > 0 else {
                            out[c] = .nan
                            continue
                        }
                        let slice = UnsafeMutableBufferPointer(rebasing: bucket[start..<(start + n)])
                        out[c] = cellStatistic(slice, statistic, trim: trim)
                    }
                }
            }
        }
        finish(out)
    }

    /// Puts the diagonal in place and symmetrises values and counts if asked.
    mutating func finish(_ out: UnsafeMutableBufferPointer<Double>) {
        let n = classCount
        for i in 0..<n {
            out[i * n + i] = diagonal
            counts[i * n + i] = 0
        }
        guard let symmetrize = options.symmetrize else { return }
        for i in 0..<n {
            for j in (i + 1)..<n {
                let a = out[i * n + j], b = out[j * n + i]
                let v: Double
                if a.isNaN {
                    v = b
                } else if b.isNaN {
                    v = a
                } else {
                    switch symmetrize {
                    case .mean: v = (a + b) / 2
                    case .max: v = Swift.max(a, b)
                    case .min: v = Swift.min(a, b)
                    }
                }
                out[i * n + j] = v
                out[j * n + i] = v
                let total = counts[i * n + j] + counts[j * n + i]
                counts[i * n + j] = total
                counts[j * n + i] = total
            }
        }
    }
}

/// The statistic of one cell's ratings; sorts `slice` in place for the median and trimmed mean.
@inline(__always)
func cellStatistic(_ slice: UnsafeMutableBufferPointer<Double>, _ statistic: LikertAggregation.Statistic, trim: Double)
    -> Double
{
    var slice = slice
    let n = slice.count
    switch statistic {
    case .mean:
        var s = 0.0
        for v in slice { s += v }
        return s / Double(n)
    case .median:
        slice.sort()
        return n % 2 == 1 ? slice[n / 2] : (slice[n / 2 - 1] + slice[n / 2]) / 2
    case .trimmedMean:
        slice.sort()
        let cut = Int(trim * Double(n))  // scipy.stats.trim_mean: int(proportiontocut * nobs)
        var s = 0.0
        for i in cut..<(n - cut) { s += slice[i] }
        return s / Double(n - 2 * cut)
    }
}
