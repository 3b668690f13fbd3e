public import ExplicableCore
import Foundation
public import LabelStore

/// Applies a study's quality-control rules to its submissions and stores the decisions.
///
/// Rules (each on only when the spec sets its threshold): rejected on the platform; more failed
/// attention checks than allowed; too fast (work seconds per item); straight-lining (one answer
/// on too large a share of items); low agreement (Spearman correlation of the annotator's
/// ratings with the leave-one-out mean of everyone else's, Likert designs); more submissions
/// per worker than allowed (the later ones are rejected). In `class-neighbours` studies the
/// decoys are the attention checks (a decoy rated above `screen.decoyPassMax` fails) and the
/// straight-lining rule is not applied (most candidates are rightly left at 0). Self-pairs (spec
/// `selfPairChecks`) fail below the top of the scale (less `tolerance`), free-text checks when their
/// pattern does not match the whole answer (ignoring case); both count as failed attention checks.
/// Repeated showings (spec `repeats`) count towards the time per item, never towards agreement. Decisions made by hand
/// (``override(assignmentID:accept:reason:)``) are kept. Nothing is ever deleted.
public struct QualityControl {
    /// One submission's measurements and decision.
    public struct Row: Sendable, Equatable {
        public var assignmentID: String
        /// First 8 hex digits of the annotator's hash.
        public var annotator: String
        public var answers: Int
        /// Failed attention checks of every kind (decoys, self-pairs and free-text checks included).
        public var failedChecks: Int
        /// Of those, self-pairs (a, a) answered below the top of the scale (spec `selfPairChecks`).
        public var failedSelfPairs: Int = 0
        /// Of those, free-text checks whose answer does not match the check's pattern.
        public var failedTextChecks: Int = 0
        /// Of those, multi-select checks whose options ticked are not exactly the expected ones.
        public var failedChoiceChecks: Int = 0
        /// Later showings of items answered again (spec `repeats`), not counted in `answers`.
        public var repeatedAnswers: Int = 0
        public var secondsPerItem: Double?
        public var sameAnswerShare: Double?
        public var agreement: Double?
        public var status: SubmissionRecord.QCStatus
        public var reason: String?
        public var isOverridden: Bool
        /// Imported, or submitted on the study server (not a session still in progress).
        public var isFinished: Bool = true
    }

    public let study: Study
    public let store: LabelStore

    public init(study: Study, store: LabelStore) {
        self.study = study
        self.store = store
    }

    /// Evaluates every submission, stores the decisions, and returns one row per submission.
    @discardableResult
    public func run() throws(ExplicableError) -> [Row] {
        let (rows, decisions) = try evaluate()
        try store.storeDecisions(decisions)
        return rows
    }

    /// Evaluates every submission as ``run()`` does without storing anything: the rows and the
    /// decisions `run()` would store (overridden submissions keep theirs).
    public func evaluate() throws(ExplicableError) -> (rows: [Row], decisions: [QCDecision]) {
        let spec = study.spec
        let qc = spec.qc
        let itemsById = Dictionary(uniqueKeysWithValues: study.items.map { ($0.id!, $0) })
        let (submissions, answers, hashes) = try store.submissionsWithAnswers(studyId: study.id)
        var repeats: [Int64: Int] = [:]
        if spec.allowsRepeats {
            for answer in try store.repeatedAnswers(studyId: study.id) { repeats[answer.submissionId, default: 0] += 1 }
        }
        var result: [Row] = []
        var reasons: [Int64: [String]] = [:]
        var perWorker: [Int64: Int] = [:]
        for submission in submissions {
            let id = submission.id!
            let mine = answers[id] ?? []
            var why: [String] = []
            if let status = submission.platformStatus,
                ["Rejected", "REJECTED", "RETURNED", "TIMED-OUT", "ABORTED", "FAIL"].contains(status)
            {
                why.append("\(status) on the platform")
            }
            // Imports no longer store a submission without answers; older stores may hold some
            // (`--skip-bad-rows` used to leave them): never approve one.
            if mine.isEmpty, submission.importId != nil { why.append("no answers stored") }
            var failed = 0, failedSelf = 0, failedText = 0, failedChoice = 0
            for answer in mine {
                guard let item = itemsById[answer.itemId], item.isAttentionCheck else { continue }
                if study.choiceOptions(of: item) != nil {
                    let expected = spec.attentionChecks.first { "attn:\($0.key)" == item.key }?.expectedOptions ?? []
                    if Set(ResponseSink.choices(answer.text ?? "")) != Set(expected) {
                        failed += 1
                        failedChoice += 1
                    }
                    continue
                }
                if let pattern = study.textPattern(of: item) {
                    if !StudySpec.textMatches(answer.text ?? "", pattern: pattern) {
                        failed += 1
                        failedText += 1
                    }
                    continue
                }
                guard let expected = item.expectedAnswer else { continue }
                let tolerance =
                    item.key.hasPrefix("decoy:")
                    ? (spec.effectiveScreen.decoyPassMax ?? expected) - expected
                    : item.key.hasPrefix("self:")
                        ? spec.selfPairChecks?.tolerance ?? 0
                        : spec.attentionChecks.first { "attn:\($0.key)" == item.key }?.tolerance ?? 0
                if answer.value.map({ abs($0 - expected) > tolerance }) ?? true {
                    failed += 1
                    if item.key.hasPrefix("self:") { failedSelf += 1 }
                }
            }
            if failed > (qc.maxFailedAttentionChecks ?? 0) {
                why.append("failed \(failed) attention check\(failed == 1 ? "" : "s")")
            }
            let regular = mine.filter { itemsById[$0.itemId].map { !$0.isAttentionCheck } ?? false }
            var secondsPerItem: Double?
            let shown = mine.count + (repeats[id] ?? 0)  // every showing took time
            if let seconds = submission.workSeconds, !mine.isEmpty { secondsPerItem = seconds / Double(shown) }
            if let limit = qc.minSecondsPerItem, let s = secondsPerItem, s < limit {
                why.append(String(format: "too fast: %.2f s per item (minimum %.2f)", s, limit))
            }
            var share: Double?
            let values = regular.compactMap(\.value)
            if values.count >= 2 {
                var counts: [Double: Int] = [:]
                for v in values { counts[v, default: 0] += 1 }
                share = Double(counts.values.max()!) / Double(values.count)
            }
            // In class-neighbours most answers are the scale's lowest point (unticked candidates):
            // the same-answer share says nothing there, and the decoys catch ticking everything.
            if let limit = qc.maxSameAnswerShare, let s = share, s >= limit, spec.design != .classNeighbours {
                why.append(String(format: "straight-lining: the same answer on %.0f%% of items", s * 100))
            }
            perWorker[submission.annotatorId, default: 0] += 1
            if let limit = qc.maxAssignmentsPerWorker, perWorker[submission.annotatorId]! > limit {
                why.append(
                    "worker's submission number \(perWorker[submission.annotatorId]!), above the limit of \(limit)")
            }
            reasons[id] = why
            result.append(
                Row(
                    assignmentID: submission.assignmentID,
                    annotator: String((hashes[submission.annotatorId] ?? "").prefix(8)), answers: mine.count,
                    failedChecks: failed, failedSelfPairs: failedSelf, failedTextChecks: failedText,
                    failedChoiceChecks: failedChoice,
                    repeatedAnswers: repeats[id] ?? 0, secondsPerItem: secondsPerItem, sameAnswerShare: share,
                    agreement: nil,
                    status: .pending, reason: nil, isOverridden: submission.qcOverridden,
                    isFinished: submission.importId != nil || submission.submittedAt != nil))
        }
        // Agreement among the submissions no other rule rejected (Likert designs only).
        if spec.design != .instanceLabel {
            let candidates = submissions.filter { reasons[$0.id!]!.isEmpty }
            var sums: [Int64: (Double, Int)] = [:]
            for s in candidates {
                for a in answers[s.id!] ?? [] where itemsById[a.itemId]?.isAttentionCheck == false {
                    if let v = a.value {
                        sums[a.itemId, default: (0, 0)].0 += v
                        sums[a.itemId]!.1 += 1
                    }
                }
            }
            for (index, submission) in submissions.enumerated() where reasons[submission.id!]!.isEmpty {
                var mine: [Double] = [], others: [Double] = []
                for a in answers[submission.id!] ?? [] where itemsById[a.itemId]?.isAttentionCheck == false {
                    guard let v = a.value, let (sum, n) = sums[a.itemId], n >= 2 else { continue }
                    mine.append(v)
                    others.append((sum - v) / Double(n - 1))
                }
                guard mine.count >= 3 else { continue }
                let rho = Statistics.spearman(mine, others)
                guard !rho.isNaN else { continue }  // a constant side has no rank correlation
                result[index].agreement = rho
                if let limit = qc.minAgreement, rho < limit {
                    reasons[submission.id!]!.append(
                        String(format: "low agreement: Spearman %.2f with the others (minimum %.2f)", rho, limit))
                }
            }
        }
        var decisions: [QCDecision] = []
        for (index, submission) in submissions.enumerated() {
            let why = reasons[submission.id!]!
            if submission.qcOverridden {
                result[index].status = submission.qcStatus
                result[index].reason = submission.qcReason
                continue
            }
            let status: SubmissionRecord.QCStatus = why.isEmpty ? .accepted : .rejected
            let reason = why.isEmpty ? nil : why.joined(separator: "; ")
            result[index].status = status
            result[index].reason = reason
            decisions.append(QCDecision(submissionId: submission.id!, status: status, reason: reason))
        }
        return (result, decisions)
    }

    /// Records a decision by hand; `run()` keeps it from then on.
    public func override(assignmentID: String, accept: Bool, reason: String?) throws(ExplicableError) {
        try store.overrideDecision(
            studyId: study.id, studyName: study.spec.name, assignmentID: assignmentID,
            accept: accept, reason: reason)
    }

    /// The MTurk approve/reject upload: `AssignmentId,Approve,Reject` (an `x` to approve, the reason to reject).
    public static func mturkDecisions(_ rows: [Row]) -> String {
        var out = "AssignmentId,Approve,Reject\n"
        for row in rows where row.status != .pending {
            let approve = row.status == .accepted ? "x" : ""
            let reject = row.status == .rejected ? csvField(row.reason ?? "did not meet the quality criteria") : ""
            out += "\(csvField(row.assignmentID)),\(approve),\(reject)\n"
        }
        return out
    }
}
