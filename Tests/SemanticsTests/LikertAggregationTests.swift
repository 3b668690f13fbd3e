import ExplicableCore
import Foundation
import Semantics
import Testing
import TestSupport

struct LikertAggregationTests {
    /// (0,1): 1 3 4 4; (1,0): 2; (0,2): 0 4 1 3 3 2 4 0 1 2 4; each rating by its own annotator.
    static func small() throws -> LikertRatings {
        let cells: [(Int, Int, [Double])] = [
            (0, 1, [1, 3, 4, 4]), (1, 0, [2]), (0, 2, [0, 4, 1, 3, 3, 2, 4, 0, 1, 2, 4]),
        ]
        var tuples: [(Int, Int, Int, Double)] = []
        for (r, c, vs) in cells { for v in vs { tuples.append((tuples.count, r, c, v)) } }
        return try likert(tuples)
    }

    @Test func meanIsThePapersDefaultWithTheScaleMaximumOnTheDiagonal() throws {
        let m = aggregate(try Self.small(), .paper)
        #expect(m.matrix.kind == .similarity)
        #expect(m.matrix[0, 1] == 3 && m.matrix[1, 0] == 2)
        #expect(isClose(m.matrix[0, 2], 24.0 / 11))
        #expect(m.matrix[0, 0] == 4 && m.matrix[1, 1] == 4 && m.matrix[2, 2] == 4)
        #expect(m.matrix[1, 2].isNaN && m.matrix[2, 0].isNaN && m.matrix[2, 1].isNaN)
        #expect(m.counts == [0, 4, 11, 1, 0, 0, 0, 0, 0])
        #expect(m.flagged.map { [$0.row, $0.column, $0.count] } == [[1, 2, 0], [2, 0, 0], [2, 1, 0]])
        #expect(m.matrix.provenance.source == "likert")
        #expect(
            m.matrix.provenance.parameters == [
                "statistic": "mean", "z-score": "false", "diagonal": "scale-max", "symmetrize": "none",
                "min-count": "1",
            ])
    }

    @Test func medianAndTrimmedMean() throws {
        let median = aggregate(try Self.small(), try LikertAggregation(statistic: .median)).matrix
        #expect(median[0, 1] == 3.5 && median[1, 0] == 2 && median[0, 2] == 2)
        // scipy.stats.trim_mean(…, 0.2) cuts int(0.2 · 11) = 2 from each end: 2.2857142857142856.
        let trimmed = aggregate(try Self.small(), try LikertAggregation(statistic: .trimmedMean, trim: 0.2)).matrix
        #expect(isClose(trimmed[0, 2], 2.2857142857142856))
        #expect(trimmed[0, 1] == 3)  // int(0.2 · 4) = 0: nothing cut, the mean
        #expect(trimmed[1, 0] == 2)
        let none = aggregate(try Self.small(), try LikertAggregation(statistic: .trimmedMean, trim: 0)).matrix
        #expect(isClose(none[0, 2], 24.0 / 11))
    }

    @Test func bucketedStatisticsMatchANaivePerCellComputation() throws {
        let (ratings, _) = try synthetic(classes: 6, perPair: 9, perAnnotator: 7, noise: 1.5, seed: 11)
        for statistic in LikertAggregation.Statistic.allCases {
            let m = aggregate(ratings, try LikertAggregation(statistic: statistic, trim: 0.25)).matrix
            for i in 0..<6 {
                for j in 0..<6 where i != j {
                    let vs = (0..<ratings.count).filter { ratings.rows[$0] == i && ratings.columns[$0] == j }
                        .map { ratings.values[$0] }.sorted()
                    let expected: Double
                    switch statistic {
                    case .mean: expected = vs.reduce(0, +) / 9
                    case .median: expected = vs[4]
                    case .trimmedMean: expected = vs[2..<7].reduce(0, +) / 5  // int(0.25 · 9) = 2
                    }
                    #expect(isClose(m[i, j], expected), "\(statistic) cell (\(i), \(j))")
                }
            }
        }
    }

    @Test func zScoreMapsEachAnnotatorOntoThePooledScale() throws {
        // a0: 4, 2 (z ±1); a1: 1, 3, 2 (z ∓√1.5, 0); a2 rates once (maps to the pooled mean).
        // Pooled: mean 2, SD √(10/6), so z · SD = ±√(5/3) for a0, ∓√2.5 for a1.
        let ratings = try likert([(0, 0, 1, 4), (0, 0, 2, 2), (1, 0, 1, 1), (1, 1, 0, 3), (1, 0, 2, 2), (2, 1, 0, 0)])
        let m = aggregate(ratings, try LikertAggregation(zScore: true)).matrix
        #expect(isClose(m[0, 1], 2 + ((5.0 / 3).squareRoot() - 2.5.squareRoot()) / 2))
        #expect(isClose(m[0, 2], 2 - (5.0 / 3).squareRoot() / 2))
        #expect(isClose(m[1, 0], 2 + 2.5.squareRoot() / 2))
        #expect(m[0, 0] == 4)
        #expect(m.provenance.parameters["z-score"] == "true")
    }

    @Test func zScoreClampsToTheScaleAndMapsConstantAnnotatorsToThePooledMean() throws {
        // a1 rates everything 0: no spread, so all three of its ratings map to the pooled mean 15/8.
        let ratings = try likert([
            (0, 0, 1, 4), (0, 1, 0, 0), (1, 0, 2, 0), (1, 2, 0, 0), (1, 1, 2, 0), (2, 2, 1, 4), (2, 1, 2, 4),
            (2, 0, 2, 3),
        ])
        let pooledMean = 15.0 / 8
        let m = aggregate(ratings, try LikertAggregation(zScore: true)).matrix
        #expect(isClose(m[2, 0], pooledMean))
        for v in m.values { #expect((0...4).contains(v)) }
        // Pooled mean 2/3, SD √2/3: a0's 1 (z = 1) maps to 1.14 and a1's 0 (z = -√3) to -0.15; both clamp.
        let narrow = try likert(
            [(0, 0, 1, 1), (0, 1, 0, 0), (1, 0, 2, 1), (1, 2, 0, 1), (1, 1, 2, 1), (1, 2, 1, 0)], scale: 0...1)
        let c = aggregate(narrow, try LikertAggregation(zScore: true)).matrix
        #expect(c[0, 1] == 1 && c[2, 1] == 0)
        #expect(isClose(c[1, 0], 2.0 / 3 - (2.0).squareRoot() / 3))
    }

    @Test func diagonalOption() throws {
        let m = aggregate(try Self.small(), try LikertAggregation(diagonal: 1)).matrix
        #expect(m[0, 0] == 1 && m[2, 2] == 1 && m[0, 1] == 3)
        #expect(m.provenance.parameters["diagonal"] == "1.0")
    }

    @Test(arguments: [(LikertAggregation.Symmetrize.mean, 2.5), (.max, 3), (.min, 2)])
    func symmetrizeCombinesACellWithItsTranspose(_ rule: LikertAggregation.Symmetrize, _ expected: Double) throws {
        let a = aggregate(try Self.small(), try LikertAggregation(symmetrize: rule))
        #expect(a.matrix[0, 1] == expected && a.matrix[1, 0] == expected)
        #expect(isClose(a.matrix[0, 2], 24.0 / 11) && isClose(a.matrix[2, 0], 24.0 / 11))  // one side unrated
        #expect(a.matrix[1, 2].isNaN && a.matrix[2, 1].isNaN)
        #expect(a.counts == [0, 5, 11, 5, 0, 0, 11, 0, 0])
        #expect(a.matrix[1, 1] == 4)
    }

    @Test func minCountFlagsThinCells() throws {
        let a = aggregate(try Self.small(), try LikertAggregation(minCount: 5))
        #expect(
            a.flagged == [
                .init(row: 0, column: 1, count: 4), .init(row: 1, column: 0, count: 1),
                .init(row: 1, column: 2, count: 0),
                .init(row: 2, column: 0, count: 0), .init(row: 2, column: 1, count: 0),
            ])
        #expect(aggregate(try Self.small(), try LikertAggregation(minCount: 0)).flagged.isEmpty)
    }

    @Test func optionsAreCheckedAndRoundTripThroughJSON() throws {
        #expect(throws: ExplicableError.self) { try LikertAggregation(trim: 0.5) }
        #expect(throws: ExplicableError.self) { try LikertAggregation(trim: -0.1) }
        #expect(throws: ExplicableError.self) { try LikertAggregation(diagonal: .infinity) }
        #expect(throws: ExplicableError.self) { try LikertAggregation(minCount: -1) }
        let options = try LikertAggregation(
            statistic: .trimmedMean, trim: 0.2, zScore: true, symmetrize: .max, minCount: 3)
        let data = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(LikertAggregation.self, from: data) == options)
        #expect(try JSONDecoder().decode(LikertAggregation.self, from: Data("{}".utf8)) == .paper)
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(LikertAggregation.self, from: Data(#"{"trim": 0.7}"#.utf8))
        }
        #expect(options.parameters["trim"] == "0.2" && options.parameters["statistic"] == "trimmed-mean")
    }
}
