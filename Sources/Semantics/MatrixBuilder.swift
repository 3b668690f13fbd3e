public import ExplicableCore
public import Foundation
public import LabelStore
public import WordNet

/// Where a class matrix comes from: the one grammar every command uses to name a matrix.
///
/// `matrix build --from`, `--prior`, and `--matrix`/`--eval-matrix` of `train`, `evaluate`,
/// `compare`, `report` and `demo` all parse their argument here and resolve it with
/// ``MatrixBuilder``:
///
/// | spelling | source |
/// |---|---|
/// | `likert:STUDY` | CHL from a class-pair study's accepted ratings |
/// | `instances:STUDY` | IHL from an instance-label study |
/// | `cifar10h` | IHL from CIFAR-10H's counts in the data folder |
/// | `counts:FILE.npy` | IHL from images × classes counts of the CIFAR-10 test set |
/// | `wordnet:MEASURE` (`wordnet` = `wordnet:path`) | EKL from Open English WordNet |
/// | `file:PATH`, or a bare `PATH` ending in `.npy`, `.csv` or `.json` | a matrix file |
/// | `matrix:NAME`, or a bare `NAME` | a matrix stored in the label store |
/// | `chl` | the paper's published CIFAR-10 CHL (`paper/cifar10_CHL_cmat.npy`) |
///
/// ```swift
/// let source = try MatrixSource(parsing: "wordnet:jcn")   // .wordnet(.jcn)
/// let same = try MatrixSource(parsing: "runs/chl.npy")    // .file(path: "runs/chl.npy")
/// ```
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
    /// The CHL matrix Olmo et al. published for CIFAR-10 (similarities 0–4, rows = true class).
    case publishedCHL

    /// File name endings that make a bare argument a ``file(path:)``.
    static let fileExtensions = [".npy", ".csv", ".json"]

    /// Parses one of the spellings in the table above.
    ///
    /// - Throws: `ExplicableError` (`invalidArgument`) for an unknown prefix or WordNet measure.
    public init(parsing text: String) throws(ExplicableError) {
        let (head, rest) =
            text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
            ?? (text, "")
        switch (head, rest.isEmpty) {
        case ("cifar10h", true): self = .cifar10h
        case ("chl", true): self = .publishedCHL
        case ("likert", false): self = .likert(study: rest)
        case ("instances", false): self = .instances(study: rest)
        case ("counts", false): self = .counts(path: rest)
        case ("file", false): self = .file(path: rest)
        case ("matrix", false): self = .stored(name: rest)
        case ("wordnet", _):
            guard let measure = Measure(rawValue: rest.isEmpty ? "path" : rest) else {
                throw ExplicableError(
                    .invalidArgument,
                    "unknown WordNet measure '\(rest)' in '\(text)' (expected one of: "
                        + Measure.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            self = .wordnet(measure)
        default:
            if Self.fileExtensions.contains(where: { text.lowercased().hasSuffix($0) }) || text.contains("/") {
                self = .file(path: text)
            } else if !text.isEmpty, !text.contains(":") {
                self = .stored(name: text)
            } else {
                throw ExplicableError(
                    .invalidArgument,
                    "unknown matrix source '\(text)' (expected likert:STUDY, instances:STUDY, cifar10h, counts:FILE.npy, "
                        + "wordnet:MEASURE, file:PATH or FILE.npy, matrix:NAME or NAME, or chl)")
            }
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
        case .publishedCHL: "chl"
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

/// Builds M^h matrices from the store, the data folder and WordNet, and resolves every matrix
/// name the commands take (see ``MatrixSource``).
///
/// ```swift
/// let builder = MatrixBuilder(store: nil, data: .resolve(nil),
///                             taxonomy: { Taxonomy(try LMFReader.read(lmf)) })
/// let jcn = try builder.matrix(named: "wordnet:jcn", over: cifar10)   // finite diagonal, as `matrix build`
/// ```
public struct MatrixBuilder {
    /// Opens the label store (for `likert:`, `instances:` and stored matrices) the first time a
    /// source needs it, and keeps it; `nil` when there is none. Sources that need no store
    /// (`chl`, files, WordNet, CIFAR-10H) never open it, so never migrate or trip over it.
    private let openStore: () throws(ExplicableError) -> LabelStore?
    public let data: DataFolder
    /// Loads WordNet when a source needs it.
    public let taxonomy: () throws(ExplicableError) -> Taxonomy

    public init(
        store: LabelStore?, data: DataFolder,
        taxonomy: @escaping () throws(ExplicableError) -> Taxonomy
    ) {
        self.init(openStore: { () throws(ExplicableError) in store }, data: data, taxonomy: taxonomy)
    }

    /// A builder that opens its store only when a source needs one (see `requireStore(for:)`).
    public init(
        openStore: @escaping () throws(ExplicableError) -> LabelStore?, data: DataFolder,
        taxonomy: @escaping () throws(ExplicableError) -> Taxonomy
    ) {
        let cache = StoreCache()
        self.openStore = { () throws(ExplicableError) -> LabelStore? in
            if let opened = cache.opened { return opened }
            let store = try openStore()
            cache.opened = .some(store)
            return store
        }
        self.data = data
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
        /// How the prior is put on the ratings' scale (``PriorFit``).
        public var priorFit: PriorFit = .minmax
        /// Bootstrap replicates for per-cell intervals of a single Likert source (0: none).
        public var bootstrap = 0
        public var seed: UInt64 = 1

        public init() {}
    }

    /// Builds one source, or the weighted merge of several (see ``Merge``).
    /// - Throws: `ExplicableError` when a source cannot be read, class sets differ, or the
    ///   result has cells without a value (Likert pairs nobody rated and no prior).
    public func build(_ sources: [(MatrixSource, weight: Double)], options: Options) throws(ExplicableError)
        -> BuiltMatrix
    {
        guard !sources.isEmpty else { throw ExplicableError(.invalidArgument, "give at least one source (--from)") }
        var built: [BuiltMatrix] = []
        for (source, _) in sources { built.append(try single(source, options: options)) }
        if var only = built.first, built.count == 1 {
            var prior = options.prior
            if prior == nil, case .likert(let name) = sources[0].0 { prior = try sparseStudyPrior(name) }
            if let prior {
                guard let counts = only.counts else {
                    throw ExplicableError(.invalidArgument, "--prior fills sparse cells of a likert: source only")
                }
                var priorOptions = options
                priorOptions.classes = only.matrix.classes  // the prior is over the study's classes
                let priorMatrix = try single(prior, options: priorOptions).matrix
                only.matrix = try Merge.shrink(
                    human: only.matrix, counts: counts, prior: priorMatrix, k: options.shrinkage,
                    fit: options.priorFit)
                only.matrix.provenance.parameters["cells"] = Self.cellSources(
                    counts: counts, classes: only.matrix.count)
            }
            try requireComplete(only.matrix)
            return only
        }
        if options.prior != nil {
            throw ExplicableError(
                .invalidArgument, "--prior applies to a single likert: source; merge with --from instead")
        }
        for b in built { try requireComplete(b.matrix) }
        let merged = try Merge.combine(zip(built, sources).map { Merge.Source($0.matrix, weight: $1.weight) })
        return BuiltMatrix(matrix: merged)
    }

    /// The prior a sparse class-pair study names in its spec (`pairs.prior`), parsed; `nil` for a
    /// study that asks about all pairs or names no prior (a pair file: give `--prior`).
    func sparseStudyPrior(_ name: String) throws(ExplicableError) -> MatrixSource? {
        let spec = try requireStore(for: "likert:\(name)").study(named: name).spec()
        return try spec.effectivePairs.prior.map { text throws(ExplicableError) in try MatrixSource(parsing: text) }
    }

    /// Which off-diagonal cells are human and which the prior's, for a provenance: the counts say
    /// it per cell (0 ratings: the prior's value).
    static func cellSources(counts: [Int], classes n: Int) -> String {
        var human = 0, prior = 0
        for cell in 0..<(n * n) where cell / n != cell % n {
            if counts[cell] > 0 { human += 1 } else { prior += 1 }
        }
        return "human: \(human) off-diagonal cells with ratings (shrunk toward the prior); prior: \(prior) cells "
            + "without ratings, the prior's value (per cell: counts = 0)"
    }

    func requireComplete(_ m: ClassMatrix) throws(ExplicableError) {
        guard let bad = m.values.firstIndex(where: { !$0.isFinite }) else { return }
        let what =
            m.values[bad].isNaN
            ? "has no value (nobody rated this pair; add a --prior or more ratings)" : "is \(m.values[bad])"
        throw ExplicableError(
            .badInput,
            "'\(m.provenance.source)': cell \(m.classes.labels[bad / m.count]) → \(m.classes.labels[bad % m.count]) \(what)"
        )
    }

    /// Resolves one matrix name (any spelling of ``MatrixSource``) to a complete matrix over `classes`.
    ///
    /// This is what `--matrix` and `--eval-matrix` mean in every command, and it builds exactly what
    /// `matrix build --from` would store (Jiang–Conrath's infinite diagonal replaced, Likert pairs
    /// without ratings refused).
    ///
    /// - Parameters:
    ///   - text: the name, e.g. `chl`, `wordnet:path`, `runs/m.npy`, `likert:pilot` or a stored name.
    ///   - classes: the classes the matrix must be over, in this order (a file's rows and columns
    ///     are read in it; WordNet synsets come from the built-in class set of the same name).
    ///   - fileKind: what a matrix file holds.
    /// - Throws: `ExplicableError` when the name is unknown, the source cannot be read, the
    ///   matrix is incomplete, or its classes differ from `classes`.
    public func matrix(named text: String, over classes: ClassSet, fileKind: ClassMatrix.Kind = .similarity)
        throws(ExplicableError) -> ClassMatrix
    {
        var options = Options()
        options.classes = classes
        options.fileKind = fileKind
        let built = try single(try MatrixSource(parsing: text), options: options)
        try requireComplete(built.matrix)
        try classes.requireSameOrder(as: built.matrix.classes, "matrix '\(text)'", "the data")
        return built.matrix
    }

    /// Where the store was looked for, for the message when a source needs one and there is none.
    public var missingStorePath: String?

    /// The store, or an error saying that `what` needs one.
    func requireStore(for what: String) throws(ExplicableError) -> LabelStore {
        guard let store = try openStore() else {
            let there = missingStorePath.map { "there is no store at \($0)" } ?? "there is none"
            throw ExplicableError(.invalidArgument, "\(what) is read from a label store, and \(there) (give --db PATH)")
        }
        return store
    }

    /// The CIFAR-10 test labels from the data folder.
    func testLabels() throws(ExplicableError) -> [Int] {
        let url = try data.locate(
            ["cifar-10-batches-bin/test_batch.bin"], what: "CIFAR-10 test batch",
            fetchHint: "explicable data fetch cifar10")
        let batch = try CIFARBinary(url: url)
        guard batch.count == 10_000 else {
            throw ExplicableError.badInput(
                "a CIFAR-10 test batch has 10000 images, this one \(batch.count)", file: url.path)
        }
        return (0..<batch.count).map(batch.label)
    }

    func single(_ source: MatrixSource, options: Options) throws(ExplicableError) -> BuiltMatrix {
        let fallbackClasses: ClassSet
        if let classes = options.classes {
            fallbackClasses = classes
        } else {
            fallbackClasses = try ClassSetCatalog.load("cifar10")
        }
        switch source {
        case .likert(let name):
            let store = try requireStore(for: "likert:\(name)")
            let study = try store.study(named: name)
            guard study.record.design != "instance-label" else {
                throw ExplicableError(
                    .invalidArgument, "study '\(name)' is an instance-label study: use instances:\(name)")
            }
            let ratings = try LikertRatings.load(
                studyId: study.record.id!, study: name, classes: study.classes,
                scale: try study.spec().scaleRange, from: store)
            let result = aggregate(ratings, options.aggregation)
            var matrix = result.matrix
            matrix.provenance.source = "likert"
            matrix.provenance.parameters["study"] = name
            matrix.provenance.parameters["ratings"] = String(ratings.count)
            matrix.provenance.parameters["annotators"] = String(ratings.annotatorCount)
            var built = BuiltMatrix(matrix: matrix, counts: result.counts, flagged: result.flagged)
            if options.bootstrap > 0 {
                let intervals = bootstrapIntervals(
                    ratings, options.aggregation, replicates: options.bootstrap,
                    seed: options.seed)
                built.lower = intervals.lower
                built.upper = intervals.upper
                built.matrix.provenance.parameters["bootstrap"] =
                    "\(options.bootstrap) replicates over annotators, 95% percentile intervals, seed \(options.seed)"
            }
            return built
        case .instances(let name):
            let store = try requireStore(for: "instances:\(name)")
            let study = try store.study(named: name)
            guard study.record.design == "instance-label" else {
                throw ExplicableError(
                    .invalidArgument, "study '\(name)' is not an instance-label study: use likert:\(name)")
            }
            let choices = try store.instanceChoiceCounts(studyId: study.record.id!)
            return BuiltMatrix(
                matrix: try InstanceLabels.matrix(
                    choices: choices, testLabels: try testLabels(),
                    classes: study.classes, study: name
                ).matrix)
        case .cifar10h:
            let url = try data.locate(
                ["cifar10h/cifar10h-counts.npy"], what: "CIFAR-10H counts",
                fetchHint: "download cifar10h-counts.npy from github.com/jcpeterson/cifar-10h into DATA/cifar10h/")
            return BuiltMatrix(
                matrix: try InstanceLabels.matrix(
                    countsFile: url, trueLabels: try testLabels(),
                    classes: fallbackClasses
                ).matrix)
        case .counts(let path):
            return BuiltMatrix(
                matrix: try InstanceLabels.matrix(
                    countsFile: URL(fileURLWithPath: path),
                    trueLabels: try testLabels(), classes: fallbackClasses
                ).matrix)
        case .wordnet(let measure):
            // A data set's classes carry no synsets; take them from the built-in class set of that name.
            var withSynsets = fallbackClasses
            if fallbackClasses.synsets.allSatisfy({ $0 == nil }),
                let builtIn = try? ClassSetCatalog.load(fallbackClasses.name), builtIn.labels == fallbackClasses.labels
            {
                withSynsets = builtIn
            }
            let calculator = SimilarityCalculator(
                taxonomy: try taxonomy(), simulateRoot: false,
                informationContent: measure.usesInformationContent)
            var matrix = try calculator.matrix(measure, classes: withSynsets)
            if measure == .jcn {
                // Jiang–Conrath is infinite for a class and itself; a stored matrix must be finite.
                let top = matrix.values.filter(\.isFinite).max() ?? 1
                for i in 0..<matrix.count where matrix[i, i].isInfinite { matrix[i, i] = top }
                matrix.provenance.parameters["diagonal"] = "largest finite value"
            }
            return BuiltMatrix(matrix: matrix)
        case .file(let path):
            return BuiltMatrix(
                matrix: try MatrixFile.read(
                    URL(fileURLWithPath: path), classes: fallbackClasses,
                    kind: options.fileKind))
        case .publishedCHL:
            let url = try PublishedData.paperCHL.locateOrFetch(data: data, allowDownload: DataFolder.allowsDownload())
            var matrix = try MatrixFile.read(url, classes: try ClassSetCatalog.load("cifar10"), kind: .similarity)
            matrix.provenance.source = "chl (Olmo et al., published)"
            return BuiltMatrix(matrix: matrix)
        case .stored(let name):
            let store = try requireStore(for: "matrix '\(name)'")
            let stored = try store.matrix(named: name)
            var matrix = stored.matrix
            matrix.provenance.parameters["stored as"] = "\(name) (\(stored.contentHash.prefix(12)))"
            return BuiltMatrix(matrix: matrix, counts: stored.counts, lower: stored.lower, upper: stored.upper)
        }
    }
}

extension MatrixBuilder {
    /// A taxonomy loader for ``init(store:data:taxonomy:)`` that reads `lmf` on first use and keeps it.
    ///
    /// - Parameter lmf: produces the LMF file's URL (locating or downloading it) when first needed.
    public static func cachedTaxonomy(lmf: @escaping () throws(ExplicableError) -> URL)
        -> () throws(ExplicableError) -> Taxonomy
    {
        let cache = TaxonomyCache()
        return { () throws(ExplicableError) -> Taxonomy in
            if let taxonomy = cache.taxonomy { return taxonomy }
            let taxonomy = Taxonomy(try WordNetGraph.load(try lmf()))
            cache.taxonomy = taxonomy
            return taxonomy
        }
    }
}

/// The store a lazily opening ``MatrixBuilder`` keeps once opened (`.some(nil)`: looked, none there).
private final class StoreCache {
    var opened: LabelStore??
}

/// The taxonomy ``MatrixBuilder/cachedTaxonomy(lmf:)`` keeps between calls (one command's lifetime).
private final class TaxonomyCache {
    var taxonomy: Taxonomy?
}
