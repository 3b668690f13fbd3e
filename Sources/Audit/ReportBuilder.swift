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

    /// The report: one section per builder below, in this order; a section with nothing to show
    /// is left out. A new section is one more builder here (the template renders every section alike).
    public func build() throws(ExplicableError) -> Report {
        var report = Report(title: title)
        report.sections = [try matricesSection(), modelsSection(), oodSection(), auditSection()]
            .filter { !$0.blocks.isEmpty }
        return report
    }

    /// M^h heatmaps and reliability curves, then how the matrices agree.
    func matricesSection() throws(ExplicableError) -> Report.Section {
        var figures = matrices.map {
            Report.heatmap($0.matrix, title: $0.title, caption: Merge.describe($0.matrix.provenance))
        }
        figures += reliability.map { Report.reliabilityFigure($0.curve, study: $0.study, target: target) }
        var blocks: [Report.Block] = figures.isEmpty ? [] : [.figures(figures)]
        if let agreement = try matrixAgreement() { blocks.append(.table(agreement, id: "matrix-agreement")) }
        return .init(id: "matrices", heading: "What people expect: M^h", blocks: blocks)
    }

    /// Pairwise agreement of the matrices over a shared class set, if there are two or more.
    func matrixAgreement() throws(ExplicableError) -> Report.Table? {
        guard matrices.count >= 2 else { return nil }
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
        if rows.isEmpty { return nil }
        return .init(
            caption: "How the matrices agree over their off-diagonal cells",
            header: ["matrices", "Pearson", "Spearman", "Kendall tau-b", "top-3 neighbours"], rows: rows)
    }

    /// The model table, the closest-mistake table and the model tables under further matrices, then
    /// training curves and confusion matrices.
    func modelsSection() -> Report.Section {
        var blocks: [Report.Block] = []
        if let first = comparisons.first {
            blocks.append(.table(first.modelTable(), id: "model-table"))
            blocks.append(.table(first.closestMistakeTable()))
            for other in comparisons.dropFirst() {
                var table = other.modelTable()
                table.caption = "Under \(other.matrix): " + table.caption
                blocks.append(.table(table))
            }
        }
        let figures =
            trainingCurves()
            + runs.map { run, _ in
                Report.heatmap(
                    Self.confusion(run), title: "Confusion: \(run.name)",
                    caption: "rows: true class, columns: predicted class; each row sums to 1",
                    valueLabel: "share of the true class's test images")
            }
        if !figures.isEmpty { blocks.append(.figures(figures)) }
        return .init(id: "models", heading: "How explicable the models' mistakes are", blocks: blocks)
    }

    /// Training loss and test accuracy per epoch, for the runs that have a history.
    func trainingCurves() -> [Report.Figure] {
        let histories = runs.filter { !$0.history.isEmpty }
        if histories.isEmpty { return [] }
        return [
            .init(
                title: "Training loss", caption: "mean training loss per epoch",
                svg: LineChart(
                    title: "Training loss", xLabel: "epoch", yLabel: "mean training loss",
                    series: histories.map { r in
                        .init(name: r.run.name, points: r.history.map { (Double($0.epoch), $0.trainLoss) })
                    }
                ).svg),
            .init(
                title: "Test accuracy", caption: "top-1 on the test images after each epoch",
                svg: LineChart(
                    title: "Test top-1", xLabel: "epoch", yLabel: "test top-1 accuracy",
                    series: histories.map { r in
                        .init(
                            name: r.run.name,
                            points: r.history.compactMap { p in p.testTop1.map { (Double(p.epoch), $0) } })
                    }
                ).svg),
        ]
    }

    /// The first comparison's out-of-distribution table, if it evaluated corruptions.
    func oodSection() -> Report.Section {
        let blocks: [Report.Block] =
            comparisons.first.flatMap { $0.ood != nil ? [.table($0.oodTable(), id: "ood-table")] : nil } ?? []
        return .init(id: "ood", heading: "Out of distribution", blocks: blocks)
    }

    /// Label-cost audits and simulated costs of quality (table and curve each).
    func auditSection() -> Report.Section {
        var blocks: [Report.Block] = (audits.map(\.table) + costsOfQuality.map(\.table)).map { .table($0) }
        let curves = costsOfQuality.map {
            Report.Figure(
                title: "Cost of quality: \($0.classes)",
                caption: "Mean total-variation distance of the WLF "
                    + "targets (scales 1 and 2) to the truth's, against judgments collected, per design (simulated, seed "
                    + "\($0.seed)); the flat line is the full design's quality at its raters per pair.",
                svg: $0.chart.svg)
        }
        if !curves.isEmpty { blocks.append(.figures(curves)) }
        return .init(id: "audit", heading: "What the labels cost", blocks: blocks)
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
