import ExplicableCore
import Foundation
import Semantics

/// The Wilcoxon signed-rank test of paired differences, two-sided, as `scipy.stats.wilcoxon(d)`
/// computes it with its defaults (SciPy 1.17: `zero_method="wilcox"`, `correction=False`,
/// `alternative="two-sided"`, `method="auto"`).
///
/// Zero differences are dropped (Wilcoxon's method); the absolute differences left get average
/// ranks (ties share the mean of their positions). `method="auto"` chooses the p-value from the
/// sample size `n` *before* dropping zeros:
/// - `n > 50`: the normal approximation;
/// - `n ≤ 50` with no ties and no zeros: the exact null distribution of the signed-rank sum;
/// - `n ≤ 13` with ties or zeros: the exact permutation distribution over all 2^n sign flips
///   (SciPy's `PermutationMethod`, which enumerates them all when 2^n ≤ 9,999);
/// - otherwise the normal approximation.
///
/// The normal approximation has the tie correction (variance `n(n+1)(2n+1)/24 − Σ(t³−t)/48`) and,
/// only when `continuityCorrection` is set (SciPy's `correction=True`), a continuity correction of ½
/// towards the mean.
public struct WilcoxonSignedRank: Sendable, Equatable, Encodable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Equatable, Encodable {
        case exact, permutation, normal
    }

    /// `min(R+, R−)`, SciPy's `statistic` for the two-sided test.
    public var statistic: Double
    /// The sum of the ranks of the positive differences.
    public var rankSumPositive: Double
    /// The two-sided p-value; NaN when there are no differences or every one is zero.
    public var pValue: Double
    /// Non-zero differences (the ones ranked).
    public var nonZero: Int
    /// Differences given, zeros included.
    public var count: Int
    public var method: Method
    /// The normal approximation's z (negative, `−|z|`, as SciPy reports it), when that was used.
    public var z: Double?

    /// Tests the paired differences `differences` (e.g. `x − y`).
    ///
    /// - Parameters:
    ///   - differences: the paired differences, none NaN.
    ///   - continuityCorrection: SciPy's `correction`; it defaults to `false` there and here.
    public init(_ differences: [Double], continuityCorrection: Bool = false) {
        precondition(!differences.contains { $0.isNaN }, "Wilcoxon test of NaN differences")
        let d = differences.filter { $0 != 0 }
        let n = d.count
        let ranks = Statistics.averageRanks(d.map { abs($0) })
        var rPlus = 0.0, rMinus = 0.0
        for (v, r) in zip(d, ranks) {
            if v > 0 { rPlus += r } else { rMinus += r }
        }
        // Tie groups among the absolute differences: Σ(t³ − t).
        var tieTerm = 0.0
        let sorted = d.map { abs($0) }.sorted()
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, sorted[end] == sorted[start] { end += 1 }
            let t = Double(end - start)
            tieTerm += t * t * t - t
            start = end
        }
        let hasTies = tieTerm > 0
        let hasZeros = n < differences.count

        count = differences.count
        nonZero = n
        rankSumPositive = rPlus
        statistic = min(rPlus, rMinus)
        z = nil
        if differences.count > 50 || ((hasTies || hasZeros) && differences.count > 13) {
            method = .normal
            let nn = Double(n)
            let mean = nn * (nn + 1) / 4
            let se = ((nn * (nn + 1) * (2 * nn + 1) - tieTerm / 2) / 24).squareRoot()
            var zValue = (rPlus - mean) / se
            if continuityCorrection { zValue -= (zValue > 0 ? 1 : zValue < 0 ? -1 : 0) * 0.5 / se }
            pValue = n == 0 ? .nan : min(1, erfc(abs(zValue) / 2.0.squareRoot()))
            z = n == 0 ? .nan : -abs(zValue)
        } else if !hasTies && !hasZeros {
            method = .exact
            pValue = n == 0 ? .nan : Self.exactPValue(rankSum: rPlus, n: n)
        } else {
            method = .permutation
            pValue = n == 0 ? .nan : Self.permutationPValue(ranks: ranks, observed: rPlus)
        }
    }

    /// The number of subsets of `{1, …, n}` with each rank sum `0…n(n+1)/2`, as doubles.
    static func signedRankCounts(_ n: Int) -> [Double] {
        let maxSum = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: maxSum + 1)
        counts[0] = 1
        guard n > 0 else { return counts }
        for k in 1...n {
            for s in stride(from: maxSum, through: k, by: -1) { counts[s] += counts[s - k] }
        }
        return counts
    }

    /// `2 · min(P(T ≥ ⌊r⌋), P(T ≤ ⌈r⌉))`, clipped to 1, under the exact null distribution (SciPy's `exact`).
    static func exactPValue(rankSum r: Double, n: Int) -> Double {
        let counts = signedRankCounts(n)
        let total = counts.reduce(0, +)
        let lower = Int(r.rounded(.up)), upper = Int(r.rounded(.down))
        let cdf = counts[0...min(lower, counts.count - 1)].reduce(0, +) / total
        let sf = upper < counts.count ? counts[max(upper, 0)...].reduce(0, +) / total : 0
        return min(1, 2 * min(cdf, sf))
    }

    /// The two-sided p-value of the exhaustive sign-flip permutation test of R+ (SciPy's
    /// `permutation_test` with `permutation_type="samples"`: `2 · min(P(null ≤ obs), P(null ≥ obs))`,
    /// with SciPy's relative tolerance of 100 ε).
    static func permutationPValue(ranks: [Double], observed: Double) -> Double {
        let n = ranks.count
        let gamma = abs(observed) * Double.ulpOfOne * 100
        var less = 0, greater = 0
        let patterns = 1 << n
        for mask in 0..<patterns {
            var sum = 0.0
            for i in 0..<n where mask & (1 << i) != 0 { sum += ranks[i] }
            if sum <= observed + gamma { less += 1 }
            if sum >= observed - gamma { greater += 1 }
        }
        return min(1, 2 * Double(min(less, greater)) / Double(patterns))
    }
}
