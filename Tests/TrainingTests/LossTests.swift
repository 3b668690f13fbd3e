import ExplicableCore
import Foundation
import Testing
@testable import Training

/// The losses' targets, values and gradients, and softmax stability.
struct LossTests {
    let classes = try! ClassSet(name: "toy", labels: ["cat", "dog", "car"])

    func matrix(_ kind: ClassMatrix.Kind, _ values: [Double], classes: ClassSet? = nil) -> ClassMatrix {
        ClassMatrix(classes: classes ?? self.classes, kind: kind, values: values, provenance: .init(source: "test"))
    }

    var similarity: ClassMatrix { matrix(.similarity, [1, 0.8, 0.1, 0.8, 1, 0.2, 0.1, 0.2, 1]) }
    var distance: ClassMatrix { matrix(.distance, [0, 1, 4, 1, 0, 3, 4, 3, 0]) }

    func losses() throws -> [Loss] {
        [
            .crossEntropy(classCount: 3),
            try .labelSmoothing(epsilon: 0.1, classCount: 3),
            try .weighted(similarity: similarity, scale: 4, classes: classes),
            try .softLabels(distance: distance, beta: 2, classes: classes),
        ]
    }

    @Test func targetsFollowTheirDefinitions() throws {
        let ls = try Loss.labelSmoothing(epsilon: 0.1, classCount: 3)
        #expect(abs(ls.targets[0] - (0.9 + 0.1 / 3)) < 1e-7 && abs(ls.targets[1] - 0.1 / 3) < 1e-7)
        // WLF row 0: softmax(4 · [1, 0.8, 0.1]).
        let wlf = try Loss.weighted(similarity: similarity, scale: 4, classes: classes)
        let e = [4.0, 3.2, 0.4].map { exp($0) }
        for j in 0..<3 { #expect(abs(Double(wlf.targets[j]) - e[j] / e.reduce(0, +)) < 1e-6) }
        // Soft labels row 2: ∝ exp(−2 · [4, 3, 0] / 4).
        let soft = try Loss.softLabels(distance: distance, beta: 2, classes: classes)
        let s = [-2.0, -1.5, 0].map { exp($0) }
        for j in 0..<3 { #expect(abs(Double(soft.targets[6 + j]) - s[j] / s.reduce(0, +)) < 1e-6) }
        for loss in try losses() {
            for y in 0..<3 { #expect(abs(loss.targets[(y * 3)..<(y * 3 + 3)].reduce(0, +) - 1) < 1e-6) }
        }
    }

    @Test func crossEntropyValue() {
        let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 0, 0, 0])
        let value = Loss.crossEntropy(classCount: 3)(
            logits: logits, labels: [2, 0], gradient: Tensor(shape: [0]), probabilities: Tensor(shape: [0]))
        let expected = (-(3 - log(exp(1.0) + exp(2) + exp(3))) + log(3.0)) / 2
        #expect(abs(value - expected) < 1e-6)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        var g = GradientCheck(seed: 7)
        let labels = [0, 2, 1, 2]
        for loss in try losses() {
            let logits = g.tensor([4, 3], -3, 3)
            let gradient = Tensor(shape: [0]), probabilities = Tensor(shape: [0])
            _ = loss(logits: logits, labels: labels, gradient: gradient, probabilities: probabilities)
            let analytic = gradient.values
            let numeric = GradientCheck.numericGradient(
                of: {
                    loss(
                        logits: logits, labels: labels, gradient: Tensor(shape: [0]), probabilities: Tensor(shape: [0]))
                },
                wrt: logits, step: 1e-2)
            #expect(GradientCheck.violation(analytic: analytic, numeric: numeric) <= 1, "\(loss.kind)")
            // Plain CE's gradient is wrong for every loss with soft targets.
            if loss.kind != .crossEntropy {
                _ = Loss.crossEntropy(classCount: 3)(
                    logits: logits, labels: labels, gradient: gradient, probabilities: probabilities)
                #expect(GradientCheck.violation(analytic: gradient.values, numeric: numeric) > 1, "\(loss.kind)")
            }
        }
    }

    @Test func matrixKindAndClassesAreChecked() {
        #expect(
            throws: ExplicableError(
                .invalidArgument, "wlf needs a similarity matrix, but 'test' is a distance; convert it first")
        ) {
            try Loss.weighted(similarity: distance, classes: classes)
        }
        #expect(
            throws: ExplicableError(
                .invalidArgument, "soft-labels needs a distance matrix, but 'test' is a similarity; convert it first")
        ) {
            try Loss.softLabels(distance: similarity, beta: 1, classes: classes)
        }
        let four = try! ClassSet(name: "four", labels: ["cat", "dog", "car", "ship"])
        #expect(
            throws: ExplicableError(
                .invalidArgument,
                "wlf: the matrix is over 3 classes (cat, dog, car), the model over 4 (cat, dog, car …)")
        ) {
            try Loss.weighted(similarity: similarity, classes: four)
        }
        let reordered = try! ClassSet(name: "toy", labels: ["cat", "car", "dog"])
        #expect(
            throws: ExplicableError(
                .invalidArgument,
                "soft-labels: the matrix has class 'dog' at index 1 where the model has 'car' (class order must match)")
        ) {
            try Loss.softLabels(distance: distance, beta: 1, classes: reordered)
        }
        #expect(throws: ExplicableError(.invalidArgument, "soft-labels needs a distance matrix with a positive entry"))
        {
            try Loss.softLabels(distance: matrix(.distance, Array(repeating: 0, count: 9)), beta: 1, classes: classes)
        }
        #expect(throws: ExplicableError(.badInput, "matrix 'test': cell (cat, dog) is nan")) {
            try Loss.weighted(similarity: matrix(.similarity, [1, .nan, 0, 0, 1, 0, 0, 0, 1]), classes: classes)
        }
        #expect(throws: ExplicableError(.invalidArgument, "label smoothing epsilon must be in [0, 1], got 1.5")) {
            try Loss.labelSmoothing(epsilon: 1.5, classCount: 3)
        }
    }

    @Test func softmaxIsStableForLargeLogits() {
        let logits = Tensor(shape: [3, 3], values: [1000, 999, -1000, -1e4, -1e4 + 1, -1e4 + 2, 88, 89, 90])
        let p = Tensor(shape: [0]), lp = Tensor(shape: [0])
        Softmax.softmax(logits, into: p)
        Softmax.logSoftmax(logits, into: lp)
        #expect(p.values.allSatisfy(\.isFinite) && lp.values.allSatisfy(\.isFinite))
        let a = 1 / (1 + exp(-1.0)), shifted = [exp(-2.0), exp(-1.0), 1].map { $0 / (exp(-2.0) + exp(-1.0) + 1) }
        let expected: [Double] = [a, 1 - a, 0] + shifted + shifted
        for (x, e) in zip(p.values, expected) { #expect(abs(Double(x) - e) < 1e-6) }
        for (x, e) in zip(lp.values.prefix(2), expected.prefix(2)) { #expect(abs(Double(x) - log(e)) < 1e-5) }
        #expect(abs(Double(lp[2]) - (-2000 - log(1 + exp(-1.0)))) < 1e-2)
        // The loss stays finite and its gradient sums to zero per row.
        let gradient = Tensor(shape: [0])
        let value = Loss.crossEntropy(classCount: 3)(
            logits: logits, labels: [2, 0, 1], gradient: gradient, probabilities: Tensor(shape: [0]))
        #expect(
            value.isFinite && abs(value - (2000 + log(1 + exp(-1.0)) - log(shifted[0]) - log(shifted[1])) / 3) < 1e-2)
        for r in 0..<3 { #expect(abs(gradient.values[(r * 3)..<(r * 3 + 3)].reduce(0, +)) < 1e-6) }
    }
}
