import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies

extension StudyCommand {
    struct QC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qc",
            abstract: "Apply the study's quality-control rules, store the decisions and print them per submission.")

        @Argument(help: "The study's name.")
        var study: String

        @Option(
            help: ArgumentHelp(
                "Decide one assignment by hand: ASSIGNMENT=accept or ASSIGNMENT=reject[:reason].",
                valueName: "decision"))
        var override: [String] = []

        @Option(help: ArgumentHelp("Write the MTurk approve/reject CSV here.", valueName: "file"))
        var mturkDecisions: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            for decision in override where !decision.contains("=") {
                throw ValidationError("--override takes ASSIGNMENT=accept or ASSIGNMENT=reject[:reason]")
            }
        }

        func run() throws {
            let opened = try store.open()
            let named = try Study.named(study, in: opened)
            let qc = QualityControl(study: named, store: opened)
            for decision in override {
                let parts = decision.split(separator: "=", maxSplits: 1).map(String.init)
                let verdict = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
                guard ["accept", "reject"].contains(verdict[0]) else {
                    throw ExplicableError(.invalidArgument, "--override '\(decision)': say accept or reject")
                }
                try qc.override(
                    assignmentID: parts[0], accept: verdict[0] == "accept", reason: verdict.count > 1 ? verdict[1] : nil
                )
            }
            let rows = try qc.run()
            // Test–retest (spec `repeats`): each submission's correlation of first and later showings.
            let retest =
                named.spec.allowsRepeats ? TestRetest.compute(try opened.repeatedAnswers(studyId: named.id)) : nil
            let retestByAssignment = Dictionary(
                (retest?.raters ?? []).map { ($0.assignmentID, $0) }, uniquingKeysWith: { first, _ in first })
            var out = "assignment\tannotator\tanswers\tfailed checks\ts/item\tsame answer\tagreement\t"
            out += (retest != nil ? "retest r\t" : "") + "decision\treason\n"
            func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
            for r in rows {
                var kinds: [String] = []
                if r.failedSelfPairs > 0 { kinds.append("\(r.failedSelfPairs) self-pair") }
                if r.failedTextChecks > 0 { kinds.append("\(r.failedTextChecks) text") }
                if r.failedChoiceChecks > 0 { kinds.append("\(r.failedChoiceChecks) multi-select") }
                let failed = "\(r.failedChecks)" + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))")
                out += "\(r.assignmentID)\t\(r.annotator)\t\(r.answers)\t\(failed)\t\(f(r.secondsPerItem, "%.1f"))\t"
                out += "\(f(r.sameAnswerShare.map { $0 * 100 }, "%.0f%%"))\t\(f(r.agreement, "%.2f"))\t"
                if retest != nil { out += f(retestByAssignment[r.assignmentID]?.correlation, "%.2f") + "\t" }
                out += "\(r.status.rawValue)\(r.isOverridden ? " (by hand)" : "")\t\(r.reason ?? "")\n"
            }
            let accepted = rows.filter { $0.status == .accepted }.count
            out += "\(accepted) accepted, \(rows.count - accepted) rejected of \(rows.count) submissions\n"
            if let retest { out += retest.summary + " (all submissions; matrices use first showings)\n" }
            writeStdout(out)
            if let mturkDecisions {
                do {
                    try Data(QualityControl.mturkDecisions(rows).utf8).write(
                        to: URL(fileURLWithPath: mturkDecisions), options: .atomic)
                } catch {
                    throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: mturkDecisions)
                }
            }
        }
    }
}
