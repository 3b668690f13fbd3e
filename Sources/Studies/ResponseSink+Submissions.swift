import ExplicableCore
import Foundation
import LabelStore

/// Records with many answers: a ``PendingSubmission`` per assignment, stored or rejected whole.
extension ResponseSink {
    /// The pending submission for `assignmentID` (made on first sight in this file), as an index into ``pending``.
    mutating func group(
        platform: String, annotator: String, assignmentID: String, status: String? = nil, startedAt: Date? = nil,
        submittedAt: Date? = nil, workSeconds: Double? = nil, feedback: String? = nil, rejectedOnPlatform: Bool = false
    ) -> Int {
        if let index = pendingIndex[assignmentID] { return index }
        pending.append(
            PendingSubmission(
                platform: platform, annotator: annotator, assignmentID: assignmentID,
                status: status, startedAt: startedAt, submittedAt: submittedAt, workSeconds: workSeconds,
                feedback: feedback,
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
        _ g: Int, itemKey: String, value: Double?, text: String? = nil, choices: [String]? = nil, cannotTell: Bool,
        notApplicable: Bool = false, reactionMs: Double?, position: Int?, line: Int
    ) throws {
        answersSeen += 1
        guard let item = items[itemKey] else {
            try fail(
                g,
                RowError(
                    line: line,
                    reason: "answer for item '\(itemKey)', which study '\(study.spec.name)' does not have", fields: []))
            return
        }
        switch check(
            item: item, value: value, text: text, choices: choices, cannotTell: cannotTell,
            notApplicable: notApplicable,
            reactionMs: reactionMs, line: line, fields: [])
        {
        case .failure(let error):
            try fail(g, error)
        case .success(let stored):
            let text =
                choices.map { StudySpec.choicesText($0, options: study.choiceOptions(of: study.items[item])!) } ?? text
            let showing = pending[g].answered[item, default: 0] + 1
            guard showing <= study.maxShowings(of: study.items[item]) else {
                try fail(
                    g, RowError(line: line, reason: repeatedAnswerReason(item: item, showing: showing), fields: []))
                return
            }
            pending[g].answered[item] = showing
            pending[g].answers.append(
                PendingAnswer(
                    item: item, showing: showing, value: stored, text: text, cannotTell: cannotTell,
                    notApplicable: notApplicable, reactionMs: reactionMs, position: position, line: line))
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
            if let existing,
                let old = try session.storedAnswerKind(
                    submissionId: existing.id, itemId: itemId, showing: answer.showing)
            {
                if old == answer.stored {
                    already += 1
                    continue
                }
                try conflict(
                    p,
                    RowError(
                        line: answer.line, reason: differsReason(item: answer.item, old: old, showing: answer.showing),
                        fields: []))
                return
            }
            if answer.showing == 1,
                let other = try session.otherAnswer(
                    annotatorIds: others, itemId: itemId, excludingSubmission: existing?.id)
            {
                try conflict(
                    p,
                    RowError(
                        line: answer.line, reason: repeatReason(item: answer.item, otherAssignment: other),
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
            let annotatorId = try session.annotatorID(
                platform: p.platform, idHash: hash,
                rawID: keepRawIDs ? p.annotator : nil)
            id = try session.insertSubmission(
                annotatorId: annotatorId, assignmentID: p.assignmentID,
                platformStatus: p.status, startedAt: p.startedAt, submittedAt: p.submittedAt,
                workSeconds: p.workSeconds ?? p.lastActivity, platformFeedback: p.feedback)
            if p.rejectedOnPlatform {
                try session.updateSubmission(
                    id: id, rejectedReason: "rejected on \(p.platform == "mturk" ? "MTurk" : p.platform)")
            }
            submissionsAdded += 1
        }
        for answer in fresh {
            guard
                try session.insertResponse(
                    submissionId: id, itemId: study.items[answer.item].id!, showing: answer.showing,
                    value: answer.value, cannotTell: answer.cannotTell, notApplicable: answer.notApplicable,
                    text: answer.text, reactionMs: answer.reactionMs, position: answer.position)
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
            let why =
                record.line == line || p.records.count == 1 ? reason : "line \(line) of the same submission: \(reason)"
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
}
