public import ExplicableCore
import Foundation
public import LabelStore
public import WordNet

/// Where an M^h comes from, as `matrix build` names it.
public enum MatrixSource: Sendable, Equatable, CustomStringConvertible {
    /// CHL: a class-pair Likert study in the store (accepted submissions only).
    case likert(study: String)
    /// IHL: an instance-label study in the store, against the CIFAR-10 test labels.
    case instances(study: String)
    /// IHL from CIFAR-10H's counts in the data folder, against the CIFAR-10 test labels.
    case cifar10h
    /// IHL from an images × classes counts `.npy` of the CIFAR-10 test set.
    case counts(path: String)
    /// EKL: a WordNet measure over the class set.
    case wordnet(Measure)
    /// A matrix file (`.npy`, CSV or JSON), e.g. a published one.
    case file(path: String)
    /// A matrix already in the store.
    case stored(name: String)

    /// Parses `likert:STUDY`, `instances:STUDY`, `cifar10h`, `counts:FILE`, `wordnet:MEASURE`,
    /// `file:PATH` or `matrix:NAME`.
    public init(parsing text: String) throws(ExplicableError) {
        let (head, rest) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
            ?? (text, "")
        switch (head, rest.isEmpty) {
        case ("cifar10h", true): self = .cifar10h
        case ("likert", false): self = .likert(study: rest)
        case ("instances", false): self = .instances(study: rest)
        case ("counts", false): self = .counts(path: rest)
        case ("file", false): self = .file(path: rest)
        case ("matrix", false): self = .stored(name: rest)
        case ("wordnet", _):
            guard let measure = Measure(rawValue: rest.isEmpty ? "path" : rest) else {
                throw ExplicableError(.invalidArgument,
                    "unknown WordNet measure '\(rest)' (expected \(Measure.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self = .wordnet(measure)
        default:
            throw ExplicableError(.invalidArgument,
                "unknown matrix source '\(text)' (expected likert:STUDY, instances:STUDY, cifar10h, counts:FILE.npy, "
                    + "wordnet:MEASURE, file:PATH or matrix:NAME)")
        }
    }

    public var description: String {
        switch self {
        case .likert(let s): "likert:\(s)"
        case .instances(let s): "instances:\(s)"
        case .cifar10h: "cifar10h"
        case .counts(let p): "counts:\(p)"
        case .wordnet(let m): "wordnet:\(m.rawValue)"
        case .file(let p): "file:\(p)"
        case .stored(let n): "matrix:\(n)"
        }
    }
}

/// A built matrix with what the store keeps beside it.
public struct BuiltMatrix: Sendable {
    public var matrix: ClassMatrix
    /// Ratings per cell, for a Likert matrix.
    public var counts: [Int]?
    /// Off-diagonal cells below the minimum count.
    public var flagged: [AggregatedLikert.FlaggedCell] = []
    /// Bootstrap bounds, when asked for.
    public var lower: [Double]?
    public var upper: [Double]?
}

/// Builds M^h matrices from the store, the data folder and WordNet.
public struct MatrixBuilder {
    public let store: LabelStore
    public let data: DataFolder
    /// The scale (lowest…highest point) of a stored class-pair study; it lives in the study's
    /// spec, which the `Studies` target reads.
    public let studyScale: (StoredStudy) throws(ExplicableError) -> ClosedRange<Double>
    /// Loads WordNet when a source needs it.
    public let taxonomy: () throws(ExplicableError) -> Taxonomy

    public init(
        store: LabelStore, data: DataFolder,
        studyScale: @escaping (StoredStudy) throws(ExplicableError) -> ClosedRange<Double>,
        taxonomy: @escaping () throws(ExplicableError) -> Taxonomy
    ) {
        self.store = store
        self.data = data
        self.studyScale = studyScale
        self.taxonomy = taxonomy
    }

    /// The options of one build.
    public struct Options: Sendable {
        /// Class set for sources that do not carry one (WordNet, files, counts).
        public var classes: ClassSet?
        /// What a `file:` source holds.
        public var fileKind: ClassMatrix.Kind = .similarity
        public var aggregation: LikertAggregation = .paper
        /// Fill sparse cells of a single Likert source from this prior with weight n/(n+k).
        public var prior: MatrixSource?
        public var shrinkage: Double = 5
        /// Bootstrap replicates for per-cell intervals of a single Likert source (0: none).
        public var bootstrap = 0
        public var seed: UInt64 = 1

        public init() {}
    }

    /// Builds one source, or the weighted merge of several (see ``Merge``).
    /// - Throws: ``ExplicableError`` when a source cannot be read, class sets differ, or the
    ///   result has cells without a value (Likert pairs nobody rated and no prior).
    public func build(_ sources: [(MatrixSource, weight: Double)], options: Options) throws(ExplicableError) -> BuiltMatrix {
        guard !sources.isEmpty else { throw ExplicableError(.invalidArgument, "give at least one source (--from)") }
        var built: [BuiltMatrix] = []
        for (source, _) in sources { built.append(try single(source, options: options)) }
        if var only = built.first, built.count == 1 {
            if let prior = options.prior {
                guard let counts = only.counts else {
                    throw ExplicableError(.invalidArgument, "--prior fills sparse cells of a likert: source only")
                }
                let priorMatrix = try single(prior, options: options).matrix
                only.matrix = try Merge.shrink(human: only.matrix, counts: counts, prior: priorMatrix, k: options.shrinkage)
            }
            try requireComplete(only.matrix)
            return only
        }
        if options.prior != nil {
            throw ExplicableError(.invalidArgument, "--prior applies to a single likert: source; merge with --from instead")
        }
        for b in built { try requireComplete(b.matrix) }
        let merged = try Merge.combine(zip(built, sources).map { Merge.Source($0.matrix, weight: $1.weight) })
        return BuiltMatrix(matrix: merged)
    }

    func requireComplete(_ m: ClassMatrix) throws(ExplicableError) {
        guard let bad = m.values.firstIndex(where: { !$0.isFinite }) else { return }
        let what = m.values[bad].isNaN ? "has no value (nobody rated this pair; add a --prior or more ratings)" : "is \(m.values[bad])"
        throw ExplicableError(.badInput,
            "'\(m.provenance.source)': cell \(m.classes.labels[bad / m.count]) → \(m.classes.labels[bad % m.count]) \(what)")
    }

    /// The CIFAR-10 test labels from the data folder.
    func testLabels() throws(ExplicableError) -> [Int] {
        let url = try data.locate(["cifar-10-batches-bin/test_batch.bin"], what: "CIFAR-10 test batch",
            fetchHint: "explicable data fetch cifar10")
        let batch = try CIFARBinary(url: url)
        guard batch.count == 10_000 else {
            throw ExplicableError.badInput("a CIFAR-10 test batch has 10000 images, this one \(batch.count)", file: url.path)
        }
        return (0..<batch.count).map(batch.label)
    }

    func single(_ source: MatrixSource, options: Options) throws(ExplicableError) -> BuiltMatrix {
        let fallbackClasses: ClassSet
        if let classes = options.classes { fallbackClasses = classes } else { fallbackClasses = try ClassSetCatalog.load("cifar10") }
        switch source {
        case .likert(let name):
            let study = try store.study(named: name)
            guard study.record.design != "instance-label" else {
                throw ExplicableError(.invalidArgument, "study '\(name)' is an instance-label study: use instances:\(name)")
            }
            let ratings = try LikertRatings.load(studyId: study.record.id!, study: name, classes: study.classes,
                scale: try studyScale(study), from: store)
            let result = aggregate(ratings, options.aggregation)
            var matrix = result.matrix
            matrix.provenance.source = "likert"
            matrix.provenance.parameters["study"] = name
            matrix.provenance.parameters["ratings"] = String(ratings.count)
            matrix.provenance.parameters["annotators"] = String(ratings.annotatorCount)
            var built = BuiltMatrix(matrix: matrix, counts: result.counts, flagged: result.flagged)
            if options.bootstrap > 0 {
                let intervals = bootstrapIntervals(ratings, options.aggregation, replicates: options.bootstrap,
                    seed: options.seed)
                built.lower = intervals.lower
                built.upper = intervals.upper
                built.matrix.provenance.parameters["bootstrap"] =
                    "\(options.bootstrap) replicates over annotators, 95% percentile intervals, seed \(options.seed)"
            }
            return built
        case .instances(let name):
            let study = try store.study(named: name)
            guard study.record.design == "instance-label" else {
                throw ExplicableError(.invalidArgument, "study '\(name)' is not an instance-label study: use likert:\(name)")
            }
            let choices = try store.instanceChoiceCounts(studyId: study.record.id!)
            return BuiltMatrix(matrix: try InstanceLabels.matrix(choices: choices, testLabels: try testLabels(),
                classes: study.classes, study: name).matrix)
        case .cifar10h:
            let url = try data.locate(["cifar10h/cifar10h-counts.npy"], what: "CIFAR-10H counts",
                fetchHint: "download cifar10h-counts.npy from github.com/jcpeterson/cifar-10h into DATA/cifar10h/")
            return BuiltMatrix(matrix: try InstanceLabels.matrix(countsFile: url, trueLabels: try testLabels(),
                classes: fallbackClasses).matrix)
        case .counts(let path):
            return BuiltMatrix(matrix: try InstanceLabels.matrix(countsFile: URL(fileURLWithPath: path),
                trueLabels: try testLabels(), classes: fallbackClasses).matrix)
        case .wordnet(let measure):
            let calculator = SimilarityCalculator(taxonomy: try taxonomy(), simulateRoot: false,
                informationContent: measure.usesInformationContent)
            var matrix = try calculator.matrix(measure, classes: fallbackClasses)
            if measure == .jcn {
                // Jiang–Conrath is infinite for a class and itself; a stored matrix must be finite.
                let top = matrix.values.filter(\.isFinite).max() ?? 1
                for i in 0..<matrix.count where matrix[i, i].isInfinite { matrix[i, i] = top }
                matrix.provenance.parameters["diagonal"] = "largest finite value"
            }
            return BuiltMatrix(matrix: matrix)
        case .file(let path):
            return BuiltMatrix(matrix: try MatrixFile.read(URL(fileURLWithPath: path), classes: fallbackClasses,
                kind: options.fileKind))
        case .stored(let name):
            let stored = try store.matrix(named: name)
            var matrix = stored.matrix
            matrix.provenance.parameters["stored as"] = "\(name) (\(stored.contentHash.prefix(12)))"
            return BuiltMatrix(matrix: matrix, counts: stored.counts, lower: stored.lower, upper: stored.upper)
        }
    }
}
