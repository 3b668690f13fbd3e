import Dispatch
import ExplicableCore
import Semantics

// Prints one JSON line per timed run of M^h computations on synthetic Likert data:
//   SemanticsBenchmark chl [RUNS]        mean per directed pair of 1,000,000 ratings over 100 classes
//   SemanticsBenchmark bootstrap [RUNS]  1,000 cluster-bootstrap replicates, 10 classes, 46 raters per pair
// run-semantics.sh runs the same computations in NumPy (semantics_peer.py) in the same run.

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// `perPair` ratings of every off-diagonal pair (0…4, a pair's true value plus noise), each annotator
/// rating `perAnnotator` consecutive pairs.
func study(classes n: Int, perPair: Int, perAnnotator: Int, seed: UInt64) throws -> LikertRatings {
    var g = SeededGenerator(seed: seed)
    let truth = (0..<(n * n)).map { _ in Double(g.next() % 5) }
    var annotators: [Int32] = [], rows: [Int32] = [], columns: [Int32] = [], values: [Double] = []
    var slot = 0
    for _ in 0..<perPair {
        for i in 0..<n {
            for j in 0..<n where i != j {
                annotators.append(Int32(slot / perAnnotator))
                rows.append(Int32(i))
                columns.append(Int32(j))
                let noise = Double(g.next() % 3) - 1
                values.append(min(4, max(0, truth[i * n + j] + noise)))
                slot += 1
            }
        }
    }
    let classes = try ClassSet(name: "bench\(n)", labels: (0..<n).map { "c\($0)" })
    return try LikertRatings(
        classes: classes, scale: 0...4, annotatorCount: (slot + perAnnotator - 1) / perAnnotator,
        annotators: annotators, rows: rows, columns: columns, values: values)
}

/// `count` ratings of uniformly random off-diagonal pairs by random annotators, values uniform on 0…4.
func randomRatings(classes n: Int, count: Int, annotators m: Int, seed: UInt64) throws -> LikertRatings {
    var g = SeededGenerator(seed: seed)
    var annotators = [Int32](repeating: 0, count: count), rows = annotators, columns = annotators
    var values = [Double](repeating: 0, count: count)
    for r in 0..<count {
        annotators[r] = Int32(g.next() % UInt64(m))
        let i = Int32(g.next() % UInt64(n))
        var j = Int32(g.next() % UInt64(n - 1))
        if j >= i { j += 1 }
        rows[r] = i
        columns[r] = j
        values[r] = Double(g.next() % 5)
    }
    let classes = try ClassSet(name: "bench\(n)", labels: (0..<n).map { "c\($0)" })
    return try LikertRatings(
        classes: classes, scale: 0...4, annotatorCount: m, annotators: annotators, rows: rows, columns: columns,
        values: values)
}

let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "chl"
let runs = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5

switch mode {
case "chl":
    let ratings = try randomRatings(classes: 100, count: 1_000_000, annotators: 10_000, seed: 1)
    for statistic in [LikertAggregation.Statistic.mean, .median] {
        let options = try LikertAggregation(statistic: statistic)
        _ = aggregate(ratings, options)  // warm-up
        for _ in 0..<runs {
            let t0 = now()
            let m = aggregate(ratings, options)
            let seconds = now() - t0
            let checksum = m.matrix.values.reduce(0, +)
            print(
                #"{"bench":"chl_\#(statistic.rawValue)","impl":"explicable","ratings":\#(ratings.count),"#
                    + #""classes":100,"seconds":\#(seconds),"checksum":\#(checksum)}"#)
        }
    }
case "bootstrap":
    let ratings = try study(classes: 10, perPair: 46, perAnnotator: 14, seed: 2)
    _ = bootstrapIntervals(ratings, .paper, replicates: 50, seed: 0)  // warm-up
    for run in 0..<runs {
        let t0 = now()
        let ci = bootstrapIntervals(ratings, .paper, replicates: 1000, seed: UInt64(run))
        let seconds = now() - t0
        let width = zip(ci.lower, ci.upper).map { $1 - $0 }.reduce(0, +) / 90
        print(
            #"{"bench":"bootstrap_1000","impl":"explicable","ratings":\#(ratings.count),"#
                + #""annotators":\#(ratings.annotatorCount),"seconds":\#(seconds),"mean_width":\#(width)}"#)
    }
default:
    fatalError("usage: SemanticsBenchmark chl|bootstrap [RUNS]")
}
