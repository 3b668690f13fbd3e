import ExplicableCore

/// A `long`-format ratings CSV (`annotator,class_a,class_b,value`) for a class-pair Likert study:
/// `raters` annotators rate every ordered pair as the paper's CHL cell plus noise drawn from
/// {−1, 0, 0, +1}, clamped to 0–4 (seeded, so the same for every caller).
public func noisyCHLRatingsCSV(chl: [Double], labels: [String], raters: Int = 12, seed: UInt64 = 11) -> String {
    var generator = SeededGenerator(seed: seed)
    var csv = "annotator,class_a,class_b,value\n"
    let c = labels.count
    for annotator in 0..<raters {
        for a in 0..<c {
            for b in 0..<c where a != b {
                let noise = [-1.0, 0, 0, 1][Int.random(in: 0..<4, using: &generator)]
                let v = min(4, max(0, (chl[a * c + b] + noise).rounded()))
                csv += "w\(annotator),\(labels[a]),\(labels[b]),\(Int(v))\n"
            }
        }
    }
    return csv
}
