public import ExplicableCore
import Foundation

/// Cross-entropy against a per-class target distribution: the losses `ce`, `wlf`, `soft-labels`
/// and `label-smoothing`.
///
/// Every loss here is `L = −(1/N) Σ_n Σ_j T[y_n, j] · log softmax(z_n)_j` for logits `z` (N×C),
/// true classes `y` and a C×C target matrix `T` whose row `y` is the distribution a sample of
/// class `y` is trained towards. Rows of `T` sum to 1, so `∂L/∂z_n = (softmax(z_n) − T[y_n]) / N`.
/// Class order is the matrix's (and the model's output) order.
public struct Loss: Sendable, Equatable {
    /// Which loss, with its parameter.
    public enum Kind: Sendable, Equatable {
        /// Plain cross-entropy: `T` is the identity.
        case crossEntropy
        /// The Weighted Loss Function of Olmo, Sengupta & Kambhampati, *Not all Failure Modes are
        /// Created Equal* (arXiv 2006.14841): `T[y] = softmax(scale · S[y])` for a similarity matrix S.
        case weighted(scale: Double)
        /// Soft labels of Bertinetto et al., *Making Better Mistakes* (CVPR 2020):
        /// `T[y] ∝ exp(−β · d[y] / max d)` for a distance matrix d.
        case softLabels(beta: Double)
        /// Label smoothing as PyTorch's `CrossEntropyLoss(label_smoothing: ε)`:
        /// `T = (1 − ε) · I + ε / C`.
        case labelSmoothing(epsilon: Double)
    }

    /// Which loss this is.
    public let kind: Kind
    /// The number of classes C.
    public let classCount: Int
    /// The C×C target matrix, row-major; row `y` sums to 1.
    public let targets: [Float]

    /// Plain cross-entropy over `classCount` classes.
    public static func crossEntropy(classCount: Int) -> Loss {
        precondition(classCount > 0, "Loss: class count must be positive")
        var t = [Float](repeating: 0, count: classCount * classCount)
        for i in 0..<classCount { t[i * classCount + i] = 1 }
        return Loss(kind: .crossEntropy, classCount: classCount, targets: t)
    }

    /// Label smoothing with weight `epsilon` in `[0, 1]` spread evenly over all classes.
    public static func labelSmoothing(epsilon: Double, classCount: Int) throws(ExplicableError) -> Loss {
        guard epsilon >= 0 && epsilon <= 1 else {
            throw ExplicableError(.invalidArgument, "label smoothing epsilon must be in [0, 1], got \(epsilon)")
        }
        precondition(classCount > 0, "Loss: class count must be positive")
        let c = classCount
        var t = [Float](repeating: Float(epsilon / Double(c)), count: c * c)
        for i in 0..<c { t[i * c + i] = Float(1 - epsilon + epsilon / Double(c)) }
        return Loss(kind: .labelSmoothing(epsilon: epsilon), classCount: c, targets: t)
    }

    /// The WLF of Olmo et al. (arXiv 2006.14841): targets `T[y] = softmax(scale · S[y])`.
    ///
    /// - Parameters:
    ///   - similarity: S, a similarity matrix over the model's classes, in the model's class order.
    ///   - scale: the temperature applied to S before the softmax (the paper's default 1).
    ///   - classes: the classes of the model's outputs; S must have the same labels in the same order.
    /// - Throws: `ExplicableError` (`invalidArgument`) when S holds distances, has other classes,
    ///   or holds a value that is not finite, or when `scale` is not finite.
    public static func weighted(similarity: ClassMatrix, scale: Double = 1, classes: ClassSet) throws(ExplicableError)
        -> Loss
    {
        try check(similarity, is: .similarity, for: "wlf", classes: classes)
        guard scale.isFinite else { throw ExplicableError(.invalidArgument, "wlf scale must be finite, got \(scale)") }
        let targets = try similarity.rowSoftmax(scale: scale).values.map { Float($0) }
        return Loss(kind: .weighted(scale: scale), classCount: classes.count, targets: targets)
    }

    /// Soft labels of Bertinetto et al. (CVPR 2020): `T[y] ∝ exp(−β · d[y] / max d)`.
    ///
    /// - Parameters:
    ///   - distance: d, a distance matrix over the model's classes, in the model's class order;
    ///     `max d` is its largest entry and must be positive.
    ///   - beta: how sharply the targets fall with distance (larger is closer to one-hot).
    ///   - classes: the classes of the model's outputs; d must have the same labels in the same order.
    /// - Throws: `ExplicableError` (`invalidArgument`) when d holds similarities, has other classes,
    ///   holds a value that is not finite, or has no positive entry, or when `beta` is not finite.
    public static func softLabels(distance: ClassMatrix, beta: Double, classes: ClassSet) throws(ExplicableError)
        -> Loss
    {
        try check(distance, is: .distance, for: "soft-labels", classes: classes)
        guard beta.isFinite else {
            throw ExplicableError(.invalidArgument, "soft-labels beta must be finite, got \(beta)")
        }
        let largest = distance.values.max()!
        guard largest > 0 else {
            throw ExplicableError(.invalidArgument, "soft-labels needs a distance matrix with a positive entry")
        }
        let c = classes.count
        var t = [Float](repeating: 0, count: c * c)
        for y in 0..<c {
            let row = distance.row(y).map { -beta * $0 / largest }
            let top = row.max()!
            let e = row.map { exp($0 - top) }
            let sum = e.reduce(0, +)
            for j in 0..<c { t[y * c + j] = Float(e[j] / sum) }
        }
        return Loss(kind: .softLabels(beta: beta), classCount: c, targets: t)
    }

    private static func check(_ matrix: ClassMatrix, is kind: ClassMatrix.Kind, for name: String, classes: ClassSet)
        throws(ExplicableError)
    {
        try matrix.requireKind(kind, for: name)
        try classes.requireSameOrder(as: matrix.classes, "\(name): the matrix", "the model")
        try matrix.requireFinite()
    }

    /// Returns the mean loss over the batch and writes `∂L/∂logits` into `gradient`.
    ///
    /// - Parameters:
    ///   - logits: N×C, the model's outputs.
    ///   - labels: N true classes in `0..<C`.
    ///   - gradient: resized to N×C and overwritten.
    ///   - probabilities: scratch, resized to N×C; holds the softmax of `logits` afterwards.
    public func callAsFunction(logits: Tensor, labels: [Int], gradient: Tensor, probabilities: Tensor) -> Double {
        precondition(
            logits.shape.count == 2 && logits.shape[1] == classCount,
            "Loss: logits shape \(logits.shape) for \(classCount) classes")
        let n = logits.shape[0]
        precondition(labels.count == n, "Loss: \(labels.count) labels for \(n) logits")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "Loss: label out of range 0..<\(classCount)")
        Softmax.logSoftmax(logits, into: probabilities)
        gradient.resize(to: logits.shape)
        let c = classCount, lp = probabilities.storage, g = gradient.storage
        var total = 0.0
        targets.withUnsafeBufferPointer { t in
            for r in 0..<n {
                let target = t.baseAddress! + labels[r] * c, row = lp + r * c, gr = g + r * c
                var sum = 0.0
                for j in 0..<c {
                    if target[j] != 0 { sum -= Double(target[j]) * Double(row[j]) }
                    let p = Foundation.exp(row[j])
                    row[j] = p
                    gr[j] = (p - target[j]) / Float(n)
                }
                total += sum
            }
        }
        return total / Double(n)
    }
}
