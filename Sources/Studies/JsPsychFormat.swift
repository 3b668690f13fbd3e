import ExplicableCore
import Foundation
import LabelStore

/// jsPsych data: a JSON array of trial records (`jsPsych.data.get().json()`) or its CSV
/// (`.csv()`). A trial answers an item when it carries an item field (`item`, or
/// ``ImportOptions/itemField``) with the item's key (add it with the trial's `data` parameter);
/// other trials (instructions, fixation) are skipped.
///
/// The answer (`response`, or ``ImportOptions/valueField``) may be a number, a numeric string, an
/// object (survey plugins: its only value, or the value under the item's key) or missing (a
/// time-out: the trial is skipped). The participant is ``ImportOptions/participantField``, else
/// the one of `PROLIFIC_PID`, `prolific_pid`, `participant_id`, `subject`, `workerId`,
/// `worker_id` the trial has; when it has several with different values the import stops and
/// asks which (experiments use `subject` for other things). The assignment is
/// `SESSION_ID`/`session_id`, else one per participant. A participant's trials are one
/// submission, stored or rejected whole.
enum JsPsychFormat {
    static let participantFields = [
        "PROLIFIC_PID", "prolific_pid", "participant_id", "subject", "workerId", "worker_id",
    ]
    static let sessionFields = ["SESSION_ID", "session_id"]

    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        if try startsWithArray(url) {
            var elements = try JSONArrayReader(url: url)
            elements.maxElementBytes = sink.options.maxRecordBytes
            while let (bytes, line) = try elements.next() {
                guard let trial = try? JSONSerialization.jsonObject(with: bytes) else {
                    throw ExplicableError.badInput("a jsPsych trial that is not valid JSON", file: url.path, line: line)
                }
                try add(trials: [trial], line: line, fields: { [String(decoding: bytes, as: UTF8.self)] }, into: &sink)
            }
        } else {
            var table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes)
            sink.header = table.header
            sink.noteFields(table.header)
            while let (cells, line) = try table.next(into: &sink) {
                sink.rowsRead -= 1  // counted again by add(trials:)
                var trial: [String: Any] = [:]
                for (name, index) in table.columns { trial[name] = cells[index] }
                let valueField = sink.valueField
                if let text = trial[valueField] as? String, text.hasPrefix("{"),
                    let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
                {
                    trial[valueField] = object
                }
                try add(trials: [trial], line: line, fields: { cells }, into: &sink)
            }
        }
    }

    /// What the file around the trials says of them (a JATOS result's metadata): who, which
    /// assignment, the platform's status and times. Fields of the trials themselves win.
    struct Context {
        var participant: String?
        var assignment: String?
        var status: String?
        var startedAt: Date?
        var submittedAt: Date?
    }

    /// Adds jsPsych trial records (dictionaries); `line` locates them in the file for messages,
    /// `fields` gives the original record for the rejects file.
    static func add(
        trials: [Any], line: Int, fields: () -> [String], context: Context = Context(), into sink: inout ResponseSink
    ) throws {
        let itemField = sink.itemField
        let valueField = sink.valueField
        let mapping = sink.options.mapping
        for case let trial as [String: Any] in trials {
            sink.rowsRead += 1
            if sink.fieldsSeen.count < 40 { sink.noteFields(trial.keys.sorted()) }
            guard var key = string(trial[itemField]), !key.isEmpty else { continue }
            if let mapped = mapping?.items?[key] { key = mapped }
            sink.itemRecords += 1
            if let study = string(trial["study"]), study != sink.study.spec.name {
                try sink.reject(
                    RowError(
                        line: line,
                        reason:
                            "trial is for study '\(study)', not '\(sink.study.spec.name)' (a file of another study?)",
                        fields: fields()))
                continue
            }
            let participant: String
            if let field = sink.participantField {
                guard let value = string(trial[field]), !value.isEmpty else {
                    try sink.reject(
                        RowError(line: line, reason: "trial has no participant field '\(field)'", fields: fields()))
                    continue
                }
                participant = value
            } else {
                let present = participantFields.compactMap { name in
                    string(trial[name]).flatMap { $0.isEmpty ? nil : (name, $0) }
                }
                guard let first = present.first ?? context.participant.map({ ("", $0) }) else {
                    try sink.reject(
                        RowError(
                            line: line,
                            reason:
                                "trial names no participant (\(participantFields.joined(separator: ", ")); or say which "
                                + "field does with --participant-field FIELD)", fields: fields()))
                    continue
                }
                if present.contains(where: { $0.1 != first.1 }) {
                    // Not a bad row: the whole file would be read wrongly.
                    throw ExplicableError.badInput(
                        "trials carry several participant fields with different values (\(present.map(\.0).joined(separator: ", "))); "
                            + "say which one names the participant with --participant-field FIELD", file: sink.file,
                        line: line)
                }
                participant = first.1
            }
            let session = sessionFields.lazy.compactMap { string(trial[$0]) }.first { !$0.isEmpty }
            let platform = trial["PROLIFIC_PID"] != nil || trial["prolific_pid"] != nil ? "prolific" : "jspsych"
            let g = sink.group(
                platform: platform, annotator: participant,
                assignmentID: session ?? context.assignment ?? "jspsych:\(participant)", status: context.status,
                startedAt: context.startedAt, submittedAt: context.submittedAt,
                workSeconds: context.startedAt.flatMap { start in
                    context.submittedAt.map { $0.timeIntervalSince(start) }
                })
            sink.attach(g, line: line, fields: fields())
            if let elapsed = number(trial["time_elapsed"]) {
                sink.noteActivity(g, seconds: elapsed / 1000)
            }
            var response = trial[valueField]
            if let object = response as? [String: Any] {
                response = object[key] ?? (object.count == 1 ? object.first!.value : nil)
            }
            if sink.takesChoices(key) {
                // A multi-select check (survey-multi-select): an array of the options ticked.
                let choices: [String]
                if let array = response as? [Any] {
                    choices = array.compactMap(string)
                } else if let text = string(response) {
                    choices = ResponseSink.choices(text)
                } else {
                    continue  // time-out: no answer
                }
                try sink.answer(
                    g, itemKey: key, value: nil, choices: choices, cannotTell: false,
                    reactionMs: number(trial[mapping?.rt ?? "rt"]),
                    position: number(trial["trial_index"]).flatMap { Int(exactly: $0) }, line: line)
                continue
            }
            if sink.takesText(key) {
                // A free-text attention check: the response is the answer's text.
                guard let text = string(response) else { continue }  // time-out: no answer
                try sink.answer(
                    g, itemKey: key, value: nil, text: text, cannotTell: false,
                    reactionMs: number(trial[mapping?.rt ?? "rt"]),
                    position: number(trial["trial_index"]).flatMap { Int(exactly: $0) }, line: line)
                continue
            }
            let cannotTell =
                (response as? String).map { ["cannot-tell", "cannot tell"].contains($0.lowercased()) } ?? false
            let notApplicable = (response as? String).map(ResponseSink.isNotApplicable) ?? false
            var value = number(response)
            if value == nil, !cannotTell, !notApplicable, let text = string(response) {
                if let mapped = mapping?.number(text) {
                    value = mapped
                } else if sink.study.spec.design == .instanceLabel {
                    value = sink.classIndex(text).map(Double.init)
                }
            }
            guard value != nil || cannotTell || notApplicable else {
                if response == nil || response is NSNull || string(response) == "" { continue }  // time-out: no answer
                try sink.fail(
                    g,
                    RowError(
                        line: line, reason: "response '\(response!)' to item '\(key)' is not a value",
                        fields: []))
                continue
            }
            var rt: Double?
            if let raw = trial[mapping?.rt ?? "rt"], !(raw is NSNull), string(raw) != "" {
                guard let number = number(raw) else {
                    try sink.fail(
                        g, RowError(line: line, reason: "field 'rt' of item '\(key)' is not a number", fields: []))
                    continue
                }
                rt = number
            }
            let position = number(trial["trial_index"]).flatMap { Int(exactly: $0) }
            try sink.answer(
                g, itemKey: key, value: value, cannotTell: cannotTell, notApplicable: notApplicable,
                reactionMs: rt, position: position, line: line)
        }
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }

    static func number(_ value: Any?) -> Double? {
        switch value {
        case let n as NSNumber: n.doubleValue
        case let s as String: Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}

/// Whether a JSON file's first significant byte (after a byte-order mark and white space) is `[`.
func startsWithArray(_ url: URL) throws(ExplicableError) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else {
        throw ExplicableError(.io, "cannot read file", file: url.path)
    }
    defer { try? handle.close() }
    var offset = 0
    while true {
        let piece: Data
        do { piece = try handle.read(upToCount: 1 << 16) ?? Data() } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
        }
        if piece.isEmpty { return false }
        for (k, byte) in piece.enumerated() {
            if offset + k < 3, [0xEF, 0xBB, 0xBF][offset + k] == byte { continue }
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
            return byte == UInt8(ascii: "[")
        }
        offset += piece.count
    }
}
