public import ExplicableCore
import GRDB

/// One row of the long export of served and imported answers.
public struct LongAnswerRow: Sendable, Equatable {
    public var annotatorHash: String
    public var assignmentID: String
    public var itemKey: String
    public var value: Double?
    public var cannotTell: Bool
    public var reactionMs: Double?
    /// The answer was "not applicable" (value `nil`).
    public var notApplicable = false
    /// The answer to a free-text attention check (value `nil`).
    public var text: String? = nil
}

/// Served participants of a study, by state.
public struct ServedCounts: Sendable, Equatable, Codable {
    public var active: Int
    public var finished: Int
    public var released: Int
}

extension LabelStore {
    /// Served sessions of the study by state.
    public func servedCounts(studyId: Int64) async throws(ExplicableError) -> ServedCounts {
        try await readAsync { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(finishedAt IS NULL AND releasedAt IS NULL), 0), coalesce(sum(finishedAt IS NOT NULL), 0),
                        coalesce(sum(releasedAt IS NOT NULL), 0) FROM servedSession WHERE studyId = ?
                    """, arguments: [studyId])
            return ServedCounts(active: row?[0] ?? 0, finished: row?[1] ?? 0, released: row?[2] ?? 0)
        }
    }

    /// Every answer of the study (served or imported), one row each, in submission order; an
    /// item shown again (spec `repeats`) has a row per showing, in the order shown.
    public func longAnswers(studyId: Int64) async throws(ExplicableError) -> [LongAnswerRow] {
        try await readAsync { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.idHash, s.assignmentID, i.key, r.value, r.cannotTell, r.reactionMs, r.notApplicable, r.text
                    FROM (SELECT submissionId, itemId, 1 AS showing, value, cannotTell, reactionMs, notApplicable, text,
                            position FROM response
                        UNION ALL SELECT submissionId, itemId, showing, value, cannotTell, reactionMs, notApplicable,
                            text, position FROM responseRepeat) r
                    JOIN submission s ON s.id = r.submissionId JOIN annotator a ON a.id = s.annotatorId
                    JOIN item i ON i.id = r.itemId
                    WHERE s.studyId = ? ORDER BY s.id, r.position, i.id, r.showing
                    """, arguments: [studyId]
            ).map {
                LongAnswerRow(
                    annotatorHash: $0[0], assignmentID: $0[1], itemKey: $0[2], value: $0[3],
                    cannotTell: $0[4], reactionMs: $0[5], notApplicable: $0[6], text: $0[7])
            }
        }
    }
}
