import ExplicableCore
import Foundation

/// The ratings a simulated study has collected, and the matrix estimated from them: each cell's
/// accepted ratings shrunk toward the prior calibrated on the ratings so far.
///
/// Calibration is ``PriorCalibration``, the one `AdaptiveAllocator` (with `calibratePrior`) and
/// `matrix build --prior-fit calibrated` use: the prior's off-diagonal values cut into at most 32
/// bins of equal counts; a bin's value the mean of its accepted ratings shrunk toward the mean of
/// all ratings with weight 5, bins nobody rated interpolated between the nearest rated ones, the
/// whole made monotone in the prior. A cell with `n` ratings summing to `Σ` is estimated as
/// `(Σ + k_b · cal_b) / (n + k_b)`, `k_b = σ² / τ_b²` by empirical Bayes: `σ²` the rating variance
/// pooled within cells, `τ_b²` the spread of bin b's cell means around its calibration beyond
/// `σ²/n` (``shrinkage``, default 5 as in `matrix build --shrinkage`, until the bin has 5 rated
/// cells; kept within 0.5…20). Without a prior (the full design), a cell is the mean of its
/// ratings and unrated cells the mean of all ratings. The diagonal is the scale's top, as in the
/// paper's CHL.
final class SimulationState {
    let n: Int
    let top: Double
    let shrinkage: Double
    /// Per cell, row-major: ratings, and their sum and sum of squares in thousandths of a scale point.
    var counts: [Int32]
    var sums: [Int64]
    var squares: [Int64]
    var calibration: PriorCalibration?
    var totalSum: Int64 = 0
    var totalCount = 0

    init(classes n: Int, top: Double, prior: [Double]?, shrinkage: Double) {
        self.n = n
        self.top = top
        self.shrinkage = shrinkage
        counts = [Int32](repeating: 0, count: n * n)
        sums = [Int64](repeating: 0, count: n * n)
        squares = sums
        calibration = prior.map { PriorCalibration(scaledPrior: $0, classes: n, weight: shrinkage) }
    }

    func add(cell: Int, rating: Double) {
        let thousandths = Int64((rating * 1000).rounded())
        counts[cell] += 1
        sums[cell] += thousandths
        squares[cell] += thousandths * thousandths
        totalSum += thousandths
        totalCount += 1
        calibration?.add(cell: cell, count: 1, sum: thousandths)
    }

    /// Refits the prior's calibration to the ratings so far.
    func recalibrate() {
        guard totalCount > 0 else { return }
        calibration?.fit(count: counts, sum: sums, squares: squares, priorWeight: shrinkage)
    }

    /// The estimate of one off-diagonal cell.
    @inline(__always) func estimate(_ cell: Int) -> Double {
        let count = Double(counts[cell]), sum = Double(sums[cell]) / 1000
        if let prior = calibration?.prior(of: cell) {
            return (sum + prior.weight * prior.value) / (count + prior.weight)
        }
        if count > 0 { return sum / count }
        return totalCount > 0 ? Double(totalSum) / 1000 / Double(totalCount) : 0
    }

    /// The whole estimated matrix, row-major.
    func matrix() -> [Double] {
        recalibrate()
        var out = [Double](repeating: top, count: n * n)
        for i in 0..<n { for j in 0..<n where i != j { out[i * n + j] = estimate(i * n + j) } }
        return out
    }
}
