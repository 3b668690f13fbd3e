public import ExplicableCore
import Foundation

/// Named conversions between similarity and distance, and the two row normalisations training
/// uses. Each checks the matrix's kind: converting a distance as if it were a similarity is an
/// error, not a silent flip.
public enum Conversions {
    /// Distance `bound − s` from a similarity. `bound` defaults to the largest value in the
    /// matrix (the Likert maximum on a CHL diagonal), so a class is at distance 0 from itself.
    public static func similarityToDistance(_ m: ClassMatrix, bound: Double? = nil) throws(ExplicableError) -> ClassMatrix {
        try flip(m, from: .similarity, to: .distance, bound: bound)
    }

    /// Similarity `bound − d` from a distance; `bound` defaults to the largest distance.
    public static func distanceToSimilarity(_ m: ClassMatrix, bound: Double? = nil) throws(ExplicableError) -> ClassMatrix {
        try flip(m, from: .distance, to: .similarity, bound: bound)
    }

    /// `m` as a similarity: itself, or `distanceToSimilarity` with the default bound.
    public static func asSimilarity(_ m: ClassMatrix) throws(ExplicableError) -> ClassMatrix {
        m.kind == .similarity ? m : try distanceToSimilarity(m)
    }

    /// `m` as a distance: itself, or `similarityToDistance` with the default bound.
    public static func asDistance(_ m: ClassMatrix) throws(ExplicableError) -> ClassMatrix {
        m.kind == .distance ? m : try similarityToDistance(m)
    }

    private static func flip(_ m: ClassMatrix, from: ClassMatrix.Kind, to: ClassMatrix.Kind, bound: Double?)
        throws(ExplicableError) -> ClassMatrix
    {
        try requireKind(m, from, operation: "conversion to a \(to.rawValue)")
        try requireFinite(m)
        let b = bound ?? m.values.max() ?? 0
        var provenance = m.provenance
        provenance.parameters["converted"] = "\(to.rawValue) = \(formatNumber(b)) − \(from.rawValue)"
        return ClassMatrix(classes: m.classes, kind: to, values: m.values.map { b - $0 }, provenance: provenance)
    }

    /// WLF targets: row `i` is `softmax(scale · S[i])` (Olmo et al.; computed stably, subtracting
    /// the row maximum). Each row sums to 1.
    public static func rowSoftmax(_ m: ClassMatrix, scale: Double) throws(ExplicableError) -> ClassMatrix {
        try requireKind(m, .similarity, operation: "row softmax")
        try requireFinite(m)
        guard scale.isFinite else { throw ExplicableError(.invalidArgument, "the softmax scale must be finite") }
        let n = m.count
        var out = m.values
        for i in 0..<n {
            let row = (0..<n).map { scale * m[i, $0] }
            let top = row.max()!
            let e = row.map { Foundation.exp($0 - top) }
            let sum = e.reduce(0, +)
            for j in 0..<n { out[i * n + j] = e[j] / sum }
        }
        var provenance = m.provenance
        provenance.parameters["normalised"] = "row softmax, scale \(formatNumber(scale))"
        return ClassMatrix(classes: m.classes, kind: .similarity, values: out, provenance: provenance)
    }

    /// Each row divided by the sum of its absolute values (soft-label targets from a
    /// similarity; for a distance the row's share of the total distance). Each row's absolute
    /// values sum to 1.
    /// - Throws: when a row is all zeros.
    public static func rowL1(_ m: ClassMatrix) throws(ExplicableError) -> ClassMatrix {
        try requireFinite(m)
        let n = m.count
        var out = m.values
        for i in 0..<n {
            let sum = m.row(i).reduce(0) { $0 + Swift.abs($1) }
            guard sum > 0 else {
                throw ExplicableError(.badInput, "row '\(m.classes.labels[i])' is all zeros; it cannot be L1-normalised")
            }
            for j in 0..<n { out[i * n + j] = m[i, j] / sum }
        }
        var provenance = m.provenance
        provenance.parameters["normalised"] = "row L1"
        return ClassMatrix(classes: m.classes, kind: m.kind, values: out, provenance: provenance)
    }

    static func requireKind(_ m: ClassMatrix, _ kind: ClassMatrix.Kind, operation: String) throws(ExplicableError) {
        guard m.kind == kind else {
            throw ExplicableError(.invalidArgument,
                "\(operation) needs a \(kind.rawValue) matrix, but '\(m.provenance.source)' is a \(m.kind.rawValue); convert it first")
        }
    }

    static func requireFinite(_ m: ClassMatrix) throws(ExplicableError) {
        if let bad = m.values.firstIndex(where: { !$0.isFinite }) {
            throw ExplicableError(.badInput,
                "matrix '\(m.provenance.source)': cell (\(m.classes.labels[bad / m.count]), \(m.classes.labels[bad % m.count])) "
                    + "is \(m.values[bad])")
        }
    }
}

/// A number for provenance: integers without a fraction, others in their shortest form.
func formatNumber(_ v: Double) -> String {
    v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
}
