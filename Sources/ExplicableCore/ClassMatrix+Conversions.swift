import Foundation

/// Conversions between similarity and distance, and the row normalisations training uses.
///
/// This is the one home of these operations: `matrix convert`, the losses and the evaluation
/// metrics all call them. Each checks the matrix's ``ClassMatrix/kind``: converting a distance as
/// if it were a similarity is an error, not a silent flip.
///
/// ```swift
/// let chl = try ClassMatrix.readNPY(url, classes: cifar10, kind: .similarity)  // Likert 0–4
/// let d = try chl.distances()                  // 4 − s: a class is at distance 0 from itself
/// let targets = try chl.rowSoftmax(scale: 1)   // WLF targets, eq. 3 of Olmo et al.
/// ```
extension ClassMatrix {
    /// Distances `bound − s` from a similarity.
    ///
    /// - Parameter bound: the value a class has with itself; defaults to the largest value in the
    ///   matrix (the Likert maximum on a CHL diagonal), so a class is at distance 0 from itself.
    /// - Throws: ``ExplicableError`` when the matrix already holds distances or a value is not finite.
    public func distances(bound: Double? = nil) throws(ExplicableError) -> ClassMatrix {
        try flipped(from: .similarity, to: .distance, bound: bound)
    }

    /// Similarities `bound − d` from a distance; `bound` defaults to the largest distance.
    ///
    /// - Throws: ``ExplicableError`` when the matrix already holds similarities or a value is not finite.
    public func similarities(bound: Double? = nil) throws(ExplicableError) -> ClassMatrix {
        try flipped(from: .distance, to: .similarity, bound: bound)
    }

    /// This matrix as a similarity: itself, or ``similarities(bound:)`` with the default bound.
    public func asSimilarity() throws(ExplicableError) -> ClassMatrix {
        kind == .similarity ? self : try similarities()
    }

    /// This matrix as a distance: itself, or ``distances(bound:)`` with the default bound.
    public func asDistance() throws(ExplicableError) -> ClassMatrix {
        kind == .distance ? self : try distances()
    }

    private func flipped(from: Kind, to: Kind, bound: Double?) throws(ExplicableError) -> ClassMatrix {
        try requireKind(from, for: "conversion to a \(to.rawValue)")
        try requireFinite()
        let b = bound ?? values.max() ?? 0
        var p = provenance
        p.parameters["converted"] = "\(to.rawValue) = \(Self.formatNumber(b)) − \(from.rawValue)"
        return ClassMatrix(classes: classes, kind: to, values: values.map { b - $0 }, provenance: p)
    }

    /// WLF targets: row `i` is `softmax(scale · S[i])` (Olmo et al., arXiv 2006.14841, eq. 3),
    /// computed stably by subtracting the row maximum. Each row sums to 1.
    ///
    /// - Throws: ``ExplicableError`` when the matrix holds distances, a value is not finite, or
    ///   `scale` is not finite.
    public func rowSoftmax(scale: Double) throws(ExplicableError) -> ClassMatrix {
        try requireKind(.similarity, for: "row softmax")
        try requireFinite()
        guard scale.isFinite else {
            throw ExplicableError(.invalidArgument, "the softmax scale must be finite, got \(scale)")
        }
        let n = count
        var out = values
        for i in 0..<n {
            var top = -Double.infinity
            for j in 0..<n { top = Swift.max(top, scale * values[i * n + j]) }
            var sum = 0.0
            for j in 0..<n {
                let e = Foundation.exp(scale * values[i * n + j] - top)
                out[i * n + j] = e
                sum += e
            }
            for j in 0..<n { out[i * n + j] /= sum }
        }
        var p = provenance
        p.parameters["normalised"] = "row softmax, scale \(Self.formatNumber(scale))"
        return ClassMatrix(classes: classes, kind: .similarity, values: out, provenance: p)
    }

    /// Each row divided by the sum of its absolute values (soft-label targets from a similarity;
    /// for a distance the row's share of the total distance). Each row's absolute values sum to 1.
    ///
    /// - Throws: ``ExplicableError`` when a row is all zeros or a value is not finite.
    public func rowL1() throws(ExplicableError) -> ClassMatrix {
        try requireFinite()
        let n = count
        var out = values
        for i in 0..<n {
            let sum = row(i).reduce(0) { $0 + Swift.abs($1) }
            guard sum > 0 else {
                throw ExplicableError(.badInput, "row '\(classes.labels[i])' is all zeros; it cannot be L1-normalised")
            }
            for j in 0..<n { out[i * n + j] = values[i * n + j] / sum }
        }
        var p = provenance
        p.parameters["normalised"] = "row L1"
        return ClassMatrix(classes: classes, kind: kind, values: out, provenance: p)
    }

    /// Throws unless the matrix holds `kind`.
    ///
    /// - Parameters:
    ///   - kind: the kind the operation needs.
    ///   - operation: what needs that kind, for the message (`"wlf"`, `"row softmax"`).
    public func requireKind(_ kind: Kind, for operation: String) throws(ExplicableError) {
        guard self.kind == kind else {
            throw ExplicableError(
                .invalidArgument,
                "\(operation) needs a \(kind.rawValue) matrix, but '\(provenance.source)' is a \(self.kind.rawValue); "
                    + "convert it first")
        }
    }

    /// Throws at the first cell that is NaN or infinite, naming its row and column classes.
    public func requireFinite() throws(ExplicableError) {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ExplicableError(
                .badInput,
                "matrix '\(provenance.source)': cell (\(classes.labels[bad / count]), \(classes.labels[bad % count])) "
                    + "is \(values[bad])")
        }
    }

    /// A number for provenance: integers without a fraction, others in their shortest form.
    public static func formatNumber(_ v: Double) -> String {
        v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }
}
