import ExplicableCore
import Foundation
import LabelStore

/// CIFAR-10H's raw trial file (Peterson et al. 2019): one row per trial.
///
/// The hot path of the largest imports: fields are read as numbers straight from the bytes, and
/// the submission of the previous row is reused while the annotator stays the same.
enum CIFAR10HRawFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let table = try CSVTable(url, maxRecordBytes: sink.options.maxRecordBytes)
        sink.header = table.header
        try table.require(
            "annotator_id", "trial_index", "is_attn_check", "true_label", "chosen_label",
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
        let c = [
            "annotator_id", "trial_index", "is_attn_check", "true_label", "chosen_label",
            "cifar10_test_set_idx", "reaction_time", "time_elapsed",
        ].map { table.columns[$0]! }
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
                try sink.reject(
                    RowError(
                        line: line, reason: "\(reader.fieldCount) fields, but the header has \(width)",
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
                let reason =
                    annotatorIsEmpty
                    ? "field 'annotator_id' is empty"
                    : isCheck
                        ? "attention check of class '\(try reader.string(c[3]))' has no matching check in the study"
                        : "image '\(try reader.string(c[5]))' is not in the study"
                try sink.reject(RowError(line: line, reason: reason, fields: cells()))
                continue
            }
            if !reader.field(c[0], equals: lastAnnotator) {
                let annotator = try reader.string(c[0])
                lastSubmission = try sink.submission(
                    platform: "cifar10h", annotator: annotator,
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
            try sink.addResponse(
                submission: submission, item: item, value: reader.double(c[4]), cannotTell: false,
                reactionMs: reader.double(c[6]), position: reader.int(c[1]), line: line, fields: cells())
        }
    }
}
