import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Reliability: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "How trustworthy a class-pair study's matrix is: split-half, Krippendorff's alpha, reliability curve.",
            discussion: """
                The reliability curve subsamples k ratings per pair (k = 2 … the fewest any pair has) and \
                correlates the k-rater matrix with the full one: it says how many raters were enough.
                """)

        @Argument(help: "A class-pair Likert study.")
        var study: String

        @Option(help: "Random splits for split-half reliability.")
        var splits = 100

        @Option(help: "Draws per k for the reliability curve.")
        var draws = 50

        @Option(help: "Largest k of the curve (default: the fewest ratings any pair has).")
        var maxK: Int?

        @Option(help: "Report the smallest k whose mean correlation reaches this.")
        var target = 0.9

        @Option(help: "Seed of the splits and draws.")
        var seed: UInt64 = 1

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if splits < 1 { throw ValidationError("--splits must be ≥ 1") }
            if draws < 2 { throw ValidationError("--draws must be ≥ 2") }
        }

        func run() throws {
            let labelStore = try store.open()
            let stored = try labelStore.study(named: study)
            let ratings = try LikertRatings.load(
                studyId: stored.record.id!, study: study, classes: stored.classes,
                scale: try stored.spec().scaleRange, from: labelStore)
            let report = StudyReliability.compute(ratings, splits: splits, draws: draws, maxK: maxK, seed: seed)
            // Within-rater agreement of accepted submissions' repeated showings (spec `repeats`).
            let retest =
                try stored.spec().repeats != nil
                ? TestRetest.compute(
                    try labelStore.repeatedAnswers(studyId: stored.record.id!).filter { $0.qcStatus == .accepted })
                : nil
            let enough = report.curve.smallestK(reaching: target)
            if json {
                var object: [String: Any] = [
                    "study": study, "ratings": ratings.count, "annotators": ratings.annotatorCount,
                    "splitHalf": [
                        "mean": report.splitHalf.mean, "sd": report.splitHalf.standardDeviation,
                        "splits": report.splitHalf.splits,
                    ] as [String: Any],
                    "krippendorffAlpha": ["interval": report.alphaInterval, "ordinal": report.alphaOrdinal],
                    "curve": report.curve.points.map {
                        ["k": $0.k, "mean": $0.mean, "sd": $0.standardDeviation, "p05": $0.p05, "p95": $0.p95]
                            as [String: Any]
                    },
                    "target": target, "smallestK": enough as Any,
                ]
                if let r = retest {
                    func value(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
                    object["testRetest"] =
                        [
                            "pairs": r.pairs, "submissions": r.raters.count, "icc31": value(r.icc),
                            "identical": value(r.exactAgreement),
                            "meanAbsoluteDifference": value(r.meanAbsoluteDifference),
                        ] as [String: Any]
                }
                writeStdout(jsonText(object))
                return
            }
            writeStdout("\(study): \(ratings.count) accepted ratings from \(ratings.annotatorCount) annotators\n")
            writeStdout(
                String(
                    format: "split-half (Spearman–Brown, %d splits): %.3f ± %.3f\n", report.splitHalf.splits,
                    report.splitHalf.mean, report.splitHalf.standardDeviation))
            writeStdout(
                String(
                    format: "Krippendorff's alpha: interval %.3f, ordinal %.3f\n", report.alphaInterval,
                    report.alphaOrdinal))
            if let retest { writeStdout(retest.summary + " (accepted submissions)\n") }
            writeStdout("reliability curve (correlation of the k-rater matrix with the full one, \(draws) draws):\n")
            writeStdout(
                alignedTable(
                    ["k", "mean", "sd", "5%", "95%"],
                    report.curve.points.map {
                        [
                            String($0.k), String(format: "%.3f", $0.mean), String(format: "%.3f", $0.standardDeviation),
                            String(format: "%.3f", $0.p05), String(format: "%.3f", $0.p95),
                        ]
                    }, rightAlign: true))
            writeStdout(
                enough.map { "\($0) raters per pair reach \(target)\n" }
                    ?? "no k up to \(report.curve.points.last?.k ?? 0) reaches \(target)\n")
        }
    }
}
