import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the studies in the label store.")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let names = try Study.names(in: try store.open())
            writeStdout(names.map { $0 + "\n" }.joined())
        }
    }
}
