import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ratings collected against the target, submissions by decision, and the cost of finishing.")

        @Argument(help: "The study's name.")
        var study: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let opened = try store.open()
            let s = try StudyStatus.of(try Study.named(study, in: opened), in: opened)
            let percent = s.targetRatings == 0 ? 100 : 100 * Double(s.ratingsCollected) / Double(s.targetRatings)
            writeStdout(
                """
                ratings: \(s.ratingsCollected) of \(s.targetRatings) (\(String(format: "%.1f", percent))%); \
                items complete: \(s.itemsComplete) of \(s.items)
                submissions: \(s.submissionsAccepted) accepted, \(s.submissionsRejected) rejected, \(s.submissionsPending) not yet checked
                to finish: \(s.assignmentsRemaining) assignments, \(String(format: "%.2f", s.remainingCost)) \(s.currency) with platform fees

                """)
        }
    }
}
