import ExplicableCore
import Foundation
import LabelStore

/// jsPsych data: a JSON array of trial records (`jsPsych.data.get().json()`) or its CSV
/// (`.csv()`). A trial answers an item when it carries an `item` field with the item's key
/// (add it with the trial's `data` parameter); other trials (instructions, fixation) are skipped.
///
/// `response` may be a number, a numeric string, an object (survey plugins: its only value, or
/// the value under the item's key) or missing (a time-out: the trial is skipped). The participant
/// is the first of `PROLIFIC_PID`, `prolific_pid`, `participant_id`, `subject`, `workerId`,
/// `worker_id`; the assignment is `SESSION_ID`/`session_id`, else one per participant.
enum JsPsychFormat {
    static let participantFields = ["PROLIFIC_PID", "prolific_pid", "participant_id", "subject", "workerId", "worker_id"]
    static let sessionFields = ["SESSION_ID", "session_id"]

    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        if try startsWithArray(url) {
            var elements = try JSONArrayReader(url: url)
            while let (bytes, line) = try elements.next() {
                guard let trial = try? JSONSerialization.jsonObject(with: bytes) else {
                    throw ExplicableError.badInput("a jsPsych trial that is not valid JSON", file: url.path, line: line)
                }
                try add(trials: [trial], line: line, into: &sink)
            }
        } else {
            var table = try CSVTable(url)
            sink.header = table.header
            while let (cells, line) = try table.next() {
                var trial: [String: Any] = [:]
                for (name, index) in table.columns { trial[name] = cells[index] }
                if let text = trial["response"] as? String, text.hasPrefix("{"),
                    let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
                {
                    trial["response"] = object
                }
                try add(trials: [trial], line: line, fields: cells, into: &sink)
            }
        }
    }

    /// Adds jsPsych trial records (dictionaries); `line` locates them in the file for messages.
    static func add(trials: [Any], line: Int, fields: [String] = [], into sink: inout ResponseSink) throws {
        for case let trial as [String: Any] in trials {
            guard let key = string(trial["item"]), !key.isEmpty else { continue }
            sink.rowsRead += 1
            let rowFields = fields.isEmpty ? [key] : fields
            if let study = string(trial["study"]), study != sink.study.spec.name {
                try sink.reject(RowError(line: line,
                    reason: "trial is for study '\(study)', not '\(sink.study.spec.name)' (a file of another study?)", fields: rowFields))
                continue
            }
            guard let participant = participantFields.lazy.compactMap({ string(trial[$0]) }).first(where: { !$0.isEmpty }) else {
                try sink.reject(RowError(line: line,
                    reason: "trial names no participant (\(participantFields.joined(separator: ", ")))", fields: rowFields))
                continue
            }
            let session = sessionFields.lazy.compactMap { string(trial[$0]) }.first { !$0.isEmpty }
            let platform = trial["PROLIFIC_PID"] != nil || trial["prolific_pid"] != nil ? "prolific" : "jspsych"
            guard let submission = try sink.submission(platform: platform, annotator: participant,
                assignmentID: session ?? "jspsych:\(participant)")
            else { continue }
            if let elapsed = number(trial["time_elapsed"]) {
                sink.noteActivity(submission: submission, seconds: elapsed / 1000)
            }
            var response = trial["response"]
            if let object = response as? [String: Any] { response = object[key] ?? (object.count == 1 ? object.first!.value : nil) }
            let cannotTell = (response as? String).map { ["cannot-tell", "cannot tell"].contains($0.lowercased()) } ?? false
            var value = number(response)
            if value == nil, !cannotTell, let text = string(response), sink.study.spec.design == .instanceLabel {
                value = sink.classIndex(text).map(Double.init)
            }
            guard value != nil || cannotTell else {
                if response == nil || response is NSNull || string(response) == "" { continue }  // time-out: no answer
                try sink.reject(RowError(line: line, reason: "response '\(response!)' to item '\(key)' is not a value",
                    fields: rowFields))
                continue
            }
            try sink.addResponse(submission: submission, itemKey: key, value: value, cannotTell: cannotTell,
                reactionMs: number(trial["rt"]), position: number(trial["trial_index"]).map { Int($0) },
                line: line, fields: rowFields)
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

/// JATOS result files: one JSON document per line (one per component result), each a jsPsych
/// data array or one of explicable's page payloads.
enum JATOSFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var lines = try LineReader(url: url)
        while let content = try lines.next() {
            let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let line = lines.line
            guard let document = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) else {
                try sink.reject(RowError(line: line, reason: "not JSON", fields: [trimmed]))
                continue
            }
            if let trials = document as? [Any] {
                try JsPsychFormat.add(trials: trials, line: line, into: &sink)
            } else if let object = document as? [String: Any], object["responses"] != nil {
                sink.rowsRead += 1
                do {
                    let payload = try JSONDecoder().decode(Payload.self, from: Data(trimmed.utf8))
                    try payload.add(to: &sink, platform: "jatos", line: line, fields: [trimmed])
                } catch let error as DecodingError {
                    try sink.reject(RowError(line: line, reason: "not an explicable payload: \(PayloadFormat.describe(error))",
                        fields: [trimmed]))
                }
            } else {
                try sink.reject(RowError(line: line, reason: "neither jsPsych trials nor an explicable payload", fields: [trimmed]))
            }
        }
    }
}

/// A Prolific submissions export joined with the pages' payloads (`--payloads FILE`).
///
/// Rows are matched to payloads by `Submission id` = the payload's `SESSION_ID`, else by
/// `Participant id` = `PROLIFIC_PID`. The export's `Status` is kept (RETURNED, TIMED-OUT and
/// REJECTED submissions are rejected by quality control) and `Time taken` becomes the work time.
/// A row with a `CONSENT_REVOKED` placeholder is not imported: the participant withdrew.
enum ProlificFormat {
    static func read(_ url: URL, payloads: URL?, into sink: inout ResponseSink) throws {
        guard let payloads else {
            throw ExplicableError(.invalidArgument, "--format prolific needs --payloads FILE (the pages' JSON payloads)")
        }
        var table = try CSVTable(url)
        sink.header = table.header
        let participantColumn = ["Participant id", "participant_id", "Participant ID"].first { table.columns[$0] != nil }
        guard let participantColumn else { throw ExplicableError.badInput("missing column 'Participant id'", file: url.path, line: 1) }
        let submissionColumn = ["Submission id", "session_id", "Submission ID"].first { table.columns[$0] != nil }
        var byID: [String: (payload: Payload, line: Int)] = [:]
        for (payload, line) in try loadPayloads(payloads) {
            if let session = payload.session_id { byID["s:" + session] = (payload, line) }
            if let pid = payload.prolific_pid { byID["p:" + pid] = (payload, line) }
        }
        var used: Set<Int> = []
        while let (cells, line) = try table.next() {
            sink.rowsRead += 1
            let participant = table.cell(cells, participantColumn) ?? ""
            let submissionID = submissionColumn.flatMap { table.cell(cells, $0) } ?? ""
            if cells.contains("CONSENT_REVOKED") { continue }
            guard let match = byID["s:" + submissionID] ?? byID["p:" + participant] else { continue }
            guard used.insert(match.line).inserted else {
                try sink.reject(RowError(line: line, reason: "a second export row for the same payload", fields: cells))
                continue
            }
            let status = table.cell(cells, "Status")
            try match.payload.add(to: &sink, platform: "prolific",
                assignmentID: submissionID.isEmpty ? nil : submissionID, annotator: participant, status: status,
                line: line, fields: cells)
            if let id = sink.submissions[submissionID.isEmpty ? (match.payload.session_id ?? "") : submissionID],
                let seconds = table.cell(cells, "Time taken").flatMap(Double.init)
            {
                try sink.session.updateSubmission(id: id, workSeconds: seconds)
            }
        }
    }

    /// The payloads to join with the export, with the line each starts on: a JSON array or JSON lines.
    static func loadPayloads(_ url: URL) throws -> [(Payload, Int)] {
        let decoder = JSONDecoder()
        var result: [(Payload, Int)] = []
        if try startsWithArray(url) {
            var elements = try JSONArrayReader(url: url)
            while let (bytes, line) = try elements.next() {
                do { result.append((try decoder.decode(Payload.self, from: bytes), line)) } catch {
                    throw ExplicableError.badInput("not an explicable payload: \(PayloadFormat.describe(error))", file: url.path, line: line)
                }
            }
            return result
        }
        var lines = try LineReader(url: url)
        while let text = try lines.next() {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do { result.append((try decoder.decode(Payload.self, from: Data(trimmed.utf8)), lines.line)) } catch {
                throw ExplicableError.badInput("not an explicable payload: \(PayloadFormat.describe(error))", file: url.path,
                    line: lines.line)
            }
        }
        return result
    }
}

/// Whether a JSON file's first significant byte (after a byte-order mark and white space) is `[`.
func startsWithArray(_ url: URL) throws(ExplicableError) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else { throw ExplicableError(.io, "cannot read file", file: url.path) }
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
