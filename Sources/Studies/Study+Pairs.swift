public import ExplicableCore
public import Foundation
import LabelStore

/// What a class-pair study's items are made from besides its spec and class set.
public struct PairDesignInputs: Sendable {
    /// The prior matrix named by the spec's `pairs.prior` (resolved by the caller, e.g. the CLI with
    /// `MatrixBuilder`), over the study's classes in their order.
    public var prior: ClassMatrix?
    /// The folder a `pairs.file` path is relative to (the spec's folder).
    public var specFolder: URL?

    public init(prior: ClassMatrix? = nil, specFolder: URL? = nil) {
        self.prior = prior
        self.specFolder = specFolder
    }
}

/// One screen of a `class-neighbours` study: a class and the candidates shown with it.
public struct ClassScreen: Sendable, Equatable {
    /// The class shown.
    public var shown: Int
    /// Keys of the candidate pairs `shown → b` (items of kind `pair`), in creation order.
    public var pairKeys: [String]
    /// Keys of the decoys (attention items `decoy:shown:b`).
    public var decoyKeys: [String]

    /// Every item key of the screen, pairs first.
    public var keys: [String] { pairKeys + decoyKeys }
}

extension Study {
    /// The directed pairs a class-pair spec asks about.
    ///
    /// `all`: every off-diagonal pair. `neighbours`: `PairDesign.neighbours(prior:k:extra:seed:)`
    /// with the spec's seed (a share `extra` counts the pairs left after the neighbours).
    /// `file`: ``PairList/read(_:classes:)`` of the path relative to `inputs.specFolder`.
    /// - Throws: `ExplicableError` when the prior is missing or over other classes, or the pair file is bad.
    public static func selectPairs(_ spec: StudySpec, classes: ClassSet, inputs: PairDesignInputs)
        throws(ExplicableError) -> [ClassPair]
    {
        let n = classes.count
        switch spec.effectivePairs {
        case .all:
            var pairs: [ClassPair] = []
            pairs.reserveCapacity(n * (n - 1))
            for a in 0..<n { for b in 0..<n where a != b { pairs.append(ClassPair(a, b)) } }
            return pairs
        case .neighbours(let k, let source, let extra):
            let prior = try requirePrior(inputs, source: source, classes: classes)
            let perRow = min(k, n - 1)
            let count = extra.count(of: n * (n - 1) - n * perRow)
            return PairDesign.neighbours(prior: prior, k: k, extra: count, seed: spec.seed)
        case .file(let path):
            let url =
                path.hasPrefix("/") || inputs.specFolder == nil
                ? URL(fileURLWithPath: path)
                : inputs.specFolder!.appendingPathComponent(path).standardizedFileURL
            return try PairList.read(url, classes: classes)
        }
    }

    static func requirePrior(_ inputs: PairDesignInputs, source: String, classes: ClassSet) throws(ExplicableError)
        -> ClassMatrix
    {
        guard let prior = inputs.prior else {
            throw ExplicableError(
                .invalidArgument, "the spec's pairs need the prior matrix '\(source)', and none was given")
        }
        try classes.requireSameOrder(as: prior.classes, "prior '\(source)'", "the study")
        return prior
    }

    /// The pair and decoy items of a `class-neighbours` spec, class by class, screen by screen.
    ///
    /// Class `a`'s pairs (from ``selectPairs(_:classes:inputs:)``), nearest first under the prior,
    /// are cut into screens of `screen.candidates`; each screen gets `screen.decoys` decoys: classes
    /// drawn (seeded, without repeats within `a`) from the farthest `screen.decoyPool` share of
    /// `a`'s ranking that are not among `a`'s pairs. Decoys are attention items `decoy:a:b`
    /// expecting the scale's lowest point.
    static func neighbourItems(_ spec: StudySpec, classes: ClassSet, inputs: PairDesignInputs)
        throws(ExplicableError) -> [ItemRecord]
    {
        guard case .neighbours(_, let source, _) = spec.effectivePairs else { return [] }
        let prior = try requirePrior(inputs, source: source, classes: classes)
        let pairs = try selectPairs(spec, classes: classes, inputs: inputs)
        let screen = spec.effectiveScreen
        let perScreen = screen.candidates!, decoysPerScreen = screen.decoys!
        let lowest = spec.scaleRange.lowerBound
        let n = classes.count
        var byClass = [[Int]](repeating: [], count: n)
        for p in pairs { byClass[p.a].append(p.b) }
        var items: [ItemRecord] = []
        items.reserveCapacity(pairs.count * (perScreen + decoysPerScreen) / perScreen + n)
        for a in 0..<n where !byClass[a].isEmpty {
            let ranking = PairDesign.ranking(prior, row: a)
            var position = [Int](repeating: 0, count: n)
            for (i, b) in ranking.enumerated() { position[b] = i }
            let candidates = byClass[a].sorted { position[$0] < position[$1] }
            let asked = Set(candidates)
            let poolSize = max(1, Int((screen.decoyPool! * Double(ranking.count)).rounded(.up)))
            var pool = ranking.suffix(poolSize).filter { !asked.contains($0) }
            var random = SeededGenerator(seed: spec.seed &+ 0x9E37_79B9 &* UInt64(a + 1))
            pool.shuffle(using: &random)
            for start in stride(from: 0, to: candidates.count, by: perScreen) {
                for b in candidates[start..<min(start + perScreen, candidates.count)] {
                    items.append(
                        ItemRecord(
                            studyId: 0, key: "pair:\(a):\(b)", kind: .pair, classA: a, classB: b,
                            targetRatings: spec.ratingsPerItem))
                }
                for _ in 0..<decoysPerScreen {
                    guard let b = pool.popLast() else { break }
                    items.append(
                        ItemRecord(
                            studyId: 0, key: "decoy:\(a):\(b)", kind: .attention, classA: a, classB: b,
                            isAttentionCheck: true, expectedAnswer: lowest, targetRatings: 0))
                }
            }
        }
        return items
    }

    /// The screens of a `class-neighbours` study, in item order; empty for other designs (``screens``).
    ///
    /// Rebuilt from the stored items: class `a`'s pair items in creation order, cut into
    /// `screen.candidates`, and its decoys in creation order, `screen.decoys` per screen (what
    /// ``neighbourItems(_:classes:inputs:)`` made).
    static func screens(spec: StudySpec, items: [ItemRecord]) -> [ClassScreen] {
        guard spec.design == .classNeighbours else { return [] }
        let s = spec.effectiveScreen
        var pairKeys: [Int: [String]] = [:], decoyKeys: [Int: [String]] = [:], order: [Int] = []
        for item in items {
            guard let a = item.classA else { continue }
            if item.kind == .pair {
                if pairKeys[a] == nil { order.append(a) }
                pairKeys[a, default: []].append(item.key)
            } else if item.key.hasPrefix("decoy:") {
                decoyKeys[a, default: []].append(item.key)
            }
        }
        var screens: [ClassScreen] = []
        for a in order {
            let pairs = pairKeys[a]!, decoys = decoyKeys[a] ?? []
            for (j, start) in stride(from: 0, to: pairs.count, by: s.candidates!).enumerated() {
                let d = min(j * s.decoys!, decoys.count)..<min((j + 1) * s.decoys!, decoys.count)
                screens.append(
                    ClassScreen(
                        shown: a, pairKeys: Array(pairs[start..<min(start + s.candidates!, pairs.count)]),
                        decoyKeys: Array(decoys[d])))
            }
        }
        return screens
    }
}
