public import ExplicableCore
public import LabelStore
public import Semantics
import Foundation

/// What a study's pay looks like, from its spec.
public struct StudyPay: Sendable, Equatable {
    public enum Platform: String, Sendable, Codable {
        case mturk, prolific
        case selfHosted = "self-hosted"
    }
    public var platform: Platform
    public var rewardPerAssignment: Double
    public var currency: String
    /// Assignments per MTurk HIT (the 20% surcharge starts at 10).
    public var assignmentsPerHIT: Int
    /// Prolific's service fee rate.
    public var prolificFeeRate: Double
    /// The spec's estimate of an assignment's length, used when no work times were recorded.
    public var estimatedMinutes: Double?

    public init(
        platform: Platform, rewardPerAssignment: Double, currency: String, assignmentsPerHIT: Int = 1,
        prolificFeeRate: Double = 1.0 / 3.0, estimatedMinutes: Double? = nil
    ) {
        self.estimatedMinutes = estimatedMinutes
        self.platform = platform
        self.rewardPerAssignment = rewardPerAssignment
        self.currency = currency
        self.assignmentsPerHIT = assignmentsPerHIT
        self.prolificFeeRate = prolificFeeRate
    }

    /// The pay of a study spec: its platform, reward, currency and estimated minutes.
    public init(spec: StudySpec, assignmentsPerHIT: Int = 1, prolificFeeRate: Double = 1.0 / 3.0) {
        self.init(
            platform: Platform(rawValue: spec.platform.rawValue) ?? .selfHosted,
            rewardPerAssignment: spec.pay.rewardPerAssignment, currency: spec.pay.currency,
            assignmentsPerHIT: assignmentsPerHIT, prolificFeeRate: prolificFeeRate,
            estimatedMinutes: spec.pay.estimatedMinutes)
    }

    /// The platform's fee on one assignment's reward.
    public var feePerAssignment: Double {
        switch platform {
        case .mturk: PlatformFees.mturk(reward: rewardPerAssignment, assignmentsPerHIT: assignmentsPerHIT)
        case .prolific: PlatformFees.prolific(reward: rewardPerAssignment, feeRate: prolificFeeRate)
        case .selfHosted: 0
        }
    }
}

/// Instance-level labelling of a data set, the baseline class-level judgments are weighed against.
public struct InstanceLabellingBaseline: Sendable, Equatable, Codable {
    public var name: String
    public var images: Int
    public var labels: Int
    /// Hours of annotator time.
    public var hours: Double
    /// Money, in `currency`, fees included.
    public var cost: Double
    public var currency: String
    /// How these numbers were reached.
    public var basis: String

    /// CIFAR-10H (Peterson et al., ICCV 2019): 10,000 CIFAR-10 test images, 511,000 labels
    /// (47–63 per image; the sum of `cifar10h-counts.npy`), 200 trials plus 10 attention checks
    /// per annotator, so 2,555 assignments. Time and money are estimated the way `studies/cifar10-instance-labels.json` prices
    /// the same design: 15 minutes and 1.50 USD per 210-trial assignment, plus MTurk's 20% fee.
    /// Pass measured values instead with ``custom(name:images:labelsPerImage:secondsPerLabel:hourlyPay:currency:feeRate:)``.
    public static let cifar10H: InstanceLabellingBaseline = {
        let assignments = 511_000.0 / 200
        return InstanceLabellingBaseline(
            name: "CIFAR-10H", images: 10_000, labels: 511_000, hours: assignments * 15 / 60,
            cost: assignments * 1.50 * 1.20, currency: "USD",
            basis:
                "10,000 images × 47–63 labels = 511,000 labels in 2,555 assignments of 200 trials + 10 attention checks; "
                + "15 min and 1.50 USD per assignment + 20% MTurk fee")
    }()

    /// Any other instance-level labelling: images × labels per image × seconds per label at an hourly pay.
    public static func custom(
        name: String, images: Int, labelsPerImage: Double, secondsPerLabel: Double, hourlyPay: Double, currency: String,
        feeRate: Double = 0.20
    ) -> InstanceLabellingBaseline {
        let labels = Double(images) * labelsPerImage
        let hours = labels * secondsPerLabel / 3600
        return InstanceLabellingBaseline(
            name: name, images: images, labels: Int(labels.rounded()), hours: hours,
            cost: hours * hourlyPay * (1 + feeRate), currency: currency,
            basis: "\(images) images × \(labelsPerImage) labels × \(secondsPerLabel) s at \(hourlyPay) \(currency)/h "
                + "+ \(Int((feeRate * 100).rounded()))% fee")
    }
}

/// The label-cost audit of one class-level study against instance-level labelling.
public struct LabelCostAudit: Sendable, Equatable, Codable {
    public var study: String
    public var currency: String
    public var submissionsAccepted: Int
    public var submissionsRejected: Int
    public var submissionsPending: Int
    public var judgmentsAccepted: Int
    public var judgmentsRejected: Int
    public var annotators: Int
    /// Median and total work time of the submissions with a recorded time.
    public var medianWorkSeconds: Double?
    public var totalWorkHours: Double
    /// No work times were recorded: `totalWorkHours` is the spec's estimate per assignment.
    public var hoursEstimated: Bool
    /// Paid: rewards plus platform fees of accepted and not yet checked submissions (rejected
    /// work is not paid on MTurk or Prolific).
    public var rewards: Double
    public var fees: Double
    public var total: Double { rewards + fees }
    public var costPerAcceptedJudgment: Double?

    public var baseline: InstanceLabellingBaseline
    public struct Savings: Sendable, Equatable, Codable {
        public var labels: Int
        public var hours: Double
        public var money: Double
        public var labelsPercent: Double
        public var hoursPercent: Double
        public var moneyPercent: Double
    }
    public var savings: Savings

    /// From the reliability curve: the fewest raters per pair whose matrix reaches `target`.
    public struct Sufficiency: Sendable, Equatable, Codable {
        public var target: Double
        public var ratersPerPair: Int?
        public var ratersCollected: Int
        /// Judgments, hours and money stopping at `ratersPerPair` would have saved.
        public var judgmentsSaved: Int
        public var hoursSaved: Double
        public var moneySaved: Double
    }
    public var sufficiency: Sufficiency?

    /// Audits `study` in `store`.
    /// - Parameters:
    ///   - name: the study's name, for the report.
    ///   - studyId: the study's id in `store`.
    ///   - pay: what an assignment pays, and the platform's fees.
    ///   - store: the label store holding the study's submissions.
    ///   - baseline: the instance labelling the study is compared with (CIFAR-10H by default).
    ///   - target: the reliability a class-pair design should reach (0.9 by default).
    ///   - curve: the study's reliability curve, when it was computed; with it the audit says
    ///     how many raters per pair were enough for `target`.
    ///   - ratersPerPair: the raters per pair collected (the median over pairs).
    public static func audit(
        study name: String, studyId: Int64, pay: StudyPay, store: LabelStore,
        baseline: InstanceLabellingBaseline = .cifar10H,
        curve: ReliabilityCurve? = nil, ratersPerPair: Int? = nil, target: Double = 0.9
    ) throws(ExplicableError) -> LabelCostAudit {
        let submissions = try store.submissionCosts(studyId: studyId)
        let accepted = submissions.filter { $0.status == .accepted }
        let rejected = submissions.filter { $0.status == .rejected }
        let pending = submissions.filter { $0.status == .pending }
        let paid = accepted.count + pending.count
        let times = submissions.compactMap(\.workSeconds).sorted()
        let median: Double? =
            times.isEmpty
            ? nil
            : times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let judgments = accepted.reduce(0) { $0 + $1.judgments }
        let rewards = Double(paid) * pay.rewardPerAssignment
        let fees = Double(paid) * pay.feePerAssignment
        var hours = times.reduce(0, +) / 3600
        let estimated = times.isEmpty && pay.estimatedMinutes != nil
        if estimated, let minutes = pay.estimatedMinutes { hours = Double(paid) * minutes / 60 }
        let total = rewards + fees
        func percent(_ saved: Double, _ of: Double) -> Double { of > 0 ? 100 * saved / of : 0 }
        let savings = Savings(
            labels: baseline.labels - judgments, hours: baseline.hours - hours, money: baseline.cost - total,
            labelsPercent: percent(Double(baseline.labels - judgments), Double(baseline.labels)),
            hoursPercent: percent(baseline.hours - hours, baseline.hours),
            moneyPercent: percent(baseline.cost - total, baseline.cost))
        var sufficiency: Sufficiency?
        if let curve, let collected = ratersPerPair, collected > 0 {
            let k = curve.smallestK(reaching: target)
            let share = k.map { max(0, 1 - Double($0) / Double(collected)) } ?? 0
            sufficiency = Sufficiency(
                target: target, ratersPerPair: k, ratersCollected: collected,
                judgmentsSaved: Int((Double(judgments) * share).rounded()), hoursSaved: hours * share,
                moneySaved: total * share)
        }
        return LabelCostAudit(
            study: name, currency: pay.currency, submissionsAccepted: accepted.count,
            submissionsRejected: rejected.count,
            submissionsPending: pending.count, judgmentsAccepted: judgments,
            judgmentsRejected: rejected.reduce(0) { $0 + $1.judgments },
            annotators: Set(submissions.map(\.annotatorId)).count, medianWorkSeconds: median, totalWorkHours: hours,
            hoursEstimated: estimated,
            rewards: rewards, fees: fees, costPerAcceptedJudgment: judgments > 0 ? total / Double(judgments) : nil,
            baseline: baseline, savings: savings, sufficiency: sufficiency)
    }

    /// A readable report.
    public var text: String {
        func money(_ v: Double) -> String { String(format: "%.2f %@", v, currency) }
        var lines: [String] = []
        lines.append("study \(study)")
        lines.append(
            "  submissions: \(submissionsAccepted) accepted, \(submissionsRejected) rejected, "
                + "\(submissionsPending) not yet checked; \(annotators) annotators")
        lines.append("  judgments: \(judgmentsAccepted) accepted, \(judgmentsRejected) in rejected submissions")
        if hoursEstimated {
            lines.append(
                String(
                    format: "  work time: not recorded; %.1f h estimated from the spec's minutes per assignment",
                    totalWorkHours))
        } else {
            lines.append(
                "  work time: median " + (medianWorkSeconds.map { String(format: "%.0f s", $0) } ?? "n/a")
                    + String(format: ", total %.1f h", totalWorkHours))
        }
        lines.append(
            "  money: \(money(rewards)) rewards + \(money(fees)) platform fees = \(money(total))"
                + (costPerAcceptedJudgment.map { String(format: "; %.4f %@ per accepted judgment", $0, currency) } ?? "")
        )
        lines.append("against \(baseline.name) (\(baseline.basis)):")
        lines.append(
            String(
                format: "  labels: %d vs %d — %d fewer (%.1f%%)", judgmentsAccepted, baseline.labels, savings.labels,
                savings.labelsPercent))
        lines.append(
            String(
                format: "  hours:  %.1f vs %.1f — %.1f fewer (%.1f%%)", totalWorkHours, baseline.hours, savings.hours,
                savings.hoursPercent))
        lines.append(
            String(
                format: "  money:  %.2f vs %.2f %@ — %.2f less (%.1f%%)", total, baseline.cost, baseline.currency,
                savings.money, savings.moneyPercent))
        if let s = sufficiency {
            if let k = s.ratersPerPair {
                lines.append(
                    String(
                        format: "reliability %.2f was reached with %d of %d raters per pair: stopping there would have "
                            + "saved %d judgments, %.1f h and %.2f %@", s.target, k, s.ratersCollected,
                        s.judgmentsSaved, s.hoursSaved,
                        s.moneySaved, currency))
            } else {
                lines.append(
                    String(
                        format: "reliability %.2f was not reached with %d raters per pair", s.target, s.ratersCollected)
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension LabelCostAudit {
    /// The cost of a class-level design before (or without) collecting it: `judgments` answers in
    /// `assignments` assignments at `pay`, each taking the spec's minutes. Used for the paper's
    /// CHL design (90 directed pairs × 46 raters), whose raw responses are not public.
    public static func planned(
        study: String, judgments: Int, assignments: Int, pay: StudyPay, baseline: InstanceLabellingBaseline = .cifar10H
    ) -> LabelCostAudit {
        let rewards = Double(assignments) * pay.rewardPerAssignment
        let fees = Double(assignments) * pay.feePerAssignment
        let hours = Double(assignments) * (pay.estimatedMinutes ?? 0) / 60
        func percent(_ saved: Double, _ of: Double) -> Double { of > 0 ? 100 * saved / of : 0 }
        return LabelCostAudit(
            study: study, currency: pay.currency, submissionsAccepted: assignments, submissionsRejected: 0,
            submissionsPending: 0, judgmentsAccepted: judgments, judgmentsRejected: 0, annotators: assignments,
            medianWorkSeconds: pay.estimatedMinutes.map { $0 * 60 }, totalWorkHours: hours, hoursEstimated: true,
            rewards: rewards, fees: fees,
            costPerAcceptedJudgment: judgments > 0 ? (rewards + fees) / Double(judgments) : nil,
            baseline: baseline,
            savings: Savings(
                labels: baseline.labels - judgments, hours: baseline.hours - hours,
                money: baseline.cost - rewards - fees,
                labelsPercent: percent(Double(baseline.labels - judgments), Double(baseline.labels)),
                hoursPercent: percent(baseline.hours - hours, baseline.hours),
                moneyPercent: percent(baseline.cost - rewards - fees, baseline.cost)),
            sufficiency: nil)
    }

    /// The audit as a report table: this study against the baseline.
    public var table: Report.Table {
        func money(_ v: Double, _ c: String) -> String { String(format: "%.2f %@", v, c) }
        return Report.Table(
            caption: "Labelling cost: \(study) against \(baseline.name) (\(baseline.basis))",
            header: ["", study, baseline.name, "saved"],
            rows: [
                [
                    "labels", String(judgmentsAccepted), String(baseline.labels),
                    String(format: "%d (%.1f%%)", savings.labels, savings.labelsPercent),
                ],
                [
                    "annotator hours" + (hoursEstimated ? " (estimated)" : ""), String(format: "%.1f", totalWorkHours),
                    String(format: "%.1f", baseline.hours),
                    String(format: "%.1f (%.1f%%)", savings.hours, savings.hoursPercent),
                ],
                [
                    "money, fees included", money(total, currency), money(baseline.cost, baseline.currency),
                    String(format: "%.2f (%.1f%%)", savings.money, savings.moneyPercent),
                ],
            ])
    }
}

extension LabelCostAudit {
    /// What the audit needs to say how many raters per pair were enough: the raters per pair
    /// collected (the median over rated off-diagonal pairs) and the reliability curve under the
    /// paper's aggregation. `nil` when some rated pair has fewer than 2 ratings (no curve).
    public static func raterSufficiencyInputs(_ ratings: LikertRatings, draws: Int = 20, seed: UInt64)
        -> (ratersPerPair: Int, curve: ReliabilityCurve)?
    {
        let n = ratings.classes.count
        let counts = aggregate(ratings, .paper).counts.enumerated()
            .filter { $0.offset / n != $0.offset % n && $0.element > 0 }.map(\.element).sorted()
        guard let fewest = counts.first, fewest >= 2 else { return nil }
        return (counts[counts.count / 2], reliabilityCurve(ratings, .paper, draws: draws, seed: seed))
    }

    /// The raters per pair and reliability curve of a stored class-pair study with accepted
    /// ratings; `nil` for other designs and for studies without (enough) accepted ratings yet.
    public static func raterSufficiency(of study: StoredStudy, store: LabelStore, seed: UInt64)
        throws(ExplicableError) -> (ratersPerPair: Int, curve: ReliabilityCurve)?
    {
        let spec = try study.spec()
        guard spec.isClassPairDesign,
            let ratings = try LikertRatings.loadIfAny(
                studyId: study.record.id!, classes: study.classes, scale: spec.scaleRange, from: store)
        else { return nil }
        return raterSufficiencyInputs(ratings, seed: seed)
    }
}
