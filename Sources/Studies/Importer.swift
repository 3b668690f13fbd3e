public import ExplicableCore
public import Foundation
import GRDB
public import LabelStore

/// The annotator-response formats `explicable study import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// The JSON payloads of explicable's own pages: one object, an array, or JSON lines.
    case payload
    /// An MTurk batch results CSV whose HITs used explicable's HIT layout.
    case mturk
    /// A long CSV: `annotator,item,value[,rt_ms]` or `annotator,class_a,class_b,value[,rt_ms]`
    /// (values may be class labels in instance-label studies).
    case long
    /// CIFAR-10H's raw trial CSV (`annotator_id,trial_index,is_attn_check,…`).
    case cifar10hRaw = "cifar10h-raw"
    /// A counts matrix `.npy` (images × classes), instance labels without annotators.
    case counts
    /// jsPsych data: a JSON array of trials or its CSV; trials carry an `item` field.
    case jspsych
    /// JATOS result files: JSON lines of jsPsych data arrays or page payloads.
    case jatos
    /// A Prolific submissions export CSV, joined with the pages' payloads (``ImportOptions/payloads``).
    case prolific
}

/// What an import did.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    public var format: ImportFormat
    /// The same file (by SHA-256) was imported before: nothing was added.
    public var alreadyImported = false
    public var rowsRead = 0
    public var rowsAccepted = 0
    public var rowsRejected = 0
    public var submissionsAdded = 0
    /// Assignments already in the store from an earlier file, skipped.
    public var submissionsAlreadyPresent = 0
    public var responsesAdded = 0
    public var countsAdded = 0
}

/// Options of an import.
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    /// Import the good rows and write the rejected ones here, with their reason; without it any
    /// bad row refuses the whole file.
    public var rejectsFile: URL?
    /// Store platform ids as given (personal data!), besides their salted hash.
    public var keepRawIDs: Bool
    /// The payloads a Prolific export is joined with.
    public var payloads: URL?

    public init(format: ImportFormat, rejectsFile: URL? = nil, keepRawIDs: Bool = false, payloads: URL? = nil) {
        self.format = format
        self.rejectsFile = rejectsFile
        self.keepRawIDs = keepRawIDs
        self.payloads = payloads
    }
}

/// A row that cannot be imported, with why.
struct RowError: Error {
    var line: Int
    var reason: String
    var fields: [String]
}

/// Imports annotator responses into the label store: streaming, one transaction per file,
/// idempotent (a file already imported, or an assignment already present, adds nothing).
public struct Importer {
    public let study: Study
    public let store: LabelStore

    public init(study: Study, store: LabelStore) {
        self.study = study
        self.store = store
    }

    /// Imports `url`.
    /// - Throws: ``ExplicableError`` `FILE:LINE: reason` for the first bad row (and the store is
    ///   unchanged), unless `options.rejectsFile` is set.
    public func run(_ url: URL, options: ImportOptions, now: Date = Date()) throws(ExplicableError) -> ImportReport {
        let sha = try SHA256Digest.hex(ofFile: url)
        var report = ImportReport(file: url.path, format: options.format)
        let studyId = study.id
        let already = try store.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM import WHERE studyId = ? AND sha256 = ?)",
                arguments: [studyId, sha]) ?? false
        }
        if already {
            report.alreadyImported = true
            return report
        }
        var rejected: [RowError] = []
        var rejectHeader: [String] = []
        report = try store.write { db in
            var record = ImportRecord(studyId: studyId, fileName: url.lastPathComponent, sha256: sha,
                format: options.format.rawValue, importedAt: now, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0)
            try record.insert(db)
            var sink = try ResponseSink(study: study, db: db, importId: record.id!, file: url.path,
                keepRawIDs: options.keepRawIDs, collectRejects: options.rejectsFile != nil)
            switch options.format {
            case .long: try LongCSVFormat.read(url, into: &sink)
            case .cifar10hRaw: try CIFAR10HRawFormat.read(url, into: &sink)
            case .payload: try PayloadFormat.read(url, into: &sink)
            case .mturk: try MTurkFormat.read(url, into: &sink)
            case .counts: try CountsFormat.read(url, into: &sink)
            case .jspsych: try JsPsychFormat.read(url, into: &sink)
            case .jatos: try JATOSFormat.read(url, into: &sink)
            case .prolific: try ProlificFormat.read(url, payloads: options.payloads, into: &sink)
            }
            try sink.finish()
            let report = sink.report(file: url.path, format: options.format)
            record.rowsRead = report.rowsRead
            record.rowsAccepted = report.rowsAccepted
            record.rowsRejected = report.rowsRejected
            try record.update(db)
            rejected = sink.rejected
            rejectHeader = sink.header
            return report
        }
        if let rejectsFile = options.rejectsFile {
            // The rejected rows as they were, after their line and reason, so they can be fixed and re-imported.
            var text = (["line", "reason"] + (rejectHeader.isEmpty ? ["content"] : rejectHeader)).map(csvField)
                .joined(separator: ",") + "\n"
            for row in rejected {
                text += ([String(row.line), row.reason] + row.fields).map(csvField).joined(separator: ",") + "\n"
            }
            do { try Data(text.utf8).write(to: rejectsFile, options: .atomic) } catch {
                throw ExplicableError(.io, "cannot write rejected rows: \(error.localizedDescription)", file: rejectsFile.path)
            }
        }
        return report
    }
}


/// Validates answers against the study and writes them, inside the import's transaction.
struct ResponseSink {
    let study: Study
    let db: Database
    let importId: Int64
    let file: String
    let keepRawIDs: Bool
    let collectRejects: Bool
    let salt: String
    let itemIds: [String: Int64]
    let items: [String: ItemRecord]
    let scale: Set<Double>

    var rowsRead = 0
    var rowsAccepted = 0
    var rejected: [RowError] = []
    /// The input's column names, for the rejected-rows file (empty for non-CSV formats).
    var header: [String] = []
    /// Submission id per assignment id, for submissions made by this file.
    var submissions: [String: Int64] = [:]
    var alreadyPresent: Set<String> = []
    var responsesAdded = 0
    var countsAdded = 0
    var lastActivity: [Int64: Double] = [:]

    init(study: Study, db: Database, importId: Int64, file: String, keepRawIDs: Bool, collectRejects: Bool) throws {
        self.study = study
        self.db = db
        self.importId = importId
        self.file = file
        self.keepRawIDs = keepRawIDs
        self.collectRejects = collectRejects
        salt = try LabelStore.annotatorSalt(db)
        items = study.itemsByKey
        itemIds = items.compactMapValues(\.id)
        scale = Set(study.spec.effectiveScale.map { Double($0.value) })
    }

    func report(file: String, format: ImportFormat) -> ImportReport {
        var r = ImportReport(file: file, format: format)
        r.rowsRead = rowsRead
        r.rowsAccepted = rowsAccepted
        r.rowsRejected = rejected.count
        r.submissionsAdded = submissions.count
        r.submissionsAlreadyPresent = alreadyPresent.count
        r.responsesAdded = responsesAdded
        r.countsAdded = countsAdded
        return r
    }

    /// Handles a bad row: collect it, or stop the import.
    mutating func reject(_ error: RowError) throws(ExplicableError) {
        guard collectRejects else { throw ExplicableError.badInput(error.reason, file: file, line: error.line) }
        rejected.append(error)
    }

    /// The submission for `assignmentID`, made on first sight; `nil` when an earlier import holds it.
    mutating func submission(
        platform: String, annotator rawID: String, assignmentID: String, status: String? = nil,
        startedAt: Date? = nil, submittedAt: Date? = nil, workSeconds: Double? = nil
    ) throws -> Int64? {
        if let id = submissions[assignmentID] { return id }
        if alreadyPresent.contains(assignmentID) { return nil }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM submission WHERE studyId = ? AND assignmentID = ?)",
            arguments: [study.id, assignmentID]) == true
        {
            alreadyPresent.insert(assignmentID)
            return nil
        }
        let hash = SHA256Digest.annotatorHash(salt: salt, platform: platform, rawID: rawID)
        let annotatorId: Int64
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM annotator WHERE platform = ? AND idHash = ?",
            arguments: [platform, hash])
        {
            annotatorId = id
            if keepRawIDs { try db.execute(sql: "UPDATE annotator SET rawID = ? WHERE id = ?", arguments: [rawID, id]) }
        } else {
            var annotator = AnnotatorRecord(platform: platform, idHash: hash, rawID: keepRawIDs ? rawID : nil)
            try annotator.insert(db)
            annotatorId = annotator.id!
        }
        var record = SubmissionRecord(studyId: study.id, annotatorId: annotatorId, importId: importId,
            assignmentID: assignmentID, platformStatus: status, startedAt: startedAt, submittedAt: submittedAt,
            workSeconds: workSeconds)
        try record.insert(db)
        submissions[assignmentID] = record.id!
        return record.id!
    }

    /// Checks an answer to `item` and returns the value to store.
    func check(item: ItemRecord, value: Double?, cannotTell: Bool, line: Int, fields: @autoclosure () -> [String])
        -> Result<Double?, RowError>
    {
        if cannotTell {
            guard study.spec.allowCannotTell == true, !item.isAttentionCheck else {
                return .failure(RowError(line: line, reason: "'cannot tell' is not allowed for item '\(item.key)'", fields: fields()))
            }
            return .success(nil)
        }
        guard let value, value.isFinite else {
            return .failure(RowError(line: line, reason: "missing value for item '\(item.key)'", fields: fields()))
        }
        if study.spec.design == .instanceLabel {
            guard value == value.rounded(), value >= 0, Int(value) < study.classes.count else {
                return .failure(RowError(line: line,
                    reason: "value \(value) is not a class index 0…\(study.classes.count - 1)", fields: fields()))
            }
        } else if !scale.contains(value) {
            let points = scale.sorted().map { String(Int($0)) }.joined(separator: ", ")
            return .failure(RowError(line: line, reason: "value \(value) is off the scale (\(points))", fields: fields()))
        }
        return .success(value)
    }

    /// Adds one answer to the item with key `itemKey`; an unknown item is a bad row.
    mutating func addResponse(
        submission: Int64, itemKey: String, value: Double?, cannotTell: Bool, reactionMs: Double?, position: Int?,
        line: Int, fields: [String]
    ) throws {
        guard let item = items[itemKey] else {
            try reject(RowError(line: line,
                reason: "answer for item '\(itemKey)', which study '\(study.spec.name)' does not have", fields: fields))
            return
        }
        try addResponse(submission: submission, item: item, value: value, cannotTell: cannotTell, reactionMs: reactionMs,
            position: position, line: line, fields: fields)
    }

    /// Adds one answer; a second answer to the same item in the same submission is a bad row.
    mutating func addResponse(
        submission: Int64, item: ItemRecord, value: Double?, cannotTell: Bool, reactionMs: Double?, position: Int?,
        line: Int, fields: @autoclosure () -> [String]
    ) throws {
        switch check(item: item, value: value, cannotTell: cannotTell, line: line, fields: fields()) {
        case .failure(let error):
            try reject(error)
        case .success(let stored):
            do {
                // A cached statement: compiling (and authorizing) SQL per row would dominate the import.
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO response (submissionId, itemId, value, cannotTell, reactionMs, position)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                insert.setUncheckedArguments([submission, item.id!, stored, cannotTell, reactionMs, position])
                try insert.execute()
                responsesAdded += 1
                rowsAccepted += 1
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                try reject(RowError(line: line, reason: "a second answer to item '\(item.key)' in the same submission",
                    fields: fields()))
            }
        }
    }

    /// Called after the whole file: fills in work time where a format only gives per-trial times.
    mutating func finish() throws {
        for (submission, seconds) in lastActivity {
            try db.execute(sql: "UPDATE submission SET workSeconds = ? WHERE id = ? AND workSeconds IS NULL",
                arguments: [seconds, submission])
        }
    }

    /// The class index of a label (exact, then case-insensitive), or of a decimal index.
    func classIndex(_ text: String) -> Int? {
        if let i = Int(text), study.classes.labels.indices.contains(i) { return i }
        if let i = study.classes.index(of: text) { return i }
        let lower = text.lowercased()
        return study.classes.labels.firstIndex { $0.lowercased() == lower }
    }
}
