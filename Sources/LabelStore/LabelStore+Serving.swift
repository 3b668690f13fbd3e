public import ExplicableCore
public import Foundation
import GRDB

/// A participant's session of `explicable study serve`, as the store holds it.
public struct ServedSession: Sendable, Equatable {
    public var id: Int64
    public var token: String
    public var submissionId: Int64
    public var assignmentIndex: Int
    public var startedAt: Date
    public var finishedAt: Date?
    public var releasedAt: Date?
    /// The submission's assignment id: the platform's (MTurk `assignmentId`, Prolific
    /// `SESSION_ID`) when the participant arrived with one, else `serve:INDEX:TOKEN-PREFIX`.
    public var assignmentID: String
    /// Where the finished page posts an MTurk assignment back (`turkSubmitTo`), if anywhere.
    public var submitTo: String?
    /// The answers given so far, by item key (first showings).
    public var answers: [String: StoredServedAnswer]
    /// Answers to later showings of items shown again (spec `repeats`), by `KEY#SHOWING`.
    public var repeatAnswers: [String: StoredServedAnswer] = [:]

    /// Answers given so far, every showing counted.
    public var answerCount: Int { answers.count + repeatAnswers.count }
}

/// One answer of a served session.
public struct StoredServedAnswer: Sendable, Equatable {
    public var value: Double?
    public var cannotTell: Bool
    /// The answer was "not applicable".
    public var notApplicable = false
    /// The answer to a free-text attention check.
    public var text: String? = nil
}

/// What happened when a participant arrived.
public enum ServedArrival: Sendable, Equatable {
    /// A new session on a free assignment.
    case started(ServedSession)
    /// The participant's unfinished or finished session.
    case resumed(ServedSession)
    /// The participant already had as many assignments as the study allows.
    case limitReached
    /// The participant's session was released after the timeout, and the limit allows no other.
    case expired
    /// Every assignment is taken or done.
    case full
}

/// What happened to one answer of a served session.
public enum ServedAnswerOutcome: Sendable, Equatable {
    /// Stored; `answered` answers of the session are stored now.
    case saved(answered: Int)
    /// The same answer was already stored (a retry): nothing changed.
    case duplicate(answered: Int)
    /// A different answer to the item is stored; the first one stands.
    case conflict
    case unknownSession
    case finished
    case released
}

/// What happened when a participant finished.
public enum ServedFinishOutcome: Sendable, Equatable {
    case finished(ServedSession)
    /// `missing` answers are still missing.
    case incomplete(missing: Int)
    case unknownSession
    case released
}

extension LabelStore {
    /// Runs `body` in one write transaction without blocking a thread while it waits for the writer.
    func writeAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(ExplicableError) -> T
    {
        do {
            return try await queue.write(body)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    func readAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(ExplicableError) -> T {
        do {
            return try await queue.read(body)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    private static func servedSession(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> ServedSession?
    {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT v.id, v.token, v.submissionId, v.assignmentIndex, v.startedAt, v.finishedAt, v.releasedAt,
                        s.assignmentID, v.submitTo
                    FROM servedSession v JOIN submission s ON s.id = v.submissionId
                    WHERE \(condition) ORDER BY v.id DESC LIMIT 1
                    """, arguments: arguments)
        else { return nil }
        var session = ServedSession(
            id: row[0], token: row[1], submissionId: row[2], assignmentIndex: row[3],
            startedAt: row[4], finishedAt: row[5], releasedAt: row[6], assignmentID: row[7], submitTo: row[8],
            answers: [:])
        for answer in try Row.fetchAll(
            db,
            sql: """
                SELECT i.key, r.value, r.cannotTell, r.notApplicable, r.text FROM response r JOIN item i ON i.id = r.itemId
                WHERE r.submissionId = ?
                """, arguments: [session.submissionId])
        {
            session.answers[answer[0]] = StoredServedAnswer(
                value: answer[1], cannotTell: answer[2],
                notApplicable: answer[3], text: answer[4])
        }
        for answer in try Row.fetchAll(
            db,
            sql: """
                SELECT i.key, r.showing, r.value, r.cannotTell, r.notApplicable, r.text FROM responseRepeat r
                JOIN item i ON i.id = r.itemId WHERE r.submissionId = ?
                """, arguments: [session.submissionId])
        {
            session.repeatAnswers["\(answer[0] as String)#\(answer[1] as Int)"] = StoredServedAnswer(
                value: answer[2], cannotTell: answer[3], notApplicable: answer[4], text: answer[5])
        }
        return session
    }

    /// Releases the study's unfinished sessions last seen before `cutoff`: their submissions are
    /// marked `TIMED-OUT` (which QC rejects) and their assignments return to the pool.
    private static func releaseAbandoned(_ db: Database, studyId: Int64, cutoff: Date, now: Date, logsAllocation: Bool)
        throws
    {
        if logsAllocation {
            try db.execute(
                sql: """
                    INSERT INTO allocationInput (studyId, kind, assignment) SELECT studyId, 'release', assignmentIndex
                    FROM servedSession WHERE studyId = ? AND finishedAt IS NULL AND releasedAt IS NULL AND lastSeenAt < ?
                    ORDER BY id
                    """, arguments: [studyId, cutoff])
        }
        try db.execute(
            sql: """
                UPDATE submission SET platformStatus = 'TIMED-OUT' WHERE id IN (SELECT submissionId FROM servedSession
                    WHERE studyId = ? AND finishedAt IS NULL AND releasedAt IS NULL AND lastSeenAt < ?)
                """, arguments: [studyId, cutoff])
        try db.execute(
            sql: """
                UPDATE servedSession SET releasedAt = ?
                WHERE studyId = ? AND finishedAt IS NULL AND releasedAt IS NULL AND lastSeenAt < ?
                """, arguments: [now, studyId, cutoff])
    }

    /// Admits a participant, in one transaction: resumes their unfinished session, or deals them the
    /// least-served assignment no live session holds; one who may take no more assignments gets
    /// their last finished session back (to see its completion page again).
    ///
    /// - Parameters:
    ///   - studyId: the study being served.
    ///   - platform: the platform the participant came from (`prolific`, `mturk`, `direct`, …).
    ///   - idHash: the salted hash of their platform id (``annotatorHash(platform:rawID:)``).
    ///   - assignmentCount: how many assignments the study's plan deals.
    ///   - maxAssignmentsPerWorker: submissions one annotator may make in the study.
    ///   - timeout: unfinished sessions idle this long are released first.
    ///   - token: the new session's token, used when a session starts.
    ///   - platformAssignmentID: the platform's id of this attempt (Prolific's `SESSION_ID`, MTurk's
    ///     `assignmentId`), kept as the submission's assignment id so platform exports join with
    ///     it; when absent or already used, `serve:INDEX:TOKEN-PREFIX` is used.
    ///     A resumed, unfinished session arriving with a new attempt id (the task was returned and
    ///     taken again) takes that id.
    ///   - submitTo: where the finished page posts an MTurk assignment back (`turkSubmitTo`,
    ///     checked by the caller); kept with a new session, or added to a resumed one lacking it.
    ///   - allocation: an adaptive study's allocator: a new session gets the assignment it decides
    ///     (its number is the session's assignment index; `assignmentCount` is not used) and the
    ///     decision is logged; releases are logged as its inputs. `nil`: the uniform plan.
    ///   - now: the arrival's time (sessions idle since before `now - timeout` are released).
    public func admitServedParticipant(
        studyId: Int64, platform: String, idHash: String, assignmentCount: Int, maxAssignmentsPerWorker: Int,
        timeout: TimeInterval, token: String, platformAssignmentID: String? = nil, submitTo: String? = nil,
        allocation: (any ServedAllocation)? = nil, now: Date = Date()
    ) async throws(ExplicableError) -> ServedArrival {
        try await writeAsync { db in
            try Self.releaseAbandoned(
                db, studyId: studyId, cutoff: now.addingTimeInterval(-timeout), now: now,
                logsAllocation: allocation != nil)
            let annotatorId: Int64
            if let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM annotator WHERE platform = ? AND idHash = ?",
                arguments: [platform, idHash])
            {
                annotatorId = id
            } else {
                try db.execute(
                    sql: "INSERT INTO annotator (platform, idHash) VALUES (?, ?)", arguments: [platform, idHash])
                annotatorId = db.lastInsertedRowID
            }
            // A finished session is resumed (its completion page shown) only when no new one may start:
            // under `maxAssignmentsPerWorker` a worker who finished comes back for another assignment.
            let finished = try Self.servedSession(
                db,
                where: "v.studyId = ? AND v.annotatorId = ? AND v.releasedAt IS NULL AND v.finishedAt IS NOT NULL",
                [studyId, annotatorId])
            if var session = try Self.servedSession(
                db,
                where: "v.studyId = ? AND v.annotatorId = ? AND v.releasedAt IS NULL AND v.finishedAt IS NULL",
                [studyId, annotatorId])
            {
                try db.execute(
                    sql: "UPDATE servedSession SET lastSeenAt = ? WHERE id = ?", arguments: [now, session.id])
                // A participant who returned the task and took it again comes with a new attempt id
                // (MTurk assignmentId, Prolific SESSION_ID): the unfinished submission takes it.
                if session.finishedAt == nil, let platformAssignmentID, platformAssignmentID != session.assignmentID,
                    try
                        !(Bool.fetchOne(
                            db,
                            sql: "SELECT EXISTS (SELECT 1 FROM submission WHERE studyId = ? AND assignmentID = ?)",
                            arguments: [studyId, platformAssignmentID]) ?? true)
                {
                    try db.execute(
                        sql: "UPDATE submission SET assignmentID = ? WHERE id = ?",
                        arguments: [platformAssignmentID, session.submissionId])
                    session.assignmentID = platformAssignmentID
                }
                if session.submitTo == nil, let submitTo {
                    try db.execute(
                        sql: "UPDATE servedSession SET submitTo = ? WHERE id = ?", arguments: [submitTo, session.id])
                    session.submitTo = submitTo
                }
                return .resumed(session)
            }
            let taken =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM submission WHERE studyId = ? AND annotatorId = ?",
                    arguments: [studyId, annotatorId]) ?? 0
            if taken >= maxAssignmentsPerWorker {
                if let finished { return .resumed(finished) }
                let released =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT EXISTS (SELECT 1 FROM servedSession WHERE studyId = ? AND annotatorId = ? AND releasedAt IS NOT NULL)
                            """, arguments: [studyId, annotatorId]) ?? false
                return released ? .expired : .limitReached
            }
            let index: Int
            var decision: AllocationDecisionRecord?
            if let allocation {
                decision = try Self.allocate(db, studyId: studyId, with: allocation, now: now)
                guard let decision else { return finished.map { .resumed($0) } ?? .full }
                index = decision.sequence
            } else {
                var live = Set<Int>()
                var served = [Int: Int]()
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT assignmentIndex, count(*), sum(releasedAt IS NULL) FROM servedSession WHERE studyId = ?
                        GROUP BY assignmentIndex
                        """, arguments: [studyId])
                {
                    let index: Int = row[0]
                    served[index] = row[1]
                    if (row[2] as Int) > 0 { live.insert(index) }
                }
                let free = (0..<assignmentCount).filter { !live.contains($0) }
                guard let pick = free.min(by: { (served[$0] ?? 0, $0) < (served[$1] ?? 0, $1) }) else {
                    return finished.map { .resumed($0) } ?? .full
                }
                index = pick
            }
            var assignmentID = "serve:\(index):\(token.prefix(12))"
            if let platformAssignmentID,
                try
                    !(Bool.fetchOne(
                        db,
                        sql: "SELECT EXISTS (SELECT 1 FROM submission WHERE studyId = ? AND assignmentID = ?)",
                        arguments: [studyId, platformAssignmentID]) ?? true)
            {
                assignmentID = platformAssignmentID
            }
            try db.execute(
                sql: """
                    INSERT INTO submission (studyId, annotatorId, importId, assignmentID, platformStatus, startedAt)
                    VALUES (?, ?, NULL, ?, 'STARTED', ?)
                    """, arguments: [studyId, annotatorId, assignmentID, now])
            let submissionId = db.lastInsertedRowID
            try db.execute(
                sql: """
                    INSERT INTO servedSession (studyId, token, annotatorId, submissionId, assignmentIndex, startedAt, lastSeenAt,
                        submitTo)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [studyId, token, annotatorId, submissionId, index, now, now, submitTo])
            let sessionId = db.lastInsertedRowID
            if let decision { try Self.logDecision(db, decision, studyId: studyId, sessionId: sessionId) }
            return .started(
                ServedSession(
                    id: sessionId, token: token, submissionId: submissionId,
                    assignmentIndex: index, startedAt: now, finishedAt: nil, releasedAt: nil,
                    assignmentID: assignmentID,
                    submitTo: submitTo, answers: [:]))
        }
    }

    /// The session with `token` in the study, with its answers.
    public func servedSession(studyId: Int64, token: String) async throws(ExplicableError) -> ServedSession? {
        try await readAsync { db in
            try Self.servedSession(db, where: "v.studyId = ? AND v.token = ?", [studyId, token])
        }
    }

    /// Marks a served session finished when it has `required` answers: the submission gets its
    /// submit time and work seconds. Finishing twice returns the finished session again.
    public func finishServedSession(studyId: Int64, token: String, required: Int, now: Date = Date())
        async throws(ExplicableError) -> ServedFinishOutcome
    {
        try await writeAsync { db in
            guard var session = try Self.servedSession(db, where: "v.studyId = ? AND v.token = ?", [studyId, token])
            else {
                return .unknownSession
            }
            if session.releasedAt != nil { return .released }
            if session.finishedAt != nil { return .finished(session) }
            guard session.answerCount >= required else {
                return .incomplete(missing: required - session.answerCount)
            }
            try db.execute(
                sql: "UPDATE servedSession SET finishedAt = ?, lastSeenAt = ? WHERE id = ?",
                arguments: [now, now, session.id])
            try db.execute(
                sql: """
                    UPDATE submission SET submittedAt = ?, workSeconds = ?, platformStatus = 'SUBMITTED' WHERE id = ?
                    """, arguments: [now, now.timeIntervalSince(session.startedAt), session.submissionId])
            session.finishedAt = now
            return .finished(session)
        }
    }

    /// Lets commits skip the fsync of the write-ahead log (`PRAGMA synchronous = NORMAL`): a
    /// committed transaction still survives the process being killed, but not a power loss or
    /// an operating-system crash. For this connection only; the file is unchanged.
    public func relaxSynchronousCommits() throws(ExplicableError) {
        do { try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    /// The salted hash under which an annotator's platform id is stored.
    public func annotatorHash(platform: String, rawID: String) throws(ExplicableError) -> String {
        let salt = try write { db in try Self.annotatorSalt(db) }
        return SHA256Digest.annotatorHash(salt: salt, platform: platform, rawID: rawID)
    }
}
