public import ExplicableCore
public import Foundation
import GRDB
import GRDBSQLite

/// The writes of one file's import, inside its single transaction
/// (``LabelStore/importFile(studyId:fileName:sha256:format:importedAt:_:)``).
///
/// Answers go in through a prepared statement bound with SQLite's C API: at hundreds of
/// thousands of rows per file, building Swift argument arrays per row would cost as much as
/// SQLite itself.
public final class ImportSession {
    let db: Database
    public let studyId: Int64
    public let importId: Int64
    /// The store's salt for annotator id hashes.
    public let salt: String
    /// Counts written to the import's record when the body returns.
    public var rowsRead = 0
    public var rowsAccepted = 0
    public var rowsRejected = 0
    private var insertResponseStatement: OpaquePointer?

    init(db: Database, studyId: Int64, importId: Int64) throws {
        self.db = db
        self.studyId = studyId
        self.importId = importId
        salt = try LabelStore.annotatorSalt(db)
        let sql = """
            INSERT INTO response (submissionId, itemId, value, cannotTell, reactionMs, position, notApplicable, text)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        let code = sqlite3_prepare_v3(
            db.sqliteConnection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT),
            &insertResponseStatement, nil)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastMessage)
        }
    }

    func close() {
        sqlite3_finalize(insertResponseStatement)
        insertResponseStatement = nil
    }

    private var lastMessage: String { String(cString: sqlite3_errmsg(db.sqliteConnection)) }

    /// Whether the study already has a submission with this platform assignment id.
    public func hasSubmission(assignmentID: String) throws -> Bool {
        let query = try db.cachedStatement(
            sql:
                "SELECT EXISTS (SELECT 1 FROM submission WHERE studyId = ? AND assignmentID = ?)")
        return try Bool.fetchOne(query, arguments: [studyId, assignmentID]) ?? false
    }

    /// The id of the annotator with this hash on `platform`, made on first sight. With `rawID`,
    /// the raw platform id is stored too (only when the researcher asked to keep raw ids).
    public func annotatorID(platform: String, idHash: String, rawID: String?) throws -> Int64 {
        let query = try db.cachedStatement(sql: "SELECT id FROM annotator WHERE platform = ? AND idHash = ?")
        if let id = try Int64.fetchOne(query, arguments: [platform, idHash]) {
            if let rawID { try db.execute(sql: "UPDATE annotator SET rawID = ? WHERE id = ?", arguments: [rawID, id]) }
            return id
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO annotator (platform, idHash, rawID) VALUES (?, ?, ?)")
        try insert.execute(arguments: [platform, idHash, rawID])
        return db.lastInsertedRowID
    }

    /// Stores a new submission of this import and returns its id.
    public func insertSubmission(
        annotatorId: Int64, assignmentID: String, platformStatus: String?, startedAt: Date?, submittedAt: Date?,
        workSeconds: Double?, platformFeedback: String? = nil
    ) throws -> Int64 {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO submission (studyId, annotatorId, importId, assignmentID, platformStatus, startedAt, submittedAt,
                    workSeconds, platformFeedback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            studyId, annotatorId, importId, assignmentID, platformStatus, startedAt, submittedAt,
            workSeconds, platformFeedback,
        ])
        return db.lastInsertedRowID
    }

    /// The study's submission with this platform assignment id, if any, with its annotator.
    public func existingSubmission(assignmentID: String) throws -> (id: Int64, annotatorId: Int64)? {
        let query = try db.cachedStatement(
            sql: "SELECT id, annotatorId FROM submission WHERE studyId = ? AND assignmentID = ?")
        guard let row = try Row.fetchOne(query, arguments: [studyId, assignmentID]) else { return nil }
        return (row[0], row[1])
    }

    /// The ids of the annotators stored under any of these hashes (one person's id hashed for
    /// each platform an import may have filed them under).
    public func annotatorIDs(idHashes: [String]) throws -> [Int64] {
        guard !idHashes.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: idHashes.count).joined(separator: ", ")
        return try Int64.fetchAll(
            db, sql: "SELECT id FROM annotator WHERE idHash IN (\(marks))",
            arguments: StatementArguments(idHashes))
    }

    /// The stored answer of a submission to an item: its value (`nil` with "cannot tell" or "not
    /// applicable") and whether it is "cannot tell".
    public func storedAnswer(submissionId: Int64, itemId: Int64) throws -> (value: Double?, cannotTell: Bool)? {
        try storedAnswerKind(submissionId: submissionId, itemId: itemId).map { ($0.value, $0.cannotTell) }
    }

    /// The stored answer of a submission to an item's `showing` (1 for the first, 2… for repeats,
    /// see ``insertResponse(submissionId:itemId:showing:value:cannotTell:notApplicable:text:reactionMs:position:)``).
    public func storedAnswerKind(submissionId: Int64, itemId: Int64, showing: Int = 1) throws -> StoredAnswerKind? {
        let query =
            showing == 1
            ? try db.cachedStatement(
                sql: "SELECT value, cannotTell, notApplicable, text FROM response WHERE submissionId = ? AND itemId = ?"
            )
            : try db.cachedStatement(
                sql: """
                    SELECT value, cannotTell, notApplicable, text FROM responseRepeat
                    WHERE submissionId = ? AND itemId = ? AND showing = ?
                    """)
        let arguments: StatementArguments =
            showing == 1 ? [submissionId, itemId] : [submissionId, itemId, showing]
        guard let row = try Row.fetchOne(query, arguments: arguments) else { return nil }
        return StoredAnswerKind(value: row[0], cannotTell: row[1], notApplicable: row[2], text: row[3])
    }

    /// How many showings of `itemId` `submissionId` has stored (its first answer in `response`, the
    /// repeats in `responseRepeat`).
    public func storedShowings(submissionId: Int64, itemId: Int64) throws -> Int {
        let query = try db.cachedStatement(
            sql: """
                SELECT (SELECT count(*) FROM response WHERE submissionId = ?1 AND itemId = ?2)
                    + (SELECT count(*) FROM responseRepeat WHERE submissionId = ?1 AND itemId = ?2)
                """)
        return try Int.fetchOne(query, arguments: [submissionId, itemId]) ?? 0
    }

    /// The assignment id of a submission of this study stored before this import (by an earlier
    /// import or the study server), by one of `annotatorIds`, that answered `itemId` — the same
    /// person answering the same item again, e.g. the same answers imported by two routes — or `nil`.
    /// Submissions of this import are left out: one platform file may hold a worker's several
    /// assignments, which quality control's `maxAssignmentsPerWorker` judges.
    public func otherAnswer(annotatorIds: [Int64], itemId: Int64, excludingSubmission: Int64?) throws -> String? {
        guard !annotatorIds.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: annotatorIds.count).joined(separator: ", ")
        var arguments = StatementArguments([studyId, itemId, excludingSubmission ?? -1, importId])
        arguments += StatementArguments(annotatorIds)
        return try String.fetchOne(
            db,
            sql: """
                SELECT s.assignmentID FROM submission s JOIN response r ON r.submissionId = s.id
                WHERE s.studyId = ? AND r.itemId = ? AND s.id != ? AND (s.importId IS NULL OR s.importId != ?)
                    AND s.annotatorId IN (\(marks)) LIMIT 1
                """, arguments: arguments)
    }

    /// Deletes the submissions this import made that hold no answer, and returns how many.
    public func deleteEmptySubmissions() throws -> Int {
        try db.execute(
            sql: """
                DELETE FROM submission WHERE importId = ? AND NOT EXISTS (SELECT 1 FROM response WHERE submissionId = submission.id)
                """, arguments: [importId])
        return db.changesCount
    }

    /// Whether an earlier import of this study read a file with the same SHA-256.
    public internal(set) var fileSeenBefore = false

    /// Fills in what a platform's export says of a submission; `nil` keeps the stored value.
    /// A `rejectedReason` marks it rejected (on the platform, not by explicable's QC).
    public func updateSubmission(
        id: Int64, startedAt: Date? = nil, submittedAt: Date? = nil, workSeconds: Double? = nil,
        rejectedReason: String? = nil, platformStatus: String? = nil, platformFeedback: String? = nil
    ) throws {
        try db.execute(
            sql: """
                UPDATE submission SET startedAt = COALESCE(?, startedAt), submittedAt = COALESCE(?, submittedAt),
                    workSeconds = COALESCE(?, workSeconds),
                    qcStatus = CASE WHEN ? IS NULL THEN qcStatus ELSE 'rejected' END, qcReason = COALESCE(?, qcReason),
                    platformStatus = COALESCE(?, platformStatus), platformFeedback = COALESCE(?, platformFeedback)
                WHERE id = ?
                """,
            arguments: [
                startedAt, submittedAt, workSeconds, rejectedReason, rejectedReason, platformStatus,
                platformFeedback, id,
            ])
    }

    /// Sets a submission's work time where the file gave none.
    public func setWorkSecondsIfMissing(id: Int64, seconds: Double) throws {
        try db.execute(
            sql: "UPDATE submission SET workSeconds = ? WHERE id = ? AND workSeconds IS NULL",
            arguments: [seconds, id])
    }

    /// Adds one answer. Returns `false`, adding nothing, when the submission already has an
    /// answer to the item's `showing`. The first showing goes to `response`; later ones (test–retest
    /// repeats, `showing` 2, 3 …) to `responseRepeat`. The caller has checked that both ids belong
    /// to this study.
    public func insertResponse(
        submissionId: Int64, itemId: Int64, showing: Int = 1, value: Double?, cannotTell: Bool,
        notApplicable: Bool = false, text: String? = nil, reactionMs: Double?, position: Int?
    ) throws -> Bool {
        if showing > 1 {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO responseRepeat (submissionId, itemId, showing, value, cannotTell, notApplicable, text,
                        reactionMs, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (submissionId, itemId, showing) DO NOTHING
                    """)
            try insert.execute(arguments: [
                submissionId, itemId, showing, value, cannotTell, notApplicable, text, reactionMs, position,
            ])
            return db.changesCount == 1
        }
        let statement = insertResponseStatement
        sqlite3_bind_int64(statement, 1, submissionId)
        sqlite3_bind_int64(statement, 2, itemId)
        if let value { sqlite3_bind_double(statement, 3, value) } else { sqlite3_bind_null(statement, 3) }
        sqlite3_bind_int(statement, 4, cannotTell ? 1 : 0)
        if let reactionMs { sqlite3_bind_double(statement, 5, reactionMs) } else { sqlite3_bind_null(statement, 5) }
        if let position { sqlite3_bind_int64(statement, 6, Int64(position)) } else { sqlite3_bind_null(statement, 6) }
        sqlite3_bind_int(statement, 7, notApplicable ? 1 : 0)
        if let text {
            sqlite3_bind_text(statement, 8, text, -1, Self.transient)
        } else {
            sqlite3_bind_null(statement, 8)
        }
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        if code == SQLITE_DONE { return true }
        if code & 0xFF == SQLITE_CONSTRAINT { return false }  // the (submission, item) key is taken
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastMessage)
    }

    /// SQLite's `SQLITE_TRANSIENT`: copy the bound text now.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Sets how many people chose `classIndex` for an image item (counts imports).
    public func setInstanceCount(itemId: Int64, classIndex: Int, count: Int) throws {
        try InstanceCountRecord(itemId: itemId, classIndex: classIndex, count: count, importId: importId)
            .insert(db, onConflict: .replace)
    }
}

/// A stored answer as imports compare it: value (`nil` for "cannot tell", "not applicable" and
/// text answers), its kind, and the text of a free-text answer.
public struct StoredAnswerKind: Sendable, Equatable {
    public var value: Double?
    public var cannotTell: Bool
    public var notApplicable: Bool
    public var text: String?

    public init(value: Double?, cannotTell: Bool, notApplicable: Bool, text: String? = nil) {
        self.value = value
        self.cannotTell = cannotTell
        self.notApplicable = notApplicable
        self.text = text
    }
}

extension LabelStore {
    /// Imports one file in one transaction, idempotent per answer rather than per file: `body`
    /// runs even when a file with this SHA-256 was imported before (``ImportSession/fileSeenBefore``)
    /// and says whether to keep what it wrote. An import that keeps nothing is not recorded.
    ///
    /// Foreign-key checks are off for the transaction, as in
    /// ``importFile(studyId:fileName:sha256:format:importedAt:_:)``.
    public func importAnswers<T>(
        studyId: Int64, fileName: String, sha256: String, format: String, importedAt: Date,
        _ body: (ImportSession) throws -> (result: T, keep: Bool)
    ) throws(ExplicableError) -> T {
        do {
            return try queue.writeWithoutTransaction { db -> T in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var result: T?
                try db.inTransaction(.immediate) {
                    let seen =
                        try Bool.fetchOne(
                            db,
                            sql: "SELECT EXISTS (SELECT 1 FROM import WHERE studyId = ? AND sha256 = ?)",
                            arguments: [studyId, sha256]) ?? false
                    var record = ImportRecord(
                        studyId: studyId, fileName: fileName, sha256: sha256, format: format,
                        importedAt: importedAt, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0)
                    try record.insert(db)
                    let session = try ImportSession(db: db, studyId: studyId, importId: record.id!)
                    session.fileSeenBefore = seen
                    defer { session.close() }
                    let (value, keep) = try body(session)
                    result = value
                    guard keep else { return .rollback }
                    record.rowsRead = session.rowsRead
                    record.rowsAccepted = session.rowsAccepted
                    record.rowsRejected = session.rowsRejected
                    try record.update(db)
                    return .commit
                }
                return result!
            }
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    /// Imports one file in one transaction: records the import, runs `body` with the session
    /// that writes its rows, and stores the row counts the body left in the session. Any error
    /// rolls everything back.
    ///
    /// Returns `nil`, changing nothing, when the study already has an import of a file with
    /// this SHA-256.
    ///
    /// Foreign-key checks are off for the transaction: the importer only writes ids of the
    /// study's items and of submissions it has just made, and checking two parents per answer
    /// would be a third of the import's time.
    public func importFile<T>(
        studyId: Int64, fileName: String, sha256: String, format: String, importedAt: Date,
        _ body: (ImportSession) throws -> T
    ) throws(ExplicableError) -> T? {
        do {
            return try queue.writeWithoutTransaction { db -> T? in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var result: T?
                try db.inTransaction(.immediate) {
                    let seen =
                        try Bool.fetchOne(
                            db,
                            sql: "SELECT EXISTS (SELECT 1 FROM import WHERE studyId = ? AND sha256 = ?)",
                            arguments: [studyId, sha256]) ?? false
                    if seen { return .rollback }
                    var record = ImportRecord(
                        studyId: studyId, fileName: fileName, sha256: sha256, format: format,
                        importedAt: importedAt, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0)
                    try record.insert(db)
                    let session = try ImportSession(db: db, studyId: studyId, importId: record.id!)
                    defer { session.close() }
                    result = try body(session)
                    record.rowsRead = session.rowsRead
                    record.rowsAccepted = session.rowsAccepted
                    record.rowsRejected = session.rowsRejected
                    try record.update(db)
                    return .commit
                }
                return result
            }
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }
}
