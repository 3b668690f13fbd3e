public import ExplicableCore

/// A class matrix in both forms the metrics need: distances (severity, CRM, hierarchical
/// distance) and similarities (the explicable-mistake rate).
///
/// Row `i` is the true class, column `j` the predicted one (the orientation of the paper's CHL
/// matrix). The missing form is the reflection about the largest entry: `d = max S − S` for a
/// similarity matrix (the CHL scale 0–4 becomes distances 4 − s; WordNet path similarity 1 − s),
/// and `s = max d − d` for a distance matrix.
public struct EvaluationMatrix: Sendable, Equatable {
    /// The classes, in the model's order.
    public let classes: ClassSet
    /// Row-major C×C distances.
    public let distance: [Double]
    /// Row-major C×C similarities.
    public let similarity: [Double]
    /// Where the matrix came from, for reports.
    public let source: String

    /// Both forms of `matrix`, which must be over `classes` (same labels, same order).
    /// - Throws: `ExplicableError` (`invalidArgument`) for other classes or a value that is not finite.
    public init(_ matrix: ClassMatrix, classes: ClassSet) throws(ExplicableError) {
        try classes.requireSameOrder(as: matrix.classes, "the evaluation matrix", "the model")
        try matrix.requireFinite()
        self.classes = classes
        let top = matrix.values.max()!
        let reflected = matrix.values.map { top - $0 }
        switch matrix.kind {
        case .similarity: (similarity, distance) = (matrix.values, reflected)
        case .distance: (similarity, distance) = (reflected, matrix.values)
        }
        source = matrix.provenance.source
    }
}

/// How predictions are read off the class probabilities.
public enum Decoding: String, Sendable, Codable, CaseIterable {
    /// The most probable class (ties: the lowest index).
    case argmax
    /// Conditional risk minimisation (Karthik et al., ICLR 2021): the class j with the least
    /// expected distance `Σ_i p_i · d(i, j)`; classes are ranked by that risk, lowest first.
    case crm
}

/// Classification metrics over a test set, optionally under a class matrix.
public struct Metrics: Sendable, Equatable, Codable {
    /// The number of samples.
    public var count: Int
    /// Share of samples whose top-ranked class is the true one.
    public var top1: Double
    /// Share of samples whose true class is among the five top-ranked ones (all when C ≤ 5).
    public var top5: Double
    /// Top-1 accuracy of each class (NaN-free: a class with no samples gets 0).
    public var perClassAccuracy: [Double]
    /// C×C counts, row = true class, column = predicted class.
    public var confusion: [Int]
    /// The number of top-1 mistakes.
    public var mistakes: Int
    /// Mean distance d(true, predicted) over the top-1 mistakes (Bertinetto et al.'s mistake
    /// severity); `nil` without a matrix or without mistakes.
    public var mistakeSeverity: Double?
    /// Share of top-1 mistakes whose similarity S(true, predicted) is at least the threshold;
    /// `nil` without a matrix or without mistakes.
    public var explicableMistakeRate: Double?
    /// The threshold used for ``explicableMistakeRate``.
    public var threshold: Double?
    /// Mean over samples of the mean distance from the true class to the k top-ranked classes, k = 1
    /// (Bertinetto et al.'s hierarchical distance @k, correct predictions counting 0).
    public var hierarchicalDistanceAt1: Double?
    /// The same for k = 5 (k = C when C < 5).
    public var hierarchicalDistanceAt5: Double?

    /// Ranks classes for every sample, returns the top-ranked class per sample and the metrics.
    ///
    /// - Parameters:
    ///   - probabilities: N×C, row-major, each row a distribution over the classes.
    ///   - labels: N true classes.
    ///   - c: the number of classes, C.
    ///   - matrix: the evaluation matrix (needed for `crm` and for the matrix metrics).
    ///   - threshold: similarity at or above which a mistake counts as explicable.
    ///   - decoding: how a prediction is read off a row: its most probable class, or the class of
    ///     least expected distance under `matrix` (`crm`).
    /// - Returns: the predictions (N class indices) and the metrics.
    public static func evaluate(
        probabilities: [Float], labels: [Int32], classCount c: Int, matrix: EvaluationMatrix?, threshold: Double,
        decoding: Decoding
    ) -> (predictions: [Int], metrics: Metrics) {
        let n = labels.count
        precondition(probabilities.count == n * c, "Metrics: \(probabilities.count) probabilities for \(n)×\(c)")
        precondition(decoding == .argmax || matrix != nil, "Metrics: CRM needs a matrix")
        precondition(matrix == nil || matrix!.classes.count == c, "Metrics: matrix size ≠ class count")
        let k5 = min(5, c)
        var predictions = [Int](repeating: 0, count: n)
        var confusion = [Int](repeating: 0, count: c * c)
        var top5Hits = 0, mistakes = 0, severity = 0.0, explicable = 0, hd1 = 0.0, hd5 = 0.0
        var score = [Double](repeating: 0, count: c)
        var ranking = [Int](repeating: 0, count: c)
        for s in 0..<n {
            let y = Int(labels[s])
            let p = probabilities[(s * c)..<((s + 1) * c)]
            switch decoding {
            case .argmax:
                for j in 0..<c { score[j] = Double(p[s * c + j]) }
            case .crm:
                // Higher score = better: the negated expected distance.
                let d = matrix!.distance
                for j in 0..<c {
                    var risk = 0.0
                    for i in 0..<c { risk += Double(p[s * c + i]) * d[i * c + j] }
                    score[j] = -risk
                }
            }
            for j in 0..<c { ranking[j] = j }
            ranking.sort { score[$0] != score[$1] ? score[$0] > score[$1] : $0 < $1 }
            let predicted = ranking[0]
            predictions[s] = predicted
            confusion[y * c + predicted] += 1
            if ranking.prefix(k5).contains(y) { top5Hits += 1 }
            if predicted != y { mistakes += 1 }
            if let matrix {
                if predicted != y {
                    severity += matrix.distance[y * c + predicted]
                    if matrix.similarity[y * c + predicted] >= threshold { explicable += 1 }
                }
                hd1 += matrix.distance[y * c + predicted]
                hd5 += ranking.prefix(k5).reduce(0) { $0 + matrix.distance[y * c + $1] } / Double(k5)
            }
        }
        let perClass = (0..<c).map { y -> Double in
            let total = confusion[(y * c)..<((y + 1) * c)].reduce(0, +)
            return total == 0 ? 0 : Double(confusion[y * c + y]) / Double(total)
        }
        let hasMatrix = matrix != nil, nd = Double(max(n, 1))
        let metrics = Metrics(
            count: n, top1: Double(n - mistakes) / nd, top5: Double(top5Hits) / nd, perClassAccuracy: perClass,
            confusion: confusion, mistakes: mistakes,
            mistakeSeverity: hasMatrix && mistakes > 0 ? severity / Double(mistakes) : nil,
            explicableMistakeRate: hasMatrix && mistakes > 0 ? Double(explicable) / Double(mistakes) : nil,
            threshold: hasMatrix ? threshold : nil,
            hierarchicalDistanceAt1: hasMatrix ? hd1 / nd : nil, hierarchicalDistanceAt5: hasMatrix ? hd5 / nd : nil)
        return (predictions, metrics)
    }
}
