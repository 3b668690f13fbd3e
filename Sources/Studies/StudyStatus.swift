public import ExplicableCore
import Foundation
public import LabelStore

/// Where a study stands: ratings per item against the target, submissions by decision, and
/// what finishing would cost at the spec's pay.
public struct StudyStatus: Sendable, Equatable {
    /// Platform fee on rewards: MTurk charges 20% (HITs here have fewer than 10 assignments each),
    /// Prolific's standard service fee is taken as 33.3%; self-hosted studies pay none.
    public static func platformFee(_ platform: StudySpec.Platform) -> Double {
        switch platform {
        case .mturk: 0.20
        case .prolific: 1.0 / 3.0
        case .selfHosted: 0
        }
    }

    public var items: Int
    public var targetRatings: Int
    /// Ratings from accepted or not yet checked submissions, capped at each item's target.
    public var ratingsCollected: Int
    public var itemsComplete: Int
    public var submissionsAccepted: Int
    public var submissionsRejected: Int
    public var submissionsPending: Int
    /// Assignments still needed to reach every target.
    public var assignmentsRemaining: Int
    /// Reward plus platform fee for those assignments, in the spec's currency.
    public var remainingCost: Double
    public var currency: String

    public static func of(_ study: Study, in store: LabelStore) throws(ExplicableError) -> StudyStatus {
        let (counts, decisions) = try store.collectionCounts(studyId: study.id)
        var regular = 0, target = 0, collected = 0, complete = 0
        for item in study.items where !item.isAttentionCheck {
            regular += 1
            target += item.targetRatings
            let n = min(counts[item.id!] ?? 0, item.targetRatings)
            collected += n
            if n >= item.targetRatings { complete += 1 }
        }
        let spec = study.spec
        // class-neighbours deals screens: an assignment holds itemsPerAssignment screens of their mean size.
        var itemsPerAssignment = Double(spec.itemsPerAssignment)
        if spec.design == .classNeighbours {
            let screens = study.screens.count
            if screens > 0 { itemsPerAssignment *= Double(regular) / Double(screens) }
        }
        let remainingAssignments = Int((Double(target - collected) / itemsPerAssignment).rounded(.up))
        let cost = Double(remainingAssignments) * spec.pay.rewardPerAssignment * (1 + platformFee(spec.platform))
        return StudyStatus(
            items: regular, targetRatings: target, ratingsCollected: collected, itemsComplete: complete,
            submissionsAccepted: decisions[.accepted] ?? 0, submissionsRejected: decisions[.rejected] ?? 0,
            submissionsPending: decisions[.pending] ?? 0, assignmentsRemaining: remainingAssignments,
            remainingCost: (cost * 100).rounded() / 100, currency: spec.pay.currency)
    }
}
