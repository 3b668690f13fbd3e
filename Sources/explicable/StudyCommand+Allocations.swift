import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies

/// The prior of an adaptive study (its spec's `adaptive.prior`), resolved over its classes; nil for a uniform one.
func adaptivePrior(of study: Study, store: LabelStore, data: DataFolder, lmf: LMFOptions) throws(ExplicableError)
    -> ClassMatrix?
{
    guard study.spec.effectiveAllocation == .adaptive, let settings = study.spec.adaptive else { return nil }
    return try matrixBuilder(store: store, data: data, lmf: lmf).matrix(named: settings.prior, over: study.classes)
}

extension StudyCommand {
    struct Allocations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an adaptive study's allocation decisions, or replay them to verify the log.",
            discussion: """
                Every assignment 'study serve' makes for a study with "allocation": "adaptive" is logged in the \
                store: its number, the session's assignment id, the items shown, each chosen item's score and the \
                allocator's state digest, with the answers and releases it had seen. This lists the log; --verify \
                recomputes every decision from the spec's prior and seed and the logged answers, and exits 1 at \
                the first decision that differs.
                """)

        @Argument(help: ArgumentHelp("The study's name in the label store.", valueName: "study"))
        var study: String

        @Flag(help: "Recompute every decision and compare digest, items and scores with the log.")
        var verify = false

        @Flag(help: "Print one JSON object per decision.")
        var json = false

        @OptionGroup var dataFolder: DataFolderOptions
        @OptionGroup var lmfOptions: LMFOptions
        @OptionGroup var store: StoreOptions

        struct Line: Encodable {
            var sequence: Int
            var assignment: String?
            var digest: String
            var inputsSeen: Int64
            var createdAt: String
            var items: [String]
            var chosen: [Choice]

            struct Choice: Encodable {
                var key: String
                var score: Double
            }
        }

        func run() throws {
            let opened = try store.open()
            let loaded = try Study.named(study, in: opened)
            guard loaded.spec.effectiveAllocation == .adaptive else {
                throw ExplicableError(
                    .invalidArgument, "study '\(study)' uses uniform allocation: it has no allocation log")
            }
            let log = try opened.allocationLog(studyId: loaded.id)
            if verify {
                guard let prior = try adaptivePrior(of: loaded, store: opened, data: dataFolder.folder, lmf: lmfOptions)
                else { return }
                let result = try StudyAllocation(study: loaded, prior: prior).verify(log)
                if let (sequence, reason) = result.mismatch {
                    writeStdout(
                        "decision \(sequence) differs from the log: \(reason) (\(result.matched) of "
                            + "\(result.decisions) decisions verified before it)\n")
                    throw ExitCode(1)
                }
                writeStdout(
                    "verified \(result.matched) of \(result.decisions) decisions and \(log.inputs.count) inputs; "
                        + "state digest \(result.finalDigest ?? "")\n")
                return
            }
            let answers = log.inputs.filter { $0.kind == .answer }.count
            let imported = log.inputs.filter { $0.kind == .imported }.count
            if !json {
                writeStdout(
                    "study \(study): \(log.decisions.count) decisions; \(answers) answers, "
                        + "\(imported) imported answers and \(log.inputs.count - answers - imported) releases logged\n")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let dates = ISO8601DateFormatter()
            for d in log.decisions {
                if json {
                    let line = Line(
                        sequence: d.sequence, assignment: d.assignmentID, digest: d.digest,
                        inputsSeen: d.inputsSeen, createdAt: dates.string(from: d.createdAt), items: d.itemKeys,
                        chosen: zip(d.chosenKeys, d.scores).map { .init(key: $0, score: $1) })
                    writeStdout(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
                } else {
                    let chosen = zip(d.chosenKeys, d.scores).map { "\($0) \(String(format: "%.3g", $1))" }
                    writeStdout(
                        "#\(d.sequence) \(d.assignmentID ?? "-") \(dates.string(from: d.createdAt)) digest "
                            + "\(d.digest) after input \(d.inputsSeen): " + chosen.joined(separator: ", ") + "\n")
                }
            }
        }
    }
}
