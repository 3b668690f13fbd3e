import Audit
import Foundation
import LabelStore
import Testing

struct MistakeReviewReportTests {
    /// A 1–7 scale: "reasonable" is above its midpoint 4; a model without ratings reports NaN, not 0.
    @Test func reasonableMeansAboveTheScalesMidpoint() {
        let ratings =
            [5.0, 4, 7, 1].map { ReviewRating(itemKey: "image:0", value: $0) }
            + [ReviewRating(itemKey: "image:0", value: nil), ReviewRating(itemKey: "image:1", value: nil)]
        let report = MistakeReviewReport(
            study: "s", ratings: ratings, modelsByItem: ["image:0": ["a"], "image:1": ["b"]], models: ["a", "b"],
            imageOfItem: ["image:0": "cifar10-test:3", "image:1": "cifar10-test:3"], scale: 1...7, replicates: 200,
            seed: 1)
        #expect(report.midpoint == 4)
        let a = report.models[0], b = report.models[1]
        #expect(a.ratings == 4 && a.reasonableShare == 0.5 && a.mean == 4.25 && a.lower == 4.25 && a.upper == 4.25)
        #expect(a.cannotTell == 1 && b.cannotTell == 1 && b.ratings == 0 && b.mean.isNaN && b.reasonableShare.isNaN)
        #expect(report.comparisons.count == 1 && report.comparisons[0].images == 0)
        #expect(report.comparisons[0].test.pValue.isNaN)
        #expect(
            report.table.contains("\na           1        4  4.25  4.25–4.25       50.0%            1\n"),
            "\(report.table)")
    }
}
