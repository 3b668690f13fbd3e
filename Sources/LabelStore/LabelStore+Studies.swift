public import ExplicableCore
import Foundation
import GRDB

/// A study as the store holds it: its record, class set and items (in creation order).
public struct StoredStudy: Sendable {
    public var record: StudyRecord
    public var classes: ClassSet
    public var items: [ItemRecord]
}

/// One answer of a submission, as quality control reads it.
public struct StoredAnswer: Sendable, Equatable {
    public var itemId: Int64
    /// `nil` for "cannot tell".
    public var value: Double?
    /// The text of a free-text answer.
    public var text: String? = nil
}

/// A quality-control decision to store.
public struct QCDecision: Sendable {
    public var submissionId: Int64
    public var status: SubmissionRecord.QCStatus
    public var reason: String?

    public init(submissionId: Int64, status: SubmissionRecord.QCStatus, reason: String?) {
        self.submissionId = submissionId
        self.status = status
        self.reason = reason
    }
}

extension LabelStore {
    // MARK: Studies

    /// Stores a new study with its class set and items in one transaction, or returns the stored
    /// one when a study of that name exists with the same spec text.
    ///
    /// - Parameters:
    ///   - record: the study (its `id` and `classSetId` are assigned here).
    ///   - classes: the study's class set, stored (or found) with it.
    ///   - items: the study's items (their `studyId` is assigned here).
    ///   - reviewModels: for mistake-review studies, the models (runs) whose prediction each item
    ///     shows, by item key; stored with the items. A study that exists already must have the same.
    /// - Throws: `ExplicableError` when a study of that name exists with a different spec.
    public func createStudy(
        _ record: StudyRecord, classes: ClassSet, items: [ItemRecord], reviewModels: [String: [String]] = [:]
    ) throws(ExplicableError) -> StoredStudy {
        try write { db in
            if let existing = try StudyRecord.filter(Column("name") == record.name).fetchOne(db) {
                guard existing.specJSON == record.specJSON else {
                    throw ExplicableError(
                        .badInput,
                        "a study named '\(record.name)' already exists with a different spec; rename the new one")
                }
                guard try Self.reviewModels(studyId: existing.id!, db) == reviewModels.mapValues({ $0.sorted() }) else {
                    throw ExplicableError(
                        .badInput,
                        "a study named '\(record.name)' already exists with other models; rename the new one")
                }
                return try Self.loadStudy(existing, db)
            }
            var record = record
            record.classSetId = try Self.insertClassSet(classes, db)
            try record.insert(db)
            let insertModel = try db.cachedStatement(sql: "INSERT INTO reviewModel (itemId, model) VALUES (?, ?)")
            // One prepared statement for every item: a full ImageNet-1k class-pair design has 999,000.
            let insertItem = try db.cachedStatement(
                sql: """
                    INSERT INTO item (studyId, key, kind, classA, classB, image, trueClass, predictions,
                        isAttentionCheck, expectedAnswer, targetRatings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for item in items {
                try insertItem.execute(arguments: [
                    record.id!, item.key, item.kind.rawValue, item.classA, item.classB,
                    item.image, item.trueClass, item.predictions, item.isAttentionCheck, item.expectedAnswer,
                    item.targetRatings,
                ])
                if let models = reviewModels[item.key] {
                    let id = db.lastInsertedRowID
                    for model in models { try insertModel.execute(arguments: [id, model]) }
                }
            }
            return try Self.loadStudy(record, db)
        }
    }

    /// The models (runs) whose predictions a mistake-review study's items show, by item key, names sorted.
    public func reviewModels(studyId: Int64) throws(ExplicableError) -> [String: [String]] {
        try read { db in try Self.reviewModels(studyId: studyId, db) }
    }

    private static func reviewModels(studyId: Int64, _ db: Database) throws -> [String: [String]] {
        var models: [String: [String]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT i.key, m.model FROM reviewModel m JOIN item i ON i.id = m.itemId
                WHERE i.studyId = ? ORDER BY i.key, m.model
                """, arguments: [studyId])
        {
            models[row[0], default: []].append(row[1])
        }
        return models
    }

    /// The names of all studies, sorted.
    public func studyNames() throws(ExplicableError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM study ORDER BY name") }
    }

    /// The study named `name`.
    /// - Throws: `ExplicableError` naming the studies the store has when there is none of that name.
    public func study(named name: String) throws(ExplicableError) -> StoredStudy {
        try read { db in
            guard let record = try StudyRecord.filter(Column("name") == name).fetchOne(db) else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM study ORDER BY name")
                throw ExplicableError(
                    .invalidArgument,
                    "no study named '\(name)' in the store"
                        + (known.isEmpty
                            ? " (it has none: run 'explicable study create SPEC')"
                            : " (it has: \(known.joined(separator: ", ")))"))
            }
            return try Self.loadStudy(record, db)
        }
    }

    private static func loadStudy(_ record: StudyRecord, _ db: Database) throws -> StoredStudy {
        let classes = try classSet(id: record.classSetId, db)
        return StoredStudy(record: record, classes: classes, items: try fetchItems(studyId: record.id!, db))
    }

    // MARK: Quality control

    /// A study's submissions, oldest first, with every answer of each and the hash of each
    /// submission's annotator.
    public func submissionsWithAnswers(studyId: Int64) throws(ExplicableError)
        -> (submissions: [SubmissionRecord], answers: [Int64: [StoredAnswer]], annotatorHashes: [Int64: String])
    {
        try read { db in
            let submissions = try SubmissionRecord.filter(Column("studyId") == studyId)
                .order(Column("submittedAt"), Column("id")).fetchAll(db)
            var answers: [Int64: [StoredAnswer]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.submissionId, r.itemId, r.value, r.text FROM response r
                    JOIN submission s ON s.id = r.submissionId WHERE s.studyId = ?
                    """, arguments: [studyId])
            while let row = try rows.next() {
                answers[row[0], default: []].append(StoredAnswer(itemId: row[1], value: row[2], text: row[3]))
            }
            let hashes = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT a.id, a.idHash FROM annotator a JOIN submission s ON s.annotatorId = a.id
                    WHERE s.studyId = ?
                    """, arguments: [studyId])
            return (
                submissions, answers, Dictionary(uniqueKeysWithValues: hashes.map { ($0[0] as Int64, $0[1] as String) })
            )
        }
    }

    /// Stores quality-control decisions in one transaction. Decisions made by hand are kept:
    /// a submission whose decision was overridden is not changed.
    public func storeDecisions(_ decisions: [QCDecision]) throws(ExplicableError) {
        try write { db in
            let update = try db.cachedStatement(
                sql:
                    "UPDATE submission SET qcStatus = ?, qcReason = ? WHERE id = ? AND NOT qcOverridden")
            for decision in decisions {
                try update.execute(arguments: [decision.status.rawValue, decision.reason, decision.submissionId])
            }
        }
    }

    /// Records a decision made by hand, which later quality-control runs keep.
    /// - Throws: `ExplicableError` when the study has no such assignment.
    public func overrideDecision(studyId: Int64, studyName: String, assignmentID: String, accept: Bool, reason: String?)
        throws(ExplicableError)
    {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE submission SET qcStatus = ?, qcReason = ?, qcOverridden = 1 WHERE studyId = ? AND assignmentID = ?
                    """,
                arguments: [accept ? "accepted" : "rejected", reason ?? "decided by hand", studyId, assignmentID])
            guard db.changesCount == 1 else {
                throw ExplicableError(.invalidArgument, "study '\(studyName)' has no assignment '\(assignmentID)'")
            }
        }
    }

    // MARK: Status

    /// Ratings per item id (answers of submissions not rejected, "cannot tell" included, plus
    /// imported instance counts) and the number of submissions per QC status.
    public func collectionCounts(studyId: Int64) throws(ExplicableError)
        -> (ratingsPerItem: [Int64: Int], submissionsByStatus: [SubmissionRecord.QCStatus: Int])
    {
        try read { db in
            var ratings: [Int64: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT r.itemId, count(*) FROM response r JOIN submission s ON s.id = r.submissionId
                    WHERE s.studyId = ? AND s.qcStatus != 'rejected'
                        AND (r.value IS NOT NULL OR r.cannotTell OR r.notApplicable)
                    GROUP BY r.itemId
                    UNION ALL
                    SELECT c.itemId, sum(c.count) FROM instanceCount c JOIN item i ON i.id = c.itemId
                    WHERE i.studyId = ? GROUP BY c.itemId
                    """, arguments: [studyId, studyId])
            {
                ratings[row[0], default: 0] += row[1] as Int
            }
            var byStatus: [SubmissionRecord.QCStatus: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT qcStatus, count(*) FROM submission WHERE studyId = ? GROUP BY qcStatus",
                arguments: [studyId])
            {
                if let status = SubmissionRecord.QCStatus(rawValue: row[0]) { byStatus[status] = row[1] }
            }
            return (ratings, byStatus)
        }
    }
}

/// One rating of a mistake-review item, as the review report reads it.
public struct ReviewRating: Sendable, Equatable {
    public var itemKey: String
    /// The rating; `nil` for "cannot tell".
    public var value: Double?

    public init(itemKey: String, value: Double?) {
        self.itemKey = itemKey
        self.value = value
    }
}

extension LabelStore {
    /// The answers to a study's regular (not attention-check) items from submissions that quality
    /// control accepted, "cannot tell" included as `nil`, and the number of submissions not yet checked.
    public func acceptedRatings(studyId: Int64) throws(ExplicableError)
        -> (ratings: [ReviewRating], pendingSubmissions: Int)
    {
        try read { db in
            let ratings = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.key, r.value FROM response r
                    JOIN submission s ON s.id = r.submissionId JOIN item i ON i.id = r.itemId
                    WHERE s.studyId = ? AND s.qcStatus = 'accepted' AND NOT i.isAttentionCheck
                        AND (r.value IS NOT NULL OR r.cannotTell)
                    ORDER BY i.id, s.id
                    """, arguments: [studyId]
            ).map { ReviewRating(itemKey: $0[0], value: $0[1]) }
            let pending =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM submission WHERE studyId = ? AND qcStatus = 'pending'",
                    arguments: [studyId]) ?? 0
            return (ratings, pending)
        }
    }
}

/// One submission as the cost audit reads it.
public struct SubmissionCost: Sendable, Equatable {
    public var annotatorId: Int64
    public var status: SubmissionRecord.QCStatus
    public var workSeconds: Double?
    /// Real answers (attention checks excluded).
    public var judgments: Int
    public var attentionChecks: Int
}

extension LabelStore {
    /// Every submission of a study with its decision, work time and answer counts.
    public func submissionCosts(studyId: Int64) throws(ExplicableError) -> [SubmissionCost] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.annotatorId, s.qcStatus, s.workSeconds,
                        (SELECT count(*) FROM response r JOIN item i ON i.id = r.itemId
                         WHERE r.submissionId = s.id AND NOT i.isAttentionCheck) AS judgments,
                        (SELECT count(*) FROM response r JOIN item i ON i.id = r.itemId
                         WHERE r.submissionId = s.id AND i.isAttentionCheck) AS checks
                    FROM submission s WHERE s.studyId = ? ORDER BY s.id
                    """, arguments: [studyId]
            ).map { row in
                SubmissionCost(
                    annotatorId: row["annotatorId"],
                    status: SubmissionRecord.QCStatus(rawValue: row["qcStatus"]) ?? .pending,
                    workSeconds: row["workSeconds"], judgments: row["judgments"], attentionChecks: row["checks"])
            }
        }
    }
}
