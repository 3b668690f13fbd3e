import ExplicableCore
import Foundation
import LabelStore

/// MTurk batch results from HITs built on explicable's `mturk-hit.html`.
enum MTurkFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var table = try CSVTable(
            url, maxRecordBytes: sink.options.maxRecordBytes, optionalTrailing: ["Approve", "Reject"])
        sink.header = table.header
        try table.require("AssignmentId", "WorkerId", "AssignmentStatus")
        let answerColumn = ["Answer.answers", "Answer.taskAnswers"].first { table.columns[$0] != nil }
        guard let answerColumn else {
            throw ExplicableError.badInput(
                "missing column 'Answer.answers' (or 'Answer.taskAnswers')", file: url.path, line: 1)
        }
        var seen: Set<String> = []
        let mturkDate = DateFormatter()
        mturkDate.locale = Locale(identifier: "en_US_POSIX")
        mturkDate.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        while let (cells, line) = try table.next(into: &sink) {
            let assignment = table.cell(cells, "AssignmentId") ?? ""
            let worker = table.cell(cells, "WorkerId") ?? ""
            guard !assignment.isEmpty, !worker.isEmpty else {
                try sink.reject(
                    RowError(line: line, reason: "field 'AssignmentId' or 'WorkerId' is empty", fields: cells))
                continue
            }
            guard seen.insert(assignment).inserted else {
                try sink.reject(
                    RowError(line: line, reason: "duplicate assignment id '\(assignment)' in the file", fields: cells))
                continue
            }
            let raw = table.cell(cells, answerColumn) ?? ""
            let payload: Payload
            switch decodePayload(raw) {
            case .success(let decoded): payload = decoded
            case .failure(let why):
                try sink.reject(
                    RowError(
                        line: line, reason: "column '\(answerColumn)' holds no explicable payload: \(why.reason)",
                        fields: cells))
                continue
            }
            let status = table.cell(cells, "AssignmentStatus")
            let seconds = table.cell(cells, "WorkTimeInSeconds").flatMap(Double.init).flatMap {
                $0.isFinite && $0 >= 0 ? $0 : nil
            }
            try payload.add(
                to: &sink, platform: "mturk", assignmentID: assignment, annotator: worker, status: status,
                startedAt: table.cell(cells, "AcceptTime").flatMap { mturkDate.date(from: $0) },
                submittedAt: table.cell(cells, "SubmitTime").flatMap { mturkDate.date(from: $0) }, workSeconds: seconds,
                feedback: table.cell(cells, "RequesterFeedback").flatMap { $0.isEmpty ? nil : $0 },
                rejectedOnPlatform: status == "Rejected", line: line, fields: cells)
        }
    }

    /// The payload in an answer cell: the hidden `answers` input (flatten-objects), or crowd-form's
    /// `taskAnswers` JSON array holding it; HTML entities are undone where MTurk left them.
    /// On failure, says what is missing or malformed.
    static func decodePayload(_ raw: String) -> Result<Payload, RowError> {
        if raw.isEmpty { return .failure(RowError(line: 0, reason: "the cell is empty", fields: [])) }
        let decoder = JSONDecoder()
        var why = "not JSON"
        for text in [raw, unescapeEntities(raw)] {
            guard let data = text.data(using: .utf8) else { continue }
            do { return .success(try decoder.decode(Payload.self, from: data)) } catch {
                if (try? JSONSerialization.jsonObject(with: data)) is [String: Any] {
                    why = PayloadFormat.describe(error)
                }
            }
            if let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] {
                guard let answers = array.first?["answers"] as? String else {
                    why =
                        "a taskAnswers array without an 'answers' field (a HIT not made from explicable's mturk-hit.html? "
                        + "describe its columns with --mapping)"
                    continue
                }
                do { return .success(try decoder.decode(Payload.self, from: Data(answers.utf8))) } catch {
                    why = "its 'answers' field: \(PayloadFormat.describe(error))"
                }
            }
        }
        return .failure(RowError(line: 0, reason: why, fields: []))
    }

    static func unescapeEntities(_ s: String) -> String {
        var out = s
        for (entity, character) in [
            ("&quot;", "\""), ("&#34;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&lt;", "<"),
            ("&gt;", ">"), ("&amp;", "&"),
        ] {
            out = out.replacingOccurrences(of: entity, with: character)
        }
        return out
    }
}
