public import ExplicableCore
public import LabelStore
import Foundation
import Semantics

/// How reasonable people found each model's mistakes, from a mistake-review study's ratings.
///
/// Every image of the review was misclassified by every model; each (image, wrong prediction) is
/// one item, shared by the models that made that prediction. Per model:
/// - its per-image score is the mean of the numeric ratings of its item for that image ("cannot
///   tell" left out); images without a numeric rating are left out;
/// - `mean` is the mean of the per-image scores (every image weighs the same), with a percentile
///   bootstrap confidence interval that resamples images (seeded);
/// - `reasonableShare` is the share of its numeric ratings above the scale's midpoint
///   (`(lowest + highest) / 2`: 3 and 4 on the 0–4 scale);
/// - `cannotTell` counts its "cannot tell" answers.
///
/// Each pair of models is compared with ``WilcoxonSignedRank`` on the per-image scores of the images
/// both have scores for (first model minus second; images where they made the same mistake give 0
/// and are dropped, as Wilcoxon's method does).
public struct MistakeReviewReport: Sendable, Equatable, Encodable {
    public struct Model: Sendable, Equatable, Encodable {
        public var name: String
        /// Images with at least one numeric rating of this model's mistake.
        public var images: Int
        /// Numeric ratings of this model's mistakes.
        public var ratings: Int
        /// Mean of the per-image mean ratings; NaN without ratings.
        public var mean: Double
        public var lower: Double
        public var upper: Double
        /// Share of the numeric ratings above the scale's midpoint.
        public var reasonableShare: Double
        /// "Cannot tell" answers to this model's mistakes.
        public var cannotTell: Int
    }

    public struct Comparison: Sendable, Equatable, Encodable {
        public var first: String
        public var second: String
        /// Images both models have scores for.
        public var images: Int
        /// Mean of the per-image differences, first minus second.
        public var meanDifference: Double
        public var test: WilcoxonSignedRank
    }

    public var study: String
    public var models: [Model]
    public var comparisons: [Comparison]
    /// Ratings above this value count as reasonable.
    public var midpoint: Double
    public var confidence: Double
    public var replicates: Int
    public var seed: UInt64
    public var continuityCorrection: Bool
    /// Submissions that quality control has not checked yet; their ratings are not counted.
    public var pendingSubmissions: Int

    /// Computes the report.
    /// - Parameters:
    ///   - study: the mistake-review study's name, for the report.
    ///   - ratings: the accepted ratings of the study's items (`nil` values: "cannot tell").
    ///   - modelsByItem: the models whose prediction each item shows, by item key.
    ///   - models: the models in the order to report them.
    ///   - imageOfItem: the image each item shows, by item key (pairs models' scores by image).
    ///   - scale: the lowest and highest points of the rating scale.
    ///   - confidence: the bootstrap interval's coverage, e.g. 0.95.
    ///   - replicates: bootstrap replicates over images.
    ///   - seed: the bootstrap's seed.
    ///   - continuityCorrection: whether the Wilcoxon test's normal approximation is continuity-corrected.
    ///   - pendingSubmissions: submissions not yet quality-checked, mentioned in the report.
    public init(
        study: String, ratings: [ReviewRating], modelsByItem: [String: [String]], models: [String],
        imageOfItem: [String: String], scale: ClosedRange<Double>, confidence: Double = 0.95,
        replicates: Int = 10_000, seed: UInt64, continuityCorrection: Bool = false, pendingSubmissions: Int = 0
    ) {
        precondition(replicates >= 1 && (0..<1).contains(confidence), "bad bootstrap settings")
        self.study = study
        let mid = (scale.lowerBound + scale.upperBound) / 2
        midpoint = mid
        self.confidence = confidence
        self.replicates = replicates
        self.seed = seed
        self.continuityCorrection = continuityCorrection
        self.pendingSubmissions = pendingSubmissions

        var values: [String: [Double]] = [:]
        var cannotTellByItem: [String: Int] = [:]
        for rating in ratings {
            if let v = rating.value {
                values[rating.itemKey, default: []].append(v)
            } else {
                cannotTellByItem[rating.itemKey, default: 0] += 1
            }
        }
        // Per model: image → mean rating of its item for that image.
        var scores: [String: [String: Double]] = [:]
        var reports: [Model] = []
        for (m, model) in models.enumerated() {
            let items = modelsByItem.filter { $0.value.contains(model) }.keys.sorted()
            var perImage: [String: Double] = [:]
            var all: [Double] = []
            var cannotTell = 0
            for item in items {
                cannotTell += cannotTellByItem[item] ?? 0
                guard let v = values[item], !v.isEmpty, let image = imageOfItem[item] else { continue }
                all += v
                perImage[image] = Statistics.mean(v)
            }
            scores[model] = perImage
            let sample = perImage.keys.sorted().map { perImage[$0]! }
            let (lower, upper) = Self.bootstrap(
                sample, confidence: confidence, replicates: replicates,
                seed: seed &+ UInt64(m) &* 0x9E37_79B9_7F4A_7C15)
            reports.append(
                Model(
                    name: model, images: sample.count, ratings: all.count, mean: Statistics.mean(sample),
                    lower: lower, upper: upper,
                    reasonableShare: all.isEmpty ? .nan : Double(all.filter { $0 > mid }.count) / Double(all.count),
                    cannotTell: cannotTell))
        }
        self.models = reports
        var comparisons: [Comparison] = []
        let names = models
        for i in names.indices {
            for j in names.indices where j > i {
                let a = scores[names[i]] ?? [:], b = scores[names[j]] ?? [:]
                let shared = a.keys.filter { b[$0] != nil }.sorted()
                let differences = shared.map { a[$0]! - b[$0]! }
                comparisons.append(
                    Comparison(
                        first: names[i], second: names[j], images: shared.count,
                        meanDifference: Statistics.mean(differences),
                        test: WilcoxonSignedRank(differences, continuityCorrection: continuityCorrection)))
            }
        }
        self.comparisons = comparisons
    }

    /// Reads a mistake-review study's accepted ratings and item models from the store and computes the report.
    public static func make(
        studyId: Int64, study: String, items: [ItemRecord], store: LabelStore, scale: ClosedRange<Double>,
        confidence: Double = 0.95, replicates: Int = 10_000, seed: UInt64, continuityCorrection: Bool = false
    ) throws(ExplicableError) -> MistakeReviewReport {
        let modelsByItem = try store.reviewModels(studyId: studyId)
        guard !modelsByItem.isEmpty else {
            throw ExplicableError(
                .invalidArgument,
                "study '\(study)' records no models: make mistake-review studies with 'explicable study review'")
        }
        var models: [String] = []
        for item in items {
            for model in modelsByItem[item.key] ?? [] where !models.contains(model) { models.append(model) }
        }
        let (ratings, pending) = try store.acceptedRatings(studyId: studyId)
        var imageOfItem: [String: String] = [:]
        for item in items { if let image = item.image { imageOfItem[item.key] = image } }
        return MistakeReviewReport(
            study: study, ratings: ratings, modelsByItem: modelsByItem, models: models.sorted(),
            imageOfItem: imageOfItem, scale: scale, confidence: confidence, replicates: replicates, seed: seed,
            continuityCorrection: continuityCorrection, pendingSubmissions: pending)
    }

    /// The percentile bootstrap interval of the mean of `sample`, resampling its elements.
    static func bootstrap(_ sample: [Double], confidence: Double, replicates: Int, seed: UInt64) -> (Double, Double) {
        guard !sample.isEmpty else { return (.nan, .nan) }
        var random = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: replicates)
        let n = sample.count
        for r in 0..<replicates {
            var sum = 0.0
            for _ in 0..<n { sum += sample[Int(random.next().multipliedFullWidth(by: UInt64(n)).high)] }
            means[r] = sum / Double(n)
        }
        means.sort()
        let alpha = (1 - confidence) / 2
        return (Statistics.quantile(sorted: means, alpha), Statistics.quantile(sorted: means, 1 - alpha))
    }

    /// The report as aligned text: one table of models, one of pairwise tests.
    public var table: String {
        func f(_ v: Double, _ digits: Int = 2) -> String { v.isNaN ? "-" : String(format: "%.\(digits)f", v) }
        func pad(_ rows: [[String]]) -> String {
            let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { c, cell in
                    c == 0
                        ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  ")
            }.joined(separator: "\n") + "\n"
        }
        let level = String(format: "%g", confidence * 100)
        var out = "study \(study): mistakes rated by accepted submissions; reasonable = rating > \(f(midpoint, 1))\n"
        var rows = [["model", "images", "ratings", "mean", "\(level)% CI", "reasonable", "cannot tell"]]
        for m in models {
            rows.append([
                m.name, "\(m.images)", "\(m.ratings)", f(m.mean), m.lower.isNaN ? "-" : "\(f(m.lower))–\(f(m.upper))",
                m.reasonableShare.isNaN ? "-" : String(format: "%.1f%%", m.reasonableShare * 100), "\(m.cannotTell)",
            ])
        }
        out += pad(rows)
        if !comparisons.isEmpty {
            out +=
                "\nWilcoxon signed-rank tests on per-image mean ratings (two-sided, zeros dropped"
                + (continuityCorrection ? ", continuity correction" : "") + "):\n"
            var tests = [["first", "second", "images", "non-zero", "mean diff", "W", "p", "method"]]
            for c in comparisons {
                tests.append([
                    c.first, c.second, "\(c.images)", "\(c.test.nonZero)", f(c.meanDifference, 3),
                    f(c.test.statistic, 1), c.test.pValue.isNaN ? "-" : String(format: "%.4g", c.test.pValue),
                    c.test.method.rawValue,
                ])
            }
            out += pad(tests)
        }
        out += "bootstrap: \(replicates) replicates over images, seed \(seed)\n"
        if pendingSubmissions > 0 {
            out += "note: \(pendingSubmissions) submissions not yet checked by 'explicable study qc' are not counted\n"
        }
        return out
    }
}
