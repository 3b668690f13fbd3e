import ArgumentParser
import ExplicableCore
import Foundation

@main
struct Explicable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explicable",
        abstract:
            "Human-expected class similarity (M^h) from WordNet and human studies, and classifiers trained to make mistakes people find reasonable.",
        discussion: """
            Exit codes: 0 success, 1 failure, 2 malformed input file, 64 bad arguments.
            Large inputs live in the data folder: --data DIR, else $EXPLICABLE_DATA, else ~/.cache/explicable.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, WordNetCommand.self, StudyCommand.self, MatrixCommand.self, TrainCommand.self,
            EvaluateCommand.self, CompareCommand.self, AuditCommand.self, ReportCommand.self, DataCommand.self,
        ]
    )

    /// The one error boundary: parse, run, and map errors to exit codes.
    ///
    /// A library error (``ReportableError``: ``ExplicableError``, ``TrainingError`` …) becomes one
    /// `Error: …` line on stderr and exit 2 (malformed input file) or 1 (anything else);
    /// ArgumentParser's own errors keep its codes (64 for bad arguments, 0 for `--help`).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as any ReportableError {
            printError("Error: \(error.description)")
            Foundation.exit(error.isMalformedInput ? 2 : 1)
        } catch {
            exit(withError: error)
        }
    }
}
