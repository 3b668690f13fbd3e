import ExplicableCore
import Semantics
import Testing
import TestSupport

struct MatrixComparisonTests {
    static let four = try! ClassSet(name: "four", labels: ["a", "b", "c", "d"])

    static func matrix(_ values: [Double], kind: ClassMatrix.Kind = .similarity, classes: ClassSet = four)
        -> ClassMatrix
    {
        ClassMatrix(classes: classes, kind: kind, values: values, provenance: .init(source: "test"))
    }

    static let base = matrix([
        1, 0.9, 0.2, 0.4,
        0.8, 1, 0.3, 0.1,
        0.25, 0.35, 1, 0.7,
        0.5, 0.15, 0.6, 1,
    ])

    @Test func identicalMatricesAgreeCompletely() throws {
        let c = try MatrixComparison(Self.base, Self.base, neighbours: 2, disagreements: 3)
        #expect(c.cellCount == 12)
        #expect(isClose(c.pearson, 1) && isClose(c.spearman, 1) && isClose(c.kendallTauB, 1))
        #expect(c.neighbourAgreement == [1, 1, 1, 1] && c.meanNeighbourAgreement == 1)
        #expect(c.disagreements.count == 3 && c.disagreements.allSatisfy { $0.difference == 0 })
    }

    @Test func aReversedRankingIsMinusOne() throws {
        let reversed = Self.matrix(Self.base.values.map { 2 - $0 })
        let c = try MatrixComparison(Self.base, reversed, neighbours: 1)
        #expect(isClose(c.pearson, -1) && isClose(c.spearman, -1) && isClose(c.kendallTauB, -1))
        // Nearest by similarity becomes farthest: no neighbour in common.
        #expect(c.meanNeighbourAgreement == 0)
    }

    @Test func neighbourAgreementByHand() throws {
        // Row a: base's 2 nearest {b, d}; other's {b, c} → 1/2. Row b: {a, c} vs {a, c} → 1.
        // Row c: {d, b} vs {d, a} → 1/2. Row d: {c, a} vs {c, a} → 1.
        let other = Self.matrix([
            1, 0.9, 0.5, 0.3,
            0.8, 1, 0.3, 0.1,
            0.4, 0.35, 1, 0.7,
            0.5, 0.15, 0.6, 1,
        ])
        let c = try MatrixComparison(Self.base, other, neighbours: 2, disagreements: 1)
        #expect(c.neighbourAgreement == [0.5, 1, 0.5, 1] && c.meanNeighbourAgreement == 0.75)
        // Distances: nearest are the smallest values. Row a: {c, d} vs {d, c} → 1; row c: {a, b} vs {b, a} → 1.
        let d = try MatrixComparison(
            Self.matrix(Self.base.values, kind: .distance), Self.matrix(other.values, kind: .distance), neighbours: 2)
        #expect(d.neighbourAgreement == [1, 1, 1, 1])
        let d1 = try MatrixComparison(
            Self.matrix(Self.base.values, kind: .distance), Self.matrix(other.values, kind: .distance), neighbours: 1)
        #expect(d1.neighbourAgreement == [0, 1, 0, 1])  // a: c (0.2) vs d (0.3); c: a (0.25) vs b (0.35)
    }

    @Test func largestDisagreementComesFirstWithRawAndStandardisedValues() throws {
        var values = Self.base.values
        values[0 * 4 + 2] = 0.95  // (a, c) goes from low to the highest
        let c = try MatrixComparison(Self.base, Self.matrix(values), disagreements: 2)
        let top = try #require(c.disagreements.first)
        #expect(top.row == 0 && top.column == 2 && top.first == 0.2 && top.second == 0.95)
        #expect(top.firstZ < 0 && top.secondZ > 0 && top.difference < 0)
        let xs = (0..<16).filter { $0 % 5 != 0 }.map { Self.base.values[$0] }
        #expect(isClose(top.firstZ, (0.2 - Statistics.mean(xs)) / Statistics.standardDeviation(xs, ddof: 0)))
        #expect(abs(c.disagreements[1].difference) <= abs(top.difference))
    }

    @Test func symmetricMatricesListEachPairOnce() throws {
        let s = Self.matrix([1, 0.9, 0.2, 0.4, 0.9, 1, 0.3, 0.1, 0.2, 0.3, 1, 0.7, 0.4, 0.1, 0.7, 1])
        var v = s.values
        v[1] = 0.1
        v[4] = 0.1
        let c = try MatrixComparison(s, Self.matrix(v), disagreements: 10)
        #expect(c.disagreements.count == 6 && c.disagreements.allSatisfy { $0.row < $0.column })
        #expect(c.disagreements[0].row == 0 && c.disagreements[0].column == 1)
    }

    @Test func nanCellsAreDroppedPairwise() throws {
        var v = Self.base.values
        v[1] = .nan
        let c = try MatrixComparison(Self.base, Self.matrix(v))
        #expect(c.cellCount == 11 && isClose(c.pearson, 1) && isClose(c.kendallTauB, 1))
    }

    @Test func refusesDifferentClassSetsAndKinds() throws {
        let other = try ClassSet(name: "other", labels: ["a", "b", "c", "e"])
        #expect {
            try MatrixComparison(Self.base, Self.matrix(Self.base.values, classes: other))
        } throws: { error in
            let e = error as? ExplicableError
            return e?.kind == .badInput && e!.message.contains("'four'") && e!.message.contains("'other'")
        }
        #expect {
            try MatrixComparison(Self.base, Self.matrix(Self.base.values, kind: .distance))
        } throws: { error in
            let e = error as? ExplicableError
            return e?.kind == .invalidArgument && e!.message.contains("convert")
        }
    }
}
