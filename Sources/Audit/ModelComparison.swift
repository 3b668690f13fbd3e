public import ExplicableCore
import Foundation
import Semantics
public import Training

/// The comparison of several models on the same test set (Olmo et al., section 5): accuracy and
/// mistake metrics with bootstrap intervals, paired differences to the first model, and which
/// model's mistake is closest to the truth on the images that every model gets wrong.
///
/// Statistics, all over test images resampled with replacement (`bootstrap` replicates of `n`
/// images drawn by a `SeededGenerator` from `seed`; every model sees the same replicates):
/// - an interval is the percentile interval, the 2.5% and 97.5% quantiles (NumPy's linear
///   interpolation, `Statistics/quantile(sorted:_:)`) of the replicate statistics; a replicate
///   where a model makes no mistake has no severity or explicable rate and is left out of those;
/// - a difference is `model − first model` on the same replicate, its interval the quantiles of
///   those replicate differences, and its p-value the two-sided bootstrap share
///   `min(1, 2 · min(#(Δ ≤ 0), #(Δ ≥ 0)) / B)`: twice the share of replicates on the far side of 0
///   (identical models give Δ = 0 everywhere and p = 1).
///
/// Point estimates are `Metrics`' definitions: top-1 is the share of correct images, mistake
/// severity the mean distance d(true, predicted) over the mistakes, the explicable-mistake rate
/// the share of mistakes with similarity S(true, predicted) ≥ `threshold`.
///
/// A model may be several runs of one recipe with different seeds (``ComparedModel``). Its point
/// estimate is then the mean of its runs' estimates, and each replicate also resamples its runs
/// with replacement (independently per model) and averages them on the replicate's images, so the
/// intervals and p-values hold over the test images *and* over seeds (a two-level bootstrap).
///
/// ```swift
/// let runs = try ["runs/ce", "runs/wlf"].map { try ComparedRun.read(URL(fileURLWithPath: $0)) }
/// let comparison = try ModelComparison.compare(
///     runs: runs, matrix: try EvaluationMatrix(chl, classes: runs[0].classes), bootstrap: 1000, seed: 0)
/// print(comparison.modelTable().plainText)   // top-1, severity, explicable rate, with intervals
/// ```
public struct ModelComparison: Sendable, Codable, Equatable {
    /// A point estimate with its bootstrap percentile interval; all `nil` when undefined (no mistakes).
    public struct Interval: Sendable, Codable, Equatable {
        public var value: Double?
        public var lower: Double?
        public var upper: Double?
    }

    /// A paired difference `model − first model`, its interval and the bootstrap p-value.
    public struct Difference: Sendable, Codable, Equatable {
        public var value: Double?
        public var lower: Double?
        public var upper: Double?
        /// Two-sided bootstrap p-value (see ``ModelComparison``).
        public var p: Double?
        /// Replicates where both models had the statistic.
        public var replicates: Int
    }

    /// One run's point estimates, for a model of several seeds.
    public struct RunPoint: Sendable, Codable, Equatable {
        public var name: String
        public var top1: Double
        public var mistakeSeverity: Double?
        public var explicableMistakeRate: Double?
    }

    /// One model's row.
    public struct Model: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
        /// Mistakes on the test set (summed over the runs of a model of several seeds).
        public var mistakes: Int
        /// Each run's estimates when the model is several runs (empty for one run).
        public var runs: [RunPoint] = []
        public var top1: Interval
        public var mistakeSeverity: Interval
        public var explicableMistakeRate: Interval
        /// Differences to the first model (`nil` for the first model itself).
        public var top1Difference: Difference?
        public var severityDifference: Difference?
        public var explicableDifference: Difference?
    }

    /// Olmo et al.'s comparison on the images every model gets wrong: whose mistake is closest to
    /// the true class (highest similarity).
    public struct ClosestMistakes: Sendable, Codable, Equatable {
        /// The number of test images that every model gets wrong.
        public var images: Int
        /// Per model: images where its mistake alone is the most similar to the true class.
        public var hard: [Int]
        /// Per model: one credit per image, split equally among the models tied for the most similar mistake.
        public var soft: [Double]
        /// Images where two or more models tie for the most similar mistake.
        public var ties: Int
    }

    /// Where the evaluation matrix came from.
    public var matrix: String
    public var threshold: Double
    public var bootstrap: Int
    public var seed: UInt64
    public var confidence: Double
    public var models: [Model]
    public var closestMistakes: ClosestMistakes
    /// Out-of-distribution results, when asked for.
    public var ood: OODComparison?

    /// Compares `runs` on their shared test set.
    ///
    /// - Parameters:
    ///   - runs: at least one run; all with the same labels and classes. The first is the reference.
    ///   - matrix: the evaluation matrix over the runs' classes.
    ///   - threshold: similarity at or above which a mistake is explicable.
    ///   - bootstrap: replicates (≥ 1).
    ///   - seed: fixes the replicates.
    /// - Throws: `ExplicableError` (`invalidArgument`) when the runs' labels or classes differ.
    public static func compare(
        runs: [ComparedRun], matrix: EvaluationMatrix, threshold: Double = 2, bootstrap: Int = 1000, seed: UInt64 = 0
    ) throws(ExplicableError) -> ModelComparison {
        try compare(
            models: runs.map { ComparedModel(name: $0.name, runs: [$0]) }, matrix: matrix, threshold: threshold,
            bootstrap: bootstrap, seed: seed)
    }

    /// Compares `models`, each one run or several runs of different seeds, on their shared test set.
    ///
    /// - Parameters:
    ///   - groups: the models, at least one; every run with the same labels and classes. The first
    ///     model is the reference.
    ///   - matrix: the evaluation matrix over the runs' classes.
    ///   - threshold: similarity at or above which a mistake is explicable.
    ///   - bootstrap: replicates (≥ 1).
    ///   - seed: fixes the replicates.
    /// - Throws: `ExplicableError` (`invalidArgument`) when the runs' labels or classes differ.
    public static func compare(
        models groups: [ComparedModel], matrix: EvaluationMatrix, threshold: Double = 2, bootstrap: Int = 1000,
        seed: UInt64 = 0
    ) throws(ExplicableError) -> ModelComparison {
        let runs = groups.flatMap(\.runs)
        guard let first = runs.first else { throw ExplicableError(.invalidArgument, "no runs to compare") }
        if let empty = groups.first(where: { $0.runs.isEmpty }) {
            throw ExplicableError(.invalidArgument, "model \(empty.name) has no runs")
        }
        guard bootstrap >= 1 else { throw ExplicableError(.invalidArgument, "--bootstrap must be at least 1") }
        for run in runs.dropFirst() {
            try first.classes.requireSameOrder(as: run.classes, "run \(run.name)", "run \(first.name)")
            guard run.labels == first.labels else {
                throw ExplicableError(
                    .invalidArgument,
                    "run \(run.name) was tested on other images than run \(first.name) (labels.npy differ: "
                        + "\(run.labels.count) vs \(first.labels.count) labels)")
            }
        }
        try first.classes.requireSameOrder(as: matrix.classes, "the evaluation matrix", "the runs")
        let c = first.classes.count, n = first.labels.count, m = runs.count
        // Each model's run indices into `runs`.
        var members: [[Int]] = [], next = 0
        for group in groups {
            members.append(Array(next..<(next + group.runs.count)))
            next += group.runs.count
        }
        // Per model and image: correct, the mistake's distance and whether it is explicable.
        var correct = [[Bool]](), distance = [[Double]](), explicable = [[Bool]]()
        for run in runs {
            var ok = [Bool](repeating: false, count: n), d = [Double](repeating: 0, count: n)
            var e = [Bool](repeating: false, count: n)
            for i in 0..<n {
                let y = Int(run.labels[i]), p = run.predictions[i]
                ok[i] = p == y
                if p != y {
                    d[i] = matrix.distance[y * c + p]
                    e[i] = matrix.similarity[y * c + p] >= threshold
                }
            }
            correct.append(ok)
            distance.append(d)
            explicable.append(e)
        }
        func statistics(_ k: Int, _ indices: some Sequence<Int>, count: Int) -> (Double, Double?, Double?) {
            var hits = 0, mistakes = 0, sum = 0.0, yes = 0
            for i in indices {
                if correct[k][i] {
                    hits += 1
                } else {
                    mistakes += 1
                    sum += distance[k][i]
                    if explicable[k][i] { yes += 1 }
                }
            }
            let nd = Double(max(count, 1))
            return (
                Double(hits) / nd, mistakes > 0 ? sum / Double(mistakes) : nil,
                mistakes > 0 ? Double(yes) / Double(mistakes) : nil
            )
        }
        // A model's estimate from its runs' (the mean; nil when no run has the statistic).
        func mean(_ values: [Double?]) -> Double? {
            let defined = values.compactMap { $0 }
            return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        }
        let runPoints = (0..<m).map { statistics($0, 0..<n, count: n) }
        let g = groups.count
        let points = members.map { runs in
            (
                mean(runs.map { runPoints[$0].0 })!, mean(runs.map { runPoints[$0].1 }),
                mean(runs.map { runPoints[$0].2 })
            )
        }
        // Replicate statistics per model; NaN where undefined.
        var replicateTop1 = [[Double]](repeating: [], count: g)
        var replicateSeverity = [[Double]](repeating: [], count: g)
        var replicateExplicable = [[Double]](repeating: [], count: g)
        var generator = SeededGenerator(seed: seed)
        var indices = [Int](repeating: 0, count: n)
        var replicateRuns = [(Double, Double?, Double?)](repeating: (0, nil, nil), count: m)
        for _ in 0..<bootstrap {
            for j in 0..<n { indices[j] = Int(generator.next().multipliedFullWidth(by: UInt64(n)).high) }
            for k in 0..<m { replicateRuns[k] = statistics(k, indices, count: n) }
            for (k, runs) in members.enumerated() {
                // Several seeds: draw as many runs with replacement (one run: itself, no draw).
                let drawn =
                    runs.count == 1
                    ? runs
                    : runs.map { _ in runs[Int(generator.next().multipliedFullWidth(by: UInt64(runs.count)).high)] }
                replicateTop1[k].append(mean(drawn.map { replicateRuns[$0].0 })!)
                replicateSeverity[k].append(mean(drawn.map { replicateRuns[$0].1 }) ?? .nan)
                replicateExplicable[k].append(mean(drawn.map { replicateRuns[$0].2 }) ?? .nan)
            }
        }
        let confidence = 0.95
        func interval(_ point: Double?, _ values: [Double]) -> Interval {
            let sorted = values.filter { !$0.isNaN }.sorted()
            guard let point, !sorted.isEmpty else { return Interval(value: point, lower: nil, upper: nil) }
            return Interval(
                value: point, lower: Statistics.quantile(sorted: sorted, (1 - confidence) / 2),
                upper: Statistics.quantile(sorted: sorted, (1 + confidence) / 2))
        }
        func difference(_ a: Double?, _ b: Double?, _ x: [Double], _ y: [Double]) -> Difference {
            let deltas = zip(x, y).map { $0 - $1 }.filter { !$0.isNaN }.sorted()
            let value = a.flatMap { a in b.map { a - $0 } }
            guard !deltas.isEmpty else {
                return Difference(value: value, lower: nil, upper: nil, p: nil, replicates: 0)
            }
            let below = deltas.filter { $0 <= 0 }.count, above = deltas.filter { $0 >= 0 }.count
            return Difference(
                value: value, lower: Statistics.quantile(sorted: deltas, (1 - confidence) / 2),
                upper: Statistics.quantile(sorted: deltas, (1 + confidence) / 2),
                p: min(1, 2 * Double(min(below, above)) / Double(deltas.count)), replicates: deltas.count)
        }
        var models: [Model] = []
        for k in 0..<g {
            let mistakes = members[k].reduce(0) { total, r in total + correct[r].filter { !$0 }.count }
            var model = Model(
                name: groups[k].name, count: n, mistakes: mistakes, top1: interval(points[k].0, replicateTop1[k]),
                mistakeSeverity: interval(points[k].1, replicateSeverity[k]),
                explicableMistakeRate: interval(points[k].2, replicateExplicable[k]))
            if members[k].count > 1 {
                model.runs = members[k].map { r in
                    RunPoint(
                        name: runs[r].name, top1: runPoints[r].0, mistakeSeverity: runPoints[r].1,
                        explicableMistakeRate: runPoints[r].2)
                }
            }
            if k > 0 {
                model.top1Difference = difference(points[k].0, points[0].0, replicateTop1[k], replicateTop1[0])
                model.severityDifference = difference(
                    points[k].1, points[0].1, replicateSeverity[k], replicateSeverity[0])
                model.explicableDifference = difference(
                    points[k].2, points[0].2, replicateExplicable[k], replicateExplicable[0])
            }
            models.append(model)
        }
        return ModelComparison(
            matrix: matrix.source, threshold: threshold, bootstrap: bootstrap, seed: seed, confidence: confidence,
            models: models, closestMistakes: closestMistakes(models: groups, matrix: matrix), ood: nil)
    }

    /// ``closestMistakes(runs:matrix:)`` for models of several seeds: the i-th runs of the models
    /// are compared with each other, for every i up to the fewest runs a model has, and the counts
    /// summed (one model per run: the same as comparing the runs).
    public static func closestMistakes(models: [ComparedModel], matrix: EvaluationMatrix) -> ClosestMistakes {
        let rounds = models.map(\.runs.count).min() ?? 0
        var total = ClosestMistakes(
            images: 0, hard: [Int](repeating: 0, count: models.count),
            soft: [Double](repeating: 0, count: models.count), ties: 0)
        for i in 0..<rounds {
            let r = closestMistakes(runs: models.map { $0.runs[i] }, matrix: matrix)
            total.images += r.images
            total.ties += r.ties
            for k in models.indices {
                total.hard[k] += r.hard[k]
                total.soft[k] += r.soft[k]
            }
        }
        return total
    }

    /// Counts, on the images every run gets wrong, whose mistake has the highest similarity to the true class.
    public static func closestMistakes(runs: [ComparedRun], matrix: EvaluationMatrix) -> ClosestMistakes {
        let m = runs.count, c = matrix.classes.count
        var result = ClosestMistakes(
            images: 0, hard: [Int](repeating: 0, count: m), soft: [Double](repeating: 0, count: m), ties: 0)
        guard let first = runs.first else { return result }
        for i in 0..<first.labels.count {
            let y = Int(first.labels[i])
            guard runs.allSatisfy({ $0.predictions[i] != y }) else { continue }
            result.images += 1
            let similarity = runs.map { matrix.similarity[y * c + $0.predictions[i]] }
            let best = similarity.max()!
            let winners = (0..<m).filter { similarity[$0] == best }
            if winners.count == 1 { result.hard[winners[0]] += 1 } else { result.ties += 1 }
            for w in winners { result.soft[w] += 1 / Double(winners.count) }
        }
        return result
    }
}
