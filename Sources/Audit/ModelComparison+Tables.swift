import ExplicableCore
import Foundation
import Semantics
import Training

extension ModelComparison {
    /// The models × metrics table, with intervals and the paired tests against the first model.
    public func modelTable() -> Report.Table {
        let reference = models.first?.name ?? ""
        let percent = Int((confidence * 100).rounded())
        let seeds = models.contains { !$0.runs.isEmpty }
        return Report.Table(
            caption:
                "Test set (\(models.first?.count ?? 0) images): point estimates with \(percent)% bootstrap intervals "
                + "(\(bootstrap) replicates over images\(seeds ? " and over each model's runs" : ""), seed \(seed)); "
                + (seeds ? "a model of several runs (seeds) is their mean; " : "")
                + "Δ = model − \(reference) on the same replicates, "
                + "p two-sided bootstrap. Matrix: \(matrix); explicable = similarity ≥ \(Self.number(threshold)).",
            header: [
                "model", "top-1", "Δ top-1", "mistake severity", "Δ severity", "explicable mistakes", "Δ explicable",
            ],
            rows: models.map { model in
                [
                    model.runs.isEmpty ? model.name : "\(model.name) (\(model.runs.count) runs)",
                    Self.format(model.top1, percent: true), Self.format(model.top1Difference, percent: true),
                    Self.format(model.mistakeSeverity, percent: false),
                    Self.format(model.severityDifference, percent: false),
                    Self.format(model.explicableMistakeRate, percent: true),
                    Self.format(model.explicableDifference, percent: true),
                ]
            })
    }

    /// Each run of the models of several seeds, with its own estimates (no rows when every model is one run).
    public func runTable() -> Report.Table {
        Report.Table(
            caption: "Runs of the models of several seeds, each on the whole test set.",
            header: ["model", "run", "top-1", "mistake severity", "explicable mistakes"],
            rows: models.flatMap { model in
                model.runs.map { run in
                    [
                        model.name, run.name, Self.format(run.top1, percent: true),
                        Self.format(run.mistakeSeverity, percent: false),
                        Self.format(run.explicableMistakeRate, percent: true),
                    ]
                }
            })
    }

    /// The hard and soft counts of the closest-mistake comparison.
    public func closestMistakeTable() -> Report.Table {
        Report.Table(
            caption:
                "Images every model gets wrong: \(closestMistakes.images). Hard: the model's mistake alone is the most "
                + "similar to the true class; soft: one credit per image split among the tied best "
                + "(\(closestMistakes.ties) images with ties).",
            header: ["model", "hard", "soft"],
            rows: models.indices.map { k in
                [
                    models[k].name, "\(closestMistakes.hard[k])",
                    String(format: "%.2f", closestMistakes.soft[k]),
                ]
            })
    }

    /// The out-of-distribution table (empty without ``ood``).
    public func oodTable() -> Report.Table {
        ood?.table()
            ?? Report.Table(caption: "No out-of-distribution evaluation (--ood).", header: ["set", "model"], rows: [])
    }

    static func number(_ x: Double) -> String {
        // Three significant digits: a threshold reads "0.0714", never "0.0714286".
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(format: "%.3g", x)
    }

    static func format(_ x: Double?, percent: Bool) -> String {
        guard let x else { return "–" }
        return percent ? String(format: "%.2f%%", 100 * x) : String(format: "%.3f", x)
    }

    static func format(_ i: Interval, percent: Bool) -> String {
        guard let v = i.value else { return "–" }
        guard let lo = i.lower, let hi = i.upper else { return format(v, percent: percent) }
        return percent
            ? String(format: "%.2f%% [%.2f, %.2f]", 100 * v, 100 * lo, 100 * hi)
            : String(format: "%.3f [%.3f, %.3f]", v, lo, hi)
    }

    static func format(_ d: Difference?, percent: Bool) -> String {
        guard let d, let v = d.value else { return "–" }
        var s = percent ? String(format: "%+.2f pt", 100 * v) : String(format: "%+.3f", v)
        if let lo = d.lower, let hi = d.upper {
            s +=
                percent
                ? String(format: " [%+.2f, %+.2f]", 100 * lo, 100 * hi) : String(format: " [%+.3f, %+.3f]", lo, hi)
        }
        if let p = d.p {
            // p = 0: no replicate crossed 0, so p < 1/B.
            s += p == 0 ? " p<" + number(1 / Double(max(d.replicates, 1))) : String(format: " p=%.3f", p)
        }
        return s
    }
}
