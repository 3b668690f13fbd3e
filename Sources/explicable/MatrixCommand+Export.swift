import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a stored matrix to .npy, CSV or JSON, and/or an SVG heatmap.",
            discussion: "PyTorch users: np.load the .npy (float64, rows = true class, columns = predicted class).")

        @Argument(help: "The matrix's name.")
        var name: String

        @Option(name: .shortAndLong, help: ArgumentHelp("A .npy, .csv or .json file.", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("An SVG heatmap with labelled axes and a colour bar.", valueName: "file"))
        var svg: String?

        @Option(
            help: ArgumentHelp(
                "A folder for PyTorch: similarity.npy, distance.npy, classes.txt, matrix.json, "
                    + "explicable_loss.py (WLF and soft-label losses) and a torchrun example.", valueName: "dir"))
        var torch: String?

        @Option(name: .customLong("as"), help: "Convert first: similarity or distance (bound: the largest value).")
        var asKind: ClassMatrix.Kind?

        @Option(help: ArgumentHelp("Normalise rows first: softmax:SCALE (WLF targets) or l1.", valueName: "rule"))
        var normalise: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if output == nil && svg == nil && torch == nil {
                throw ValidationError("give -o FILE, --svg FILE or --torch DIR")
            }
            if let output, MatrixFormat(pathExtension: URL(fileURLWithPath: output).pathExtension) == nil {
                throw ValidationError("-o '\(output)' must end in .npy, .csv or .json")
            }
        }

        func run() throws {
            var m = try store.open().matrix(named: name).matrix
            if let asKind { m = asKind == .similarity ? try m.asSimilarity() : try m.asDistance() }
            if let normalise {
                if normalise == "l1" {
                    m = try m.rowL1()
                } else if normalise.hasPrefix("softmax:"), let scale = Double(normalise.dropFirst("softmax:".count)) {
                    m = try m.rowSoftmax(scale: scale)
                } else {
                    throw ExplicableError(.invalidArgument, "--normalise '\(normalise)': expected softmax:SCALE or l1")
                }
            }
            if let output {
                try m.write(to: URL(fileURLWithPath: output))
                printError("wrote \(m.count)×\(m.count) \(m.kind.rawValue) matrix '\(name)' to \(output)")
            }
            if let svg {
                try NPYArray.writeAtomically(
                    Data(MatrixSVG.heatmap(m, title: name).utf8), to: URL(fileURLWithPath: svg))
                printError("wrote the heatmap of '\(name)' to \(svg)")
            }
            if let torch {
                let templates = try RepositoryFolder.locate("explicable_loss.py", in: "templates/pytorch")
                let files = try TorchExport.write(m, to: URL(fileURLWithPath: torch), templates: templates)
                printError("wrote \(files.map(\.lastPathComponent).joined(separator: ", ")) to \(torch)")
                printError("train with: torchrun --nproc_per_node=N \(torch)/train_ddp.py --export \(torch)")
            }
        }
    }
}
