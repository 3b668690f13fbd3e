import ExplicableCore
import Semantics
import Testing
import TestSupport

struct StatisticsTests {
    // Reference values: Benchmarks/semantics_reference.py (np.corrcoef, np.percentile, scipy.stats 1.17).
    let x: [Double] = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7]
    let y: [Double] = [2, 1, 3, 3, 5, 4, 4, 7, 6, 6]

    @Test func quantileInterpolatesLinearlyAsNumPy() {
        let s = [0.3, 1.7, 2.2, 2.2, 3.9, 4.0, 5.5]
        #expect(isClose(Statistics.quantile(sorted: s, 0.025), 0.51))
        #expect(isClose(Statistics.quantile(sorted: s, 0.25), 1.9500000000000002))
        #expect(isClose(Statistics.quantile(sorted: s, 0.5), 2.2))
        #expect(isClose(Statistics.quantile(sorted: s, 0.975), 5.2749999999999995))
        #expect(Statistics.quantile(sorted: s, 1) == 5.5)
        #expect(Statistics.quantile(sorted: s, 0) == 0.3)
        #expect(Statistics.quantile(sorted: [], 0.5).isNaN)
    }

    @Test func correlationsMatchNumPyAndSciPyWithTies() {
        #expect(isClose(Statistics.pearson(x, y), 0.8745962643860989))
        #expect(isClose(Statistics.spearman(x, y), 0.9223780407186633))
        #expect(isClose(Statistics.kendallTauB(x, y), 0.7952384429746019))
    }

    @Test func kendallTauBByHand() {
        // Pairs: 3 concordant, 1 discordant, one tied in x only, one tied in y only:
        // (3 - 1) / sqrt((6 - 1)(6 - 1)) = 0.4.
        #expect(isClose(Statistics.kendallTauB([1, 2, 2, 3], [1, 3, 2, 2]), 0.4))
        #expect(Statistics.kendallTauB([1, 1, 1], [1, 2, 3]).isNaN)
        #expect(Statistics.kendallTauB([1], [1]).isNaN)
    }

    @Test func kendallTauBMatchesBruteForceOnTiedData() {
        var g = SeededGenerator(seed: 3)
        let a = (0..<300).map { _ in Double(g.next() % 7) }
        let b = (0..<300).map { i in Double(g.next() % 5) + a[i] / 3 }
        var concordant = 0, discordant = 0, tiedA = 0, tiedB = 0
        for i in a.indices {
            for j in (i + 1)..<a.count {
                let s = (a[i] - a[j]) * (b[i] - b[j])
                if s > 0 { concordant += 1 } else if s < 0 { discordant += 1 }
                if a[i] == a[j] { tiedA += 1 }
                if b[i] == b[j] { tiedB += 1 }
            }
        }
        let n0 = Double(300 * 299 / 2)
        let expected = Double(concordant - discordant) / ((n0 - Double(tiedA)) * (n0 - Double(tiedB))).squareRoot()
        #expect(isClose(Statistics.kendallTauB(a, b), expected, 1e-12))
    }

    @Test func reversedRankingIsMinusOne() {
        let a: [Double] = [0.1, 0.5, 0.2, 0.9, 0.7]
        let b = a.map { 1 - $0 * $0 }
        #expect(isClose(Statistics.spearman(a, b), -1))
        #expect(isClose(Statistics.kendallTauB(a, b), -1))
        #expect(isClose(Statistics.pearson(a, a.map { 3 - 2 * $0 }), -1))
    }

    @Test func averageRanksShareTies() {
        #expect(Statistics.averageRanks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
        #expect(Statistics.averageRanks([7, 7, 7]) == [2, 2, 2])
    }

    @Test func standardDeviationTakesDdof() {
        #expect(isClose(Statistics.standardDeviation([1, 2, 3, 4], ddof: 0), 1.25.squareRoot()))
        #expect(isClose(Statistics.standardDeviation([1, 2, 3, 4], ddof: 1), (5.0 / 3).squareRoot()))
        #expect(Statistics.standardDeviation([1], ddof: 1).isNaN)
    }
}
