import ExplicableCore
import LabelStore
import Semantics
import TestSupport
import Testing

struct TestRetestTests {
    func answer(_ submission: Int64, _ first: Double?, _ later: Double?, item: Int64 = 0) -> RepeatedAnswer {
        RepeatedAnswer(
            submissionId: submission, assignmentID: "a\(submission)", qcStatus: .accepted, itemId: item, showing: 2,
            first: first, later: later)
    }

    @Test func perRaterCorrelationAndThePooledICC() {
        // Reference: numpy, ICC(3,1) = (MSR − MSE) / (MSR + MSE) over the 6 pairs (Shrout & Fleiss 1979).
        let answers = [
            answer(1, 0, 1), answer(1, 2, 2), answer(1, 4, 3), answer(2, 1, 1), answer(2, 3, 4), answer(2, 3, 2),
            answer(3, nil, 2),  // "cannot tell" on the first showing: left out
        ]
        let r = TestRetest.compute(answers)
        #expect(r.pairs == 6 && r.raters.count == 2)
        #expect(abs(r.icc! - 0.7735849056603776) < 1e-12)
        #expect(abs(r.raters[0].correlation! - 1) < 1e-12)
        #expect(abs(r.raters[1].correlation! - 0.7559289460184544) < 1e-12)
        #expect(abs(r.meanAbsoluteDifference! - 4.0 / 6) < 1e-12)
        #expect(r.exactAgreement == 2.0 / 6 && r.raters[1].exactAgreement == 1.0 / 3)
        #expect(
            r.summary
                == "test–retest: 6 pairs of showings from 2 submissions: ICC(3,1) 0.77, identical 33%, mean |difference| 0.67"
        )
    }

    @Test func tooFewPairsGiveNoFigureRatherThanANumber() {
        let r = TestRetest.compute([answer(1, 2, 2), answer(1, 3, 3)])
        #expect(r.raters[0].correlation == nil && r.icc != nil)
        let constant = TestRetest.compute([answer(1, 2, 2)])
        #expect(constant.icc == nil && constant.pairs == 1)
        #expect(TestRetest.compute([]).summary.hasPrefix("test–retest: no item was answered twice"))
    }
}
