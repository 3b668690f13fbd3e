import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a matrix from one source, or merge several, and store it under a name.",
            discussion: """
                Likert sources are aggregated per directed pair from accepted submissions (run 'study qc' \
                first). Several --from are merged on the first one's scale with --weight (see docs/matrices.md). \
                --prior fills sparse pairs of a single likert: source with weight n/(n+k), k = --shrinkage; a \
                sparse study's own prior (its spec's pairs.prior) is used when --prior is not given; \
                --prior-fit calibrated fits it to the rated pairs first (minmax: linear, the default). The \
                provenance's 'cells' says how many cells are human and how many the prior's ('matrix show --ci' \
                marks each).
                """)

        @Argument(help: "The name to store the matrix under.")
        var name: String

        @Option(name: .customLong("from"), help: ArgumentHelp("A source (repeat to merge).", valueName: "source"))
        var sources: [String]

        @Option(help: ArgumentHelp("Merge weight of each --from, in order (default: equal).", valueName: "w"))
        var weight: [Double] = []

        @Option(
            help: ArgumentHelp(
                "Class set for wordnet:, file: and counts: sources: cifar10, cifar100, imagenet1k or a TSV.",
                valueName: "set"))
        var classes: String?

        @Option(help: "What a file: source holds: similarity or distance.")
        var kind: ClassMatrix.Kind = .similarity

        @Option(help: "Likert cell statistic: mean, median or trimmed-mean.")
        var statistic: LikertAggregation.Statistic = .mean

        @Option(help: "Fraction cut from each end for trimmed-mean.")
        var trim = 0.1

        @Flag(help: "z-score each annotator's ratings, mapped back to the scale, before aggregating.")
        var zScore = false

        @Option(help: "Diagonal value (default: the scale maximum, as the paper).")
        var diagonal: Double?

        @Option(help: "Make a Likert matrix symmetric: mean, max or min of a pair and its reverse (default: directed).")
        var symmetrize: LikertAggregation.Symmetrize?

        @Option(help: "Flag pairs with fewer ratings than this.")
        var minCount = 1

        @Option(help: ArgumentHelp("Prior that fills sparse Likert pairs (a source).", valueName: "source"))
        var prior: String?

        @Option(
            help: ArgumentHelp("Shrinkage strength k: a pair with n ratings weighs the prior k/(n+k).", valueName: "k"))
        var shrinkage = 5.0

        @Option(
            help: ArgumentHelp(
                "How the prior is put on the ratings' scale: minmax (linear) or calibrated (fitted to the rated "
                    + "pairs, monotone; what adaptive allocation and the design simulation use).",
                valueName: "fit"))
        var priorFit: PriorFit = .minmax

        @Option(
            help: ArgumentHelp(
                "Bootstrap replicates over annotators for per-cell 95% intervals (Likert; 0: none).",
                valueName: "n"))
        var bootstrap = 0

        @Option(help: "Seed of the bootstrap.")
        var seed: UInt64 = 1

        @Flag(help: "Replace a stored matrix of the same name.")
        var replace = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var wordnet: WordNetOptions

        func validate() throws {
            if !weight.isEmpty && weight.count != sources.count {
                throw ValidationError("give one --weight per --from (\(sources.count)), or none")
            }
            if bootstrap < 0 { throw ValidationError("--bootstrap must be ≥ 0") }
        }

        func run() throws {
            let parsed = try sources.map { source throws(ExplicableError) in try MatrixSource(parsing: source) }
            let labelStore = try store.open()
            var options = MatrixBuilder.Options()
            options.classes = try classes.map { set throws(ExplicableError) in try ClassSetCatalog.load(set) }
            options.fileKind = kind
            options.aggregation = try LikertAggregation(
                statistic: statistic, trim: trim, zScore: zScore,
                diagonal: diagonal, symmetrize: symmetrize, minCount: minCount)
            options.prior = try prior.map { p throws(ExplicableError) in try MatrixSource(parsing: p) }
            options.shrinkage = shrinkage
            options.priorFit = priorFit
            options.bootstrap = bootstrap
            options.seed = seed
            let built = try matrixBuilder(
                store: labelStore, data: wordnet.dataOptions.folder, lmf: wordnet.lmfOptions
            ).build(
                zip(parsed, weight.isEmpty ? Array(repeating: 1, count: parsed.count) : weight).map { ($0, $1) },
                options: options)
            let stored = StoredMatrix(
                name: name, matrix: built.matrix, lower: built.lower, upper: built.upper,
                counts: built.counts)
            try labelStore.saveMatrix(stored, replace: replace)
            if json {
                writeStdout(String(decoding: built.matrix.json(), as: UTF8.self) + "\n")
                return
            }
            let m = built.matrix
            writeStdout(
                "stored '\(name)': \(m.kind.rawValue), \(m.classes.name) (\(m.count) classes), "
                    + "hash \(stored.contentHash.prefix(12))\n")
            writeStdout("provenance: \(Merge.describe(m.provenance))\n")
            if !built.flagged.isEmpty {
                let shown = built.flagged.prefix(10).map {
                    "\(m.classes.labels[$0.row])→\(m.classes.labels[$0.column]) (\($0.count))"
                }
                writeStdout(
                    "\(built.flagged.count) pairs below \(minCount) ratings: \(shown.joined(separator: ", "))"
                        + (built.flagged.count > 10 ? ", …" : "") + "\n")
            }
            writeStdout(m.table(digits: 2))
        }
    }
}
