import Foundation

/// A record that cannot be imported, with why.
struct RowError: Error {
    var line: Int
    var reason: String
    var fields: [String]
}

/// An answer checked against the study, waiting for its submission to be complete.
struct PendingAnswer {
    var item: Int
    var value: Double?
    var cannotTell: Bool
    var notApplicable = false
    var reactionMs: Double?
    var position: Int?
    var line: Int
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
    var answered: Set<Int> = []
    /// The records it came from (line and original content), for the rejects file.
    var records: [RowError] = []
    var recordLines: Set<Int> = []
    var recordCount = 0
    var error: RowError?
    var lastActivity: Double?
}
