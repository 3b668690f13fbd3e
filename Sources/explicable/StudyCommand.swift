import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

/// `--db PATH`: the project's label store.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Design human studies, write their task pages, and keep their data in the label store.",
        subcommands: [
            Create.self, List.self, Tasks.self, Import.self, QC.self, Status.self, Review.self, ReviewReport.self,
            Serve.self,
            Allocations.self, Simulate.self,
        ])
}
