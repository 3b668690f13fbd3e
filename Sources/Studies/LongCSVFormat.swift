import ExplicableCore
import Foundation
import LabelStore

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
        // Column positions once, not a dictionary lookup per cell and row.
        let columns = table.columns
        func cell(_ cells: [String], _ column: Int?) -> String? { column.map { CSVTable.trimmed(cells[$0]) } }
        let (annotatorColumn, itemColumn, valueColumn) = (columns["annotator"], columns["item"], columns["value"])
        let (classAColumn, classBColumn, rtColumn) = (columns["class_a"], columns["class_b"], columns["rt_ms"])
        let (workColumn, statusColumn, assignmentColumn) = (
            columns["work_seconds"], columns["status"], columns["assignment"]
        )
        // Rows come grouped by assignment: the last one's submission is reused without a lookup.
        var last: (assignment: String, submission: Int64)?
        while let (cells, line) = try table.next(into: &sink) {
            let annotator = cell(cells, annotatorColumn) ?? ""
            guard !annotator.isEmpty else {
                try sink.reject(RowError(line: line, reason: "field 'annotator' is empty", fields: cells))
                continue
            }
            var key: String
            var item: Int?
            if byPair {
                let a = cell(cells, classAColumn) ?? "", b = cell(cells, classBColumn) ?? ""
                guard let i = sink.classIndex(a), let j = sink.classIndex(b) else {
                    let unknown = sink.classIndex(a) == nil ? a : b
                    try sink.reject(
                        RowError(
                            line: line,
                            reason: "unknown class '\(unknown)' (expected one of: \(labels.joined(separator: ", ")))",
                            fields: cells))
                    continue
                }
                key = "pair:\(i):\(j)"
                item = sink.items[key]
            } else {
                key = cell(cells, itemColumn) ?? ""
                item = sink.items[key]
                if item == nil, let n = Int(key) {
                    key = "image:\(n)"
                    item = sink.items[key]
                }
            }
            let raw = cell(cells, valueColumn) ?? ""
            if let item, sink.study.items[item].kind == .attention, sink.takesText(key) || sink.takesChoices(key) {
                // A free-text attention check: the cell is the answer, whatever it says (a multi-select
                // check: the options ticked, `a;b` or a JSON array).
                let submission = try sink.submission(
                    platform: "long", annotator: annotator,
                    assignmentID: cell(cells, assignmentColumn).flatMap { $0.isEmpty ? nil : $0 }
                        ?? "long:\(annotator)",
                    status: cell(cells, statusColumn).flatMap { $0.isEmpty ? nil : $0 })
                let choices = sink.takesChoices(key) ? ResponseSink.choices(raw) : nil
                try sink.addResponse(
                    submission: submission, itemKey: key, value: nil, text: choices == nil ? raw : nil,
                    choices: choices, cannotTell: false, reactionMs: cell(cells, rtColumn).flatMap(Double.init),
                    position: nil, line: line, fields: cells)
                continue
            }
            // Only text starting with c, C or a non-ASCII byte can lower-case to "cannot tell".
            let cannotTell =
                raw.utf8.first.map { $0 >= 0x80 || $0 == 0x63 || $0 == 0x43 } == true
                && ["cannot-tell", "cannot tell"].contains(raw.lowercased())
            let notApplicable = ResponseSink.isNotApplicable(raw)
            var value: Double? = Double(raw)
            if value == nil, !cannotTell, !notApplicable, sink.study.spec.design == .instanceLabel {
                guard let index = sink.classIndex(raw) else {
                    try sink.reject(
                        RowError(
                            line: line,
                            reason: "unknown class '\(raw)' (expected one of: \(labels.joined(separator: ", ")))",
                            fields: cells))
                    continue
                }
                value = Double(index)
            }
            guard value != nil || cannotTell || notApplicable else {
                try sink.reject(RowError(line: line, reason: "field 'value' is '\(raw)', not a number", fields: cells))
                continue
            }
            var rt: Double?
            if let text = cell(cells, rtColumn), !text.isEmpty {
                guard let number = Double(text) else {
                    try sink.reject(
                        RowError(line: line, reason: "field 'rt_ms' is '\(text)', not a number", fields: cells))
                    continue
                }
                rt = number
            }
            var workSeconds: Double?
            if let text = cell(cells, workColumn), !text.isEmpty {
                guard let number = Double(text), number.isFinite, number >= 0 else {
                    try sink.reject(
                        RowError(
                            line: line, reason: "field 'work_seconds' is '\(text)', not a number of seconds ≥ 0",
                            fields: cells))
                    continue
                }
                workSeconds = number
            }
            let status = cell(cells, statusColumn).flatMap { $0.isEmpty ? nil : $0 }
            let assignment = cell(cells, assignmentColumn).flatMap { $0.isEmpty ? nil : $0 } ?? "long:" + annotator
            // `submission` returns a known assignment's id before anything else, so reusing it is the same.
            let submission: Int64
            if let last, last.assignment == assignment {
                submission = last.submission
            } else {
                submission = try sink.submission(
                    platform: "long", annotator: annotator, assignmentID: assignment,
                    status: status, workSeconds: workSeconds)
                last = (assignment, submission)
            }
            if let item {
                try sink.addResponse(
                    submission: submission, item: item, value: value, cannotTell: cannotTell,
                    notApplicable: notApplicable, reactionMs: rt, position: nil, line: line, fields: cells)
            } else {  // rejected there, with the item's key in the reason
                try sink.addResponse(
                    submission: submission, itemKey: key, value: value, cannotTell: cannotTell,
                    notApplicable: notApplicable, reactionMs: rt, position: nil, line: line, fields: cells)
            }
        }
    }
}
