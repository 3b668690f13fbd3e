import ArgumentParser

@main
struct Explicable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explicable",
        abstract: "Human-expected class similarity (M^h) from WordNet and human studies, and classifiers trained to make mistakes people find reasonable.",
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
}
