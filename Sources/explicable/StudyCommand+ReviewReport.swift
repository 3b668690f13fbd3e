import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct ReviewReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-report",
            abstract:
                "Per model: mean rating of its mistakes with a bootstrap CI, share rated reasonable, cannot-tell counts; Wilcoxon tests between models.",
            discussion: """
                Counts ratings of submissions that 'study qc' accepted. A model's score on an image is the mean \
                rating of its mistake; its mean is the mean over images, with a percentile bootstrap CI over images. \
                Reasonable means above the scale's midpoint (3 or 4 on 0–4). Pairs of models get a two-sided \
                Wilcoxon signed-rank test on per-image scores as scipy.stats.wilcoxon's defaults compute it \
                (zeros dropped, average ranks; exact for n ≤ 50 without ties or zeros, exact sign-flip \
                permutation for n ≤ 13 otherwise, else the normal approximation with tie correction).
                """)

        @Argument(help: "The study's name (made by 'explicable study review').")
        var study: String

        @Option(help: ArgumentHelp("Bootstrap replicates.", valueName: "b"))
        var replicates = 10_000

        @Option(help: ArgumentHelp("Coverage of the bootstrap interval.", valueName: "level"))
        var confidence = 0.95

        @Option(help: ArgumentHelp("Bootstrap seed (default: the spec's seed).", valueName: "s"))
        var seed: UInt64?

        @Flag(help: "Apply the continuity correction in the normal approximation (scipy's correction=True).")
        var continuityCorrection = false

        @Flag(help: "Print JSON instead of tables.")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard replicates >= 1 else { throw ValidationError("--replicates must be at least 1") }
            guard confidence > 0 && confidence < 1 else {
                throw ValidationError("--confidence must be between 0 and 1")
            }
        }

        func run() throws {
            let opened = try store.open()
            let loaded = try Study.named(study, in: opened)
            guard loaded.spec.design == .mistakeReview else {
                throw ExplicableError(
                    .invalidArgument, "study '\(study)' is a \(loaded.spec.design.rawValue) study, not mistake-review")
            }
            let points = loaded.spec.effectiveScale.map { Double($0.value) }
            let report = try MistakeReviewReport.make(
                studyId: loaded.id, study: study, items: loaded.items, store: opened,
                scale: points.min()!...points.max()!, confidence: confidence, replicates: replicates,
                seed: seed ?? loaded.spec.seed, continuityCorrection: continuityCorrection)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(
                    positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
                do { writeStdout(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n") } catch {
                    throw ExplicableError(.io, "cannot encode the report: \(error)")
                }
            } else {
                writeStdout(report.table)
            }
        }
    }
}
