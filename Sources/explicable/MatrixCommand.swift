public import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Build, store, inspect, compare and export M^h class matrices.",
        discussion: """
            Sources: likert:STUDY (CHL, a class-pair study's accepted ratings), instances:STUDY (IHL, an \
            instance-label study), cifar10h (IHL from CIFAR-10H's counts in the data folder), counts:FILE.npy \
            (IHL from counts of the CIFAR-10 test images), wordnet:MEASURE (EKL), file:PATH (.npy, CSV or JSON, \
            e.g. a published matrix) and matrix:NAME (one already stored).
            """,
        subcommands: [Build.self, List.self, Show.self, Export.self, Import.self, Compare.self, Reliability.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a matrix from one source, or merge several, and store it under a name.",
            discussion: """
                Likert sources are aggregated per directed pair from accepted submissions (run 'study qc' \
                first). Several --from are merged on the first one's scale with --weight (see the README). \
                --prior fills sparse pairs of a single likert: source with weight n/(n+k), k = --shrinkage.
                """)

        @Argument(help: "The name to store the matrix under.")
        var name: String

        @Option(name: .customLong("from"), help: ArgumentHelp("A source (repeat to merge).", valueName: "source"))
        var sources: [String]

        @Option(help: ArgumentHelp("Merge weight of each --from, in order (default: equal).", valueName: "w"))
        var weight: [Double] = []

        @Option(help: ArgumentHelp("Class set for wordnet:, file: and counts: sources: cifar10, cifar100, imagenet1k or a TSV.",
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

        @Option(help: ArgumentHelp("Shrinkage strength k: a pair with n ratings weighs the prior k/(n+k).", valueName: "k"))
        var shrinkage = 5.0

        @Option(help: ArgumentHelp("Bootstrap replicates over annotators for per-cell 95% intervals (Likert; 0: none).",
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
            try reportingErrors {
                let parsed = try sources.map { source throws(ExplicableError) in try MatrixSource(parsing: source) }
                let labelStore = try store.open()
                var options = MatrixBuilder.Options()
                options.classes = try classes.map { set throws(ExplicableError) in try ClassSetCatalog.load(set) }
                options.fileKind = kind
                options.aggregation = try LikertAggregation(statistic: statistic, trim: trim, zScore: zScore,
                    diagonal: diagonal, symmetrize: symmetrize, minCount: minCount)
                options.prior = try prior.map { p throws(ExplicableError) in try MatrixSource(parsing: p) }
                options.shrinkage = shrinkage
                options.bootstrap = bootstrap
                options.seed = seed
                let built = try builder(labelStore, wordnet).build(
                    zip(parsed, weight.isEmpty ? Array(repeating: 1, count: parsed.count) : weight).map { ($0, $1) },
                    options: options)
                let stored = StoredMatrix(name: name, matrix: built.matrix, lower: built.lower, upper: built.upper,
                    counts: built.counts)
                try labelStore.saveMatrix(stored, replace: replace)
                if json {
                    writeStdout(String(decoding: built.matrix.json(), as: UTF8.self) + "\n")
                    return
                }
                let m = built.matrix
                writeStdout("stored '\(name)': \(m.kind.rawValue), \(m.classes.name) (\(m.count) classes), "
                    + "hash \(stored.contentHash.prefix(12))\n")
                writeStdout("provenance: \(Merge.describe(m.provenance))\n")
                if !built.flagged.isEmpty {
                    let shown = built.flagged.prefix(10).map {
                        "\(m.classes.labels[$0.row])→\(m.classes.labels[$0.column]) (\($0.count))"
                    }
                    writeStdout("\(built.flagged.count) pairs below \(minCount) ratings: \(shown.joined(separator: ", "))"
                        + (built.flagged.count > 10 ? ", …" : "") + "\n")
                }
                writeStdout(m.table(digits: 2))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored matrices.")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            try reportingErrors {
                let summaries = try store.open().matrixSummaries()
                if json {
                    let rows = summaries.map {
                        ["name": $0.name, "classSet": $0.classSet, "classes": String($0.classes), "kind": $0.kind.rawValue,
                         "source": $0.source, "contentHash": $0.contentHash]
                    }
                    writeStdout(jsonText(rows))
                    return
                }
                if summaries.isEmpty {
                    writeStdout("no matrices stored (build one with 'explicable matrix build NAME --from SOURCE')\n")
                    return
                }
                writeStdout(alignedTable(["name", "classes", "kind", "source", "hash"], summaries.map {
                    [$0.name, "\($0.classSet) (\($0.classes))", $0.kind.rawValue, $0.source, String($0.contentHash.prefix(12))]
                }))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a stored matrix as a table with class labels.")

        @Argument(help: "The matrix's name.")
        var name: String

        @Flag(help: "Also print the bootstrap interval of each cell (matrices built with --bootstrap).")
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
            try reportingErrors {
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
                guard let lower = stored.lower, let upper = stored.upper else {
                    throw ExplicableError(.invalidArgument,
                        "'\(name)' has no intervals; build it from a likert: source with --bootstrap N")
                }
                let cells = (0..<(m.count * m.count)).map { k in
                    String(format: "%.\(digits)f [%.\(digits)f, %.\(digits)f]", m.values[k], lower[k], upper[k])
                }
                writeStdout(alignedTable([""] + m.classes.labels, (0..<m.count).map { i in
                    [m.classes.labels[i]] + Array(cells[(i * m.count)..<((i + 1) * m.count)])
                }, rightAlign: true))
            }
        }
    }

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

        @Option(help: ArgumentHelp("A folder for PyTorch: similarity.npy, distance.npy, classes.txt, matrix.json, "
            + "explicable_loss.py (WLF and soft-label losses) and a torchrun example.", valueName: "dir"))
        var torch: String?

        @Option(name: .customLong("as"), help: "Convert first: similarity or distance (bound: the largest value).")
        var asKind: ClassMatrix.Kind?

        @Option(help: ArgumentHelp("Normalise rows first: softmax:SCALE (WLF targets) or l1.", valueName: "rule"))
        var normalise: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if output == nil && svg == nil && torch == nil { throw ValidationError("give -o FILE, --svg FILE or --torch DIR") }
            if let output, MatrixFormat(pathExtension: URL(fileURLWithPath: output).pathExtension) == nil {
                throw ValidationError("-o '\(output)' must end in .npy, .csv or .json")
            }
        }

        func run() throws {
            try reportingErrors {
                var m = try store.open().matrix(named: name).matrix
                if let asKind { m = asKind == .similarity ? try Conversions.asSimilarity(m) : try Conversions.asDistance(m) }
                if let normalise {
                    if normalise == "l1" {
                        m = try Conversions.rowL1(m)
                    } else if normalise.hasPrefix("softmax:"), let scale = Double(normalise.dropFirst("softmax:".count)) {
                        m = try Conversions.rowSoftmax(m, scale: scale)
                    } else {
                        throw ExplicableError(.invalidArgument, "--normalise '\(normalise)': expected softmax:SCALE or l1")
                    }
                }
                if let output {
                    try m.write(to: URL(fileURLWithPath: output))
                    printError("wrote \(m.count)×\(m.count) \(m.kind.rawValue) matrix '\(name)' to \(output)")
                }
                if let svg {
                    try NPYArray.writeAtomically(Data(MatrixSVG.heatmap(m, title: name).utf8), to: URL(fileURLWithPath: svg))
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

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a matrix file (.npy, CSV or JSON) under a name, e.g. a published M^h.")

        @Argument(help: "The name to store it under.")
        var name: String

        @Argument(help: ArgumentHelp("The matrix file.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("The class set its rows and columns follow: cifar10, cifar100, imagenet1k or a TSV.",
            valueName: "set"))
        var classes: String

        @Option(help: "similarity or distance.")
        var kind: ClassMatrix.Kind = .similarity

        @Flag(help: "Replace a stored matrix of the same name.")
        var replace = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            try reportingErrors {
                let m = try MatrixFile.read(URL(fileURLWithPath: file), classes: try ClassSetCatalog.load(classes), kind: kind)
                let stored = StoredMatrix(name: name, matrix: m)
                try store.open().saveMatrix(stored, replace: replace)
                writeStdout("stored '\(name)': \(m.kind.rawValue), \(m.classes.name) (\(m.count) classes), "
                    + "hash \(stored.contentHash.prefix(12))\n")
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two stored matrices: correlations, neighbour agreement, largest disagreements.")

        @Argument(help: "The first matrix.")
        var first: String

        @Argument(help: "The second matrix.")
        var second: String

        @Option(help: "Neighbours per class for top-k agreement.")
        var topK = 3

        @Option(help: "How many of the largest disagreements to list.")
        var show = 10

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            try reportingErrors {
                let labelStore = try store.open()
                var a = try labelStore.matrix(named: first).matrix, b = try labelStore.matrix(named: second).matrix
                // Compare like with like: a distance is turned into a similarity (max − d) first.
                if a.kind != b.kind {
                    a = try Conversions.asSimilarity(a)
                    b = try Conversions.asSimilarity(b)
                }
                let c = try MatrixComparison(a, b, neighbours: topK, disagreements: show)
                let labels = a.classes.labels
                if json {
                    writeStdout(jsonText([
                        "first": first, "second": second, "cells": c.cellCount, "pearson": c.pearson, "spearman": c.spearman,
                        "kendallTauB": c.kendallTauB, "neighbours": c.neighbours,
                        "neighbourAgreement": Dictionary(uniqueKeysWithValues: zip(labels, c.neighbourAgreement)),
                        "meanNeighbourAgreement": c.meanNeighbourAgreement,
                        "disagreements": c.disagreements.map {
                            ["from": labels[$0.row], "to": labels[$0.column], "first": $0.first, "second": $0.second,
                             "firstZ": $0.firstZ, "secondZ": $0.secondZ] as [String: Any]
                        },
                    ]))
                    return
                }
                writeStdout(String(format: "%@ vs %@ over %d off-diagonal cells: Pearson %.3f, Spearman %.3f, Kendall tau-b %.3f\n",
                    first, second, c.cellCount, c.pearson, c.spearman, c.kendallTauB))
                writeStdout(String(format: "top-%d neighbour agreement: mean %.2f\n", c.neighbours, c.meanNeighbourAgreement))
                writeStdout(alignedTable(["class", "agreement"], zip(labels, c.neighbourAgreement).map {
                    [$0, String(format: "%.2f", $1)]
                }))
                writeStdout("largest disagreements (z-scores over off-diagonal cells):\n")
                writeStdout(alignedTable(["pair", first, second, "z \(first)", "z \(second)"], c.disagreements.map {
                    ["\(labels[$0.row]) → \(labels[$0.column])", String(format: "%.3f", $0.first), String(format: "%.3f", $0.second),
                     String(format: "%+.2f", $0.firstZ), String(format: "%+.2f", $0.secondZ)]
                }))
            }
        }
    }

    struct Reliability: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How trustworthy a class-pair study's matrix is: split-half, Krippendorff's alpha, reliability curve.",
            discussion: """
                The reliability curve subsamples k ratings per pair (k = 2 … the fewest any pair has) and \
                correlates the k-rater matrix with the full one: it says how many raters were enough.
                """)

        @Argument(help: "A class-pair Likert study.")
        var study: String

        @Option(help: "Random splits for split-half reliability.")
        var splits = 100

        @Option(help: "Draws per k for the reliability curve.")
        var draws = 50

        @Option(help: "Largest k of the curve (default: the fewest ratings any pair has).")
        var maxK: Int?

        @Option(help: "Report the smallest k whose mean correlation reaches this.")
        var target = 0.9

        @Option(help: "Seed of the splits and draws.")
        var seed: UInt64 = 1

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if splits < 1 { throw ValidationError("--splits must be ≥ 1") }
            if draws < 2 { throw ValidationError("--draws must be ≥ 2") }
        }

        func run() throws {
            try reportingErrors {
                let labelStore = try store.open()
                let stored = try labelStore.study(named: study)
                let ratings = try LikertRatings.load(studyId: stored.record.id!, study: study, classes: stored.classes,
                    scale: try scaleOf(stored), from: labelStore)
                let report = StudyReliability.compute(ratings, splits: splits, draws: draws, maxK: maxK, seed: seed)
                let enough = report.curve.smallestK(reaching: target)
                if json {
                    writeStdout(jsonText([
                        "study": study, "ratings": ratings.count, "annotators": ratings.annotatorCount,
                        "splitHalf": ["mean": report.splitHalf.mean, "sd": report.splitHalf.standardDeviation,
                                      "splits": report.splitHalf.splits] as [String: Any],
                        "krippendorffAlpha": ["interval": report.alphaInterval, "ordinal": report.alphaOrdinal],
                        "curve": report.curve.points.map {
                            ["k": $0.k, "mean": $0.mean, "sd": $0.standardDeviation, "p05": $0.p05, "p95": $0.p95] as [String: Any]
                        },
                        "target": target, "smallestK": enough as Any,
                    ]))
                    return
                }
                writeStdout("\(study): \(ratings.count) accepted ratings from \(ratings.annotatorCount) annotators\n")
                writeStdout(String(format: "split-half (Spearman–Brown, %d splits): %.3f ± %.3f\n", report.splitHalf.splits,
                    report.splitHalf.mean, report.splitHalf.standardDeviation))
                writeStdout(String(format: "Krippendorff's alpha: interval %.3f, ordinal %.3f\n", report.alphaInterval,
                    report.alphaOrdinal))
                writeStdout("reliability curve (correlation of the k-rater matrix with the full one, \(draws) draws):\n")
                writeStdout(alignedTable(["k", "mean", "sd", "5%", "95%"], report.curve.points.map {
                    [String($0.k), String(format: "%.3f", $0.mean), String(format: "%.3f", $0.standardDeviation),
                     String(format: "%.3f", $0.p05), String(format: "%.3f", $0.p95)]
                }, rightAlign: true))
                writeStdout(enough.map { "\($0) raters per pair reach \(target)\n" }
                    ?? "no k up to \(report.curve.points.last?.k ?? 0) reaches \(target)\n")
            }
        }
    }
}

/// The scale of a stored class-pair study, from its spec.
func scaleOf(_ study: StoredStudy) throws(ExplicableError) -> ClosedRange<Double> {
    try StudySpec.decode(Data(study.record.specJSON.utf8), file: "study '\(study.record.name)' in the store").scaleRange
}

/// The matrix builder over the store, the data folder and (when a source needs it) WordNet.
func builder(_ store: LabelStore, _ wordnet: WordNetOptions) -> MatrixBuilder {
    MatrixBuilder(store: store, data: DataFolder.resolve(wordnet.data), studyScale: scaleOf,
        taxonomy: { () throws(ExplicableError) -> Taxonomy in Taxonomy(try wordnet.load().graph) })
}

extension LikertAggregation.Statistic: ExpressibleByArgument {}
extension LikertAggregation.Symmetrize: ExpressibleByArgument {}

/// Pretty-printed JSON with sorted keys, and a line end.
func jsonText(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// Columns padded to their widest cell; the first column left-aligned, the rest right-aligned
/// when `rightAlign`.
func alignedTable(_ header: [String], _ rows: [[String]], rightAlign: Bool = false) -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func pad(_ s: String, _ w: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, w - s.count))
        return right ? fill + s : s + fill
    }
    return all.map { row in
        let line = row.enumerated().map { c, cell in pad(cell, widths[c], right: rightAlign && c > 0) }.joined(separator: "  ")
        return String(line.reversed().drop { $0 == " " }.reversed())
    }.joined(separator: "\n") + "\n"
}
