public import ExplicableCore

/// How closely two matrices over the same classes agree: correlations, neighbour overlap, and
/// the class pairs on which they disagree most.
///
/// All statistics use the off-diagonal cells, dropping a cell when it is NaN in either matrix.
public struct MatrixComparison: Sendable, Equatable {
    /// A class pair whose standardised values differ most between the two matrices.
    public struct Disagreement: Sendable, Equatable {
        public let row: Int
        public let column: Int
        /// The raw values in the first and second matrix.
        public let first: Double
        public let second: Double
        /// The values z-scored over each matrix's paired off-diagonal cells (population SD).
        public let firstZ: Double
        public let secondZ: Double

        /// `firstZ - secondZ`: positive where the first matrix rates the pair relatively higher.
        public var difference: Double { firstZ - secondZ }
    }

    /// The number of off-diagonal cells finite in both matrices.
    public let cellCount: Int
    public let pearson: Double
    /// Spearman's rho with average ranks for ties.
    public let spearman: Double
    /// Kendall's tau-b (tie-corrected, as `scipy.stats.kendalltau`).
    public let kendallTauB: Double
    /// The `k` of the neighbour agreement.
    public let neighbours: Int
    /// Per class, the fraction of its `k` nearest other classes the two matrices share; NaN for a
    /// class with no finite cells in its row in either matrix.
    public let neighbourAgreement: [Double]
    /// The mean of `neighbourAgreement` over the classes where it is defined.
    public let meanNeighbourAgreement: Double
    /// The largest disagreements, largest `|firstZ - secondZ|` first. For two symmetric matrices
    /// each unordered pair appears once (`row < column`).
    public let disagreements: [Disagreement]

    /// Compares two matrices of the same kind over the same class set.
    ///
    /// Nearest neighbours of class `i` are the `k` other classes with the largest values in row `i`
    /// (the smallest for distance matrices), among cells finite in that matrix; ties go to the lower
    /// class index. Agreement is the size of the two sets' intersection over `min(k, n - 1)`.
    ///
    /// - Parameters:
    ///   - first: one matrix.
    ///   - second: the other, of the same kind over the same class set.
    ///   - neighbours: `k` for the neighbour agreement, at least 1.
    ///   - disagreements: how many class pairs to list.
    /// - Throws: `ExplicableError` `badInput` when the class sets differ, `invalidArgument` when
    ///   one matrix holds similarities and the other distances.
    public init(_ first: ClassMatrix, _ second: ClassMatrix, neighbours: Int = 5, disagreements: Int = 10)
        throws(ExplicableError)
    {
        precondition(neighbours >= 1 && disagreements >= 0, "neighbours must be ≥ 1 and disagreements ≥ 0")
        guard first.classes.labels == second.classes.labels else {
            throw .badInput(
                "cannot compare matrices over different class sets: '\(first.classes.name)' "
                    + "(\(first.count) classes: \(first.classes.labels.prefix(5).joined(separator: ", "))…) and "
                    + "'\(second.classes.name)' (\(second.count) classes: "
                    + "\(second.classes.labels.prefix(5).joined(separator: ", "))…)")
        }
        guard first.kind == second.kind else {
            throw ExplicableError(
                .invalidArgument,
                "cannot compare a \(first.kind.rawValue) matrix with a \(second.kind.rawValue) matrix; "
                    + "convert one so both hold \(first.kind.rawValue == "similarity" ? "similarities" : "distances")")
        }
        let n = first.count
        var x: [Double] = [], y: [Double] = [], pairs: [(Int, Int)] = []
        for i in 0..<n {
            for j in 0..<n where i != j && !first[i, j].isNaN && !second[i, j].isNaN {
                x.append(first[i, j])
                y.append(second[i, j])
                pairs.append((i, j))
            }
        }
        cellCount = x.count
        pearson = Statistics.pearson(x, y)
        spearman = Statistics.spearman(x, y)
        kendallTauB = Statistics.kendallTauB(x, y)

        let k = min(neighbours, max(1, n - 1))
        self.neighbours = k
        func nearest(_ m: ClassMatrix, _ i: Int) -> Set<Int> {
            let others = (0..<n).filter { $0 != i && !m[i, $0].isNaN }
            let ranked = others.sorted { a, b in
                let va = m[i, a], vb = m[i, b]
                if va != vb { return m.kind == .similarity ? va > vb : va < vb }
                return a < b
            }
            return Set(ranked.prefix(k))
        }
        neighbourAgreement = (0..<n).map { i in
            let a = nearest(first, i), b = nearest(second, i)
            return a.isEmpty && b.isEmpty ? .nan : Double(a.intersection(b).count) / Double(k)
        }
        meanNeighbourAgreement = Statistics.mean(neighbourAgreement.filter { !$0.isNaN })

        func zScores(_ v: [Double]) -> [Double] {
            let mean = Statistics.mean(v), sd = Statistics.standardDeviation(v, ddof: 0)
            return v.map { sd > 0 ? ($0 - mean) / sd : 0 }
        }
        let zx = zScores(x), zy = zScores(y)
        let symmetric = first.isSymmetric && second.isSymmetric
        let candidates = pairs.indices.filter { !symmetric || pairs[$0].0 < pairs[$0].1 }
        let top = candidates.sorted { a, b in
            let da = abs(zx[a] - zy[a]), db = abs(zx[b] - zy[b])
            return da != db ? da > db : a < b
        }.prefix(disagreements)
        self.disagreements = top.map { c in
            Disagreement(row: pairs[c].0, column: pairs[c].1, first: x[c], second: y[c], firstZ: zx[c], secondZ: zy[c])
        }
    }
}

extension ClassMatrix {
    /// Whether `self[i, j]` equals `self[j, i]` for every pair (NaN cells match NaN cells).
    var isSymmetric: Bool {
        for i in 0..<count {
            for j in (i + 1)..<count {
                let a = self[i, j], b = self[j, i]
                if a != b && !(a.isNaN && b.isNaN) { return false }
            }
        }
        return true
    }
}
