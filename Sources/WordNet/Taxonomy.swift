import ExplicableCore
import Foundation

/// The hypernym taxonomy of a ``WordNetGraph`` with the statistics the measures need.
///
/// Paths follow `hypernym` and `instance_hypernym` edges, exactly as the Python package `wn`
/// (1.1) walks them. "Depth" is counted in edges: a root has depth 0.
///
/// ```swift
/// let graph = try LMFReader.read(URL(fileURLWithPath: "english-wordnet-2025.xml.gz"))
/// let taxonomy = Taxonomy(graph)
/// let dog = graph.synsets(forLemma: "dog", pos: "n")[0]
/// taxonomy.taxonomyDepth(of: dog)       // the noun hierarchy's depth, as wn's lch uses it
/// ```
public struct Taxonomy: Sendable {
    public let graph: WordNetGraph
    /// Longest path (edges) from each synset to a root: `wn`'s `Synset.max_depth()`.
    public let maxDepth: [Int32]
    /// Maximum `maxDepth` per part of speech (`a` and `s` pooled): `wn.taxonomy.taxonomy_depth`.
    public let taxonomyDepth: [Character: Int]
    /// Number of synsets per part of speech (`a` and `s` pooled), the N of intrinsic information content.
    public let synsetCount: [Character: Int]
    /// The taxonomy depth of each synset's part of speech (0 when it has none), for per-pair lookups.
    let depthOfPartOfSpeech: [Int32]

    /// The id used for `wn`'s simulated root, one past the last synset.
    var fakeRoot: Int32 { Int32(graph.synsetCount) }

    public init(_ graph: WordNetGraph) {
        self.graph = graph
        let n = graph.synsetCount
        // Longest path to a root, by memoised depth-first search (the graph is acyclic; the reader checked).
        var depth = [Int32](repeating: -1, count: n)
        var stack: [Int32] = []
        for start in 0..<n where depth[start] < 0 {
            stack.append(Int32(start))
            while let s = stack.last {
                if depth[Int(s)] >= 0 {
                    stack.removeLast()
                    continue
                }
                var best: Int32 = 0
                var ready = true
                for h in graph.hypernyms(of: s) {
                    let d = depth[Int(h)]
                    if d < 0 {
                        ready = false
                        stack.append(h)
                    } else {
                        best = max(best, d + 1)
                    }
                }
                if ready {
                    depth[Int(s)] = best
                    stack.removeLast()
                }
            }
        }
        maxDepth = depth
        // Per part of speech through a palette of the few letters seen (hashing a Character per
        // synset was a tenth of loading a snapshot).
        var letters: [Character] = [], maxima: [Int] = [], totals: [Int] = []
        var letterOf = [Int](repeating: -1, count: n)
        var last = -1
        for s in 0..<n {
            guard let pos = graph.synsetPOS[s].map(Self.pooled) else { continue }
            if last < 0 || letters[last] != pos {
                if let k = letters.firstIndex(of: pos) {
                    last = k
                } else {
                    letters.append(pos)
                    maxima.append(0)
                    totals.append(0)
                    last = letters.count - 1
                }
            }
            maxima[last] = max(maxima[last], Int(depth[s]))
            totals[last] += 1
            letterOf[s] = last
        }
        var taxonomyDepth = Dictionary(uniqueKeysWithValues: zip(letters, maxima))
        var counts = Dictionary(uniqueKeysWithValues: zip(letters, totals))
        // A slice carries the full wordnet's figures so that its measures equal the full file's.
        for lexicon in graph.lexicons {
            guard let statistics = lexicon.sliceStatistics else { continue }
            taxonomyDepth.merge(statistics.taxonomyDepth) { _, recorded in recorded }
            counts.merge(statistics.synsetCount) { _, recorded in recorded }
        }
        self.taxonomyDepth = taxonomyDepth
        self.synsetCount = counts
        let depthOfLetter = letters.map { Int32(taxonomyDepth[$0] ?? 0) }
        depthOfPartOfSpeech = letterOf.map { $0 < 0 ? 0 : depthOfLetter[$0] }
    }

    static func pooled(_ pos: Character) -> Character { pos == "s" ? "a" : pos }

    /// The taxonomy depth of `s`'s part of speech (the `max_depth` argument of `wn.similarity.lch`).
    public func taxonomyDepth(of s: Int32) -> Int { Int(depthOfPartOfSpeech[Int(s)]) }

    // MARK: Upward distances

    /// Every ancestor of a synset (itself included, at distance 0) with its shortest upward
    /// distance in edges, sorted by synset index. With a simulated root, `fakeRoot` is the last
    /// entry, one edge above the nearest real root.
    struct Ancestors: Sendable {
        var ids: [Int32] = []
        var distances: [Int32] = []
    }

    func ancestors(of s: Int32, simulateRoot: Bool) -> Ancestors {
        var ids: [Int32] = [s]
        var distances: [Int32] = [0]
        var nearestRoot = Int32.max
        var head = 0
        while head < ids.count {
            let node = ids[head], d = distances[head]
            head += 1
            let parents = graph.hypernyms(of: node)
            if parents.isEmpty { nearestRoot = min(nearestRoot, d) }
            for p in parents where !ids.contains(p) {
                ids.append(p)
                distances.append(d + 1)
            }
        }
        var order = Array(ids.indices)
        order.sort { ids[$0] < ids[$1] }
        var result = Ancestors(ids: order.map { ids[$0] }, distances: order.map { distances[$0] })
        if simulateRoot {
            result.ids.append(fakeRoot)
            result.distances.append(nearestRoot + 1)
        }
        return result
    }

    /// Calls `body(c, da, db)` for each common ancestor `c`.
    @inline(__always)
    func forEachCommon(_ a: Ancestors, _ b: Ancestors, _ body: (Int32, Int32, Int32) -> Void) {
        var i = 0, j = 0
        let ai = a.ids, bi = b.ids
        while i < ai.count && j < bi.count {
            let x = ai[i], y = bi[j]
            if x == y {
                body(x, a.distances[i], b.distances[j])
                i += 1
                j += 1
            } else if x < y {
                i += 1
            } else {
                j += 1
            }
        }
    }

    /// Length (edges) of the shortest path between two synsets through a common ancestor: `wn`'s
    /// `len(shortest_path(a, b))`. `nil` when they share no ancestor.
    func shortestPath(_ a: Ancestors, _ b: Ancestors) -> Int32? {
        var best = Int32.max
        forEachCommon(a, b) { _, da, db in best = min(best, da + db) }
        return best == .max ? nil : best
    }

    /// The depth `wn` ranks common hypernyms by: `max_depth` of the synset, plus one with a
    /// simulated root (which itself has depth 0).
    func rankingDepth(_ c: Int32, simulateRoot: Bool) -> Int32 {
        c == fakeRoot ? 0 : maxDepth[Int(c)] + (simulateRoot ? 1 : 0)
    }

    /// Calls `body` for each of `wn.taxonomy.lowest_common_hypernyms`: the common ancestors of
    /// greatest depth. Returns whether there was any common ancestor.
    @inline(__always)
    func forEachLowestCommonHypernym(
        _ a: Ancestors, _ b: Ancestors, simulateRoot: Bool, _ body: (Int32) -> Void
    ) -> Bool {
        var best: Int32 = -1
        forEachCommon(a, b) { c, _, _ in best = max(best, rankingDepth(c, simulateRoot: simulateRoot)) }
        guard best >= 0 else { return false }
        forEachCommon(a, b) { c, _, _ in
            if rankingDepth(c, simulateRoot: simulateRoot) == best { body(c) }
        }
        return true
    }

    // MARK: Information content

    /// Number of distinct hyponyms (all descendants through hyponym and instance edges) of every synset.
    ///
    /// A slice's recorded full-wordnet counts replace the counts of the synsets it kept.
    public func hyponymCounts() -> [Int32] {
        let n = graph.synsetCount
        var counts = [Int32](repeating: 0, count: n)
        var stamp = [Int32](repeating: -1, count: n)
        var stack: [Int32] = []
        for s in 0..<n {
            if let recorded = graph.recordedHyponymCount[Int32(s)] {
                counts[s] = recorded
                continue
            }
            var count: Int32 = 0
            stack.append(Int32(s))
            stamp[s] = Int32(s)
            while let node = stack.popLast() {
                for child in graph.hyponyms(of: node) where stamp[Int(child)] != Int32(s) {
                    stamp[Int(child)] = Int32(s)
                    count += 1
                    stack.append(child)
                }
            }
            counts[s] = count
        }
        return counts
    }

    /// Intrinsic information content of every synset (Seco, Veale & Hayes 2004):
    /// IC(s) = 1 − log(hyponyms(s) + 1) / log(N), N the number of synsets of the part of speech;
    /// 0 for a synset without part of speech or when N ≤ 1.
    public func informationContent() -> [Double] {
        let counts = hyponymCounts()
        return (0..<graph.synsetCount).map { s in
            guard let pos = graph.synsetPOS[s], let n = synsetCount[Self.pooled(pos)], n > 1 else { return 0 }
            return 1 - log(Double(counts[s]) + 1) / log(Double(n))
        }
    }
}
