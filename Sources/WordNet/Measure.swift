public import ExplicableCore
import Foundation

/// A similarity or distance between two synsets, computed on the hypernym taxonomy.
///
/// `path`, `wup` and `lch` are defined exactly as in the Python package `wn` 1.1
/// (`wn.similarity`), including `simulate_root`. `res`, `lin` and `jcn` follow `wn`'s formulas
/// with intrinsic information content (Seco, Veale & Hayes 2004), because Open English WordNet
/// ships no corpus counts. `lca-height` is the mistake severity of Bertinetto et al. (CVPR 2020).
public enum Measure: String, Sendable, CaseIterable {
    /// 1 / (shortest path length + 1); 0 when no path connects the synsets.
    case path
    /// Wu–Palmer: 2k / (i + j + 2k), k = max depth of the lowest common subsumer + 1.
    case wup
    /// Leacock–Chodorow: −log((shortest path + 1) / (2 · taxonomy depth of the part of speech)).
    case lch
    /// Height of the lowest common ancestor: the smaller number of edges from the farther of the
    /// two synsets up to a shared ancestor, minimised over shared ancestors (0 for a synset and itself).
    case lcaHeight = "lca-height"
    /// Resnik: IC of the most informative lowest common subsumer.
    case res
    /// Lin: 2 · IC(lcs) / (IC(a) + IC(b)).
    case lin
    /// Jiang–Conrath: 1 / (IC(a) + IC(b) − 2 · IC(lcs)); infinite for identical synsets.
    case jcn

    /// Whether larger values mean closer (similarity) or further (distance).
    public var kind: ClassMatrix.Kind { self == .lcaHeight ? .distance : .similarity }

    /// Whether the measure needs information content (`res`, `lin`, `jcn`).
    public var usesInformationContent: Bool { self == .res || self == .lin || self == .jcn }
}

/// Computes ``Measure`` values over a ``Taxonomy``.
///
/// Ties: when `wn`'s `lowest_common_hypernyms` returns several synsets, `wn.similarity.wup`
/// takes whichever comes first in an unordered set; here the one giving the shortest
/// i + j (so the highest similarity) is used, then the lowest synset index, so the value is
/// deterministic. `res`, `lin` and `jcn` take the most informative of them, as `wn` does.
///
/// ```swift
/// let calculator = SimilarityCalculator(taxonomy: taxonomy)
/// let dog = graph.synsets(forLemma: "dog", pos: "n")[0]
/// let cat = graph.synsets(forLemma: "cat", pos: "n")[0]
/// let wup = try calculator.value(.wup, dog, cat)
/// let path = try calculator.matrix(.path, classes: try ClassSetCatalog.load("cifar10"))
/// ```
public struct SimilarityCalculator: Sendable {
    public let taxonomy: Taxonomy
    public let simulateRoot: Bool
    /// Intrinsic information content per synset; empty when made without it.
    private let informationContent: [Double]

    /// - Parameters:
    ///   - taxonomy: the noun taxonomy the measures walk.
    ///   - simulateRoot: join the taxonomy's roots under one virtual root, as NLTK's
    ///     `simulate_root` does (so every pair has a common hypernym).
    ///   - informationContent: whether to compute what `res`, `lin` and `jcn` need
    ///     (one pass over the taxonomy, tens of milliseconds on the full OEWN).
    public init(taxonomy: Taxonomy, simulateRoot: Bool = false, informationContent: Bool = true) {
        self.taxonomy = taxonomy
        self.simulateRoot = simulateRoot
        self.informationContent = informationContent ? taxonomy.informationContent() : []
    }

    /// The value of `measure` between synsets `a` and `b`.
    /// - Throws: `ExplicableError` when the parts of speech differ, or when the synsets share no
    ///   ancestor and the measure is undefined then (`wup`, `lch`, `lca-height`, `res`, `lin`, `jcn`).
    public func value(_ measure: Measure, _ a: Int32, _ b: Int32) throws(ExplicableError) -> Double {
        var cache: [Int32: Taxonomy.Ancestors] = [:]
        return try value(
            measure, a, b, taxonomy.ancestors(of: a, simulateRoot: simulateRoot),
            taxonomy.ancestors(of: b, simulateRoot: simulateRoot), cache: &cache)
    }

    func value(
        _ measure: Measure, _ a: Int32, _ b: Int32, _ ua: Taxonomy.Ancestors, _ ub: Taxonomy.Ancestors,
        cache: inout [Int32: Taxonomy.Ancestors]
    ) throws(ExplicableError) -> Double {
        let graph = taxonomy.graph
        guard WordNetGraph.samePOS(graph.synsetPOS[Int(a)], graph.synsetPOS[Int(b)]) else {
            throw ExplicableError(
                .invalidArgument,
                "synsets '\(graph.synsetIDs[Int(a)])' and '\(graph.synsetIDs[Int(b)])' differ in part of speech")
        }
        func noPath() -> ExplicableError {
            ExplicableError(
                .invalidArgument,
                "no hypernym path connects '\(graph.synsetIDs[Int(a)])' and '\(graph.synsetIDs[Int(b)])'"
                    + (simulateRoot ? "" : " (use --simulate-root)"))
        }
        switch measure {
        case .path:
            guard let d = taxonomy.shortestPath(ua, ub) else { return 0 }
            return 1 / (Double(d) + 1)
        case .lch:
            guard let d = taxonomy.shortestPath(ua, ub) else { throw noPath() }
            let depth = taxonomy.taxonomyDepth(of: a)
            guard depth > 0 else {
                throw ExplicableError(
                    .invalidArgument, "lch needs a taxonomy depth above 0 for '\(graph.synsetIDs[Int(a)])'")
            }
            return -log((Double(d) + 1) / (2 * Double(depth)))
        case .wup:
            var best = -1.0
            let found = taxonomy.forEachLowestCommonHypernym(ua, ub, simulateRoot: simulateRoot) { lcs in
                let ul: Taxonomy.Ancestors
                if let cached = cache[lcs] {
                    ul = cached
                } else if lcs == taxonomy.fakeRoot {
                    ul = Taxonomy.Ancestors(ids: [lcs], distances: [0])
                } else {
                    ul = taxonomy.ancestors(of: lcs, simulateRoot: simulateRoot)
                    cache[lcs] = ul
                }
                guard let i = taxonomy.shortestPath(ua, ul), let j = taxonomy.shortestPath(ub, ul) else { return }
                let k = Double(lcs == taxonomy.fakeRoot ? 1 : taxonomy.maxDepth[Int(lcs)] + 1)
                best = max(best, 2 * k / (Double(i + j) + 2 * k))
            }
            guard found else { throw noPath() }
            return best
        case .lcaHeight:
            var best = Int32.max
            taxonomy.forEachCommon(ua, ub) { _, da, db in best = min(best, max(da, db)) }
            guard best != .max else { throw noPath() }
            return Double(best)
        case .res, .lin, .jcn:
            precondition(!informationContent.isEmpty, "SimilarityCalculator was made with informationContent: false")
            // `wn` ranks subsumers without the simulated root for the IC measures.
            let plainA = simulateRoot ? taxonomy.ancestors(of: a, simulateRoot: false) : ua
            let plainB = simulateRoot ? taxonomy.ancestors(of: b, simulateRoot: false) : ub
            var icLCS = -Double.infinity
            let found = taxonomy.forEachLowestCommonHypernym(plainA, plainB, simulateRoot: false) { lcs in
                icLCS = max(icLCS, informationContent[Int(lcs)])
            }
            guard found else { throw noPath() }
            let ic1 = informationContent[Int(a)], ic2 = informationContent[Int(b)]
            switch measure {
            case .res:
                return icLCS
            case .lin:
                return ic1 == 0 || ic2 == 0 ? 0 : 2 * icLCS / (ic1 + ic2)
            default:
                if ic1 == 0 && ic2 == 0 && icLCS == 0 { return 0 }
                if ic1 + ic2 == 2 * icLCS { return .infinity }
                return 1 / (ic1 + ic2 - 2 * icLCS)
            }
        }
    }

    /// The matrix of `measure` over the synsets of a class set, computed in parallel on all cores.
    ///
    /// Every class must carry a synset id present in the wordnet (see ``ClassSetMapper``).
    public func matrix(_ measure: Measure, classes: ClassSet) throws(ExplicableError) -> ClassMatrix {
        let synsets = try ClassSetMapper(graph: taxonomy.graph).resolve(classes)
        let n = synsets.count
        let up = synsets.map { taxonomy.ancestors(of: $0, simulateRoot: simulateRoot) }
        // Ancestors of every lowest-common-subsumer candidate, computed once and shared read-only.
        var shared: [Int32: Taxonomy.Ancestors] = [:]
        if measure == .wup {
            for u in up {
                for c in u.ids where c != taxonomy.fakeRoot && shared[c] == nil {
                    shared[c] = taxonomy.ancestors(of: c, simulateRoot: simulateRoot)
                }
            }
        }
        var values = [Double](repeating: 0, count: n * n)
        let errors = FirstError()
        values.withUnsafeMutableBufferPointer { buffer in
            let out = SharedMutableBuffer(buffer)
            let sharedAncestors = shared
            ParallelWork.forEachChunk(count: n) { _, rows in
                var cache = sharedAncestors
                for row in rows {
                    for column in 0..<n {
                        do throws(ExplicableError) {
                            out[row * n + column] = try value(
                                measure, synsets[row], synsets[column], up[row], up[column], cache: &cache)
                        } catch {
                            errors.record(error, at: row * n + column)
                            return
                        }
                    }
                }
            }
        }
        if let error = errors.first { throw error }
        var parameters = ["measure": measure.rawValue, "simulate_root": String(simulateRoot)]
        if measure == .lch, let first = synsets.first {
            parameters["taxonomy_depth"] = String(taxonomy.taxonomyDepth(of: first))
        }
        if measure.usesInformationContent { parameters["information_content"] = "intrinsic (Seco et al. 2004)" }
        let lexicon = taxonomy.graph.lexicons.map { "\($0.id):\($0.version)" }.joined(separator: "+")
        return ClassMatrix(
            classes: classes, kind: measure.kind, values: values,
            provenance: .init(source: "wordnet:\(lexicon)", parameters: parameters))
    }
}

/// Keeps the error of the lowest matrix position, so the reported error does not depend on scheduling.
private final class FirstError: @unchecked Sendable {
    // @unchecked Sendable: state guarded by `lock`.
    private let lock = NSLock()
    private var position = Int.max
    private var error: ExplicableError?

    func record(_ error: ExplicableError, at position: Int) {
        lock.lock()
        defer { lock.unlock() }
        if position < self.position {
            self.position = position
            self.error = error
        }
    }

    var first: ExplicableError? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
