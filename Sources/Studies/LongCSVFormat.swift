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
                    try sink.reject(
                        RowError(
                            line: line,
                            reason: "unknown class '\(unknown)' (expected one of: \(labels.joined(separator: ", ")))",
                            fields: cells))
                    continue
                }
                key = "pair:\(i):\(j)"
            } else {
                key = table.cell(cells, "item") ?? ""
                if sink.items[key] == nil, let n = Int(key) { key = "image:\(n)" }
            }
            let raw = table.cell(cells, "value") ?? ""
            if sink.takesText(key) || sink.takesChoices(key) {
                // A free-text attention check: the cell is the answer, whatever it says (a multi-select
                // check: the options ticked, `a;b` or a JSON array).
                let submission = try sink.submission(
                    platform: "long", annotator: annotator,
                    assignmentID: table.cell(cells, "assignment").flatMap { $0.isEmpty ? nil : $0 }
                        ?? "long:\(annotator)",
                    status: table.cell(cells, "status").flatMap { $0.isEmpty ? nil : $0 })
                let choices = sink.takesChoices(key) ? ResponseSink.choices(raw) : nil
                try sink.addResponse(
                    submission: submission, itemKey: key, value: nil, text: choices == nil ? raw : nil,
                    choices: choices,
                    cannotTell: false,
                    reactionMs: table.cell(cells, "rt_ms").flatMap(Double.init), position: nil, line: line,
                    fields: cells)
                continue
            }
            let cannotTell = ["cannot-tell", "cannot tell"].contains(raw.lowercased())
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
            if let text = table.cell(cells, "rt_ms"), !text.isEmpty {
                guard let number = Double(text) else {
                    try sink.reject(
                        RowError(line: line, reason: "field 'rt_ms' is '\(text)', not a number", fields: cells))
                    continue
                }
                rt = number
            }
            var workSeconds: Double?
            if let text = table.cell(cells, "work_seconds"), !text.isEmpty {
                guard let number = Double(text), number.isFinite, number >= 0 else {
                    try sink.reject(
                        RowError(
                            line: line, reason: "field 'work_seconds' is '\(text)', not a number of seconds ≥ 0",
                            fields: cells))
                    continue
                }
                workSeconds = number
            }
            let status = table.cell(cells, "status").flatMap { $0.isEmpty ? nil : $0 }
            let assignment = table.cell(cells, "assignment").flatMap { $0.isEmpty ? nil : $0 } ?? "long:\(annotator)"
            let submission = try sink.submission(
                platform: "long", annotator: annotator, assignmentID: assignment,
                status: status, workSeconds: workSeconds)
            try sink.addResponse(
                submission: submission, itemKey: key, value: value, cannotTell: cannotTell,
                notApplicable: notApplicable,
                reactionMs: rt, position: nil, line: line, fields: cells)
        }
    }
}
