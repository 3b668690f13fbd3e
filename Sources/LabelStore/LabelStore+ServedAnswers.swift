public import ExplicableCore
public import Foundation
import GRDB

extension LabelStore {
    /// Stores one answer of a served session and returns once it is committed. Answers that
    /// arrive while a commit is in progress are committed together in the next transaction
    /// (group commit): each is acknowledged only after its own commit, so with the default
    /// `synchronous = FULL` every acknowledged answer is on disk, yet the disk is flushed once
    /// per batch, not once per answer. Each answer runs in its own savepoint: one answer's
    /// error does not undo the others. The caller has checked that the item belongs to the
    /// session's assignment and the value to the scale. With `logsAllocation` (an adaptive study's
    /// regular item) a new answer is also logged as an ``AllocationInput``, in the same savepoint.
    public func saveServedAnswer(
        studyId: Int64, token: String, itemId: Int64, showing: Int = 1, value: Double?, cannotTell: Bool,
        notApplicable: Bool = false, text: String? = nil, reactionMs: Double?, position: Int,
        logsAllocation: Bool = false, now: Date = Date()
    ) async throws(ExplicableError) -> ServedAnswerOutcome {
        let answer = ServedAnswer(
            studyId: studyId, token: token, itemId: itemId, showing: showing, value: value, text: text,
            cannotTell: cannotTell, notApplicable: notApplicable, reactionMs: reactionMs, position: position,
            logsAllocation: logsAllocation,
            now: now)
        do {
            return try await answerCommits.submit(answer)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    /// Commits a batch of answers in one transaction: one outcome (or error) per answer, in order.
    static func commitServedAnswers(_ batch: [ServedAnswer], in queue: DatabaseQueue) async throws
        -> [Result<ServedAnswerOutcome, any Error>]
    {
        try await queue.write { db in
            batch.map { answer in
                var outcome: ServedAnswerOutcome = .unknownSession
                do {
                    try db.inSavepoint {
                        outcome = try Self.save(answer, db)
                        return .commit
                    }
                    return .success(outcome)
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    private static func save(_ answer: ServedAnswer, _ db: Database) throws -> ServedAnswerOutcome {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, submissionId, finishedAt IS NOT NULL, releasedAt IS NOT NULL, assignmentIndex FROM servedSession
                    WHERE studyId = ? AND token = ?
                    """, arguments: [answer.studyId, answer.token])
        else { return .unknownSession }
        let sessionId: Int64 = row[0], submissionId: Int64 = row[1]
        if row[3] as Bool { return .released }
        if row[2] as Bool { return .finished }
        if answer.showing == 1 {
            try db.execute(
                sql: """
                    INSERT INTO response (submissionId, itemId, value, cannotTell, reactionMs, position, notApplicable, text)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (submissionId, itemId) DO NOTHING
                    """,
                arguments: [
                    submissionId, answer.itemId, answer.value, answer.cannotTell, answer.reactionMs,
                    answer.position, answer.notApplicable, answer.text,
                ])
        } else {
            try db.execute(
                sql: """
                    INSERT INTO responseRepeat (submissionId, itemId, showing, value, cannotTell, reactionMs, position,
                        notApplicable, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (submissionId, itemId, showing) DO NOTHING
                    """,
                arguments: [
                    submissionId, answer.itemId, answer.showing, answer.value, answer.cannotTell, answer.reactionMs,
                    answer.position, answer.notApplicable, answer.text,
                ])
        }
        let inserted = db.changesCount == 1
        if inserted && answer.logsAllocation {
            try db.execute(
                sql: """
                    INSERT INTO allocationInput (studyId, kind, assignment, itemId, value) VALUES (?, 'answer', ?, ?, ?)
                    """,
                arguments: [answer.studyId, row[4] as Int, answer.itemId, answer.cannotTell ? nil : answer.value])
        }
        try db.execute(sql: "UPDATE servedSession SET lastSeenAt = ? WHERE id = ?", arguments: [answer.now, sessionId])
        let answered =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM response WHERE submissionId = ?)
                        + (SELECT count(*) FROM responseRepeat WHERE submissionId = ?)
                    """,
                arguments: [submissionId, submissionId]) ?? 0
        if inserted { return .saved(answered: answered) }
        let stored =
            answer.showing == 1
            ? try Row.fetchOne(
                db,
                sql:
                    "SELECT value, cannotTell, notApplicable, text FROM response WHERE submissionId = ? AND itemId = ?",
                arguments: [submissionId, answer.itemId])
            : try Row.fetchOne(
                db,
                sql: """
                    SELECT value, cannotTell, notApplicable, text FROM responseRepeat
                    WHERE submissionId = ? AND itemId = ? AND showing = ?
                    """, arguments: [submissionId, answer.itemId, answer.showing])
        let same =
            stored.map {
                ($0[0] as Double?) == answer.value && ($0[1] as Bool) == answer.cannotTell
                    && ($0[2] as Bool) == answer.notApplicable && ($0[3] as String?) == answer.text
            } ?? false
        return same ? .duplicate(answered: answered) : .conflict
    }
}
