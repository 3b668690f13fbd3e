public import ArgumentParser
import ExplicableCore
import Foundation
import WordNet

struct WordNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wordnet",
        abstract: "Read WordNet LMF files and derive class-distance matrices (EKL).",
        subcommands: [Info.self, Lookup.self, Map.self, Matrix.self, Slice.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the lexicons, counts and parse time of an LMF file.")

        @Argument(
            help: ArgumentHelp("LMF file (default: the Open English WordNet in the data folder).", valueName: "file"))
        var file: String?

        @OptionGroup var wordnet: WordNetOptions

        @Flag(help: "Print JSON to stdout.")
        var json = false

        func run() throws {
            var options = wordnet
            if let file { options.lmfOptions.lmf = file }
            let (graph, url, seconds) = try options.load()
            let summary = Taxonomy(graph).summary()
            if json {
                struct Output: Encodable {
                    var file: String
                    var parseSeconds: Double
                    var summary: WordNetSummary
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(Output(file: url.path, parseSeconds: seconds, summary: summary))
                writeStdout(String(decoding: data, as: UTF8.self) + "\n")
                return
            }
            var out = "file: \(url.path)\n"
            for lexicon in summary.lexicons {
                out +=
                    "lexicon: \(lexicon.id) \"\(lexicon.label)\" version \(lexicon.version), "
                    + "language \(lexicon.language), license \(lexicon.license)\n"
            }
            let byPOS = summary.synsetsByPartOfSpeech.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out +=
                "entries: \(summary.entries)  senses: \(summary.senses)  synsets: \(summary.synsets) "
                + "(\(byPOS.joined(separator: ", ")))\n"
            out +=
                "relations: \(summary.synsetRelations) synset, \(summary.senseRelations) sense; "
                + "taxonomy edges: \(summary.taxonomyEdges)\n"
            let depths = summary.taxonomyDepth.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out += "taxonomy depth: \(depths.joined(separator: ", "))\n"
            out += "warnings: \(summary.warnings)\n"
            out += String(format: "parse time: %.2f s\n", seconds)
            writeStdout(out)
        }
    }

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the senses of a word, or a synset by id or ILI, with definitions and hypernym chains.")

        @Argument(
            help: ArgumentHelp("A word, a synset id (oewn-02084071-n) or an ILI (i46360).", valueName: "word-or-id"))
        var query: String

        @Option(help: "Only this part of speech (n, v, a, r).")
        var pos: String?

        @OptionGroup var wordnet: WordNetOptions

        func validate() throws {
            if let pos, pos.count != 1 { throw ValidationError("--pos takes one letter: n, v, a, r or s") }
        }

        func run() throws {
            let taxonomy = Taxonomy(try wordnet.load().graph)
            let graph = taxonomy.graph
            var synsets = graph.synset(forID: query).map { [$0] } ?? graph.synsets(forLemma: query)
            if let pos { synsets = synsets.filter { WordNetGraph.samePOS(graph.synsetPOS[Int($0)], pos.first) } }
            guard !synsets.isEmpty else {
                throw ExplicableError(.invalidArgument, "no synset or lemma matches '\(query)'")
            }
            var out = ""
            for (n, s) in synsets.enumerated() {
                let i = Int(s)
                out += "\(n + 1). \(graph.synsetIDs[i]) [\(graph.synsetPOS[i].map(String.init) ?? "?")]"
                if let ili = graph.synsetILI[i] { out += " ili \(ili)" }
                out += "\n   lemmas: \(graph.lemmas(of: s).joined(separator: ", "))\n"
                if let definition = graph.synsetDefinition[i] { out += "   definition: \(definition)\n" }
                let chain = taxonomy.hypernymChain(of: s)
                if !chain.isEmpty {
                    out += "   hypernyms: " + chain.map { graph.displayName($0) }.joined(separator: " > ") + "\n"
                }
                let others = graph.hypernyms(of: s).dropFirst()
                if !others.isEmpty {
                    out += "   also under: " + others.map { graph.displayName($0) }.joined(separator: ", ") + "\n"
                }
            }
            writeStdout(out)
        }
    }

    struct Map: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every class of a class set resolves to exactly one noun synset.")

        @Argument(help: ArgumentHelp("cifar10, cifar100, imagenet1k, or a class-set TSV.", valueName: "classset"))
        var classSet: String

        @OptionGroup var wordnet: WordNetOptions

        func run() throws {
            let classes = try ClassSetCatalog.load(classSet)
            let graph = try wordnet.load().graph
            let mapper = ClassSetMapper(graph: graph)
            let report = mapper.check(classes)
            var out = ""
            for (i, outcome) in report.outcomes.enumerated() {
                guard case .resolved(let s, let via) = outcome else { continue }
                let definition = graph.synsetDefinition[Int(s)] ?? ""
                out += "\(i)\t\(classes.labels[i])\t\(graph.synsetIDs[Int(s)])\t\(via)\t\(definition)\n"
            }
            writeStdout(out)
            let problems = mapper.describeProblems(report)
            guard problems.isEmpty else {
                for line in problems { printError(line) }
                throw ExplicableError(
                    .badInput,
                    "\(problems.count) of \(classes.count) classes of '\(classes.name)' did not map to one noun synset")
            }
            printError("all \(classes.count) classes of '\(classes.name)' map to one noun synset each")
        }
    }

    struct Matrix: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute a class-by-class WordNet similarity or distance matrix.",
            discussion: """
                Measures: path, wup, lch (as the Python package wn defines them), lca-height (distance: \
                the height of the lowest common ancestor, Bertinetto et al. 2020), res, lin, jcn \
                (intrinsic information content). Without -o a table is printed.
                """)

        @Argument(help: ArgumentHelp("cifar10, cifar100, imagenet1k, or a class-set TSV.", valueName: "classset"))
        var classSet: String

        @Option(help: "path, wup, lch, lca-height, res, lin or jcn.")
        var measure: Measure = .path

        @Flag(help: "Connect all roots through a simulated root node, as wn's simulate_root.")
        var simulateRoot = false

        @Option(
            name: .shortAndLong,
            help: ArgumentHelp("Write the matrix to a .npy, .csv or .json file.", valueName: "file"))
        var output: String?

        @Flag(help: "Print the matrix as JSON to stdout.")
        var json = false

        @Option(help: "Decimals in the printed table.")
        var digits = 3

        @OptionGroup var wordnet: WordNetOptions

        func validate() throws {
            if let output, MatrixFormat(pathExtension: URL(fileURLWithPath: output).pathExtension) == nil {
                throw ValidationError("-o '\(output)' must end in .npy, .csv or .json")
            }
            if json && output != nil { throw ValidationError("--json and -o exclude each other") }
            if !(0...12).contains(digits) { throw ValidationError("--digits must be between 0 and 12") }
        }

        func run() throws {
            let classes = try ClassSetCatalog.load(classSet)
            let taxonomy = Taxonomy(try wordnet.load().graph)
            let calculator = SimilarityCalculator(
                taxonomy: taxonomy, simulateRoot: simulateRoot, informationContent: measure.usesInformationContent)
            let matrix = try calculator.matrix(measure, classes: classes)
            if let output {
                try matrix.write(to: URL(fileURLWithPath: output))
                printError(
                    "wrote \(classes.count)×\(classes.count) \(measure.rawValue) \(matrix.kind.rawValue) matrix to \(output)"
                )
            } else if json {
                writeStdout(String(decoding: matrix.json(), as: UTF8.self) + "\n")
            } else {
                writeStdout(
                    "\(measure.rawValue) \(matrix.kind.rawValue), \(classes.name)\n" + matrix.table(digits: digits))
            }
        }
    }

    struct Slice: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a small LMF file with just the synsets on the hypernym paths of a class set.",
            discussion: "Matrices computed from the slice equal those from the full wordnet.")

        @Argument(help: ArgumentHelp("cifar10, cifar100, imagenet1k, or a class-set TSV.", valueName: "classset"))
        var classSet: String

        @Option(name: .shortAndLong, help: ArgumentHelp("The LMF file to write.", valueName: "file"))
        var output: String

        @OptionGroup var wordnet: WordNetOptions

        func run() throws {
            let classes = try ClassSetCatalog.load(classSet)
            let taxonomy = Taxonomy(try wordnet.load().graph)
            let synsets = try ClassSetMapper(graph: taxonomy.graph).resolve(classes)
            try SliceWriter.write(taxonomy, around: synsets, to: URL(fileURLWithPath: output))
            printError("wrote the slice for \(classes.count) classes of '\(classes.name)' to \(output)")
        }
    }
}

extension Measure: ExpressibleByArgument {}
