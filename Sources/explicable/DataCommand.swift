import ArgumentParser
import ExplicableCore
import Foundation
import WordNet

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Manage the data folder.", subcommands: [Fetch.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a public data set into the data folder.",
            discussion: "Data sets: wordnet (Open English WordNet \(OpenEnglishWordNet.edition), CC BY 4.0).")

        enum DataSet: String, ExpressibleByArgument, CaseIterable { case wordnet }

        @Argument(help: "The data set to fetch.")
        var dataSet: DataSet

        @Option(help: ArgumentHelp("Data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable).", valueName: "dir"))
        var data: String?

        @Option(help: ArgumentHelp("Download from this URL instead of the official release.", valueName: "url"))
        var url: String?

        func validate() throws {
            if let url, URL(string: url)?.scheme == nil { throw ValidationError("--url '\(url)' is not a URL") }
        }

        func run() throws {
            try reportingErrors {
                let folder = DataFolder.resolve(data)
                let bar = ProgressBar(label: OpenEnglishWordNet.fileName)
                let source = url.flatMap(URL.init(string:)) ?? OpenEnglishWordNet.downloadURL
                let destination = try OpenEnglishWordNet.fetch(into: folder, from: source) { bar.update($0, $1) }
                bar.finish()
                writeStdout(destination.path + "\n")
            }
        }
    }
}
