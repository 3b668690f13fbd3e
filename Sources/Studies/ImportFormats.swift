import ExplicableCore
import Foundation
import LabelStore

/// A CSV file with a header, read row by row. A row with more or fewer fields than the header
/// is a bad row (empty trailing cells excepted: spreadsheets add them), except that rows may stop
/// before the `optionalTrailing` columns (MTurk leaves off the trailing `Approve`/`Reject` cells).
struct CSVTable {
    var reader: CSVReader
    let header: [String]
    let columns: [String: Int]
    /// How many fields a row may have at least.
    let minimumWidth: Int

    init(_ url: URL, maxRecordBytes: Int = ImportOptions.defaultMaxRecordBytes, optionalTrailing: Set<String> = [])
        throws(ExplicableError)
    {
        reader = try CSVReader(url: url)
        reader.maxRecordBytes = maxRecordBytes
        guard let first = try reader.next() else { throw ExplicableError.badInput("empty file (no header row)", file: url.path, line: 1) }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columns: [String: Int] = [:]
        for (i, name) in header.enumerated() where columns[name] == nil { columns[name] = i }
        self.columns = columns
        var width = header.count
        while width > 0, optionalTrailing.contains(header[width - 1]) { width -= 1 }
        minimumWidth = width
    }

    func require(_ names: String...) throws(ExplicableError) {
        for name in names where columns[name] == nil {
            throw ExplicableError.badInput("missing column '\(name)'", file: reader.file, line: 1)
        }
    }

    /// The next row as cells in header order, with its line; rows of the wrong width are counted
    /// and rejected through `sink` (which stops the import unless rejects are collected).
    mutating func next(into sink: inout ResponseSink) throws(ExplicableError) -> (cells: [String], line: Int)? {
        while let (first, line) = try reader.next() {
            sink.rowsRead += 1
            var fields = first
            if fields.count > header.count, fields[header.count...].allSatisfy(\.isEmpty) {
                fields.removeLast(fields.count - header.count)
            }
            if fields.count < header.count, fields.count >= minimumWidth {
                fields += Array(repeating: "", count: header.count - fields.count)
            }
            guard fields.count == header.count else {
                try sink.reject(RowError(line: line, reason: "\(first.count) fields, but the header has \(header.count)",
                    fields: first))
                continue
            }
            return (fields, line)
        }
        return nil
    }

    func cell(_ cells: [String], _ name: String) -> String? {
        columns[name].map { cells[$0].trimmingCharacters(in: .whitespaces) }
    }
}

/// `annotator,item,value[,rt_ms]` or `annotator,class_a,class_b,value[,rt_ms]`, with optional
/// `assignment`, `status` (the platform's status) and `work_seconds` columns.
enum LongCSVFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes)
        sink.header = table.header
        try table.require("annotator", "value")
        let byPair = table.columns["item"] == nil
        if byPair { try table.require("class_a", "class_b") }
        let labels = sink.study.classes.labels
        while let (cells, line) = try table.next(into: &sink) {
            let annotator = table.cell(cells, "annotator") ?? ""
            guard !annotator.isEmpty else {
                try sink.reject(RowError(line: line, reason: "field 'annotator' is empty", fields: cells))
                continue
            }
            var key: String
            if byPair {
                let a = table.cell(cells, "class_a") ?? "", b = table.cell(cells, "class_b") ?? ""
                guard let i = sink.classIndex(a), let j = sink.classIndex(b) else {
                    let unknown = sink.classIndex(a) == nil ? a : b
                    try sink.reject(RowError(line: line,
                        reason: "unknown class '\(unknown)' (expected one of: \(labels.joined(separator: ", ")))", fields: cells))
                    continue
                }
                key = "pair:\(i):\(j)"
            } else {
                key = table.cell(cells, "item") ?? ""
                if sink.items[key] == nil, let n = Int(key) { key = "image:\(n)" }
            }
            let raw = table.cell(cells, "value") ?? ""
            let cannotTell = ["cannot-tell", "cannot tell"].contains(raw.lowercased())
            var value: Double? = Double(raw)
            if value == nil, !cannotTell, sink.study.spec.design == .instanceLabel {
                guard let index = sink.classIndex(raw) else {
                    try sink.reject(RowError(line: line,
                        reason: "unknown class '\(raw)' (expected one of: \(labels.joined(separator: ", ")))", fields: cells))
                    continue
                }
                value = Double(index)
            }
            guard value != nil || cannotTell else {
                try sink.reject(RowError(line: line, reason: "field 'value' is '\(raw)', not a number", fields: cells))
                continue
            }
            var rt: Double?
            if let text = table.cell(cells, "rt_ms"), !text.isEmpty {
                guard let number = Double(text) else {
                    try sink.reject(RowError(line: line, reason: "field 'rt_ms' is '\(text)', not a number", fields: cells))
                    continue
                }
                rt = number
            }
            var workSeconds: Double?
            if let text = table.cell(cells, "work_seconds"), !text.isEmpty {
                guard let number = Double(text), number.isFinite, number >= 0 else {
                    try sink.reject(RowError(line: line, reason: "field 'work_seconds' is '\(text)', not a number of seconds ≥ 0",
                        fields: cells))
                    continue
                }
                workSeconds = number
            }
            let status = table.cell(cells, "status").flatMap { $0.isEmpty ? nil : $0 }
            let assignment = table.cell(cells, "assignment").flatMap { $0.isEmpty ? nil : $0 } ?? "long:\(annotator)"
            let submission = try sink.submission(platform: "long", annotator: annotator, assignmentID: assignment,
                status: status, workSeconds: workSeconds)
            try sink.addResponse(
                submission: submission, itemKey: key, value: value, cannotTell: cannotTell,
                reactionMs: rt, position: nil, line: line, fields: cells)
        }
    }
}

/// CIFAR-10H's raw trial file (Peterson et al. 2019): one row per trial.
///
/// The hot path of the largest imports: fields are read as numbers straight from the bytes, and
/// the submission of the previous row is reused while the annotator stays the same.
enum CIFAR10HRawFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes)
        sink.header = table.header
        try table.require("annotator_id", "trial_index", "is_attn_check", "true_label", "chosen_label",
            "cifar10_test_set_idx", "reaction_time", "time_elapsed")
        // Items by index into `study.items`; attention checks are matched by their expected class.
        var checkByClass: [Int: Int] = [:]
        var images: [Int?] = []
        for (index, item) in sink.study.items.enumerated() {
            if item.isAttentionCheck, let expected = item.expectedAnswer {
                checkByClass[Int(expected)] = checkByClass[Int(expected)] ?? index
            } else if item.key.hasPrefix("image:"), let n = Int(item.key.dropFirst(6)), n >= 0, n < 10_000_000 {
                if images.count <= n { images += Array(repeating: nil, count: n + 1 - images.count) }
                images[n] = index
            }
        }
        let c = ["annotator_id", "trial_index", "is_attn_check", "true_label", "chosen_label",
            "cifar10_test_set_idx", "reaction_time", "time_elapsed"].map { table.columns[$0]! }
        let width = table.header.count
        // The file is sorted by annotator: rows of the same one reuse its submission and track
        // its last activity without a lookup per row.
        var lastAnnotator: [UInt8] = [0]  // no field is a lone NUL byte
        var lastSubmission: Int64?
        var reader = table.reader
        func cells() -> [String] { (0..<reader.fieldCount).map { (try? reader.string($0)) ?? "?" } }
        while try reader.advance() {
            let line = reader.recordLine
            sink.rowsRead += 1
            guard reader.fieldCount == width else {
                try sink.reject(RowError(line: line, reason: "\(reader.fieldCount) fields, but the header has \(width)",
                    fields: cells()))
                continue
            }
            let isCheck = try reader.int(c[2]).map { $0 == 1 } ?? (reader.string(c[2]).lowercased() == "true")
            let item: Int?
            if isCheck {
                item = reader.int(c[3]).flatMap { checkByClass[$0] }
            } else {
                item = reader.int(c[5]).flatMap { $0 >= 0 && $0 < images.count ? images[$0] : nil }
            }
            let annotatorIsEmpty = reader.isEmpty(c[0])
            guard let item, !annotatorIsEmpty else {
                let reason = annotatorIsEmpty ? "field 'annotator_id' is empty"
                    : isCheck ? "attention check of class '\(try reader.string(c[3]))' has no matching check in the study"
                    : "image '\(try reader.string(c[5]))' is not in the study"
                try sink.reject(RowError(line: line, reason: reason, fields: cells()))
                continue
            }
            if !reader.field(c[0], equals: lastAnnotator) {
                let annotator = try reader.string(c[0])
                lastSubmission = try sink.submission(platform: "cifar10h", annotator: annotator,
                    assignmentID: "cifar10h:\(annotator)")
                lastAnnotator = Array(annotator.utf8)
            }
            guard let submission = lastSubmission else { continue }
            if !reader.isEmpty(c[6]), reader.double(c[6]) == nil {
                try sink.reject(RowError(line: line, reason: "field 'reaction_time' is not a number", fields: cells()))
                continue
            }
            if let elapsed = reader.double(c[7]) {
                sink.noteActivity(submission: submission, seconds: elapsed / 1000)
            }
            try sink.addResponse(submission: submission, item: item, value: reader.double(c[4]), cannotTell: false,
                reactionMs: reader.double(c[6]), position: reader.int(c[1]), line: line, fields: cells())
        }
    }
}

/// A counts matrix: row i = image i of the study, column c = how many people chose class c.
enum CountsFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let array = try NPYArray.read(url)
        let classes = sink.study.classes.count
        guard array.shape.count == 2, array.shape[1] == classes else {
            throw ExplicableError.badInput("counts must have shape (images, \(classes)), found \(array.shape)", file: url.path)
        }
        let values = array.doubles
        for i in 0..<array.shape[0] {
            sink.rowsRead += 1
            guard let itemId = sink.itemIds["image:\(i)"] else {
                try sink.reject(RowError(line: i + 1, reason: "row \(i): the study has no image \(i)", fields: []))
                continue
            }
            for c in 0..<classes {
                let v = values[i * classes + c]
                // Compared as a double: 1e300 must not reach Int(_:), which would trap.
                guard v >= 0, v == v.rounded(), v.isFinite, v <= 1e9 else {
                    throw ExplicableError.badInput("row \(i), class \(c): count \(v) is not a whole number 0…1000000000",
                        file: url.path)
                }
                if v > 0 {
                    try sink.session.setInstanceCount(itemId: itemId, classIndex: c, count: Int(v))
                    sink.countsAdded += 1
                }
            }
            sink.rowsAccepted += 1
        }
    }
}

/// The JSON payload of explicable's pages (`format: explicable-payload/1`).
struct Payload: Decodable {
    struct Response: Decodable {
        var item: String
        var value: Double?
        var cannot_tell: Bool?
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
    func add(to sink: inout ResponseSink, platform defaultPlatform: String, assignmentID explicitID: String? = nil,
        annotator explicitAnnotator: String? = nil, status: String? = nil, startedAt explicitStart: Date? = nil,
        submittedAt explicitSubmit: Date? = nil, workSeconds explicitSeconds: Double? = nil, feedback: String? = nil,
        rejectedOnPlatform: Bool = false, line: Int, fields: [String]) throws
    {
        guard study == sink.study.spec.name else {
            try sink.reject(RowError(line: line,
                reason: "payload is for study '\(study)', not '\(sink.study.spec.name)' (a file of another study?)", fields: fields))
            return
        }
        let platform = explicitAnnotator != nil ? defaultPlatform
            : prolific_pid != nil ? "prolific" : worker_id != nil ? "mturk" : defaultPlatform
        guard let annotator = explicitAnnotator ?? prolific_pid ?? worker_id ?? session_id else {
            try sink.reject(RowError(line: line, reason: "payload names no participant (PROLIFIC_PID, workerId or SESSION_ID)",
                fields: fields))
            return
        }
        let assignmentID = explicitID ?? assignment_id ?? session_id ?? "\(annotator):\(assignment ?? -1)"
        let started = explicitStart ?? Self.date(started_at), submitted = explicitSubmit ?? Self.date(submitted_at)
        var seconds = explicitSeconds
        if seconds == nil, let started, let submitted { seconds = submitted.timeIntervalSince(started) }
        let g = sink.group(platform: platform, annotator: annotator, assignmentID: assignmentID, status: status,
            startedAt: started, submittedAt: submitted, workSeconds: seconds, feedback: feedback,
            rejectedOnPlatform: rejectedOnPlatform)
        sink.attach(g, line: line, fields: fields)
        for (position, response) in responses.enumerated() {
            guard let response else {
                try sink.fail(g, RowError(line: line, reason: "response \(position) is empty", fields: fields))
                continue
            }
            try sink.answer(g, itemKey: response.item, value: response.value, cannotTell: response.cannot_tell ?? false,
                reactionMs: response.rt_ms, position: response.position ?? position, line: line)
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
                    try sink.reject(RowError(line: lines.line, reason: "not an explicable payload: \(describe(error))",
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
                    try payload.add(to: &sink, platform: "self-hosted", line: line,
                        fields: [String(decoding: bytes, as: UTF8.self)])
                } catch let error as DecodingError {
                    try sink.reject(RowError(line: line, reason: "not an explicable payload: \(describe(error))",
                        fields: [String(decoding: bytes, as: UTF8.self)]))
                }
            }
            return
        }
        // One payload object, possibly spread over several lines.
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= sink.options.maxRecordBytes else {
            throw ExplicableError.badInput("one JSON document of \(size) bytes, more than the \(sink.options.maxRecordBytes)-byte "
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

/// MTurk batch results from HITs built on explicable's `mturk-hit.html`.
enum MTurkFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes, optionalTrailing: ["Approve", "Reject"])
        sink.header = table.header
        try table.require("AssignmentId", "WorkerId", "AssignmentStatus")
        let answerColumn = ["Answer.answers", "Answer.taskAnswers"].first { table.columns[$0] != nil }
        guard let answerColumn else { throw ExplicableError.badInput("missing column 'Answer.answers' (or 'Answer.taskAnswers')", file: url.path, line: 1) }
        var seen: Set<String> = []
        let mturkDate = DateFormatter()
        mturkDate.locale = Locale(identifier: "en_US_POSIX")
        mturkDate.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        while let (cells, line) = try table.next(into: &sink) {
            let assignment = table.cell(cells, "AssignmentId") ?? ""
            let worker = table.cell(cells, "WorkerId") ?? ""
            guard !assignment.isEmpty, !worker.isEmpty else {
                try sink.reject(RowError(line: line, reason: "field 'AssignmentId' or 'WorkerId' is empty", fields: cells))
                continue
            }
            guard seen.insert(assignment).inserted else {
                try sink.reject(RowError(line: line, reason: "duplicate assignment id '\(assignment)' in the file", fields: cells))
                continue
            }
            let raw = table.cell(cells, answerColumn) ?? ""
            let payload: Payload
            switch decodePayload(raw) {
            case .success(let decoded): payload = decoded
            case .failure(let why):
                try sink.reject(RowError(line: line, reason: "column '\(answerColumn)' holds no explicable payload: \(why.reason)",
                    fields: cells))
                continue
            }
            let status = table.cell(cells, "AssignmentStatus")
            let seconds = table.cell(cells, "WorkTimeInSeconds").flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            try payload.add(to: &sink, platform: "mturk", assignmentID: assignment, annotator: worker, status: status,
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
                if (try? JSONSerialization.jsonObject(with: data)) is [String: Any] { why = PayloadFormat.describe(error) }
            }
            if let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] {
                guard let answers = array.first?["answers"] as? String else {
                    why = "a taskAnswers array without an 'answers' field (a HIT not made from explicable's mturk-hit.html? "
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
        for (entity, character) in [("&quot;", "\""), ("&#34;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&lt;", "<"),
            ("&gt;", ">"), ("&amp;", "&")]
        {
            out = out.replacingOccurrences(of: entity, with: character)
        }
        return out
    }
}
