public import ExplicableCore
import Foundation

/// How close a matrix's WLF targets are to those of a reference ("true") matrix.
///
/// The WLF trains on rows `softmax(scale · S[y])` (Olmo et al., arXiv 2006.14841, eq. 3; see
/// `ClassMatrix.rowSoftmax(scale:)`), so what a class-pair study must get right is those rows.
/// Three numbers:
/// - ``meanTV``: the mean over classes of the total-variation distance `½ Σ_j |p̂_ij − p_ij|`
///   between the estimate's and the truth's target rows, at each of ``scales`` (1 and 2 by
///   default); ``tv`` is their average, the one number designs are compared on (lower is better);
/// - ``pearson``: Pearson's r of the off-diagonal cells;
/// - ``nearestRecovered``: the share of each class's 3 nearest classes under the truth (largest
///   off-diagonal similarities in its row) that are also among its 3 nearest in the estimate.
///
/// ```swift
/// let reference = try TargetQuality.Reference(truth: truth)   // the truth's targets, once
/// let q = reference.measure(estimate.values)                  // per checkpoint, O(C²)
/// print(q.tv, q.pearson, q.nearestRecovered)
/// ```
public struct TargetQuality: Sendable, Equatable, Codable {
    /// The softmax scales the targets were compared at.
    public var scales: [Double]
    /// Mean total-variation distance of the target rows, one per scale.
    public var meanTV: [Double]
    /// Pearson's r of the off-diagonal cells.
    public var pearson: Double
    /// Share (0…1) of each class's 3 nearest classes that the estimate recovers, averaged over classes.
    public var nearestRecovered: Double

    /// The average of ``meanTV`` over the scales: the quality designs are ranked by (lower is better).
    public var tv: Double { meanTV.isEmpty ? .nan : meanTV.reduce(0, +) / Double(meanTV.count) }

    /// The truth's targets and nearest classes, computed once and compared with many estimates.
    public struct Reference: Sendable {
        public let truth: ClassMatrix
        public let scales: [Double]
        /// How many nearest classes ``TargetQuality/nearestRecovered`` compares (3).
        public let nearest: Int
        /// Target rows per scale, row-major.
        let targets: [[Double]]
        /// Each class's `nearest` nearest classes under the truth.
        let truthNearest: [[Int]]
        let offDiagonal: [Double]

        /// - Parameters:
        ///   - truth: a complete similarity matrix.
        ///   - scales: the softmax scales (default 1 and 2, the paper's and a sharper one).
        ///   - nearest: how many nearest classes to compare (default 3; capped at `classes − 1`).
        /// - Throws: `ExplicableError` when `truth` holds distances, a value is not finite, or a scale is not finite.
        public init(truth: ClassMatrix, scales: [Double] = [1, 2], nearest: Int = 3) throws(ExplicableError) {
            try truth.requireKind(.similarity, for: "target quality")
            try truth.requireFinite()
            guard !scales.isEmpty, scales.allSatisfy(\.isFinite) else {
                throw ExplicableError(.invalidArgument, "target quality needs finite softmax scales")
            }
            self.truth = truth
            self.scales = scales
            self.nearest = max(0, min(nearest, truth.count - 1))
            targets = scales.map { TargetQuality.softmaxRows(truth.values, n: truth.count, scale: $0) }
            truthNearest = (0..<truth.count).map {
                TargetQuality.nearest(truth.values, row: $0, n: truth.count, k: nearest)
            }
            offDiagonal = TargetQuality.offDiagonal(truth.values, n: truth.count)
        }

        /// Measures an estimate given as row-major values over the truth's classes (same order).
        public func measure(_ estimate: [Double]) -> TargetQuality {
            let n = truth.count
            precondition(estimate.count == n * n, "an estimate over \(n) classes needs \(n * n) values")
            let tvs = zip(scales, targets).map { scale, target in
                let rows = TargetQuality.softmaxRows(estimate, n: n, scale: scale)
                var total = 0.0
                for i in 0..<n {
                    var row = 0.0
                    for j in 0..<n { row += abs(rows[i * n + j] - target[i * n + j]) }
                    total += row / 2
                }
                return total / Double(n)
            }
            var recovered = 0.0
            if nearest > 0 {
                for i in 0..<n {
                    let mine = Set(TargetQuality.nearest(estimate, row: i, n: n, k: nearest))
                    recovered += Double(truthNearest[i].filter(mine.contains).count) / Double(nearest)
                }
                recovered /= Double(n)
            }
            return TargetQuality(
                scales: scales, meanTV: tvs,
                pearson: Statistics.pearson(TargetQuality.offDiagonal(estimate, n: n), offDiagonal),
                nearestRecovered: recovered)
        }

        /// Measures an estimate matrix.
        /// - Throws: `ExplicableError` when its classes differ from the truth's or it holds distances.
        public func measure(_ estimate: ClassMatrix) throws(ExplicableError) -> TargetQuality {
            try truth.classes.requireSameOrder(
                as: estimate.classes, "matrix '\(estimate.provenance.source)'", "the truth")
            try estimate.requireKind(.similarity, for: "target quality")
            try estimate.requireFinite()
            return measure(estimate.values)
        }
    }

    /// Row softmax of `scale · values`, stably (row maximum subtracted).
    static func softmaxRows(_ values: [Double], n: Int, scale: Double) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            var top = -Double.infinity
            for j in 0..<n { top = max(top, scale * values[i * n + j]) }
            var sum = 0.0
            for j in 0..<n {
                let e = exp(scale * values[i * n + j] - top)
                out[i * n + j] = e
                sum += e
            }
            for j in 0..<n { out[i * n + j] /= sum }
        }
        return out
    }

    /// The `k` columns with the largest off-diagonal values of row `i` of a row-major `n × n`
    /// matrix, largest first (ties: lower index first): class `i`'s `k` nearest classes.
    public static func nearest(_ values: [Double], row i: Int, n: Int, k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var best: [(value: Double, column: Int)] = []
        best.reserveCapacity(k + 1)
        for j in 0..<n where j != i {
            let v = values[i * n + j]
            if best.count == k, let last = best.last, !(v > last.value) { continue }
            let at = best.firstIndex { v > $0.value } ?? best.count
            best.insert((v, j), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.column)
    }

    static func offDiagonal(_ values: [Double], n: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(n * (n - 1))
        for i in 0..<n { for j in 0..<n where i != j { out.append(values[i * n + j]) } }
        return out
    }
}
