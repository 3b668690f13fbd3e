import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Testing

struct LabelCostAuditTests {
    /// Three submissions of a 2-pair study: accepted (600 s), accepted (300 s), rejected (100 s).
    func store() throws -> (LabelStore, Int64) {
        let store = try LabelStore()
        let classes = try ClassSet(name: "ab", labels: ["a", "b"])
        let study = try store.createStudy(
            StudyRecord(
                name: "s", design: "class-pair-likert", classSetId: 0, specJSON: "{}",
                createdAt: Date()), classes: classes,
            items: [
                ItemRecord(studyId: 0, key: "pair:0:1", kind: .pair, classA: 0, classB: 1, targetRatings: 3),
                ItemRecord(studyId: 0, key: "pair:1:0", kind: .pair, classA: 1, classB: 0, targetRatings: 3),
                ItemRecord(
                    studyId: 0, key: "attn:x", kind: .attention, isAttentionCheck: true, expectedAnswer: 0,
                    targetRatings: 0),
            ])
        let ids = study.items.map { $0.id! }
        let submissions = try store.importFile(
            studyId: study.record.id!, fileName: "f", sha256: "1", format: "long",
            importedAt: Date()
        ) { session in
            try [(600.0, "w1"), (300, "w2"), (100, "w3")].map { seconds, worker in
                let annotator = try session.annotatorID(platform: "mturk", idHash: worker, rawID: nil)
                let s = try session.insertSubmission(
                    annotatorId: annotator, assignmentID: worker, platformStatus: nil,
                    startedAt: nil, submittedAt: nil, workSeconds: seconds)
                for item in ids {
                    _ = try session.insertResponse(
                        submissionId: s, itemId: item, value: 2, cannotTell: false, reactionMs: nil,
                        position: nil)
                }
                return s
            }
        }!
        try store.storeDecisions([
            QCDecision(submissionId: submissions[0], status: .accepted, reason: nil),
            QCDecision(submissionId: submissions[1], status: .accepted, reason: nil),
            QCDecision(submissionId: submissions[2], status: .rejected, reason: "too fast"),
        ])
        return (store, study.record.id!)
    }

    @Test func countsMoneyTimeAndSavingsByHand() throws {
        let (store, id) = try store()
        let pay = StudyPay(platform: .mturk, rewardPerAssignment: 1.00, currency: "USD")
        let baseline = InstanceLabellingBaseline.custom(
            name: "x", images: 10, labelsPerImage: 2, secondsPerLabel: 360,
            hourlyPay: 10, currency: "USD", feeRate: 0)  // 20 labels, 2 h, 20 USD
        let audit = try LabelCostAudit.audit(study: "s", studyId: id, pay: pay, store: store, baseline: baseline)
        #expect(audit.submissionsAccepted == 2 && audit.submissionsRejected == 1 && audit.annotators == 3)
        #expect(audit.judgmentsAccepted == 4 && audit.judgmentsRejected == 2)  // attention checks are not judgments
        #expect(
            audit.medianWorkSeconds == 300 && abs(audit.totalWorkHours - 1000.0 / 3600) < 1e-12 && !audit.hoursEstimated
        )
        // Only accepted work is paid: 2 × 1.00 + 20% MTurk fee.
        #expect(
            audit.rewards == 2 && abs(audit.fees - 0.4) < 1e-12
                && abs((audit.costPerAcceptedJudgment ?? 0) - 0.6) < 1e-12)
        #expect(audit.savings.labels == 16 && abs(audit.savings.labelsPercent - 80) < 1e-9)
        #expect(abs(audit.savings.money - 17.6) < 1e-9 && abs(audit.savings.moneyPercent - 88) < 1e-9)
        #expect(audit.sufficiency == nil)
        let prolific = try LabelCostAudit.audit(
            study: "s", studyId: id,
            pay: StudyPay(platform: .prolific, rewardPerAssignment: 1.00, currency: "GBP", prolificFeeRate: 0.25),
            store: store,
            baseline: baseline)
        #expect(prolific.fees == 0.5)
    }

    @Test func cifar10HBaselineIsTheIssuesScale() {
        let b = InstanceLabellingBaseline.cifar10H
        #expect(b.images == 10_000 && b.labels == 511_000)
        #expect(abs(b.hours - 2555 * 0.25) < 1e-9 && abs(b.cost - 2555 * 1.5 * 1.2) < 1e-9)
    }
}
