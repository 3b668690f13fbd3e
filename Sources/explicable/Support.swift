import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import WordNet

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Writes `text` to stdout.
func writeStdout(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Whether stderr is a terminal (progress is shown only then).
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

/// `--data`: the data folder, declared once for every command that reads public data.
struct DataFolderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable); training also takes the folder "
                + "holding the CIFAR batches itself.", valueName: "dir"))
    var data: String?

    /// The folder; missing public data is downloaded into it unless `EXPLICABLE_OFFLINE=1`.
    var folder: DataFolder { DataFolder.resolve(data) }
}

/// `--db`: the label store, declared once.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The label store (SQLite).", valueName: "path"))
    var db = "explicable.sqlite"

    func open() throws(ExplicableError) -> LabelStore { try LabelStore(path: db) }

    /// The store if its file exists, else `nil` (commands that only may read matrices from it).
    func openIfPresent() throws(ExplicableError) -> LabelStore? {
        FileManager.default.fileExists(atPath: db) ? try open() : nil
    }
}

/// `--lmf`: the WordNet LMF file, declared once.
struct LMFOptions: ParsableArguments {
    @Option(
        name: .customLong("lmf"),
        help: ArgumentHelp(
            "WordNet LMF file (.xml or .xml.gz; default: the Open English WordNet in the data folder).",
            valueName: "path"))
    var lmf: String?

    /// The LMF file: `--lmf`, else the data folder's copy, downloaded when missing and allowed.
    func locate(in data: DataFolder) throws(ExplicableError) -> URL {
        let bar = ProgressBar(label: OpenEnglishWordNet.fileName)
        defer { bar.finish() }
        return try OpenEnglishWordNet.locateOrFetch(
            lmf: lmf, data: data, allowDownload: DataFolder.allowsDownload(), notice: { printError($0) },
            progress: { bar.update($0, $1) })
    }
}

/// Options of commands that read WordNet: `--lmf` and `--data`.
struct WordNetOptions: ParsableArguments {
    @OptionGroup var lmfOptions: LMFOptions
    @OptionGroup var dataOptions: DataFolderOptions

    /// Reads the LMF file, printing warnings (at most five, then a count) to stderr.
    func load() throws(ExplicableError) -> (graph: WordNetGraph, url: URL, seconds: Double) {
        let url = try lmfOptions.locate(in: dataOptions.folder)
        if stderrIsTerminal { printError("reading \(url.path) …") }
        let start = Date()
        let graph = try WordNetGraph.load(url)
        let seconds = Date().timeIntervalSince(start)
        for warning in graph.warnings.prefix(5) { printError("warning: \(warning.description)") }
        if graph.warnings.count > 5 { printError("warning: … and \(graph.warnings.count - 5) more") }
        return (graph, url, seconds)
    }
}

/// The matrix builder every command resolves matrix names with (``MatrixSource``'s grammar).
///
/// - Parameter store: the label store, if there is one.
func matrixBuilder(store: LabelStore?, data: DataFolder, lmf: LMFOptions) -> MatrixBuilder {
    matrixBuilder(openStore: { () throws(ExplicableError) in store }, data: data, lmf: lmf)
}

/// The same, opening the store only if a source needs it.
func matrixBuilder(
    openStore: @escaping () throws(ExplicableError) -> LabelStore?, data: DataFolder, lmf: LMFOptions
) -> MatrixBuilder {
    MatrixBuilder(
        openStore: openStore, data: data,
        taxonomy: MatrixBuilder.cachedTaxonomy(lmf: { () throws(ExplicableError) in try lmf.locate(in: data) }))
}

/// `--corruptions`, shared by `demo` and `compare`: a comma-separated list of CIFAR-10-C-style corruptions.
struct CorruptionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Corruptions for OOD, comma-separated (default: all of \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))).",
            valueName: "list"))
    var corruptions: String?

    func validate() throws { _ = try list() }

    /// The corruptions named, in the order given; all of them without `--corruptions`.
    func list() throws -> [Corruption] {
        guard let corruptions else { return Corruption.allCases }
        return try corruptions.split(separator: ",").map { name in
            guard let c = Corruption(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "unknown corruption '\(name)' (expected: \(Corruption.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            return c
        }
    }
}
