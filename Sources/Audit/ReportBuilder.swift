public import ExplicableCore
import Foundation
public import Semantics
public import Training

/// Assembles the report's sections from what a project has: matrices, studies' reliability,
/// compared runs and cost audits. `explicable report` and `explicable demo` both use it.
public struct ReportBuilder {
    public var title: String
    public var matrices: [(title: String, matrix: ClassMatrix)] = []
    public var reliability: [(study: String, curve: ReliabilityCurve)] = []
    public var target = 0.9
    /// Runs with their histories, in the order of `comparisons`' models.
    public var runs: [(run: ComparedRun, history: [HistoryPoint])] = []
    /// Comparisons of the runs, under one or more evaluation matrices (the first one's OOD table is shown).
    public var comparisons: [ModelComparison] = []
    public var audits: [LabelCostAudit] = []
    /// Simulated costs of quality per class-pair design (table and curve each).
    public var costsOfQuality: [CostOfQuality] = []

    public init(title: String) { self.title = title }

    public func build() throws(ExplicableError) -> Report {
        var report = Report(title: title)
        for (title, m) in matrices {
            report.matrices.append(Report.heatmap(m, title: title, caption: Merge.describe(m.provenance)))
        }
        if matrices.count >= 2 {
            var rows: [[String]] = []
            for a in 0..<matrices.count {
                for b in (a + 1)..<matrices.count where matrices[a].matrix.classes == matrices[b].matrix.classes {
                    var x = matrices[a].matrix, y = matrices[b].matrix
                    if x.kind != y.kind {
                        x = try x.asSimilarity()
                        y = try y.asSimilarity()
                    }
                    let c = try MatrixComparison(x, y, neighbours: 3, disagreements: 1)
                    rows.append([
                        "\(matrices[a].title) vs \(matrices[b].title)", String(format: "%.3f", c.pearson),
                        String(format: "%.3f", c.spearman), String(format: "%.3f", c.kendallTauB),
                        String(format: "%.2f", c.meanNeighbourAgreement),
                    ])
                }
            }
            if !rows.isEmpty {
                report.matrixAgreement = .init(
                    caption: "How the matrices agree over their off-diagonal cells",
                    header: ["matrices", "Pearson", "Spearman", "Kendall tau-b", "top-3 neighbours"], rows: rows)
            }
        }
        for (study, curve) in reliability {
            report.reliability.append(Report.reliabilityFigure(curve, study: study, target: target))
        }
        if let first = comparisons.first {
            report.models = first.modelTable()
            report.comparisons.append(first.closestMistakeTable())
            for other in comparisons.dropFirst() {
                var table = other.modelTable()
                table.caption = "Under \(other.matrix): " + table.caption
                report.comparisons.append(table)
            }
            if first.ood != nil { report.ood = first.oodTable() }
        }
        let histories = runs.filter { !$0.history.isEmpty }
        if !histories.isEmpty {
            report.trainingCurves.append(
                .init(
                    title: "Training loss", caption: "mean training loss per epoch",
                    svg: LineChart(
                        title: "Training loss", xLabel: "epoch", yLabel: "mean training loss",
                        series: histories.map { r in
                            .init(name: r.run.name, points: r.history.map { (Double($0.epoch), $0.trainLoss) })
                        }
                    ).svg))
            report.trainingCurves.append(
                .init(
                    title: "Test accuracy", caption: "top-1 on the test images after each epoch",
                    svg: LineChart(
                        title: "Test top-1", xLabel: "epoch", yLabel: "test top-1 accuracy",
                        series: histories.map { r in
                            .init(
                                name: r.run.name,
                                points: r.history.compactMap { p in p.testTop1.map { (Double(p.epoch), $0) } })
                        }
                    ).svg))
        }
        for (run, _) in runs {
            report.confusion.append(
                Report.heatmap(
                    Self.confusion(run), title: "Confusion: \(run.name)",
                    caption: "rows: true class, columns: predicted class; each row sums to 1",
                    valueLabel: "share of the true class's test images"))
        }
        report.audit = audits.map(\.table) + costsOfQuality.map(\.table)
        report.costOfQuality = costsOfQuality.map {
            Report.Figure(
                title: "Cost of quality: \($0.classes)",
                caption: "Mean total-variation distance of the WLF "
                    + "targets (scales 1 and 2) to the truth's, against judgments collected, per design (simulated, seed "
                    + "\($0.seed)); the flat line is the full design's quality at its raters per pair.",
                svg: $0.chart.svg)
        }
        return report
    }

    /// A run's row-normalised confusion matrix.
    public static func confusion(_ run: ComparedRun) -> ClassMatrix {
        let c = run.classes.count
        var values = [Double](repeating: 0, count: c * c)
        for (y, p) in zip(run.labels, run.predictions) { values[Int(y) * c + p] += 1 }
        for i in 0..<c {
            let sum = values[(i * c)..<((i + 1) * c)].reduce(0, +)
            if sum > 0 { for j in 0..<c { values[i * c + j] /= sum } }
        }
        return ClassMatrix(
            classes: run.classes, kind: .similarity, values: values,
            provenance: .init(source: "confusion of \(run.name)"))
    }
}
