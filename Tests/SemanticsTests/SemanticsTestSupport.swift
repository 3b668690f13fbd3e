import ExplicableCore
import Foundation
import Semantics

/// Ratings from `(annotator, row, column, value)` tuples.
func likert(
    _ tuples: [(Int, Int, Int, Double)], classes: ClassSet = pets, scale: ClosedRange<Double> = 0...4,
    annotatorCount: Int? = nil
) throws -> LikertRatings {
    try LikertRatings(
        classes: classes, scale: scale, annotatorCount: annotatorCount ?? ((tuples.map(\.0).max() ?? -1) + 1),
        annotators: tuples.map { Int32($0.0) }, rows: tuples.map { Int32($0.1) }, columns: tuples.map { Int32($0.2) },
        values: tuples.map(\.3))
}

func classSet(_ n: Int) -> ClassSet {
    try! ClassSet(name: "synthetic\(n)", labels: (0..<n).map { "c\($0)" })
}

/// A standard normal draw (Box–Muller).
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u = (Double(g.next() >> 11) + 0.5) * 0x1p-53, v = Double(g.next() >> 11) * 0x1p-53
    return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
}

/// A synthetic study: every off-diagonal pair gets `perPair` ratings, `true value + noise` rounded
/// to 0...4, from annotators who each rate `perAnnotator` pairs. With `structure` false the true
/// value is the same for every pair, so only noise is left.
func synthetic(
    classes n: Int, perPair: Int, perAnnotator: Int, noise: Double, structure: Bool = true, seed: UInt64
) throws -> (ratings: LikertRatings, truth: [Double]) {
    var g = SeededGenerator(seed: seed)
    var truth = [Double](repeating: 4, count: n * n)
    for i in 0..<n { for j in 0..<n where i != j { truth[i * n + j] = structure ? Double(g.next() % 4001) / 1000 : 2 } }
    var tuples: [(Int, Int, Int, Double)] = []
    var slot = 0
    for _ in 0..<perPair {
        for i in 0..<n {
            for j in 0..<n where i != j {
                let v = (truth[i * n + j] + noise * gaussian(&g)).rounded()
                tuples.append((slot / perAnnotator, i, j, min(4, max(0, v))))
                slot += 1
            }
        }
    }
    return (try likert(tuples, classes: classSet(n)), truth)
}
