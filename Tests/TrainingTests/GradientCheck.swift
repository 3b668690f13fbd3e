import ExplicableCore
import Testing
@testable import Training

/// Random tensors and a central finite-difference gradient checker shared by the layer tests.
struct GradientCheck {
    var generator: SeededGenerator

    init(seed: UInt64 = 42) { generator = SeededGenerator(seed: seed) }

    /// A tensor of uniform values in `lower..<upper`.
    mutating func tensor(_ shape: [Int], _ lower: Float = -1, _ upper: Float = 1) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = generator.uniform(lower, upper) }
        return t
    }

    /// Fills every parameter of `layer` with uniform values in `-0.5..<0.5`, plus 1 for batch-norm scales.
    mutating func randomize(_ layer: any Layer) {
        for p in layer.parameters {
            for i in 0..<p.value.count {
                p.value[i] = generator.uniform(-0.5, 0.5) + (p.name == "weight" && p.value.shape.count == 1 ? 1 : 0)
            }
        }
    }

    /// The largest violation of `|analytic − numeric| ≤ 1e-2·|numeric| + 2e-3·max|numeric|`, as a
    /// ratio: at most 1 means every element passes.
    static func violation(analytic: [Float], numeric: [Double]) -> Double {
        precondition(analytic.count == numeric.count)
        let scale = max(numeric.map { abs($0) }.max() ?? 0, 1e-6)
        var worst = 0.0
        for (a, n) in zip(analytic, numeric) {
            worst = max(worst, abs(Double(a) - n) / (1e-2 * abs(n) + 2e-3 * scale))
        }
        return worst
    }

    /// Numeric gradient of `f` with respect to `x`'s elements by central differences.
    static func numericGradient(of f: () -> Double, wrt x: Tensor, step h: Float) -> [Double] {
        (0..<x.count).map { i in
            let saved = x[i]
            x[i] = saved + h
            let plus = f()
            x[i] = saved - h
            let minus = f()
            x[i] = saved
            return (plus - minus) / (2 * Double(h))
        }
    }

    /// The gradient violations of a layer for the scalar `Σ R ⊙ layer(x)` with a random R:
    /// first the input's, then each parameter's, as `(name, ratio, analytic)`.
    mutating func check(_ layer: any Layer, input x: Tensor, training: Bool = true, step h: Float = 1e-2)
        -> [(name: String, violation: Double, analytic: [Float], numeric: [Double])]
    {
        let y = layer.forward(x, training: training)
        let r = tensor(y.shape)
        let rValues = r.values
        func objective() -> Double {
            let out = layer.forward(x, training: training).values
            var sum = 0.0
            for i in 0..<out.count { sum += Double(out[i]) * Double(rValues[i]) }
            return sum
        }
        _ = layer.forward(x, training: training)
        let gx = layer.backward(r).values
        let parameterGradients = layer.parameters.map { ($0.name, $0.gradient.values) }
        var results = [(name: String, violation: Double, analytic: [Float], numeric: [Double])]()
        let nx = Self.numericGradient(of: objective, wrt: x, step: h)
        results.append(("input", Self.violation(analytic: gx, numeric: nx), gx, nx))
        for (p, (name, g)) in zip(layer.parameters, parameterGradients) {
            let np = Self.numericGradient(of: objective, wrt: p.value, step: h)
            results.append((name, Self.violation(analytic: g, numeric: np), g, np))
        }
        return results
    }

    /// Expects every gradient of `layer` to match its finite differences.
    mutating func expectGradients(
        _ layer: any Layer, input: Tensor, training: Bool = true, step: Float = 1e-2,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for result in check(layer, input: input, training: training, step: step) {
            #expect(
                result.violation <= 1, "\(result.name): violation \(result.violation)", sourceLocation: sourceLocation)
            #expect(
                result.numeric.contains { $0 != 0 }, "\(result.name): numeric gradient all zero",
                sourceLocation: sourceLocation)
        }
    }
}
