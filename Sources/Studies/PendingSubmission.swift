import Foundation
import LabelStore

/// A record that cannot be imported, with why.
struct RowError: Error {
    var line: Int
    var reason: String
    var fields: [String]
}

/// An answer checked against the study, waiting for its submission to be complete.
struct PendingAnswer {
    var item: Int
    /// 1 for the item's first answer in the submission, 2, 3 … for repeats (in the file's order).
    var showing = 1
    var value: Double?
    /// The answer to a free-text attention check.
    var text: String?
    var cannotTell: Bool
    var notApplicable = false
    var reactionMs: Double?
    var position: Int?
    var line: Int
}

extension PendingAnswer {
    /// The answer as the store holds it, for comparing with a stored one.
    var stored: StoredAnswerKind {
        StoredAnswerKind(value: value, cannotTell: cannotTell, notApplicable: notApplicable, text: text)
    }
}

/// A submission read from records that may each hold many answers (an MTurk row, a payload, a
/// participant's jsPsych trials): stored whole after the file is read, or rejected whole.
struct PendingSubmission {
    var platform: String
    var annotator: String
    var assignmentID: String
    var status: String?
    var startedAt: Date?
    var submittedAt: Date?
    var workSeconds: Double?
    var feedback: String?
    var rejectedOnPlatform = false
    var answers: [PendingAnswer] = []
    /// Answers so far per item (index into `study.items`).
    var answered: [Int: Int] = [:]
    /// The records it came from (line and original content), for the rejects file.
    var records: [RowError] = []
    var recordLines: Set<Int> = []
    var recordCount = 0
    var error: RowError?
    var lastActivity: Double?
}
