import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a matrix file (.npy, CSV or JSON) under a name, e.g. a published M^h.")

        @Argument(help: "The name to store it under.")
        var name: String

        @Argument(help: ArgumentHelp("The matrix file.", valueName: "file"))
        var file: String

        @Option(
            help: ArgumentHelp(
                "The class set its rows and columns follow: cifar10, cifar100, imagenet1k or a TSV.",
                valueName: "set"))
        var classes: String

        @Option(help: "similarity or distance.")
        var kind: ClassMatrix.Kind = .similarity

        @Flag(help: "Replace a stored matrix of the same name.")
        var replace = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            let m = try MatrixFile.read(
                URL(fileURLWithPath: file), classes: try ClassSetCatalog.load(classes), kind: kind)
            let stored = StoredMatrix(name: name, matrix: m)
            try store.open().saveMatrix(stored, replace: replace)
            writeStdout(
                "stored '\(name)': \(m.kind.rawValue), \(m.classes.name) (\(m.count) classes), "
                    + "hash \(stored.contentHash.prefix(12))\n")
        }
    }
}
