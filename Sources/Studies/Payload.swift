import ExplicableCore
import Foundation
import LabelStore

/// The JSON payload of explicable's pages (`format: explicable-payload/1`).
struct Payload: Decodable {
    struct Response: Decodable {
        var item: String
        var value: Double?
        var cannot_tell: Bool?
        var not_applicable: Bool?
        /// The answer to a free-text attention check.
        var text: String?
        /// The options ticked for a multi-select attention check.
        var choices: [String]?
        var rt_ms: Double?
        var position: Int?
    }

    var study: String
    var assignment: Int?
    var prolific_pid: String?
    var study_id: String?
    var session_id: String?
    var worker_id: String?
    var assignment_id: String?
    var started_at: String?
    var submitted_at: String?
    var responses: [Response?]

    /// An ISO 8601 time, with or without fractional seconds (Prolific writes microseconds, which
    /// are dropped when the formatter refuses them).
    static func date(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date }
        guard let dot = text.firstIndex(of: "."), let end = text[dot...].dropFirst().firstIndex(where: { !$0.isNumber })
        else { return nil }
        let fraction = Double("0" + text[dot..<end]) ?? 0
        return ISO8601DateFormatter().date(from: String(text[..<dot] + text[end...])).map { $0 + fraction }
    }

    /// Adds this payload's submission and answers, all or nothing: `explicit*` values (an export's
    /// columns) win over the payload's own.
    func add(
        to sink: inout ResponseSink, platform defaultPlatform: String, assignmentID explicitID: String? = nil,
        annotator explicitAnnotator: String? = nil, status: String? = nil, startedAt explicitStart: Date? = nil,
        submittedAt explicitSubmit: Date? = nil, workSeconds explicitSeconds: Double? = nil, feedback: String? = nil,
        rejectedOnPlatform: Bool = false, line: Int, fields: [String]
    ) throws {
        guard study == sink.study.spec.name else {
            try sink.reject(
                RowError(
                    line: line,
                    reason: "payload is for study '\(study)', not '\(sink.study.spec.name)' (a file of another study?)",
                    fields: fields))
            return
        }
        let platform =
            explicitAnnotator != nil
            ? defaultPlatform
            : prolific_pid != nil ? "prolific" : worker_id != nil ? "mturk" : defaultPlatform
        guard let annotator = explicitAnnotator ?? prolific_pid ?? worker_id ?? session_id else {
            try sink.reject(
                RowError(
                    line: line, reason: "payload names no participant (PROLIFIC_PID, workerId or SESSION_ID)",
                    fields: fields))
            return
        }
        let assignmentID = explicitID ?? assignment_id ?? session_id ?? "\(annotator):\(assignment ?? -1)"
        let started = explicitStart ?? Self.date(started_at), submitted = explicitSubmit ?? Self.date(submitted_at)
        var seconds = explicitSeconds
        if seconds == nil, let started, let submitted { seconds = submitted.timeIntervalSince(started) }
        let g = sink.group(
            platform: platform, annotator: annotator, assignmentID: assignmentID, status: status,
            startedAt: started, submittedAt: submitted, workSeconds: seconds, feedback: feedback,
            rejectedOnPlatform: rejectedOnPlatform)
        sink.attach(g, line: line, fields: fields)
        for (position, response) in responses.enumerated() {
            guard let response else {
                try sink.fail(g, RowError(line: line, reason: "response \(position) is empty", fields: fields))
                continue
            }
            try sink.answer(
                g, itemKey: response.item, value: response.value, text: response.text, choices: response.choices,
                cannotTell: response.cannot_tell ?? false,
                notApplicable: response.not_applicable ?? false, reactionMs: response.rt_ms,
                position: response.position ?? position, line: line)
        }
    }
}

enum PayloadFormat {
    /// One payload object, a JSON array of them, or JSON lines (read line by line).
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var lines = try LineReader(url: url)
        lines.maxLineBytes = sink.options.maxRecordBytes
        guard var first = try lines.next() else { return }
        while first.trimmingCharacters(in: .whitespaces).isEmpty, let next = try lines.next() { first = next }
        let start = first.trimmingCharacters(in: .whitespaces)
        let decoder = JSONDecoder()
        // A JSON line is a whole object on one line; anything else is one JSON document (object or array).
        if start.hasPrefix("{"), let payload = try? decoder.decode(Payload.self, from: Data(start.utf8)) {
            sink.rowsRead += 1
            try payload.add(to: &sink, platform: "self-hosted", line: lines.line, fields: [start])
            while let content = try lines.next() {
                let trimmed = content.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                sink.rowsRead += 1
                do {
                    let payload = try decoder.decode(Payload.self, from: Data(trimmed.utf8))
                    try payload.add(to: &sink, platform: "self-hosted", line: lines.line, fields: [trimmed])
                } catch let error as DecodingError {
                    try sink.reject(
                        RowError(
                            line: lines.line, reason: "not an explicable payload: \(describe(error))",
                            fields: [trimmed]))
                }
            }
            return
        }
        if start.hasPrefix("[") {
            var elements = try JSONArrayReader(url: url)
            elements.maxElementBytes = sink.options.maxRecordBytes
            while let (bytes, line) = try elements.next() {
                sink.rowsRead += 1
                do {
                    let payload = try decoder.decode(Payload.self, from: bytes)
                    try payload.add(
                        to: &sink, platform: "self-hosted", line: line,
                        fields: [String(decoding: bytes, as: UTF8.self)])
                } catch let error as DecodingError {
                    try sink.reject(
                        RowError(
                            line: line, reason: "not an explicable payload: \(describe(error))",
                            fields: [String(decoding: bytes, as: UTF8.self)]))
                }
            }
            return
        }
        // One payload object, possibly spread over several lines.
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= sink.options.maxRecordBytes else {
            throw ExplicableError.badInput(
                "one JSON document of \(size) bytes, more than the \(sink.options.maxRecordBytes)-byte "
                    + "limit for one record (write payloads as JSON lines or an array)", file: url.path, line: 1)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
        }
        sink.rowsRead += 1
        let text = String(decoding: data, as: UTF8.self)
        do {
            let payload = try decoder.decode(Payload.self, from: data)
            try payload.add(to: &sink, platform: "self-hosted", line: 1, fields: [text])
        } catch let error as DecodingError {
            try sink.reject(RowError(line: 1, reason: "not an explicable payload: \(describe(error))", fields: [text]))
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
