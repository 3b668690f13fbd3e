public import ExplicableCore
public import Foundation
import Mustache
public import Semantics

/// The one-file HTML report: M^h heatmaps, the reliability curve, per-model confusion
/// matrices, the severity and explicable-rate table with CIs, training curves, the OOD table
/// and the cost audit. Self-contained: inline CSS and SVG, no scripts, no network.
public struct Report: Sendable {
    /// A titled table of preformatted cells.
    public struct Table: Sendable, Equatable {
        public var caption: String
        public var header: [String]
        public var rows: [[String]]

        public init(caption: String, header: [String], rows: [[String]]) {
            self.caption = caption
            self.header = header
            self.rows = rows
        }
    }

    /// A titled SVG figure with a caption.
    public struct Figure: Sendable, Equatable {
        public var title: String
        public var caption: String
        public var svg: String

        public init(title: String, caption: String, svg: String) {
            self.title = title
            self.caption = caption
            self.svg = svg
        }
    }

    public var title: String
    /// A few lines at the top: what was compared and what came out.
    public var summary: [String] = []
    public var matrices: [Figure] = []
    /// How the matrices agree (shown with them).
    public var matrixAgreement: Table?
    public var reliability: [Figure] = []
    public var models: Table?
    public var comparisons: [Table] = []
    public var confusion: [Figure] = []
    public var trainingCurves: [Figure] = []
    public var ood: Table?
    public var audit: [Table] = []
    /// Judgments against WLF-target quality per class-pair design (``CostOfQuality/chart``).
    public var costOfQuality: [Figure] = []
    /// How the numbers were made (data, seeds, settings), one line each.
    public var notes: [String] = []
    public var generated: Date

    public init(title: String, generated: Date = Date()) {
        self.title = title
        self.generated = generated
    }

    /// A heatmap figure of a matrix.
    public static func heatmap(_ m: ClassMatrix, title: String, caption: String, valueLabel: String? = nil) -> Figure {
        Figure(title: title, caption: caption, svg: MatrixSVG.heatmap(m, valueLabel: valueLabel))
    }

    /// The reliability curve as a figure: mean correlation with the 5–95% band per k.
    public static func reliabilityFigure(_ curve: ReliabilityCurve, study: String, target: Double) -> Figure {
        let chart = LineChart(
            title: "Reliability of \(study)", xLabel: "raters per pair (k)",
            yLabel: "correlation with the full matrix",
            series: [
                .init(name: "mean", points: curve.points.map { (Double($0.k), $0.mean) }),
                .init(name: "5%", points: curve.points.map { (Double($0.k), $0.p05) }),
                .init(name: "95%", points: curve.points.map { (Double($0.k), $0.p95) }),
            ])
        let enough =
            curve.smallestK(reaching: target).map { "\($0) raters per pair reach \(target)" }
            ?? "no k reaches \(target)"
        return Figure(title: "Reliability curve", caption: "\(curve.draws) draws per k; \(enough).", svg: chart.svg)
    }

    /// The report as HTML, rendered from `templates/report.mustache` (every table through the one
    /// partial `templates/report-table.mustache`).
    public func html(templates: URL) throws(ExplicableError) -> String {
        var library = MustacheLibrary()
        for name in ["report", "report-table"] {
            let file = templates.appendingPathComponent("\(name).mustache")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ExplicableError(.missingData, "template '\(name).mustache' is missing", file: templates.path)
            }
            do { try library.register(text, named: name) } catch {
                throw ExplicableError(.badInput, "template error: \(error)", file: file.path)
            }
        }
        func table(_ t: Table, id: String? = nil) -> [String: Any] {
            var context: [String: Any] = [
                "caption": t.caption, "header": t.header, "rows": t.rows.map { ["cells": $0] },
            ]
            if let id { context["id"] = id }
            return context
        }
        func figure(_ f: Figure) -> [String: Any] { ["title": f.title, "caption": f.caption, "svg": f.svg] }
        let formatter = ISO8601DateFormatter()
        var context: [String: Any] = [
            "title": title, "generated": formatter.string(from: generated), "summary": summary,
            "matrices": matrices.map(figure), "reliability": reliability.map(figure),
            "comparisons": comparisons.map { table($0) },
            "confusion": confusion.map(figure), "trainingCurves": trainingCurves.map(figure),
            "audit": audit.map { table($0) },
            "costOfQuality": costOfQuality.map(figure),
            "notes": notes,
        ]
        if let models { context["models"] = table(models, id: "model-table") }
        if let matrixAgreement { context["matrixAgreement"] = table(matrixAgreement, id: "matrix-agreement") }
        if let ood { context["ood"] = table(ood, id: "ood-table") }
        context["hasMatrices"] = !matrices.isEmpty || !reliability.isEmpty
        context["hasModels"] = models != nil || !comparisons.isEmpty || !confusion.isEmpty || !trainingCurves.isEmpty
        context["hasAudit"] = !audit.isEmpty || !costOfQuality.isEmpty
        context["hasSummary"] = !summary.isEmpty
        context["hasNotes"] = !notes.isEmpty
        return library.render(context, withTemplate: "report") ?? ""
    }

    /// Writes the HTML atomically.
    public func write(to url: URL, templates: URL) throws(ExplicableError) {
        try NPYArray.writeAtomically(Data(try html(templates: templates).utf8), to: url)
    }
}
