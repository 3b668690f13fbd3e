public import ExplicableCore
import GRDB

/// A later showing of an item to the same participant (test–retest), beside the first.
public struct RepeatedAnswer: Sendable, Equatable {
    public var submissionId: Int64
    public var assignmentID: String
    public var qcStatus: SubmissionRecord.QCStatus
    public var itemId: Int64
    /// 2, 3 … in the order shown.
    public var showing: Int
    /// The first showing's value and this one's; `nil` for "cannot tell", "not applicable" or text.
    public var first: Double?
    public var later: Double?

    public init(
        submissionId: Int64, assignmentID: String, qcStatus: SubmissionRecord.QCStatus, itemId: Int64, showing: Int,
        first: Double?, later: Double?
    ) {
        self.submissionId = submissionId
        self.assignmentID = assignmentID
        self.qcStatus = qcStatus
        self.itemId = itemId
        self.showing = showing
        self.first = first
        self.later = later
    }
}

extension LabelStore {
    /// Every repeated showing of a study's items (table `responseRepeat`) with the first showing's
    /// answer, by submission, item and showing.
    public func repeatedAnswers(studyId: Int64) throws(ExplicableError) -> [RepeatedAnswer] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.assignmentID, s.qcStatus, p.itemId, p.showing, r.value, p.value
                    FROM responseRepeat p JOIN submission s ON s.id = p.submissionId
                    LEFT JOIN response r ON r.submissionId = p.submissionId AND r.itemId = p.itemId
                    WHERE s.studyId = ? ORDER BY s.id, p.itemId, p.showing
                    """, arguments: [studyId]
            ).map {
                RepeatedAnswer(
                    submissionId: $0[0], assignmentID: $0[1],
                    qcStatus: SubmissionRecord.QCStatus(rawValue: $0[2]) ?? .pending, itemId: $0[3], showing: $0[4],
                    first: $0[5], later: $0[6])
            }
        }
    }
}
