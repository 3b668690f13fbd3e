import ExplicableCore
import Foundation
import LabelStore

/// A CSV file with a header, read row by row; short rows are padded with empty cells (MTurk
/// stops rows before the trailing `Approve`/`Reject` cells).
struct CSVTable {
    var reader: CSVReader
    let header: [String]
    let columns: [String: Int]

    init(_ url: URL) throws(ExplicableError) {
        reader = try CSVReader(url: url)
        guard let first = try reader.next() else { throw ExplicableError.badInput("empty file (no header row)", file: url.path, line: 1) }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columns: [String: Int] = [:]
        for (i, name) in header.enumerated() where columns[name] == nil { columns[name] = i }
        self.columns = columns
    }

    func require(_ names: String...) throws(ExplicableError) {
        for name in names where columns[name] == nil {
            throw ExplicableError.badInput("missing column '\(name)'", file: reader.file, line: 1)
        }
    }

    /// The next row as cells in header order, with its line.
    mutating func next() throws(ExplicableError) -> (cells: [String], line: Int)? {
        guard let (first, line) = try reader.next() else { return nil }
        var fields = first
        if fields.count < header.count { fields += Array(repeating: "", count: header.count - fields.count) }
        if fields.count > header.count, fields[header.count...].allSatisfy(\.isEmpty) {
            fields.removeLast(fields.count - header.count)
        }
        guard fields.count == header.count else {
            throw ExplicableError.badInput("\(fields.count) fields, but the header has \(header.count)", file: reader.file, line: line)
        }
        return (fields, line)
    }

    func cell(_ cells: [String], _ name: String) -> String? {
        columns[name].map { cells[$0].trimmingCharacters(in: .whitespaces) }
    }
}

/// `annotator,item,value[,rt_ms]` or `annotator,class_a,class_b,value[,rt_ms]`.
enum LongCSVFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var table = try CSVTable(url)
        sink.header = table.header
        try table.require("annotator", "value")
        let byPair = table.columns["item"] == nil
        if byPair { try table.require("class_a", "class_b") }
        let labels = sink.study.classes.labels
        while let (cells, line) = try table.next() {
            sink.rowsRead += 1
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
            let assignment = table.cell(cells, "assignment").flatMap { $0.isEmpty ? nil : $0 } ?? "long:\(annotator)"
            guard let submission = try sink.submission(platform: "long", annotator: annotator, assignmentID: assignment)
            else { continue }
            try sink.addResponse(
                submission: submission, itemKey: key, value: value, cannotTell: cannotTell,
                reactionMs: table.cell(cells, "rt_ms").flatMap(Double.init), position: nil, line: line, fields: cells)
        }
    }
}

/// CIFAR-10H's raw trial file (Peterson et al. 2019): one row per trial.
///
/// The hot path of the largest imports: fields are read as numbers straight from the bytes, and
/// the submission of the previous row is reused while the annotator stays the same.
enum CIFAR10HRawFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let table = try CSVTable(url)
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
                throw ExplicableError.badInput("\(reader.fieldCount) fields, but the header has \(width)", file: url.path, line: line)
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
                guard v >= 0, v == v.rounded(), v.isFinite else {
                    throw ExplicableError.badInput("row \(i), class \(c): count \(v) is not a whole number ≥ 0", file: url.path)
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

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// Adds this payload's submission and answers.
    func add(to sink: inout ResponseSink, platform defaultPlatform: String, assignmentID explicitID: String? = nil,
        annotator explicitAnnotator: String? = nil, status: String? = nil, line: Int, fields: [String]) throws
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
        let started = Self.date(started_at), submitted = Self.date(submitted_at)
        var seconds: Double?
        if let started, let submitted { seconds = submitted.timeIntervalSince(started) }
        guard let submission = try sink.submission(platform: platform, annotator: annotator, assignmentID: assignmentID,
            status: status, startedAt: started, submittedAt: submitted, workSeconds: seconds)
        else { return }
        for (position, response) in responses.enumerated() {
            guard let response else {
                try sink.reject(RowError(line: line, reason: "response \(position) is empty", fields: fields))
                continue
            }
            try sink.addResponse(submission: submission, itemKey: response.item, value: response.value,
                cannotTell: response.cannot_tell ?? false, reactionMs: response.rt_ms,
                position: response.position ?? position, line: line, fields: fields)
        }
    }
}

enum PayloadFormat {
    /// One payload object, a JSON array of them, or JSON lines (read line by line).
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        var lines = try LineReader(url: url)
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
            while let (bytes, line) = try elements.next() {
                sink.rowsRead += 1
                do {
                    let payload = try decoder.decode(Payload.self, from: bytes)
                    try payload.add(to: &sink, platform: "self-hosted", line: line, fields: [])
                } catch let error as DecodingError {
                    try sink.reject(RowError(line: line, reason: "not an explicable payload: \(describe(error))",
                        fields: [String(decoding: bytes, as: UTF8.self)]))
                }
            }
            return
        }
        // One payload object, possibly spread over several lines.
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
        }
        sink.rowsRead += 1
        do {
            let payload = try decoder.decode(Payload.self, from: data)
            try payload.add(to: &sink, platform: "self-hosted", line: 1, fields: [])
        } catch let error as DecodingError {
            try sink.reject(RowError(line: 1, reason: "not an explicable payload: \(describe(error))", fields: []))
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
        var table = try CSVTable(url)
        sink.header = table.header
        try table.require("AssignmentId", "WorkerId", "AssignmentStatus")
        let answerColumn = ["Answer.answers", "Answer.taskAnswers"].first { table.columns[$0] != nil }
        guard let answerColumn else { throw ExplicableError.badInput("missing column 'Answer.answers' (or 'Answer.taskAnswers')", file: url.path, line: 1) }
        var seen: Set<String> = []
        let mturkDate = DateFormatter()
        mturkDate.locale = Locale(identifier: "en_US_POSIX")
        mturkDate.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        while let (cells, line) = try table.next() {
            sink.rowsRead += 1
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
            guard let payload = decodePayload(raw) else {
                try sink.reject(RowError(line: line, reason: "column '\(answerColumn)' holds no explicable payload", fields: cells))
                continue
            }
            let status = table.cell(cells, "AssignmentStatus")
            let before = sink.submissions[assignment]
            try payload.add(to: &sink, platform: "mturk", assignmentID: assignment, annotator: worker, status: status,
                line: line, fields: cells)
            if before == nil, let id = sink.submissions[assignment] {
                let accepted = table.cell(cells, "AcceptTime").flatMap { mturkDate.date(from: $0) }
                let submitted = table.cell(cells, "SubmitTime").flatMap { mturkDate.date(from: $0) }
                let seconds = table.cell(cells, "WorkTimeInSeconds").flatMap(Double.init)
                try sink.session.updateSubmission(id: id, startedAt: accepted, submittedAt: submitted, workSeconds: seconds,
                    rejectedReason: status == "Rejected" ? "rejected on MTurk" : nil)
            }
        }
    }

    /// The payload in an answer cell: the hidden `answers` input (flatten-objects), or crowd-form's
    /// `taskAnswers` JSON array holding it; HTML entities are undone where MTurk left them.
    static func decodePayload(_ raw: String) -> Payload? {
        let decoder = JSONDecoder()
        for text in [raw, unescapeEntities(raw)] {
            guard let data = text.data(using: .utf8) else { continue }
            if let payload = try? decoder.decode(Payload.self, from: data) { return payload }
            if let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
                let answers = array.first?["answers"] as? String,
                let payload = try? decoder.decode(Payload.self, from: Data(answers.utf8))
            {
                return payload
            }
        }
        return nil
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
