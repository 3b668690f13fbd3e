public import ExplicableCore
public import Foundation
import GRDB

/// One allocation decision of an adaptive study, as logged.
public struct AllocationDecisionRecord: Sendable, Equatable {
    /// The decision's number (from 0), which is also the assignment index of its session.
    public var sequence: Int
    /// The submission's assignment id of the session it was made for (nil if that session is gone).
    public var assignmentID: String?
    /// Item keys in the order shown, attention checks included.
    public var itemKeys: [String]
    /// The regular items in the order chosen.
    public var chosenKeys: [String]
    /// Each chosen item's score when it was chosen (same order as ``chosenKeys``).
    public var scores: [Double]
    /// The allocator's state digest before the decision.
    public var digest: String
    /// The id of the last ``AllocationInput`` the allocator had applied when it decided.
    public var inputsSeen: Int64
    public var createdAt: Date

    public init(
        sequence: Int, assignmentID: String? = nil, itemKeys: [String], chosenKeys: [String], scores: [Double],
        digest: String, inputsSeen: Int64 = 0, createdAt: Date = Date()
    ) {
        self.sequence = sequence
        self.assignmentID = assignmentID
        self.itemKeys = itemKeys
        self.chosenKeys = chosenKeys
        self.scores = scores
        self.digest = digest
        self.inputsSeen = inputsSeen
        self.createdAt = createdAt
    }
}

/// What an adaptive allocator learns between decisions: an answer, a released session, or an
/// answer that came in through `study import` rather than the server.
public struct AllocationInput: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An answer to an item of a served assignment.
        case answer
        /// A served session that timed out: its unanswered items go back.
        case release
        /// An answer of an imported submission (``LabelStore/logImportedAnswers(studyId:)``): it
        /// belongs to no decision, and ``assignment`` holds the submission's row id.
        case imported
    }

    /// Increasing in commit order.
    public var id: Int64
    public var kind: Kind
    /// The decision (assignment index) the answer or release belongs to; for an imported answer,
    /// its submission's row id.
    public var assignment: Int
    /// The answered item (answers only).
    public var itemKey: String?
    /// The answer's value; nil for cannot-tell and releases.
    public var value: Double?
}

/// An adaptive study's allocation log: decisions in order and inputs in commit order.
public struct AllocationLog: Sendable, Equatable {
    public var decisions: [AllocationDecisionRecord]
    public var inputs: [AllocationInput]
    /// Whether this is the whole log (a rebuild) or only the inputs since the caller's sync point.
    public var isComplete: Bool
}

/// The allocator `study serve` consults when an adaptive study admits a participant.
///
/// ``LabelStore/admitServedParticipant(studyId:platform:idHash:assignmentCount:maxAssignmentsPerWorker:timeout:token:platformAssignmentID:submitTo:allocation:now:)``
/// calls ``decide(_:sequence:)`` inside its write transaction, so decisions and the inputs they
/// see are ordered by the store's commits.
public protocol ServedAllocation: Sendable {
    /// The decisions applied and the last input applied, or nil when the caller needs the whole log.
    func syncPoint() -> (decisions: Int, lastInputID: Int64)?
    /// Applies `log` (the whole log when ``AllocationLog/isComplete``, else the inputs after the
    /// sync point) and makes decision `sequence`; nil when nothing is left to allocate.
    func decide(_ log: AllocationLog, sequence: Int) throws -> AllocationDecisionRecord?
}

extension LabelStore {
    /// The study's whole allocation log.
    public func allocationLog(studyId: Int64) throws(ExplicableError) -> AllocationLog {
        try read { db in try Self.allocationLog(db, studyId: studyId) }
    }

    static func allocationLog(_ db: Database, studyId: Int64, after lastInputID: Int64? = nil) throws -> AllocationLog {
        var decisions: [AllocationDecisionRecord] = []
        if lastInputID == nil {
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT d.sequence, s.assignmentID, d.itemKeys, d.chosen, d.digest, d.inputsSeen, d.createdAt
                    FROM allocationDecision d LEFT JOIN servedSession v ON v.id = d.servedSessionId
                    LEFT JOIN submission s ON s.id = v.submissionId
                    WHERE d.studyId = ? ORDER BY d.sequence
                    """, arguments: [studyId])
            {
                let sequence: Int = row[0]
                func strings(_ text: String) throws -> [String] {
                    guard let value = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                        throw ExplicableError(.badInput, "allocation decision \(sequence): malformed item list")
                    }
                    return value
                }
                guard let chosen = try? JSONDecoder().decode([LoggedChoice].self, from: Data((row[3] as String).utf8))
                else {
                    throw ExplicableError(.badInput, "allocation decision \(sequence): malformed choice list")
                }
                decisions.append(
                    AllocationDecisionRecord(
                        sequence: sequence, assignmentID: row[1],
                        itemKeys: try strings(row[2]), chosenKeys: chosen.map(\.key), scores: chosen.map(\.score),
                        digest: row[4], inputsSeen: row[5], createdAt: row[6]))
            }
        }
        let inputs = try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, a.kind, a.assignment, i.key, a.value FROM allocationInput a LEFT JOIN item i ON i.id = a.itemId
                WHERE a.studyId = ? AND a.id > ? ORDER BY a.id
                """, arguments: [studyId, lastInputID ?? 0]
        ).map { row throws in
            guard let kind = AllocationInput.Kind(rawValue: row[1]) else {
                throw ExplicableError(
                    .badInput, "allocation input \(row[0] as Int64): unknown kind '\(row[1] as String)'")
            }
            return AllocationInput(id: row[0], kind: kind, assignment: row[2], itemKey: row[3], value: row[4])
        }
        return AllocationLog(decisions: decisions, inputs: inputs, isComplete: lastInputID == nil)
    }

    /// Logs the answers of imported submissions (`study import`) that the allocation log does not
    /// hold yet, as ``AllocationInput/Kind/imported`` inputs in submission and position order, so
    /// the allocator counts answers collected on a platform as it counts served ones.
    ///
    /// `study serve` calls this when it starts an adaptive study and `study import` after each
    /// import into one: a study run partly on a platform and partly served allocates from all its
    /// answers, and the log still replays (an imported answer is applied at its place among the
    /// inputs, like any other). Answers of every imported submission count, whatever its QC status,
    /// as served answers count before QC; attention checks do not. Idempotent: an answer already
    /// logged (same submission and item) is not logged again.
    /// - Returns: how many answers were logged.
    @discardableResult
    public func logImportedAnswers(studyId: Int64) throws(ExplicableError) -> Int {
        try write { db in
            var logged = Set<[Int64]>()
            for row in try Row.fetchAll(
                db,
                sql: "SELECT assignment, itemId FROM allocationInput WHERE studyId = ? AND kind = 'imported'",
                arguments: [studyId])
            {
                logged.insert([row[0], row[1]])
            }
            let fresh = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, r.itemId, CASE WHEN r.cannotTell THEN NULL ELSE r.value END
                    FROM submission s JOIN response r ON r.submissionId = s.id JOIN item i ON i.id = r.itemId
                    WHERE s.studyId = ? AND s.importId IS NOT NULL AND NOT i.isAttentionCheck
                    ORDER BY s.id, r.position, r.itemId
                    """, arguments: [studyId]
            ).filter { !logged.contains([$0[0], $0[1]]) }
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO allocationInput (studyId, kind, assignment, itemId, value) VALUES (?, 'imported', ?, ?, ?)
                    """)
            for row in fresh {
                try insert.execute(arguments: [studyId, row[0] as Int64, row[1] as Int64, row[2] as Double?])
            }
            return fresh.count
        }
    }

    /// Makes an adaptive decision inside the admission transaction and logs it; nil when the
    /// allocator has nothing left to allocate.
    static func allocate(_ db: Database, studyId: Int64, with allocation: any ServedAllocation, now: Date) throws
        -> AllocationDecisionRecord?
    {
        let made =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM allocationDecision WHERE studyId = ?",
                arguments: [studyId]) ?? 0
        let log: AllocationLog
        if let point = allocation.syncPoint(), point.decisions == made {
            log = try allocationLog(db, studyId: studyId, after: point.lastInputID)
        } else {
            log = try allocationLog(db, studyId: studyId)
        }
        guard var decision = try allocation.decide(log, sequence: made) else { return nil }
        decision.inputsSeen =
            try Int64.fetchOne(
                db, sql: "SELECT coalesce(max(id), 0) FROM allocationInput WHERE studyId = ?",
                arguments: [studyId]) ?? 0
        decision.createdAt = now
        return decision
    }

    /// Logs a decision for the session just created.
    static func logDecision(_ db: Database, _ decision: AllocationDecisionRecord, studyId: Int64, sessionId: Int64)
        throws
    {
        let encoder = JSONEncoder()
        let keys = String(decoding: try encoder.encode(decision.itemKeys), as: UTF8.self)
        let chosen = String(
            decoding: try encoder.encode(
                zip(decision.chosenKeys, decision.scores).map {
                    LoggedChoice(key: $0, score: $1)
                }), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO allocationDecision (studyId, sequence, servedSessionId, itemKeys, chosen, digest, inputsSeen, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                studyId, decision.sequence, sessionId, keys, chosen, decision.digest, decision.inputsSeen,
                decision.createdAt,
            ])
    }

    /// The items of an adaptive session's assignment, in the order shown.
    public func allocatedItemKeys(studyId: Int64, sequence: Int) async throws(ExplicableError) -> [String]? {
        try await readAsync { db in
            guard
                let text = try String.fetchOne(
                    db,
                    sql: """
                        SELECT itemKeys FROM allocationDecision WHERE studyId = ? AND sequence = ?
                        """, arguments: [studyId, sequence])
            else { return nil }
            guard let keys = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw ExplicableError(.badInput, "allocation decision \(sequence): malformed item list")
            }
            return keys
        }
    }
}

struct LoggedChoice: Codable {
    var key: String
    var score: Double
}
