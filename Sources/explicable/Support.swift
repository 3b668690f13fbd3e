import ArgumentParser
import ExplicableCore
import Foundation
import WordNet

/// Runs `body`; an ``ExplicableError`` becomes one `Error: …` line on stderr and an exit code:
/// 2 for malformed input, 1 for everything else.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExplicableError {
        printError("Error: \(error.description)")
        throw ExitCode(error.kind == .badInput ? 2 : 1)
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Whether stderr is a terminal (progress is shown only then).
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

/// Options shared by commands that read the WordNet LMF file.
struct WordNetOptions: ParsableArguments {
    @Option(name: .customLong("lmf"), help: ArgumentHelp("WordNet LMF file (.xml or .xml.gz).", valueName: "path"))
    var lmf: String?

    @Option(help: ArgumentHelp("Data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable).", valueName: "dir"))
    var data: String?

    /// Reads the LMF file, printing warnings (at most five, then a count) to stderr.
    func load() throws(ExplicableError) -> (graph: WordNetGraph, url: URL, seconds: Double) {
        let bar = ProgressBar(label: OpenEnglishWordNet.fileName)
        let url = try OpenEnglishWordNet.locateOrFetch(
            lmf: lmf, data: DataFolder.resolve(data),
            allowDownload: ProcessInfo.processInfo.environment["EXPLICABLE_OFFLINE"] != "1",
            notice: { printError($0) }, progress: { bar.update($0, $1) })
        bar.finish()
        if stderrIsTerminal { printError("reading \(url.path) …") }
        let start = Date()
        let graph = try LMFReader.read(url)
        let seconds = Date().timeIntervalSince(start)
        for warning in graph.warnings.prefix(5) { printError("warning: \(warning.description)") }
        if graph.warnings.count > 5 { printError("warning: … and \(graph.warnings.count - 5) more") }
        return (graph, url, seconds)
    }
}

/// Writes `data` to stdout.
func writeStdout(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
