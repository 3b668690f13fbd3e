public import ExplicableCore
public import LabelStore
import Foundation

/// Within-rater agreement from items shown to the same participant more than once (spec
/// `repeats`): each later showing paired with the first.
///
/// Per submission, the Pearson correlation of first and later values (3 pairs at least, and
/// neither side constant); over all pairs, the intraclass correlation ICC(3,1) (two-way mixed,
/// consistency, single measure: Shrout & Fleiss 1979, with the showings as the two "raters"),
/// the share of pairs answered identically and the mean absolute difference. Pairs where either
/// showing has no value ("cannot tell", "not applicable") are left out.
public struct TestRetest: Sendable, Equatable {
    /// One submission's repeats.
    public struct Rater: Sendable, Equatable {
        public var submissionId: Int64
        public var assignmentID: String
        public var pairs: Int
        /// Pearson r of first and later showings, `nil` below 3 pairs or for a constant side.
        public var correlation: Double?
        public var exactAgreement: Double
    }

    public var raters: [Rater]
    /// (first, later) pairs with values on both sides.
    public var pairs: Int
    /// ICC(3,1) over all pairs, `nil` below 2 pairs or without variance.
    public var icc: Double?
    public var exactAgreement: Double?
    public var meanAbsoluteDifference: Double?

    /// The statistics of `answers` (for instance `LabelStore.repeatedAnswers(studyId:)`, filtered).
    public static func compute(_ answers: [RepeatedAnswer]) -> TestRetest {
        var raters: [Rater] = []
        var xs: [Double] = [], ys: [Double] = []
        var start = 0
        let valued = answers.filter { $0.first != nil && $0.later != nil }
        while start < valued.count {
            var end = start
            while end < valued.count && valued[end].submissionId == valued[start].submissionId { end += 1 }
            let x = valued[start..<end].map { $0.first! }, y = valued[start..<end].map { $0.later! }
            let r = x.count >= 3 ? Statistics.pearson(x, y) : .nan
            raters.append(
                Rater(
                    submissionId: valued[start].submissionId, assignmentID: valued[start].assignmentID,
                    pairs: x.count, correlation: r.isNaN ? nil : r,
                    exactAgreement: Double(zip(x, y).filter { $0 == $1 }.count) / Double(x.count)))
            xs += x
            ys += y
            start = end
        }
        let n = xs.count
        guard n > 0 else {
            return TestRetest(raters: [], pairs: 0, icc: nil, exactAgreement: nil, meanAbsoluteDifference: nil)
        }
        let same = zip(xs, ys).filter { $0 == $1 }.count
        let mad = zip(xs, ys).map { abs($0 - $1) }.reduce(0, +) / Double(n)
        return TestRetest(
            raters: raters, pairs: n, icc: icc31(xs, ys), exactAgreement: Double(same) / Double(n),
            meanAbsoluteDifference: mad)
    }

    /// ICC(3,1) of two measurements of `n` subjects: (MSR − MSE) / (MSR + MSE).
    static func icc31(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        guard x.count >= 2 else { return nil }
        let grand = (x.reduce(0, +) + y.reduce(0, +)) / (2 * n)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var ssRows = 0.0, ssTotal = 0.0
        for (a, b) in zip(x, y) {
            let row = (a + b) / 2
            ssRows += 2 * (row - grand) * (row - grand)
            ssTotal += (a - grand) * (a - grand) + (b - grand) * (b - grand)
        }
        let ssColumns = n * ((mx - grand) * (mx - grand) + (my - grand) * (my - grand))
        let msRows = ssRows / (n - 1)
        let msError = (ssTotal - ssRows - ssColumns) / (n - 1)
        let denominator = msRows + msError
        guard denominator > 0 else { return nil }
        return (msRows - msError) / denominator
    }

    /// `test–retest: 24 pairs from 8 submissions: ICC(3,1) 0.81, identical 62%, mean |difference| 0.45`.
    public var summary: String {
        guard pairs > 0 else { return "test–retest: no item was answered twice with a value on both showings" }
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        return "test–retest: \(pairs) pair\(pairs == 1 ? "" : "s") of showings from \(raters.count) "
            + "submission\(raters.count == 1 ? "" : "s"): ICC(3,1) \(f(icc)), identical "
            + String(format: "%.0f%%", (exactAgreement ?? 0) * 100) + ", mean |difference| \(f(meanAbsoluteDifference))"
    }
}
