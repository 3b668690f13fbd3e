import ExplicableCore
import Semantics
import Testing
import TestSupport

struct ReliabilityTests {
    /// Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    /// Communication, University of Pennsylvania, section C: 4 observers × 12 units with missing
    /// values; published alpha: nominal 0.743, ordinal 0.815, interval 0.849. Unit 12 has one value.
    static let observers: [[Double?]] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
        [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
    ]

    @Test(arguments: [
        (KrippendorffMetric.nominal, 0.743, 0.743421052631579), (.ordinal, 0.815, 0.8153875037548814),
        (.interval, 0.849, 0.8491071428571428),
    ])
    func krippendorffAlphaReproducesThePublishedExample(_ metric: KrippendorffMetric, published: Double, exact: Double)
    {
        var units: [Int] = [], values: [Double] = []
        for observer in Self.observers {
            for (unit, value) in observer.enumerated() {
                if let value {
                    units.append(unit)
                    values.append(value)
                }
            }
        }
        let alpha = krippendorffAlpha(units: units, values: values, metric: metric)
        #expect(isClose(alpha, published, 0.0005))
        // Exact value from the coincidence-matrix form in Benchmarks/semantics_reference.py.
        #expect(isClose(alpha, exact, 1e-12))
    }

    @Test func krippendorffAlphaOfLikertRatingsUsesDirectedPairsAsUnits() throws {
        // Perfect agreement within every pair → 1; pair (1,2) has one rating and is ignored.
        let agree = try likert([(0, 0, 1, 4), (1, 0, 1, 4), (0, 1, 0, 1), (2, 1, 0, 1), (0, 1, 2, 0)])
        for metric in KrippendorffMetric.allCases { #expect(krippendorffAlpha(agree, metric: metric) == 1) }
        // Systematic disagreement: every pair gets 0 and 4 → interval alpha below 0.
        let disagree = try likert([(0, 0, 1, 0), (1, 0, 1, 4), (0, 1, 0, 4), (1, 1, 0, 0)])
        #expect(krippendorffAlpha(disagree, metric: .interval) < 0)
        #expect(krippendorffAlpha(try likert([(0, 0, 1, 3)]), metric: .interval).isNaN)
    }

    @Test func splitHalfIsHighForStructuredRatingsAndNearZeroForNoise() throws {
        let (structured, _) = try synthetic(classes: 10, perPair: 30, perAnnotator: 15, noise: 0.8, seed: 21)
        let high = splitHalfReliability(structured, .paper, splits: 40, seed: 1)
        #expect(high.coefficients.count == 40 && high.splits == 40)
        #expect(high.mean > 0.9 && high.mean <= 1)
        #expect(high.standardDeviation < 0.05)
        let (noise, _) = try synthetic(
            classes: 20, perPair: 10, perAnnotator: 19, noise: 1.2, structure: false, seed: 22)
        let low = splitHalfReliability(noise, .paper, splits: 40, seed: 1)
        #expect(abs(low.mean) < 0.25)
        #expect(splitHalfReliability(noise, .paper, splits: 40, seed: 1) == low)
    }

    @Test func reliabilityCurveRisesToOneAtTheSmallestPairCount() throws {
        let (ratings, _) = try synthetic(classes: 8, perPair: 12, perAnnotator: 8, noise: 1.2, seed: 31)
        let curve = reliabilityCurve(ratings, .paper, draws: 30, seed: 2)
        #expect(curve.points.map(\.k) == Array(2...12))
        let last = try #require(curve.points.last)
        #expect(isClose(last.mean, 1, 1e-12) && isClose(last.standardDeviation, 0, 1e-12))
        let first = curve.points[0]
        #expect(first.mean < 0.9 && first.mean > 0.3)
        for (a, b) in zip(curve.points, curve.points.dropFirst()) { #expect(b.mean > a.mean - 0.02) }
        for p in curve.points { #expect(p.p05 <= p.mean && p.mean <= p.p95) }
        let k = try #require(curve.smallestK(reaching: 0.9))
        #expect(k > 2 && k <= 12 && curve.points[k - 2].mean >= 0.9 && curve.points[k - 3].mean < 0.9)
        #expect(curve.smallestK(reaching: 1.01) == nil)
        #expect(reliabilityCurve(ratings, .paper, draws: 30, seed: 2) == curve)
        let capped = reliabilityCurve(ratings, try LikertAggregation(statistic: .median), maxK: 5, draws: 10, seed: 2)
        #expect(capped.points.map(\.k) == [2, 3, 4, 5])
    }

    @Test func symmetrisingOneSidedRatingsLeavesTheCurveUnchanged() throws {
        // Only i < j is rated, so symmetrising copies each cell to its transpose; Pearson's r over
        // duplicated points is unchanged, draw for draw.
        var tuples: [(Int, Int, Int, Double)] = []
        var g = SeededGenerator(seed: 8)
        for i in 0..<5 {
            for j in (i + 1)..<5 {
                for a in 0..<(6 + i) { tuples.append((a, i, j, Double((i * j + Int(g.next() % 3)) % 5))) }
            }
        }
        let ratings = try likert(tuples, classes: classSet(5))
        let directed = reliabilityCurve(ratings, .paper, draws: 20, seed: 4)
        let symmetric = reliabilityCurve(ratings, try LikertAggregation(symmetrize: .mean), draws: 20, seed: 4)
        #expect(directed.points.count == 5)
        for (d, s) in zip(directed.points, symmetric.points) { #expect(isClose(d.mean, s.mean, 1e-12)) }
    }

    @Test func reliabilityCurveIsEmptyWhenAPairHasOneRating() throws {
        let ratings = try likert([(0, 0, 1, 3), (1, 0, 1, 2), (0, 1, 0, 4)])
        #expect(reliabilityCurve(ratings, .paper, seed: 1).points.isEmpty)
    }
}
