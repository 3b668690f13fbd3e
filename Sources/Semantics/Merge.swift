public import ExplicableCore
import Foundation

/// Combining M^h sources.
///
/// **The rule for one scale.** Each source is turned into a similarity (a distance `d` becomes
/// `max d − d`), then mapped linearly onto [0, 1] by the minimum and maximum of its
/// off-diagonal cells. The weighted mean of those (weights divided by their sum) is mapped back
/// onto the off-diagonal range of the first source, and the diagonal is the first source's
/// diagonal. So merging the paper's CHL (0–4 Likert) with WordNet keeps the CHL's scale, and
/// `softmax(scale · S)` means the same thing before and after.
public enum Merge {
    public struct Source: Sendable {
        public var matrix: ClassMatrix
        public var weight: Double

        public init(_ matrix: ClassMatrix, weight: Double) {
            self.matrix = matrix
            self.weight = weight
        }
    }

    /// The weighted combination of `sources` (see the type's rule).
    /// - Throws: when class sets differ, a weight is negative or all are zero, a matrix holds
    ///   NaN or infinity, or a source's off-diagonal cells are all equal (it has no scale).
    public static func combine(_ sources: [Source]) throws(ExplicableError) -> ClassMatrix {
        guard let first = sources.first else { throw ExplicableError(.invalidArgument, "nothing to merge") }
        let classes = first.matrix.classes
        for s in sources where s.matrix.classes != classes {
            throw ExplicableError(
                .badInput,
                "sources differ in class set: '\(first.matrix.provenance.source)' has \(classes.name) "
                    + "(\(classes.labels.prefix(4).joined(separator: ", "))…), '\(s.matrix.provenance.source)' has "
                    + "\(s.matrix.classes.name) (\(s.matrix.classes.labels.prefix(4).joined(separator: ", "))…)")
        }
        guard sources.allSatisfy({ $0.weight >= 0 && $0.weight.isFinite }), sources.contains(where: { $0.weight > 0 })
        else {
            throw ExplicableError(.invalidArgument, "merge weights must be ≥ 0 and not all zero")
        }
        let n = classes.count
        let total = sources.reduce(0) { $0 + $1.weight }
        var mixed = [Double](repeating: 0, count: n * n)
        for source in sources {
            let unit = try unitScaled(try source.matrix.asSimilarity())
            for k in 0..<(n * n) { mixed[k] += source.weight / total * unit[k] }
        }
        let reference = try first.matrix.asSimilarity()
        let (lo, hi) = offDiagonalRange(reference)
        var values = mixed.map { lo + $0 * (hi - lo) }
        for i in 0..<n { values[i * n + i] = reference[i, i] }
        var parameters: [String: String] = [
            "rule": "each source as a similarity, min–max scaled over off-diagonal cells to [0, 1], weighted mean, "
                + "mapped onto the first source's off-diagonal range; diagonal of the first source"
        ]
        for (k, s) in sources.enumerated() {
            parameters["source\(k + 1)"] =
                describe(s.matrix.provenance) + " weight \(ClassMatrix.formatNumber(s.weight / total))"
        }
        return ClassMatrix(
            classes: classes, kind: .similarity, values: values,
            provenance: .init(source: "merge", parameters: parameters))
    }

    /// Fills sparse human cells from a prior: a cell rated `n` times becomes
    /// `(n · human + k · prior) / (n + k)`, so with no ratings it is the prior and with many it
    /// is the human mean. The prior is first put on the human matrix's scale: with
    /// ``PriorFit/minmax`` by min–max of both over off-diagonal cells (the human range from its
    /// rated cells); with ``PriorFit/calibrated`` by the rated cells themselves
    /// (`ExplicableCore.PriorCalibration`: the prior cut into at most 32 equal-count bins, each
    /// the mean rating of its rated cells, bins nobody rated interpolated, monotone in the prior).
    /// Cells of `human` with no ratings may be NaN. The diagonal stays the human one.
    public static func shrink(
        human: ClassMatrix, counts: [Int], prior: ClassMatrix, k: Double, fit: PriorFit = .minmax
    ) throws(ExplicableError) -> ClassMatrix {
        guard human.classes == prior.classes else {
            throw ExplicableError(
                .badInput,
                "the prior '\(prior.provenance.source)' has class set \(prior.classes.name), not \(human.classes.name)")
        }
        guard k >= 0, k.isFinite else { throw ExplicableError(.invalidArgument, "the shrinkage k must be ≥ 0") }
        try human.requireKind(.similarity, for: "shrinkage")
        let n = human.count
        let priorUnit = try unitScaled(try prior.asSimilarity())
        let rated = (0..<(n * n)).filter { $0 / n != $0 % n && counts[$0] > 0 && human.values[$0].isFinite }
        guard let lo = rated.map({ human.values[$0] }).min(), let hi = rated.map({ human.values[$0] }).max() else {
            throw ExplicableError(.badInput, "the human matrix has no rated off-diagonal cell to shrink")
        }
        var values = human.values
        let calibrated =
            fit == .calibrated
            ? PriorCalibration.calibrated(prior: priorUnit, classes: n, means: human.values, counts: counts) : nil
        for i in 0..<n {
            for j in 0..<n where i != j {
                let cell = i * n + j
                let p = calibrated?[cell] ?? lo + priorUnit[cell] * (hi - lo)
                let count = Double(counts[cell])
                let h = values[cell].isFinite ? values[cell] : 0
                values[cell] = count + k > 0 ? (count * h + k * p) / (count + k) : p
            }
        }
        var provenance = human.provenance
        provenance.parameters["shrinkage"] = "n/(n+k) toward the prior, k = \(ClassMatrix.formatNumber(k))"
        provenance.parameters["prior"] = describe(prior.provenance)
        provenance.parameters["prior fit"] =
            fit == .calibrated
            ? "calibrated on the rated cells: the prior in ≤ 32 equal-count bins, each the mean rating of its "
                + "rated cells (shrunk toward the mean of all with weight 5; unrated bins interpolated), "
                + "monotone in the prior"
            : "min–max onto the rated cells' range"
        return ClassMatrix(classes: human.classes, kind: .similarity, values: values, provenance: provenance)
    }

    /// Values mapped onto [0, 1] by the off-diagonal minimum and maximum.
    static func unitScaled(_ m: ClassMatrix) throws(ExplicableError) -> [Double] {
        try m.requireFinite()
        let (lo, hi) = offDiagonalRange(m)
        guard hi > lo else {
            throw ExplicableError(
                .badInput, "'\(m.provenance.source)': all off-diagonal cells are equal, so it has no scale to merge on")
        }
        return m.values.map { ($0 - lo) / (hi - lo) }
    }

    static func offDiagonalRange(_ m: ClassMatrix) -> (Double, Double) {
        let n = m.count
        var lo = Double.infinity, hi = -Double.infinity
        for i in 0..<n {
            for j in 0..<n where i != j && m[i, j].isFinite {
                lo = Swift.min(lo, m[i, j])
                hi = Swift.max(hi, m[i, j])
            }
        }
        return (lo, hi)
    }

    /// A provenance in one line: `source (k=v, …)`.
    public static func describe(_ p: ClassMatrix.Provenance) -> String {
        p.parameters.isEmpty
            ? p.source
            : p.source + " ("
                + p.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
    }
}

/// How `matrix build --prior` puts the prior on the human ratings' scale before shrinking toward it.
public enum PriorFit: String, Sendable, Codable, CaseIterable {
    /// Min–max of the prior onto the range of the rated cells (linear in the prior).
    case minmax
    /// Fitted to the rated cells (``Merge/shrink(human:counts:prior:k:fit:)``): what the adaptive
    /// allocator with `calibratePrior` and the design simulation use.
    case calibrated
}
