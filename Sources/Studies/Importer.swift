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
    /// JATOS results: a result file (JSON lines of jsPsych data arrays, trials or page payloads),
    /// or a results archive as JATOS exports it, unpacked (a folder with `metadata.json`; a `.zip` is refused, saying so).
    case jatos
    /// A Prolific submissions export CSV, joined with the pages' payloads (``ImportOptions/payloads``).
    case prolific
}

/// What an import did.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    public var format: ImportFormat
    /// Nothing was added and the same file (by SHA-256) was imported before.
    public var alreadyImported = false
    /// Records read: CSV rows, JSON trials, payload objects (a Prolific export counts its rows).
    public var rowsRead = 0
    public var rowsAccepted = 0
    /// Records written to the rejects file (``ImportOptions/rejectsFile``).
    public var rowsRejected = 0
    public var submissionsAdded = 0
    /// Submissions stored by an earlier import that this one gave new answers.
    public var submissionsExtended = 0
    /// Submissions every answer of which was already stored: nothing added.
    public var submissionsAlreadyPresent = 0
    public var responsesAdded = 0
    /// Answers the store already held, the same (assignment, item, value).
    public var answersAlreadyStored = 0
    public var countsAdded = 0
    /// Submissions with no answer at all (a payload with no responses, a jsPsych run that timed
    /// out on every trial): not stored.
    public var emptySubmissions = 0
    /// Cells left empty in a one-column-per-item file (an item the worker was not shown).
    public var emptyCellsSkipped = 0
    /// Export rows without a payload, imported nothing (only with ``ImportOptions/allowMissingPayloads``):
    /// `line N (submission id)`.
    public var rowsWithoutPayload: [String] = []
}

/// Options of an import.
public struct ImportOptions: Sendable {
    public var format: ImportFormat
    /// Import the good submissions and write the records of rejected ones here, with their reason;
    /// without it any bad record refuses the whole file.
    public var rejectsFile: URL?
    /// Store platform ids as given (personal data!), besides their salted hash.
    public var keepRawIDs: Bool
    /// The payloads a Prolific export is joined with.
    public var payloads: URL?
    /// Import a Prolific export whose completed rows have no payload, listing them, instead of refusing it.
    public var allowMissingPayloads = false
    /// jsPsych/JATOS: the trial field naming the participant (required when several candidates differ).
    public var participantField: String?
    /// jsPsych/JATOS: the trial field holding the item's key (default `item`).
    public var itemField: String?
    /// jsPsych/JATOS: the trial field holding the answer (default `response`).
    public var valueField: String?
    /// How a file from someone else's template maps to answers (`--mapping FILE`): `mturk`, `jspsych`, `jatos`.
    public var mapping: ImportMapping?
    /// The largest record (CSV row, JSON line or array element) read, in bytes.
    public var maxRecordBytes = ImportOptions.defaultMaxRecordBytes

    /// 1 MiB: far above any real record, far below what would exhaust memory.
    public static let defaultMaxRecordBytes = 1 << 20

    public init(
        format: ImportFormat, rejectsFile: URL? = nil, keepRawIDs: Bool = false, payloads: URL? = nil,
        allowMissingPayloads: Bool = false, participantField: String? = nil, itemField: String? = nil,
        valueField: String? = nil
    ) {
        self.format = format
        self.rejectsFile = rejectsFile
        self.keepRawIDs = keepRawIDs
        self.payloads = payloads
        self.allowMissingPayloads = allowMissingPayloads
        self.participantField = participantField
        self.itemField = itemField
        self.valueField = valueField
    }
}

/// A record that cannot be imported, with why.
struct RowError: Error {
    var line: Int
    var reason: String
    var fields: [String]
}

/// Imports annotator responses into the label store: streaming, one transaction per file,
/// idempotent per (assignment, item): importing a file again, or a corrected rejected record,
/// adds exactly the answers the store does not hold yet.
public struct Importer {
    public let study: Study
    public let store: LabelStore

    public init(study: Study, store: LabelStore) {
        self.study = study
        self.store = store
    }

    /// Imports `url`.
    /// - Throws: `ExplicableError` `FILE:LINE: reason` for the first bad record (and the store is
    ///   unchanged), unless `options.rejectsFile` is set; for a file that yields no answer at all.
    public func run(_ url: URL, options: ImportOptions, now: Date = Date()) throws(ExplicableError) -> ImportReport {
        try Self.checkReadable(url, format: options.format)
        if options.format == .prolific {
            guard let payloads = options.payloads else {
                throw ExplicableError(.invalidArgument, "--format prolific needs --payloads FILE (the pages' JSON payloads)")
            }
            try Self.checkReadable(payloads, format: .payload)
        }
        let archive = options.format == .jatos ? try Self.jatosArchiveKind(url) : nil
        var sha = archive == true ? try Self.folderDigest(url) : try SHA256Digest.hex(ofFile: url)
        // A Prolific import is the export joined with its payloads: the pair is what was imported.
        if options.format == .prolific, let payloads = options.payloads {
            sha = SHA256Digest.hex(of: Data((sha + (try SHA256Digest.hex(ofFile: payloads))).utf8))
        }
        let (report, rejected, rejectHeader) = try store.importAnswers(studyId: study.id, fileName: url.lastPathComponent,
            sha256: sha, format: options.format.rawValue, importedAt: now)
        { session in
            var sink = ResponseSink(study: study, session: session, file: url.path, options: options)
            switch options.format {
            case .long: try LongCSVFormat.read(url, into: &sink)
            case .cifar10hRaw: try CIFAR10HRawFormat.read(url, into: &sink)
            case .payload: try PayloadFormat.read(url, into: &sink)
            case .mturk:
                if let mapping = options.mapping {
                    try MappedMTurkFormat.read(url, mapping: mapping, into: &sink)
                } else {
                    try MTurkFormat.read(url, into: &sink)
                }
            case .counts: try CountsFormat.read(url, into: &sink)
            case .jspsych: try JsPsychFormat.read(url, into: &sink)
            case .jatos:
                if archive == true {
                    try JATOSArchiveFormat.read(url, into: &sink)
                } else {
                    try JATOSFormat.read(url, into: &sink)
                }
            case .prolific: try ProlificFormat.read(url, payloads: options.payloads!, into: &sink)
            }
            try sink.finish()
            var report = sink.report(file: url.path, format: options.format)
            let added = report.responsesAdded + report.countsAdded > 0
            report.alreadyImported = !added && session.fileSeenBefore
            return ((report, sink.rejected, sink.header), added)
        }
        if let rejectsFile = options.rejectsFile {
            // The rejected records as they were, after their line and reason, so they can be fixed and re-imported.
            let columns: [String] = ["line", "reason"] + (rejectHeader.isEmpty ? ["content"] : rejectHeader)
            var text = columns.map(csvField).joined(separator: ",") + "\n"
            for row in rejected {
                let cells: [String] = [String(row.line), row.reason] + row.fields
                text += cells.map(csvField).joined(separator: ",") + "\n"
            }
            do { try Data(text.utf8).write(to: rejectsFile, options: .atomic) } catch {
                throw ExplicableError(.io, "cannot write rejected rows: \(error.localizedDescription)", file: rejectsFile.path)
            }
        }
        return report
    }

    /// For `--format jatos`: `true` for a results folder, `false` for a zip archive, `nil` for a result file.
    static func jatosArchiveKind(_ url: URL) throws(ExplicableError) -> Bool? {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        if isFolder.boolValue { return true }
        return try isZip(url) ? false : nil
    }

    static func isZip(_ url: URL) throws(ExplicableError) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw ExplicableError(.io, "cannot read file", file: url.path) }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) || magic.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// A folder's fingerprint: SHA-256 over its files' relative paths and SHA-256s, in path order.
    static func folderDigest(_ url: URL) throws(ExplicableError) -> String {
        let root = url.standardizedFileURL.path
        var lines: [String] = []
        if let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker
            where (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                lines.append(String(file.standardizedFileURL.path.dropFirst(root.count + 1)) + " " + (try SHA256Digest.hex(ofFile: file)))
            }
        }
        return SHA256Digest.hex(of: Data(lines.sorted().joined(separator: "\n").utf8))
    }

    /// Refuses what no text importer can read, saying what it is: a folder, a zip archive, a missing file.
    static func checkReadable(_ url: URL, format: ImportFormat) throws(ExplicableError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ExplicableError(.io, "no such file", file: url.path)
        }
        if format == .jatos, isFolder.boolValue { return }  // an unpacked results archive
        if isFolder.boolValue {
            throw ExplicableError.badInput(
                "is a folder, not a file: --format \(format.rawValue) reads one file (a JATOS results folder: "
                    + "--format jatos)", file: url.path)
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw ExplicableError(.io, "cannot read file", file: url.path) }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        if format != .counts, magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) || magic.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            throw ExplicableError.badInput(format == .jatos
                ? "is a zip archive (a JATOS results archive?): unpack it (unzip FILE -d FOLDER) and import the folder "
                    + "with --format jatos"
                : "is a zip archive, not a \(format.rawValue) file: unzip it and import the files inside (a JATOS results "
                    + "archive: unpack it and import the folder with --format jatos)", file: url.path)
        }
    }
}

/// An answer checked against the study, waiting for its submission to be complete.
struct PendingAnswer {
    var item: Int
    var value: Double?
    var cannotTell: Bool
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

/// Validates answers against the study and writes them, inside the import's transaction.
///
/// Two ways in: records that each hold one answer (`long`, `cifar10h-raw`) are written as they
/// come (``addResponse(submission:item:value:cannotTell:reactionMs:position:line:fields:)``); records that
/// hold many go through a ``PendingSubmission`` (``group(platform:annotator:assignmentID:)``,
/// ``answer(_:itemKey:value:cannotTell:reactionMs:position:line:)``), so that a bad answer rejects
/// its whole submission and nothing of it is stored.
struct ResponseSink {
    let study: Study
    let session: ImportSession
    /// The file messages name (inside an archive: the archive's path and the entry's).
    var file: String
    let options: ImportOptions
    let keepRawIDs: Bool
    let collectRejects: Bool
    let itemIds: [String: Int64]
    /// Index into `study.items` per item key.
    let items: [String: Int]

    var rowsRead = 0
    var rowsAccepted = 0
    var rejected: [RowError] = []
    /// The input's column names, for the rejected-rows file (empty for non-CSV formats).
    var header: [String] = []
    /// Field names the input used (JSON formats), for the message when nothing maps to an item.
    var fieldsSeen: [String] = []
    private var fieldsSeenSet: Set<String> = []
    /// Answers found in the file, stored or not.
    var answersSeen = 0
    /// Records that named an item (jsPsych trials), answered or not.
    var itemRecords = 0
    var responsesAdded = 0
    var countsAdded = 0
    var answersAlreadyStored = 0
    var emptySubmissions = 0
    var emptyCellsSkipped = 0
    var rowsWithoutPayload: [String] = []
    var submissionsAdded = 0
    var submissionsExtended = 0
    var submissionsAlreadyPresent = 0

    /// Direct submissions by assignment id.
    private var direct: [String: Int64] = [:]
    private var directInfo: [Int64: DirectInfo] = [:]
    private struct DirectInfo {
        var isExisting: Bool
        var gotAnswers = false
        /// The person's annotator ids when they have other submissions in the study (answers checked for repeats).
        var otherAnnotatorIds: [Int64]
    }
    /// Pending submissions by assignment id, in order of first sight.
    private(set) var pending: [PendingSubmission] = []
    private var pendingIndex: [String: Int] = [:]
    /// The latest time (seconds into the session) each direct submission was seen active.
    private var lastActivity: [Int64: Double] = [:]

    init(study: Study, session: ImportSession, file: String, options: ImportOptions) {
        self.study = study
        self.session = session
        self.file = file
        self.options = options
        keepRawIDs = options.keepRawIDs
        collectRejects = options.rejectsFile != nil
        items = Dictionary(uniqueKeysWithValues: study.items.enumerated().map { ($1.key, $0) })
        itemIds = Dictionary(uniqueKeysWithValues: study.items.map { ($0.key, $0.id!) })
    }

    func report(file: String, format: ImportFormat) -> ImportReport {
        var r = ImportReport(file: file, format: format)
        r.rowsRead = rowsRead
        r.rowsAccepted = rowsAccepted
        r.rowsRejected = rejected.count
        r.submissionsAdded = submissionsAdded
        r.submissionsExtended = submissionsExtended
        r.submissionsAlreadyPresent = submissionsAlreadyPresent
        r.responsesAdded = responsesAdded
        r.answersAlreadyStored = answersAlreadyStored
        r.countsAdded = countsAdded
        r.emptySubmissions = emptySubmissions
        r.emptyCellsSkipped = emptyCellsSkipped
        r.rowsWithoutPayload = rowsWithoutPayload
        return r
    }

    /// Notes the field names of a JSON record (the first 40 distinct), for messages.
    mutating func noteFields(_ names: some Sequence<String>) {
        guard fieldsSeen.count < 40 else { return }
        for name in names where fieldsSeenSet.insert(name).inserted {
            fieldsSeen.append(name)
            if fieldsSeen.count >= 40 { break }
        }
    }

    /// Handles a bad record that belongs to no submission: collect it, or stop the import.
    mutating func reject(_ error: RowError) throws(ExplicableError) {
        guard collectRejects else { throw ExplicableError.badInput(error.reason, file: file, line: error.line) }
        rejected.append(error)
    }

    /// The trial field naming the item (jsPsych, JATOS): the option, the mapping's, else `item`.
    var itemField: String { options.itemField ?? options.mapping?.item ?? "item" }
    /// The trial field holding the answer: the option, the mapping's, else `response`.
    var valueField: String { options.valueField ?? options.mapping?.value ?? "response" }
    /// The trial field naming the participant, when the option or the mapping says.
    var participantField: String? { options.participantField ?? options.mapping?.participant }

    /// Every platform an import files people under: one person's id hashed for each, to find them across routes.
    static let platforms = ["mturk", "prolific", "jspsych", "jatos", "self-hosted", "long", "cifar10h"]

    /// The ids of the annotators stored for this raw id on any platform.
    func annotatorIds(rawID: String) throws -> [Int64] {
        try session.annotatorIDs(idHashes: Self.platforms.map {
            SHA256Digest.annotatorHash(salt: session.salt, platform: $0, rawID: rawID)
        })
    }

    // MARK: Records with one answer each

    /// The submission for `assignmentID`: the stored one when an earlier import made it (its new
    /// answers are added), else a new one. Submissions left without answers are removed at the end.
    mutating func submission(
        platform: String, annotator rawID: String, assignmentID: String, status: String? = nil,
        startedAt: Date? = nil, submittedAt: Date? = nil, workSeconds: Double? = nil
    ) throws -> Int64 {
        if let id = direct[assignmentID] { return id }
        let others = try annotatorIds(rawID: rawID)
        let id: Int64
        let isExisting: Bool
        if let existing = try session.existingSubmission(assignmentID: assignmentID) {
            id = existing.id
            isExisting = true
            if status != nil || workSeconds != nil {
                try session.updateSubmission(id: id, workSeconds: workSeconds, platformStatus: status)
            }
        } else {
            let hash = SHA256Digest.annotatorHash(salt: session.salt, platform: platform, rawID: rawID)
            let annotatorId = try session.annotatorID(platform: platform, idHash: hash, rawID: keepRawIDs ? rawID : nil)
            id = try session.insertSubmission(annotatorId: annotatorId, assignmentID: assignmentID, platformStatus: status,
                startedAt: startedAt, submittedAt: submittedAt, workSeconds: workSeconds)
            isExisting = false
        }
        direct[assignmentID] = id
        directInfo[id] = DirectInfo(isExisting: isExisting, otherAnnotatorIds: others)
        return id
    }

    /// Checks an answer to `study.items[item]` and returns the value to store.
    func check(item: Int, value: Double?, cannotTell: Bool, reactionMs: Double? = nil, line: Int,
        fields: @autoclosure () -> [String]) -> Result<Double?, RowError>
    {
        let key = study.items[item].key
        switch study.check(value: value, cannotTell: cannotTell, reactionMs: reactionMs, for: study.items[item]) {
        case .success(let stored): return .success(stored)
        case .failure(let problem):
            let reason: String
            switch problem {
            case .reactionTime(let ms): reason = "reaction time \(ms) ms for item '\(key)' is not 0…86400000 ms"
            case .cannotTellNotAllowed: reason = "'cannot tell' is not allowed for item '\(key)'"
            case .missingValue: reason = "missing value for item '\(key)'"
            case .notAClass(let v, let count): reason = "value \(v) is not a class index 0…\(count - 1)"
            case .offScale(let v, let accepted):
                reason = "value \(v) is off the scale (\(accepted.sorted().map { String(Int($0)) }.joined(separator: ", ")))"
            }
            return .failure(RowError(line: line, reason: reason, fields: fields()))
        }
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
    /// submission, or an answer the person already gave in another submission, is a bad row.
    mutating func addResponse(
        submission: Int64, item: Int, value: Double?, cannotTell: Bool, reactionMs: Double?, position: Int?,
        line: Int, fields: @autoclosure () -> [String]
    ) throws {
        answersSeen += 1
        switch check(item: item, value: value, cannotTell: cannotTell, reactionMs: reactionMs, line: line, fields: fields()) {
        case .failure(let error):
            try reject(error)
        case .success(let stored):
            let itemId = study.items[item].id!
            let info = directInfo[submission]!
            if !info.otherAnnotatorIds.isEmpty, let other = try session.otherAnswer(annotatorIds: info.otherAnnotatorIds,
                itemId: itemId, excludingSubmission: submission)
            {
                try reject(RowError(line: line, reason: repeatReason(item: item, otherAssignment: other), fields: fields()))
                return
            }
            if try session.insertResponse(submissionId: submission, itemId: itemId, value: stored,
                cannotTell: cannotTell, reactionMs: reactionMs, position: position)
            {
                responsesAdded += 1
                rowsAccepted += 1
                if !info.gotAnswers { directInfo[submission]!.gotAnswers = true }
            } else if info.isExisting, let old = try session.storedAnswer(submissionId: submission, itemId: itemId) {
                if old.value == stored && old.cannotTell == cannotTell {
                    answersAlreadyStored += 1
                    rowsAccepted += 1
                } else {
                    try reject(RowError(line: line, reason: differsReason(item: item, old: old), fields: fields()))
                }
            } else {
                try reject(RowError(line: line,
                    reason: "a second answer to item '\(study.items[item].key)' in the same submission",
                    fields: fields()))
            }
        }
    }

    func repeatReason(item: Int, otherAssignment: String) -> String {
        "the same participant already answered item '\(study.items[item].key)' in assignment '\(otherAssignment)' "
            + "(the same answers imported twice, by another route?)"
    }

    func differsReason(item: Int, old: (value: Double?, cannotTell: Bool)) -> String {
        let stored = old.cannotTell ? "cannot tell" : old.value.map { "\($0)" } ?? "none"
        return "answer to item '\(study.items[item].key)' differs from the one already stored for this assignment (\(stored))"
    }

    /// Notes that `submission` was active `seconds` into its session, for formats that give only
    /// per-trial times.
    mutating func noteActivity(submission: Int64, seconds: Double) {
        guard seconds.isFinite else { return }
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

    // MARK: Records with many answers

    /// The pending submission for `assignmentID` (made on first sight in this file), as an index into ``pending``.
    mutating func group(
        platform: String, annotator: String, assignmentID: String, status: String? = nil, startedAt: Date? = nil,
        submittedAt: Date? = nil, workSeconds: Double? = nil, feedback: String? = nil, rejectedOnPlatform: Bool = false
    ) -> Int {
        if let index = pendingIndex[assignmentID] { return index }
        pending.append(PendingSubmission(platform: platform, annotator: annotator, assignmentID: assignmentID,
            status: status, startedAt: startedAt, submittedAt: submittedAt, workSeconds: workSeconds, feedback: feedback,
            rejectedOnPlatform: rejectedOnPlatform))
        pendingIndex[assignmentID] = pending.count - 1
        return pending.count - 1
    }

    /// Ties a record (its line and, when rejects are collected, its original content) to a pending submission.
    mutating func attach(_ g: Int, line: Int, fields: @autoclosure () -> [String]) {
        guard pending[g].recordLines.insert(line).inserted else { return }
        pending[g].recordCount += 1
        if collectRejects { pending[g].records.append(RowError(line: line, reason: "", fields: fields())) }
    }

    /// Marks a pending submission bad: without a rejects file the import stops here.
    mutating func fail(_ g: Int, _ error: RowError) throws(ExplicableError) {
        guard collectRejects else { throw ExplicableError.badInput(error.reason, file: file, line: error.line) }
        if pending[g].error == nil { pending[g].error = error }
    }

    /// Adds an answer to a pending submission, checked now; an unknown item, a value off the
    /// scale or a second answer to an item marks the whole submission bad.
    mutating func answer(
        _ g: Int, itemKey: String, value: Double?, cannotTell: Bool, reactionMs: Double?, position: Int?, line: Int
    ) throws {
        answersSeen += 1
        guard let item = items[itemKey] else {
            try fail(g, RowError(line: line,
                reason: "answer for item '\(itemKey)', which study '\(study.spec.name)' does not have", fields: []))
            return
        }
        switch check(item: item, value: value, cannotTell: cannotTell, reactionMs: reactionMs, line: line, fields: []) {
        case .failure(let error):
            try fail(g, error)
        case .success(let stored):
            guard pending[g].answered.insert(item).inserted else {
                try fail(g, RowError(line: line,
                    reason: "a second answer to item '\(study.items[item].key)' in the same submission", fields: []))
                return
            }
            pending[g].answers.append(PendingAnswer(item: item, value: stored, cannotTell: cannotTell,
                reactionMs: reactionMs, position: position, line: line))
        }
    }

    /// Notes that a pending submission was active `seconds` into its session.
    mutating func noteActivity(_ g: Int, seconds: Double) {
        guard seconds.isFinite else { return }
        pending[g].lastActivity = max(pending[g].lastActivity ?? 0, seconds)
    }

    /// Stores a pending submission whole, or rejects it whole when one of its answers conflicts
    /// with the store (differs from the stored answer, or repeats the person's answer in another submission).
    private mutating func store(_ p: PendingSubmission) throws {
        if let error = p.error {
            rejectRecords(of: p, reason: error.reason, at: error.line)
            return
        }
        guard !p.answers.isEmpty else {
            emptySubmissions += 1
            rowsAccepted += p.recordCount
            return
        }
        let existing = try session.existingSubmission(assignmentID: p.assignmentID)
        let others = try annotatorIds(rawID: p.annotator)
        var fresh: [PendingAnswer] = []
        var already = 0
        for answer in p.answers {
            let itemId = study.items[answer.item].id!
            if let existing, let old = try session.storedAnswer(submissionId: existing.id, itemId: itemId) {
                if old.value == answer.value && old.cannotTell == answer.cannotTell {
                    already += 1
                    continue
                }
                try conflict(p, RowError(line: answer.line, reason: differsReason(item: answer.item, old: old), fields: []))
                return
            }
            if let other = try session.otherAnswer(annotatorIds: others, itemId: itemId, excludingSubmission: existing?.id) {
                try conflict(p, RowError(line: answer.line, reason: repeatReason(item: answer.item, otherAssignment: other),
                    fields: []))
                return
            }
            fresh.append(answer)
        }
        answersAlreadyStored += already
        rowsAccepted += p.recordCount
        if fresh.isEmpty {
            submissionsAlreadyPresent += 1
            return
        }
        let id: Int64
        if let existing {
            id = existing.id
            submissionsExtended += 1
        } else {
            let hash = SHA256Digest.annotatorHash(salt: session.salt, platform: p.platform, rawID: p.annotator)
            let annotatorId = try session.annotatorID(platform: p.platform, idHash: hash,
                rawID: keepRawIDs ? p.annotator : nil)
            id = try session.insertSubmission(annotatorId: annotatorId, assignmentID: p.assignmentID,
                platformStatus: p.status, startedAt: p.startedAt, submittedAt: p.submittedAt,
                workSeconds: p.workSeconds ?? p.lastActivity, platformFeedback: p.feedback)
            if p.rejectedOnPlatform {
                try session.updateSubmission(id: id, rejectedReason: "rejected on \(p.platform == "mturk" ? "MTurk" : p.platform)")
            }
            submissionsAdded += 1
        }
        for answer in fresh {
            guard try session.insertResponse(submissionId: id, itemId: study.items[answer.item].id!, value: answer.value,
                cannotTell: answer.cannotTell, reactionMs: answer.reactionMs, position: answer.position)
            else { preconditionFailure("an answer checked against the store was refused") }
            responsesAdded += 1
        }
    }

    private mutating func conflict(_ p: PendingSubmission, _ error: RowError) throws(ExplicableError) {
        guard collectRejects else { throw ExplicableError.badInput(error.reason, file: file, line: error.line) }
        rejectRecords(of: p, reason: error.reason, at: error.line)
    }

    private mutating func rejectRecords(of p: PendingSubmission, reason: String, at line: Int) {
        for record in p.records {
            let why = record.line == line || p.records.count == 1 ? reason : "line \(line) of the same submission: \(reason)"
            rejected.append(RowError(line: record.line, reason: why, fields: record.fields))
        }
    }

    /// Called after the whole file: stores the pending submissions, fills in work time where a
    /// format only gives per-trial times, removes submissions left without answers, and refuses
    /// a file that held records but no answer.
    mutating func finish() throws {
        for p in pending { try store(p) }
        pending.removeAll()
        flushActivity()
        for (submission, seconds) in lastActivity {
            try session.setWorkSecondsIfMissing(id: submission, seconds: seconds)
        }
        for info in directInfo.values {
            if info.isExisting {
                if info.gotAnswers { submissionsExtended += 1 } else { submissionsAlreadyPresent += 1 }
            } else if info.gotAnswers {
                submissionsAdded += 1
            }
        }
        _ = try session.deleteEmptySubmissions()
        if answersSeen == 0, countsAdded == 0, rejected.isEmpty, rowsRead > 0 {
            throw ExplicableError.badInput(noAnswersMessage(), file: file)
        }
        session.rowsRead = rowsRead
        session.rowsAccepted = rowsAccepted
        session.rowsRejected = rejected.count
    }

    /// Why a file with records gave no answer, naming the fields it saw and how to map them.
    func noAnswersMessage() -> String {
        let seen = (header.isEmpty ? fieldsSeen : header)
        let list = seen.prefix(20).joined(separator: ", ") + (seen.count > 20 ? ", …" : "")
        let noun = rowsRead == 1 ? "record" : "records"
        switch options.format {
        case .jspsych where itemRecords > 0, .jatos where itemRecords > 0:
            return "\(itemRecords) trial\(itemRecords == 1 ? " names an item" : "s name items") but none has an answer in "
                + "'\(valueField)' (fields seen: \(list)); say which field holds the answer with --value-field FIELD"
        case .jspsych, .jatos:
            return "\(rowsRead) \(noun) but no answer: no trial has a '\(itemField)' field naming one of the study's items "
                + "(fields seen: \(list)); say which field holds the item key with --item-field FIELD and which holds "
                + "the answer with --value-field FIELD"
        default:
            return "\(rowsRead) \(noun) but no answer (fields seen: \(list))"
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
