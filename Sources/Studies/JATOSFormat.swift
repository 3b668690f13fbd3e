import ExplicableCore
import Foundation
import LabelStore

/// JATOS result files: one JSON document per line (one per component result), each a jsPsych
/// data array or one of explicable's page payloads.
enum JATOSFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var lines = try LineReader(url: url)
        lines.maxLineBytes = sink.options.maxRecordBytes
        while let content = try lines.next() {
            try add(line: content, number: lines.line, context: JsPsychFormat.Context(), into: &sink)
        }
    }

    /// Adds one line of a result file: a jsPsych data array, one trial, or a page payload.
    static func add(
        line content: String, number line: Int, context: JsPsychFormat.Context, into sink: inout ResponseSink
    )
        throws
    {
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return }
        guard let document = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) else {
            sink.rowsRead += 1
            try sink.reject(RowError(line: line, reason: "not JSON", fields: [trimmed]))
            return
        }
        if let trials = document as? [Any] {
            try JsPsychFormat.add(trials: trials, line: line, fields: { [trimmed] }, context: context, into: &sink)
        } else if let object = document as? [String: Any], object["responses"] != nil {
            sink.rowsRead += 1
            do {
                let payload = try JSONDecoder().decode(Payload.self, from: Data(trimmed.utf8))
                let named = payload.prolific_pid != nil || payload.worker_id != nil || payload.session_id != nil
                try payload.add(
                    to: &sink, platform: "jatos", assignmentID: named ? nil : context.assignment,
                    annotator: named ? nil : context.participant, status: context.status, startedAt: context.startedAt,
                    submittedAt: context.submittedAt, line: line, fields: [trimmed])
            } catch let error as DecodingError {
                try sink.reject(
                    RowError(
                        line: line, reason: "not an explicable payload: \(PayloadFormat.describe(error))",
                        fields: [trimmed]))
            }
        } else if let object = document as? [String: Any] {
            // One jsPsych trial per line (a component that sends each trial as it ends).
            try JsPsychFormat.add(trials: [object], line: line, fields: { [trimmed] }, context: context, into: &sink)
        } else {
            sink.rowsRead += 1
            try sink.reject(
                RowError(line: line, reason: "neither jsPsych trials nor an explicable payload", fields: [trimmed]))
        }
    }
}
