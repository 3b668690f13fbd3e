public import ExplicableCore
import Foundation
public import Semantics

/// Ground-truth class-confusability matrices for class sets no human study has rated, built the
/// documented way: the relation between the paper's CIFAR-10 CHL and the WordNet prior, applied
/// to another class set's prior, plus residuals drawn like CIFAR-10's.
///
/// The relation is log-linear, fitted by least squares over CIFAR-10's 90 off-diagonal cells:
/// `log CHL_ij = α + β · prior_ij + e_ij` (with OEWN 2025 `path`: α ≈ −1.99, β ≈ 10.9, residual
/// sd ≈ 0.60, Pearson 0.72). The residuals are split per unordered pair into a symmetric part
/// `(e_ij + e_ji)/2` and an antisymmetric part `|e_ij − e_ji|/2`. ``generate(prior:seed:)`` gives
/// each unordered pair {i, j} of the new class set a symmetric part and an antisymmetric part
/// drawn (with replacement, seeded) from CIFAR-10's, a random sign for the latter, and sets
/// `T_ij = exp(α + β · prior_ij + s ± d)`, clamped to the scale (0…4); the diagonal is the
/// scale's top, as in the paper's CHL. So a truth keeps CIFAR-10's link to WordNet, its spread
/// around it and its asymmetry, and a design has to find the pairs where the prior is wrong.
///
/// ```swift
/// let model = try TruthModel.fit(human: chl, prior: cifar10Path)
/// let truth = try model.generate(prior: cifar100Path, seed: 1)   // 100 × 100, 0…4
/// ```
public struct TruthModel: Sendable, Equatable, Codable {
    /// α: the intercept of `log T` on the prior.
    public var intercept: Double
    /// β: the slope of `log T` on the prior.
    public var slope: Double
    /// The residuals' symmetric parts, one per unordered pair of the fit.
    public var symmetricResiduals: [Double]
    /// The residuals' antisymmetric parts (absolute values), one per unordered pair of the fit.
    public var antisymmetricResiduals: [Double]
    /// Pearson's r of `log T` and the prior over the fitted cells.
    public var pearson: Double
    /// The scale's top: the diagonal, and the ceiling of every cell (4 for the paper's scale).
    public var top: Double
    /// The fit's sources, e.g. `chl (Olmo et al., published) ~ wordnet:path`.
    public var source: String

    /// The residuals' standard deviation (as fitted, both parts together).
    public var residualSD: Double {
        let e = zip(symmetricResiduals, antisymmetricResiduals).flatMap { [$0 + $1, $0 - $1] }
        return Statistics.standardDeviation(e, ddof: 2)
    }

    /// Fits the model to a human matrix and a prior over the same classes.
    /// - Parameters:
    ///   - human: a similarity matrix such as the paper's CHL (positive off-diagonal cells; cells
    ///     at or below 0 are taken as 0.01 before the logarithm).
    ///   - prior: a similarity over the same classes, e.g. `wordnet:path`.
    /// - Throws: `ExplicableError` when class sets differ, a matrix holds distances or a value that
    ///   is not finite, or the prior is constant off the diagonal.
    public static func fit(human: ClassMatrix, prior: ClassMatrix) throws(ExplicableError) -> TruthModel {
        try human.classes.requireSameOrder(
            as: prior.classes, "the prior '\(prior.provenance.source)'", "the human matrix")
        try human.requireKind(.similarity, for: "a truth model")
        try prior.requireKind(.similarity, for: "a truth model")
        try human.requireFinite()
        try prior.requireFinite()
        let n = human.count
        var x: [Double] = [], y: [Double] = []
        for i in 0..<n {
            for j in 0..<n where i != j {
                x.append(prior[i, j])
                y.append(log(max(0.01, human[i, j])))
            }
        }
        let mx = Statistics.mean(x), my = Statistics.mean(y)
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard sxx > 0 else {
            throw ExplicableError(
                .badInput, "the prior '\(prior.provenance.source)' is constant off the diagonal: nothing to fit")
        }
        let slope = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        let intercept = my - slope * mx
        var symmetric: [Double] = [], antisymmetric: [Double] = []
        for i in 0..<n {
            for j in (i + 1)..<n {
                let eij = log(max(0.01, human[i, j])) - intercept - slope * prior[i, j]
                let eji = log(max(0.01, human[j, i])) - intercept - slope * prior[j, i]
                symmetric.append((eij + eji) / 2)
                antisymmetric.append(abs(eij - eji) / 2)
            }
        }
        let top = (0..<n).map { human[$0, $0] }.max() ?? 4
        return TruthModel(
            intercept: intercept, slope: slope, symmetricResiduals: symmetric,
            antisymmetricResiduals: antisymmetric, pearson: Statistics.pearson(x, y), top: top,
            source: "\(human.provenance.source) ~ \(prior.provenance.source)")
    }

    /// A truth over the prior's classes (see the type's discussion); the same seed gives the same matrix.
    /// - Throws: `ExplicableError` when the prior holds distances or a value that is not finite.
    public func generate(prior: ClassMatrix, seed: UInt64) throws(ExplicableError) -> ClassMatrix {
        try prior.requireKind(.similarity, for: "a simulated truth")
        try prior.requireFinite()
        let n = prior.count
        var rng = SeededGenerator(seed: seed)
        var values = [Double](repeating: top, count: n * n)
        let pairs = UInt64(symmetricResiduals.count)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let s = symmetricResiduals[Int(rng.next() % pairs)]
                let d = antisymmetricResiduals[Int(rng.next() % pairs)] * (rng.next() & 1 == 0 ? 1 : -1)
                values[i * n + j] = min(top, max(0, exp(intercept + slope * prior[i, j] + s + d)))
                values[j * n + i] = min(top, max(0, exp(intercept + slope * prior[j, i] + s - d)))
            }
        }
        return ClassMatrix(
            classes: prior.classes, kind: .similarity, values: values,
            provenance: .init(
                source: "simulated truth",
                parameters: [
                    "model":
                        "log T = \(fmt(intercept)) + \(fmt(slope)) · prior + residual (fit: \(source), r = \(fmt(pearson)))",
                    "prior": Merge.describe(prior.provenance), "seed": String(seed),
                    "residuals":
                        "symmetric and antisymmetric parts drawn from the fit's \(symmetricResiduals.count) pairs",
                ]))
    }

    func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
}

extension TruthModel {
    /// The documented construction: the paper's CIFAR-10 CHL against OEWN `path` over CIFAR-10.
    ///
    /// - Parameters:
    ///   - builder: resolves `chl` and the prior (reads the data folder and WordNet).
    ///   - prior: the prior's matrix name (default `wordnet:path`).
    /// - Throws: `ExplicableError` when the published CHL or WordNet cannot be read.
    public static func paperCIFAR10(builder: MatrixBuilder, prior: String = "wordnet:path") throws(ExplicableError)
        -> TruthModel
    {
        let cifar10 = try ClassSetCatalog.load("cifar10")
        return try fit(
            human: try builder.matrix(named: "chl", over: cifar10),
            prior: try builder.matrix(named: prior, over: cifar10))
    }
}
