import ExplicableCore
import Foundation
import LabelStore

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
    /// Where the first skipped empty cells were: `line N: COLUMN`.
    var emptyCellsSkippedAt: [String] = []
    var rowsWithoutPayload: [String] = []
    var submissionsAdded = 0
    var submissionsExtended = 0
    var submissionsAlreadyPresent = 0

    /// Direct submissions by assignment id.
    private var direct: [String: Int64] = [:]
    /// Answers so far per (direct submission, item) in this file, for submissions stored before it
    /// (whose stored answers may come from an earlier import).
    var directShowings: [DirectAnswerKey: Int] = [:]
    /// Answers so far per item in this file for the submission of the latest rows, when the import
    /// made it: files hold each assignment's rows together, so this stays small (a whole
    /// 10-million-row file in one dictionary took 740 MB). `fromStore`: the submission's rows came
    /// back after another's, so items not in `showings` take their count from the store, which holds
    /// only this file's answers of a submission this import made.
    var currentRun: (submission: Int64, showings: [Int: Int], fromStore: Bool)?
    /// Submissions this import made whose rows have been followed by another submission's.
    var endedRuns: Set<Int64> = []
    var directInfo: [Int64: DirectInfo] = [:]
    struct DirectInfo {
        var isExisting: Bool
        var gotAnswers = false
        /// The person's annotator ids when they have other submissions in the study (answers checked for repeats).
        var otherAnnotatorIds: [Int64]
    }
    /// Pending submissions by assignment id, in order of first sight.
    var pending: [PendingSubmission] = []
    var pendingIndex: [String: Int] = [:]
    /// The latest time (seconds into the session) each direct submission was seen active.
    var lastActivity: [Int64: Double] = [:]

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
        r.emptyCellsSkippedAt = emptyCellsSkippedAt
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

    /// Counts an empty answer cell (an item the worker was not shown) and notes the first ones' places.
    mutating func skipEmptyCell(line: Int, source: String) {
        emptyCellsSkipped += 1
        if emptyCellsSkippedAt.count < ImportReport.emptyCellsListed {
            emptyCellsSkippedAt.append("line \(line): \(source)")
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
        try session.annotatorIDs(
            idHashes: Self.platforms.map {
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
            id = try session.insertSubmission(
                annotatorId: annotatorId, assignmentID: assignmentID, platformStatus: status,
                startedAt: startedAt, submittedAt: submittedAt, workSeconds: workSeconds)
            isExisting = false
        }
        direct[assignmentID] = id
        directInfo[id] = DirectInfo(isExisting: isExisting, otherAnnotatorIds: others)
        return id
    }

    /// Checks an answer to `study.items[item]` and returns the value to store.
    func check(
        item: Int, value: Double?, text: String? = nil, choices: [String]? = nil, cannotTell: Bool,
        notApplicable: Bool = false, reactionMs: Double? = nil, line: Int, fields: @autoclosure () -> [String]
    ) -> Result<Double?, RowError> {
        let key = study.items[item].key
        switch study.check(
            value: value, text: text, choices: choices, cannotTell: cannotTell, notApplicable: notApplicable,
            reactionMs: reactionMs, for: study.items[item])
        {
        case .success(let stored): return .success(stored)
        case .failure(let problem):
            let reason: String
            switch problem {
            case .reactionTime(let ms): reason = "reaction time \(ms) ms for item '\(key)' is not 0…86400000 ms"
            case .cannotTellNotAllowed: reason = "'cannot tell' is not allowed for item '\(key)'"
            case .notApplicableNotAllowed: reason = "'not applicable' is not allowed for item '\(key)'"
            case .conflictingAnswer:
                reason = "'not applicable' for item '\(key)' together with a value or 'cannot tell'"
            case .missingValue: reason = "missing value for item '\(key)'"
            case .textExpected: reason = "item '\(key)' is a free-text attention check: its answer is text"
            case .textNotAccepted: reason = "text answer for item '\(key)', which takes a value, not text"
            case .choicesExpected:
                reason = "item '\(key)' is a multi-select attention check: its answer is the options ticked"
            case .choicesNotAccepted(let chosen):
                reason =
                    "\(chosen.count) options chosen (\(chosen.joined(separator: ", "))) for item '\(key)': a multi-select "
                    + "answer, but this item takes one value"
            case .unknownChoice(let option, let options):
                reason = "option '\(option)' is not one of item '\(key)''s (\(options.joined(separator: ", ")))"
            case .notAClass(let v, let count): reason = "value \(v) is not a class index 0…\(count - 1)"
            case .offContinuousScale(let v, let scale): reason = "value \(v) is off the scale (\(scale))"
            case .offScale(let v, let accepted):
                reason =
                    "value \(v) is off the scale (\(accepted.sorted().map { String(Int($0)) }.joined(separator: ", ")))"
            }
            return .failure(RowError(line: line, reason: reason, fields: fields()))
        }
    }

    /// Adds one answer to the item with key `itemKey`; an unknown item is a bad row.
    mutating func addResponse(
        submission: Int64, itemKey: String, value: Double?, text: String? = nil, choices: [String]? = nil,
        cannotTell: Bool, notApplicable: Bool = false, reactionMs: Double?, position: Int?, line: Int, fields: [String]
    ) throws {
        guard let item = items[itemKey] else {
            try reject(
                RowError(
                    line: line,
                    reason: "answer for item '\(itemKey)', which study '\(study.spec.name)' does not have",
                    fields: fields))
            return
        }
        try addResponse(
            submission: submission, item: item, value: value, text: text, choices: choices, cannotTell: cannotTell,
            notApplicable: notApplicable, reactionMs: reactionMs, position: position, line: line, fields: fields)
    }

    /// Adds one answer to `study.items[item]`; a second answer to the same item in the same
    /// submission (beyond the showings the spec's `repeats` allow), or an answer the person already
    /// gave in another submission, is a bad row. Repeats are numbered in the file's order.
    mutating func addResponse(
        submission: Int64, item: Int, value: Double?, text: String? = nil, choices: [String]? = nil, cannotTell: Bool,
        notApplicable: Bool = false, reactionMs: Double?, position: Int?, line: Int, fields: @autoclosure () -> [String]
    ) throws {
        answersSeen += 1
        switch check(
            item: item, value: value, text: text, choices: choices, cannotTell: cannotTell,
            notApplicable: notApplicable,
            reactionMs: reactionMs, line: line, fields: fields())
        {
        case .failure(let error):
            try reject(error)
        case .success(let stored):
            let text =
                choices.map { StudySpec.choicesText($0, options: study.choiceOptions(of: study.items[item])!) } ?? text
            let itemId = study.items[item].id!
            let info = directInfo[submission]!
            let showing = try showingsSoFar(submission: submission, item: item, itemId: itemId, info: info) + 1
            guard showing <= study.maxShowings(of: study.items[item]) else {
                try reject(
                    RowError(line: line, reason: repeatedAnswerReason(item: item, showing: showing), fields: fields()))
                return
            }
            if showing == 1, !info.otherAnnotatorIds.isEmpty,
                let other = try session.otherAnswer(
                    annotatorIds: info.otherAnnotatorIds,
                    itemId: itemId, excludingSubmission: submission)
            {
                try reject(
                    RowError(line: line, reason: repeatReason(item: item, otherAssignment: other), fields: fields()))
                return
            }
            let answer = StoredAnswerKind(
                value: stored, cannotTell: cannotTell, notApplicable: notApplicable, text: text)
            if try session.insertResponse(
                submissionId: submission, itemId: itemId, showing: showing, value: stored,
                cannotTell: cannotTell, notApplicable: notApplicable, text: text, reactionMs: reactionMs,
                position: position)
            {
                responsesAdded += 1
                rowsAccepted += 1
                if !info.gotAnswers { directInfo[submission]!.gotAnswers = true }
            } else if let old = try session.storedAnswerKind(submissionId: submission, itemId: itemId, showing: showing)
            {
                guard old == answer else {
                    try reject(
                        RowError(
                            line: line, reason: differsReason(item: item, old: old, showing: showing), fields: fields())
                    )
                    return
                }
                answersAlreadyStored += 1
                rowsAccepted += 1
            }
            if info.isExisting {
                directShowings[DirectAnswerKey(submission: submission, item: item)] = showing
            } else {
                currentRun!.showings[item] = showing
            }
        }
    }

    /// How many answers to `item` this file gave `submission` before this row (accepted ones).
    private mutating func showingsSoFar(submission: Int64, item: Int, itemId: Int64, info: DirectInfo) throws -> Int {
        if info.isExisting { return directShowings[DirectAnswerKey(submission: submission, item: item)] ?? 0 }
        if currentRun?.submission != submission {
            if let run = currentRun { endedRuns.insert(run.submission) }
            currentRun = (submission, [:], endedRuns.contains(submission))
        }
        if let known = currentRun!.showings[item] { return known }
        guard currentRun!.fromStore else { return 0 }
        let stored = try session.storedShowings(submissionId: submission, itemId: itemId)
        currentRun!.showings[item] = stored
        return stored
    }

    /// Answers so far to an item in a direct submission, for numbering repeats.
    struct DirectAnswerKey: Hashable {
        var submission: Int64
        var item: Int
    }

    /// Why answer number `showing` to an item in one submission is refused.
    func repeatedAnswerReason(item: Int, showing: Int) -> String {
        let key = study.items[item].key
        let allowed = study.maxShowings(of: study.items[item])
        if allowed == 1 {
            return "a second answer to item '\(key)' in the same submission"
                + (study.spec.allowsRepeats ? " (attention checks are not repeated)" : "")
        }
        return "answer \(showing) to item '\(key)' in the same submission: the spec's repeats show an item "
            + "at most \(allowed) times"
    }

    func repeatReason(item: Int, otherAssignment: String) -> String {
        "the same participant already answered item '\(study.items[item].key)' in assignment '\(otherAssignment)' "
            + "(the same answers imported twice, by another route?)"
    }

    func differsReason(item: Int, old: StoredAnswerKind, showing: Int = 1) -> String {
        let stored =
            old.cannotTell
            ? "cannot tell"
            : old.notApplicable ? "not applicable" : old.text.map { "'\($0)'" } ?? old.value.map { "\($0)" } ?? "none"
        let which = showing == 1 ? "" : " (showing \(showing))"
        return "answer to item '\(study.items[item].key)'\(which) differs from the one already stored for this "
            + "assignment (\(stored))"
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

    mutating func flushActivity() {
        if activeSubmission >= 0 { lastActivity[activeSubmission] = activeSeconds }
    }

    /// Why a file with records gave no answer, naming the fields it saw and how to map them.
    func noAnswersMessage() -> String {
        let seen = (header.isEmpty ? fieldsSeen : header)
        let list = seen.prefix(20).joined(separator: ", ") + (seen.count > 20 ? ", …" : "")
        let noun = rowsRead == 1 ? "record" : "records"
        switch options.format {
        case .jspsych where itemRecords > 0, .jatos where itemRecords > 0:
            return
                "\(itemRecords) trial\(itemRecords == 1 ? " names an item" : "s name items") but none has an answer in "
                + "'\(valueField)' (fields seen: \(list)); say which field holds the answer with --value-field FIELD"
        case .jspsych, .jatos:
            return
                "\(rowsRead) \(noun) but no answer: no trial has a '\(itemField)' field naming one of the study's items "
                + "(fields seen: \(list)); say which field holds the item key with --item-field FIELD and which holds "
                + "the answer with --value-field FIELD"
        default:
            return "\(rowsRead) \(noun) but no answer (fields seen: \(list))"
        }
    }

    /// Whether the item with `key` is a free-text attention check (its answer is read as text).
    func takesText(_ key: String) -> Bool {
        items[key].map { study.textPattern(of: study.items[$0]) != nil } ?? false
    }

    /// Whether the item with `key` is a multi-select attention check (its answer is the options ticked).
    func takesChoices(_ key: String) -> Bool {
        items[key].map { study.choiceOptions(of: study.items[$0]) != nil } ?? false
    }

    /// Ticked options written as text: `a;b` or a JSON array `["a","b"]`; nothing ticked is `[]` or empty.
    static func choices(_ text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any] {
            return array.compactMap { $0 as? String ?? ($0 as? NSNumber)?.stringValue }
        }
        return trimmed.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether an answer's text says "not applicable" (`not-applicable`, `not applicable`, `n/a`, any case).
    static func isNotApplicable(_ text: String) -> Bool {
        // Only text that starts with n, N, whitespace or a non-ASCII byte can be one of them.
        if let first = text.utf8.first, first < 0x80, first != 0x6E, first != 0x4E, first != 0x20, first != 0x09 {
            return false
        }
        return ["not-applicable", "not applicable", "n/a"].contains(
            text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// The class index of a label (exact, then case-insensitive), or of a decimal index.
    func classIndex(_ text: String) -> Int? {
        if let i = Int(text), study.classes.labels.indices.contains(i) { return i }
        if let i = study.classes.index(of: text) { return i }
        let lower = text.lowercased()
        return study.classes.labels.firstIndex { $0.lowercased() == lower }
    }
}
