import ExplicableCore
import Foundation
import LabelStore

/// A Prolific submissions export joined with the pages' payloads (`--payloads FILE`).
///
/// Rows are matched to payloads by `Submission id` = the payload's `SESSION_ID`, else by
/// `Participant id` = `PROLIFIC_PID`. The export's `Status` is kept (RETURNED, TIMED-OUT and
/// REJECTED submissions are rejected by quality control), `Started at` and `Completed at` become
/// the submission's times and `Time taken` its work time. A row with a `CONSENT_REVOKED`
/// placeholder is not imported: the participant withdrew. A completed row (APPROVED, AWAITING
/// REVIEW, REJECTED, or with a `Completed at`) without a payload refuses the import, listing
/// them all, unless ``ImportOptions/allowMissingPayloads``.
enum ProlificFormat {
    static let completedStatuses: Set<String> = ["APPROVED", "AWAITING REVIEW", "REJECTED"]

    static func read(_ url: URL, payloads: URL, into sink: inout ResponseSink) throws {
        var table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes)
        sink.header = table.header
        let participantColumn = ["Participant id", "participant_id", "Participant ID"].first {
            table.columns[$0] != nil
        }
        guard let participantColumn else {
            throw ExplicableError.badInput("missing column 'Participant id'", file: url.path, line: 1)
        }
        let submissionColumn = ["Submission id", "session_id", "Submission ID"].first { table.columns[$0] != nil }
        var byID: [String: (payload: Payload, line: Int)] = [:]
        for (payload, line) in try loadPayloads(payloads, maxRecordBytes: sink.options.maxRecordBytes) {
            if let session = payload.session_id { byID["s:" + session] = (payload, line) }
            if let pid = payload.prolific_pid { byID["p:" + pid] = (payload, line) }
        }
        var used: Set<Int> = []
        var missing: [String] = []
        var firstMissingLine = 0
        while let (cells, line) = try table.next(into: &sink) {
            let participant = table.cell(cells, participantColumn) ?? ""
            let submissionID = submissionColumn.flatMap { table.cell(cells, $0) } ?? ""
            if cells.contains("CONSENT_REVOKED") {
                sink.rowsAccepted += 1
                continue
            }
            let status = table.cell(cells, "Status")
            let completedAt = table.cell(cells, "Completed at").flatMap(Payload.date)
            guard let match = byID["s:" + submissionID] ?? byID["p:" + participant] else {
                if completedStatuses.contains(status?.uppercased() ?? "") || completedAt != nil {
                    if missing.isEmpty { firstMissingLine = line }
                    missing.append(
                        "line \(line) (\(submissionID.isEmpty ? "no submission id" : submissionID), \(status ?? "no status"))"
                    )
                } else {
                    sink.rowsAccepted += 1  // not completed: no payload expected
                }
                continue
            }
            guard used.insert(match.line).inserted else {
                try sink.reject(RowError(line: line, reason: "a second export row for the same payload", fields: cells))
                continue
            }
            let seconds = table.cell(cells, "Time taken").flatMap(Double.init).flatMap {
                $0.isFinite && $0 >= 0 ? $0 : nil
            }
            try match.payload.add(
                to: &sink, platform: "prolific",
                assignmentID: submissionID.isEmpty ? nil : submissionID, annotator: participant, status: status,
                startedAt: table.cell(cells, "Started at").flatMap(Payload.date), submittedAt: completedAt,
                workSeconds: seconds, line: line, fields: cells)
        }
        if !missing.isEmpty {
            guard sink.options.allowMissingPayloads else {
                let shown = missing.prefix(10).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
                throw ExplicableError.badInput(
                    "\(missing.count) completed submission\(missing.count == 1 ? " has" : "s have") no payload in "
                        + "\(payloads.lastPathComponent): \(shown); add the missing payloads, or import the others with "
                        + "--allow-missing-payloads", file: url.path, line: firstMissingLine)
            }
            sink.rowsWithoutPayload = missing
        }
    }

    /// The payloads to join with the export, with the line each starts on: a JSON array or JSON lines.
    static func loadPayloads(_ url: URL, maxRecordBytes: Int) throws -> [(Payload, Int)] {
        let decoder = JSONDecoder()
        var result: [(Payload, Int)] = []
        if try startsWithArray(url) {
            var elements = try JSONArrayReader(url: url)
            elements.maxElementBytes = maxRecordBytes
            while let (bytes, line) = try elements.next() {
                do { result.append((try decoder.decode(Payload.self, from: bytes), line)) } catch {
                    throw ExplicableError.badInput(
                        "not an explicable payload: \(PayloadFormat.describe(error))", file: url.path, line: line)
                }
            }
            return result
        }
        var lines = try LineReader(url: url)
        lines.maxLineBytes = maxRecordBytes
        while let text = try lines.next() {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do { result.append((try decoder.decode(Payload.self, from: Data(trimmed.utf8)), lines.line)) } catch {
                throw ExplicableError.badInput(
                    "not an explicable payload: \(PayloadFormat.describe(error))", file: url.path,
                    line: lines.line)
            }
        }
        return result
    }
}
