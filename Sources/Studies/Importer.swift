public import ExplicableCore
public import Foundation
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
        let imported = try store.importFile(studyId: study.id, fileName: url.lastPathComponent, sha256: sha,
            format: options.format.rawValue, importedAt: now)
        { session in
            var sink = ResponseSink(study: study, session: session, file: url.path, keepRawIDs: options.keepRawIDs,
                collectRejects: options.rejectsFile != nil)
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
            return (sink.report(file: url.path, format: options.format), sink.rejected, sink.header)
        }
        guard let (report, rejected, rejectHeader) = imported else {
            var report = ImportReport(file: url.path, format: options.format)
            report.alreadyImported = true
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
    let session: ImportSession
    let file: String
    let keepRawIDs: Bool
    let collectRejects: Bool
    let itemIds: [String: Int64]
    /// Index into `study.items` per item key.
    let items: [String: Int]
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
    /// The latest time (seconds into the session) each submission was seen active, for formats
    /// that give only per-trial times.
    private var lastActivity: [Int64: Double] = [:]

    init(study: Study, session: ImportSession, file: String, keepRawIDs: Bool, collectRejects: Bool) {
        self.study = study
        self.session = session
        self.file = file
        self.keepRawIDs = keepRawIDs
        self.collectRejects = collectRejects
        items = Dictionary(uniqueKeysWithValues: study.items.enumerated().map { ($1.key, $0) })
        itemIds = Dictionary(uniqueKeysWithValues: study.items.map { ($0.key, $0.id!) })
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
        if try session.hasSubmission(assignmentID: assignmentID) {
            alreadyPresent.insert(assignmentID)
            return nil
        }
        let hash = SHA256Digest.annotatorHash(salt: session.salt, platform: platform, rawID: rawID)
        let annotatorId = try session.annotatorID(platform: platform, idHash: hash, rawID: keepRawIDs ? rawID : nil)
        let id = try session.insertSubmission(annotatorId: annotatorId, assignmentID: assignmentID, platformStatus: status,
            startedAt: startedAt, submittedAt: submittedAt, workSeconds: workSeconds)
        submissions[assignmentID] = id
        return id
    }

    /// Checks an answer to `study.items[item]` and returns the value to store.
    func check(item: Int, value: Double?, cannotTell: Bool, line: Int, fields: @autoclosure () -> [String])
        -> Result<Double?, RowError>
    {
        if cannotTell {
            guard study.spec.allowCannotTell == true, !study.items[item].isAttentionCheck else {
                return .failure(RowError(line: line, reason: "'cannot tell' is not allowed for item '\(study.items[item].key)'",
                    fields: fields()))
            }
            return .success(nil)
        }
        guard let value, value.isFinite else {
            return .failure(RowError(line: line, reason: "missing value for item '\(study.items[item].key)'", fields: fields()))
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

    /// Adds one answer to `study.items[item]`; a second answer to the same item in the same
    /// submission is a bad row.
    mutating func addResponse(
        submission: Int64, item: Int, value: Double?, cannotTell: Bool, reactionMs: Double?, position: Int?,
        line: Int, fields: @autoclosure () -> [String]
    ) throws {
        switch check(item: item, value: value, cannotTell: cannotTell, line: line, fields: fields()) {
        case .failure(let error):
            try reject(error)
        case .success(let stored):
            if try session.insertResponse(submissionId: submission, itemId: study.items[item].id!, value: stored,
                cannotTell: cannotTell, reactionMs: reactionMs, position: position)
            {
                responsesAdded += 1
                rowsAccepted += 1
            } else {
                try reject(RowError(line: line,
                    reason: "a second answer to item '\(study.items[item].key)' in the same submission",
                    fields: fields()))
            }
        }
    }

    /// Notes that `submission` was active `seconds` into its session, for formats that give only
    /// per-trial times.
    mutating func noteActivity(submission: Int64, seconds: Double) {
        if submission == activeSubmission {
            activeSeconds = max(activeSeconds, seconds)
            return
        }
        flushActivity()
        activeSubmission = submission
        activeSeconds = max(lastActivity[submission] ?? 0, seconds)
    }

    private var activeSubmission: Int64 = -1
    private var activeSeconds = 0.0

    private mutating func flushActivity() {
        if activeSubmission >= 0 { lastActivity[activeSubmission] = activeSeconds }
    }

    /// Called after the whole file: fills in work time where a format only gives per-trial times.
    mutating func finish() throws {
        flushActivity()
        for (submission, seconds) in lastActivity {
            try session.setWorkSecondsIfMissing(id: submission, seconds: seconds)
        }
        session.rowsRead = rowsRead
        session.rowsAccepted = rowsAccepted
        session.rowsRejected = rejected.count
    }

    /// The class index of a label (exact, then case-insensitive), or of a decimal index.
    func classIndex(_ text: String) -> Int? {
        if let i = Int(text), study.classes.labels.indices.contains(i) { return i }
        if let i = study.classes.index(of: text) { return i }
        let lower = text.lowercased()
        return study.classes.labels.firstIndex { $0.lowercased() == lower }
    }
}
