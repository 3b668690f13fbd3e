import Audit
import Foundation
import Testing

/// `scipy.stats.wilcoxon(d, correction=…)` with its other defaults, from
/// `Benchmarks/wilcoxon_reference.py` (scipy 1.17.1); the samples and numbers are that script's output.
struct WilcoxonTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var correction: Bool
        var method: WilcoxonSignedRank.Method
        var statistic: Double
        var pValue: Double
        var d: [Double]
        var testDescription: String { "\(name) correction=\(correction)" }
    }

    static let cases: [Case] = [
        Case(
            name: "exact-8", correction: false, method: .exact,
            statistic: 9.0, pValue: 0.25,
            d: [1.5, 2.0, -3.25, 4.0, 5.5, -6.0, 7.0, 8.5]),
        Case(
            name: "exact-8", correction: true, method: .exact,
            statistic: 9.0, pValue: 0.25,
            d: [1.5, 2.0, -3.25, 4.0, 5.5, -6.0, 7.0, 8.5]),
        Case(
            name: "ties-8", correction: false, method: .permutation,
            statistic: 13.0, pValue: 0.546875,
            d: [1.0, 1.0, -3.0, 4.0, 5.0, -6.0, 7.0, -1.0]),
        Case(
            name: "ties-8", correction: true, method: .permutation,
            statistic: 13.0, pValue: 0.546875,
            d: [1.0, 1.0, -3.0, 4.0, 5.0, -6.0, 7.0, -1.0]),
        Case(
            name: "zeros-10", correction: false, method: .permutation,
            statistic: 5.0, pValue: 0.0859375,
            d: [0.0, 0.5, -0.5, 1.0, 0.0, 2.0, 1.5, -1.0, 2.5, 3.0]),
        Case(
            name: "zeros-10", correction: true, method: .permutation,
            statistic: 5.0, pValue: 0.0859375,
            d: [0.0, 0.5, -0.5, 1.0, 0.0, 2.0, 1.5, -1.0, 2.5, 3.0]),
        Case(
            name: "one-sided-6", correction: false, method: .exact,
            statistic: 0.0, pValue: 0.03125,
            d: [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
        Case(
            name: "one-sided-6", correction: true, method: .exact,
            statistic: 0.0, pValue: 0.03125,
            d: [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
        Case(
            name: "exact-30", correction: false, method: .exact,
            statistic: 231.0, pValue: 0.9838335812091827,
            d: [
                0.928571, -2.5, 2.785714, -0.642857, -4.071429, 1.214286, -2.214286, 3.071429, -0.357143, -3.785714,
                1.5, -1.928571, 3.357143, -0.071429, -3.5, 1.785714, -1.642857, 3.642857, 0.214286, -3.214286, 2.071429,
                -1.357143, 3.928571, 0.5, -2.928571, 2.357143, -1.071429, 4.214286, 0.785714, -2.642857,
            ]),
        Case(
            name: "exact-30", correction: true, method: .exact,
            statistic: 231.0, pValue: 0.9838335812091827,
            d: [
                0.928571, -2.5, 2.785714, -0.642857, -4.071429, 1.214286, -2.214286, 3.071429, -0.357143, -3.785714,
                1.5, -1.928571, 3.357143, -0.071429, -3.5, 1.785714, -1.642857, 3.642857, 0.214286, -3.214286, 2.071429,
                -1.357143, 3.928571, 0.5, -2.928571, 2.357143, -1.071429, 4.214286, 0.785714, -2.642857,
            ]),
        Case(
            name: "normal-ties-20", correction: false, method: .normal,
            statistic: 33.5, pValue: 0.022847316243201958,
            d: [0.0, 1.0, -1.0, 2.0, 2.0, -2.0, 3.0, 0.5, 0.5, 1.5, -0.5, 1.0, 2.5, 0.0, 1.0, 3.0, -1.5, 2.0, 0.5, 1.0]),
        Case(
            name: "normal-ties-20", correction: true, method: .normal,
            statistic: 33.5, pValue: 0.0241902698948389,
            d: [0.0, 1.0, -1.0, 2.0, 2.0, -2.0, 3.0, 0.5, 0.5, 1.5, -0.5, 1.0, 2.5, 0.0, 1.0, 3.0, -1.5, 2.0, 0.5, 1.0]),
        Case(
            name: "normal-60", correction: false, method: .normal,
            statistic: 660.0, pValue: 0.06048774443171291,
            d: [
                -1.5, 2.611111, 6.722222, -2.611111, 1.5, 5.611111, -3.722222, 0.388889, 4.5, -4.833333, -0.722222,
                3.388889, 7.5, -1.833333, 2.277778, 6.388889, -2.944444, 1.166667, 5.277778, -4.055556, 0.055556,
                4.166667, -5.166667, -1.055556, 3.055556, 7.166667, -2.166667, 1.944444, 6.055556, -3.277778, 0.833333,
                4.944444, -4.388889, -0.277778, 3.833333, -5.5, -1.388889, 2.722222, 6.833333, -2.5, 1.611111, 5.722222,
                -3.611111, 0.5, 4.611111, -4.722222, -0.611111, 3.5, 7.611111, -1.722222, 2.388889, 6.5, -2.833333,
                1.277778, 5.388889, -3.944444, 0.166667, 4.277778, -5.055556, -0.944444,
            ]),
        Case(
            name: "normal-60", correction: true, method: .normal,
            statistic: 660.0, pValue: 0.06099376411707871,
            d: [
                -1.5, 2.611111, 6.722222, -2.611111, 1.5, 5.611111, -3.722222, 0.388889, 4.5, -4.833333, -0.722222,
                3.388889, 7.5, -1.833333, 2.277778, 6.388889, -2.944444, 1.166667, 5.277778, -4.055556, 0.055556,
                4.166667, -5.166667, -1.055556, 3.055556, 7.166667, -2.166667, 1.944444, 6.055556, -3.277778, 0.833333,
                4.944444, -4.388889, -0.277778, 3.833333, -5.5, -1.388889, 2.722222, 6.833333, -2.5, 1.611111, 5.722222,
                -3.611111, 0.5, 4.611111, -4.722222, -0.611111, 3.5, 7.611111, -1.722222, 2.388889, 6.5, -2.833333,
                1.277778, 5.388889, -3.944444, 0.166667, 4.277778, -5.055556, -0.944444,
            ]),
    ]

    @Test(arguments: cases)
    func matchesSciPy(_ c: Case) {
        let r = WilcoxonSignedRank(c.d, continuityCorrection: c.correction)
        #expect(r.method == c.method)
        #expect(r.statistic == c.statistic)
        #expect(abs(r.pValue - c.pValue) <= 1e-12 * max(1, c.pValue), "p = \(r.pValue), scipy \(c.pValue)")
        #expect(r.count == c.d.count && r.nonZero == c.d.filter { $0 != 0 }.count)
    }

    /// Swapping the samples (negating the differences) keeps W and p.
    @Test(arguments: cases)
    func symmetricInTheOrderOfTheSamples(_ c: Case) {
        let a = WilcoxonSignedRank(c.d, continuityCorrection: c.correction)
        let b = WilcoxonSignedRank(c.d.map { -$0 }, continuityCorrection: c.correction)
        #expect(a.statistic == b.statistic)
        #expect(abs(a.pValue - b.pValue) <= 1e-12)
    }

    @Test func exactCountsAreTheSignedRankDistribution() {
        // n = 3: subsets of {1, 2, 3} by sum 0…6 are 1, 1, 1, 2, 1, 1, 1.
        let r = WilcoxonSignedRank([1, 2, 3])
        #expect(r.method == .exact && r.statistic == 0 && r.pValue == 0.25)
        let zeros = WilcoxonSignedRank([0, 0, 0])
        #expect(zeros.nonZero == 0 && zeros.pValue.isNaN)
        #expect(WilcoxonSignedRank([]).pValue.isNaN)
    }
}
