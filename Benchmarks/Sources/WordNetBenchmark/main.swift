// Release benchmark of the WordNet target; prints one JSON object per line.
//
//   WordNetBenchmark parse LMF            parse + graph: seconds and peak RSS of this process
//   WordNetBenchmark matrices LMF TSV N   every measure over the first N classes of TSV, median of 3
//   WordNetBenchmark cached LMF DIR       WordNetGraph.load through a snapshot cache in DIR: one load
//                                         (the first in an empty DIR parses and writes the snapshot)
import ExplicableCore
import Foundation
import WordNet

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(
        Data("usage: WordNetBenchmark parse LMF | matrices LMF TSV N | cached LMF DIR\n".utf8))
    exit(64)
}
let lmf = URL(fileURLWithPath: arguments[2])
if arguments[1] == "cached" {
    guard arguments.count >= 4 else {
        FileHandle.standardError.write(Data("usage: WordNetBenchmark cached LMF DIR\n".utf8))
        exit(64)
    }
    let cache = WordNetCache(.directory(URL(fileURLWithPath: arguments[3], isDirectory: true)))
    let t = Date()
    let (graph, outcome) = try cache.load(lmf)
    let seconds = Date().timeIntervalSince(t)
    let t2 = Date()
    let taxonomy = Taxonomy(graph)
    let taxonomySeconds = Date().timeIntervalSince(t2)
    let mode: String
    switch outcome {
    case .loaded: mode = "warm"
    case .rebuilt: mode = "cold"
    default: mode = "\(outcome)"
    }
    emit([
        "bench": "oewn_cached", "impl": "explicable", "mode": mode, "seconds": seconds,
        "taxonomy_seconds": taxonomySeconds, "peak_rss_mb": peakRSSMegabytes(), "synsets": taxonomy.graph.synsetCount,
    ])
    exit(0)
}
let start = Date()
let graph = try LMFReader.read(lmf)
let taxonomy = Taxonomy(graph)
let parseSeconds = Date().timeIntervalSince(start)

switch arguments[1] {
case "parse":
    emit([
        "bench": "oewn_parse", "impl": "explicable", "seconds": parseSeconds, "peak_rss_mb": peakRSSMegabytes(),
        "synsets": graph.synsetCount,
    ])
case "matrices":
    let all = try ClassSet.readTSV(URL(fileURLWithPath: arguments[3]))
    let n = min(Int(arguments[4]) ?? all.count, all.count)
    let classes = try ClassSet(
        name: all.name, labels: Array(all.labels.prefix(n)), synsets: Array(all.synsets.prefix(n)))
    let calculator = SimilarityCalculator(taxonomy: taxonomy)
    for measure in Measure.allCases {
        var times: [Double] = []
        for _ in 0..<3 {
            let t = Date()
            let matrix = try calculator.matrix(measure, classes: classes)
            times.append(Date().timeIntervalSince(t))
            precondition(matrix.count == n)
        }
        emit([
            "bench": "matrix_\(n)", "impl": "explicable", "measure": measure.rawValue, "seconds": median(times),
            "pairs": n * n, "threads": ProcessInfo.processInfo.activeProcessorCount,
        ])
    }
default:
    FileHandle.standardError.write(Data("unknown mode \(arguments[1])\n".utf8))
    exit(64)
}
