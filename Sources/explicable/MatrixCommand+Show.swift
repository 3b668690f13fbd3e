import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a stored matrix as a table with class labels.")

        @Argument(help: "The matrix's name.")
        var name: String

        @Flag(
            help:
                "Also print each cell's bootstrap interval (--bootstrap) or rating count; cells filled from a prior say 'prior'."
        )
        var ci = false

        @Option(help: "Decimals.")
        var digits = 2

        @Flag(help: "Print JSON (labels, values, provenance, and intervals when stored).")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if !(0...12).contains(digits) { throw ValidationError("--digits must be between 0 and 12") }
        }

        func run() throws {
            let stored = try store.open().matrix(named: name)
            let m = stored.matrix
            if json {
                var object = try JSONSerialization.jsonObject(with: m.json()) as? [String: Any] ?? [:]
                object["name"] = name
                object["contentHash"] = stored.contentHash
                if let lower = stored.lower, let upper = stored.upper {
                    object["lower"] = (0..<m.count).map { Array(lower[($0 * m.count)..<(($0 + 1) * m.count)]) }
                    object["upper"] = (0..<m.count).map { Array(upper[($0 * m.count)..<(($0 + 1) * m.count)]) }
                }
                if let counts = stored.counts {
                    object["counts"] = (0..<m.count).map { Array(counts[($0 * m.count)..<(($0 + 1) * m.count)]) }
                }
                writeStdout(jsonText(object))
                return
            }
            writeStdout("\(name): \(m.kind.rawValue), \(m.classes.name), hash \(stored.contentHash.prefix(12))\n")
            writeStdout("provenance: \(Merge.describe(m.provenance))\n")
            guard ci else {
                writeStdout(m.table(digits: digits))
                return
            }
            // Cells filled from a prior (a sparse study's, or --prior) have no ratings: marked "prior".
            let isPrior: (Int) -> Bool = { k in
                m.provenance.parameters["prior"] != nil && k / m.count != k % m.count && (stored.counts?[k] ?? 1) == 0
            }
            let cells: [String]
            if let lower = stored.lower, let upper = stored.upper {
                cells = (0..<(m.count * m.count)).map { k in
                    isPrior(k)
                        ? String(format: "%.\(digits)f prior", m.values[k])
                        : String(format: "%.\(digits)f [%.\(digits)f, %.\(digits)f]", m.values[k], lower[k], upper[k])
                }
            } else if let counts = stored.counts, (0..<(m.count * m.count)).contains(where: isPrior) {
                cells = (0..<(m.count * m.count)).map { k in
                    isPrior(k)
                        ? String(format: "%.\(digits)f prior", m.values[k])
                        : String(format: "%.\(digits)f n=%d", m.values[k], counts[k])
                }
            } else {
                throw ExplicableError(
                    .invalidArgument,
                    "'\(name)' has no intervals; build it from a likert: source with --bootstrap N")
            }
            writeStdout(
                alignedTable(
                    [""] + m.classes.labels,
                    (0..<m.count).map { i in
                        [m.classes.labels[i]] + Array(cells[(i * m.count)..<((i + 1) * m.count)])
                    }, rightAlign: true))
        }
    }
}
