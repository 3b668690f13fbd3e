import ExplicableCore
import Semantics
import Testing
import TestSupport

struct BootstrapTests {
    /// The data of `Benchmarks/semantics_reference.py` (RATINGS): 3 classes, 8 annotators; 6 rates
    /// everything 2, 7 rates once.
    static func reference() throws -> LikertRatings {
        try likert([
            (0, 0, 1, 4), (0, 1, 0, 3), (0, 0, 2, 1), (0, 2, 1, 0),
            (1, 0, 1, 3), (1, 1, 2, 2), (1, 2, 0, 1),
            (2, 0, 1, 2), (2, 1, 0, 4), (2, 2, 1, 1), (2, 1, 2, 3),
            (3, 0, 2, 0), (3, 2, 0, 2), (3, 1, 0, 2),
            (4, 0, 1, 4), (4, 2, 1, 2), (4, 1, 2, 1), (4, 2, 0, 0),
            (5, 0, 2, 2), (5, 1, 0, 3), (5, 0, 1, 1),
            (6, 0, 1, 2), (6, 2, 1, 2), (6, 1, 2, 2),
            (7, 2, 0, 3),
        ])
    }

    // Expected values printed by `python3 Benchmarks/semantics_reference.py`, which redraws the same
    // resamples (SplitMix64) and aggregates and takes percentiles with NumPy.
    @Test func meanIntervalsMatchNumPy() throws {
        let ci = bootstrapIntervals(try Self.reference(), .paper, replicates: 200, seed: 42)
        #expect(
            isClose(
                ci.lower, [4.0, 1.8333333333333333, 0.0, 2.158333333333334, 4.0, 1.0, 0.25, 0.4916666666666674, 4.0]))
        #expect(
            isClose(
                ci.upper, [4.0, 3.6, 2.0, 3.6666666666666665, 4.0, 2.6666666666666665, 2.5041666666666678, 2.0, 4.0]))
        #expect(ci.replicates == 200 && ci.confidence == 0.95)
    }

    @Test func zScoredSymmetrizedMedianIntervalsMatchNumPy() throws {
        let options = try LikertAggregation(statistic: .median, zScore: true, symmetrize: .mean)
        let full = aggregate(try Self.reference(), try LikertAggregation(statistic: .median, zScore: true)).matrix
        #expect(
            isClose(
                full.values,
                [
                    4.0, 2.714142842854285, 1.262436443416569, 3.126453405416051, 4.0, 2.0, 1.3100724675735864,
                    1.262436443416569, 4.0,
                ]))
        let ci = bootstrapIntervals(try Self.reference(), options, replicates: 200, seed: 7)
        #expect(
            isClose(
                ci.lower,
                [
                    4.0, 2.170511356241152, 0.2236015517007217, 2.170511356241152, 4.0, 1.084869757783404,
                    0.2236015517007217, 1.084869757783404, 4.0,
                ], 1e-9))
        #expect(
            isClose(
                ci.upper,
                [
                    4.0, 3.6400636420128207, 2.1428262990430125, 3.6400636420128207, 4.0, 2.130434782608696,
                    2.1428262990430125, 2.130434782608696, 4.0,
                ], 1e-9))
    }

    @Test func theSeedFixesTheIntervals() throws {
        let (ratings, _) = try synthetic(classes: 5, perPair: 12, perAnnotator: 6, noise: 1, seed: 5)
        let a = bootstrapIntervals(ratings, .paper, replicates: 300, seed: 1)
        let b = bootstrapIntervals(ratings, .paper, replicates: 300, seed: 1)
        let c = bootstrapIntervals(ratings, .paper, replicates: 300, seed: 2)
        #expect(a == b)
        #expect(a.lower != c.lower || a.upper != c.upper)
    }

    @Test func intervalsContainTheEstimateAndShrinkWithMoreRaters() throws {
        func meanWidth(perPair: Int) throws -> Double {
            let (ratings, _) = try synthetic(classes: 6, perPair: perPair, perAnnotator: 10, noise: 1, seed: 9)
            let estimate = aggregate(ratings, .paper).matrix
            let ci = bootstrapIntervals(ratings, .paper, replicates: 400, seed: 3)
            var width = 0.0
            for i in 0..<6 {
                for j in 0..<6 where i != j {
                    let interval = try #require(ci[i, j])
                    #expect(interval.contains(estimate[i, j]), "cell (\(i), \(j)) with \(perPair) raters")
                    width += interval.upperBound - interval.lowerBound
                }
                #expect(ci[i, i] == 4...4)
            }
            #expect(ci.usedReplicates.allSatisfy { $0 == 400 })
            return width / 30
        }
        let few = try meanWidth(perPair: 10), many = try meanWidth(perPair: 40)
        #expect(many < few * 0.7)
        #expect(many > 0)
    }

    @Test func cellsRatedByFewAnnotatorsSkipReplicatesWithoutThem() throws {
        // Pair (1,0) is rated by annotator 2 alone, so replicates that do not draw them skip it.
        let lone = try likert([(0, 0, 1, 3), (1, 0, 1, 1), (2, 0, 1, 2), (2, 1, 0, 4)])
        let l = bootstrapIntervals(lone, .paper, replicates: 500, seed: 4)
        // P(annotator 2 missing from 3 draws) = (2/3)³ ≈ 0.30.
        #expect(l.usedReplicates[3] > 280 && l.usedReplicates[3] < 420)
        #expect(l.usedReplicates[1] == 500)
        #expect(l[1, 0] == 4...4)  // its only rating
        #expect(l[0, 2] == nil && l.lower[2].isNaN)
    }
}
