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

    /// One part of a section: a table (with an optional HTML id) or a row of figures.
    public enum Block: Sendable, Equatable {
        case table(Table, id: String? = nil)
        case figures([Figure])
    }

    /// A headed part of the report. The template renders every section alike, so a new section is
    /// one value in ``sections`` (``ReportBuilder`` makes them), never a template change.
    public struct Section: Sendable, Equatable {
        /// The heading's HTML id (a link target: `report.html#models`).
        public var id: String
        public var heading: String
        public var blocks: [Block]

        public init(id: String, heading: String, blocks: [Block]) {
            self.id = id
            self.heading = heading
            self.blocks = blocks
        }

        /// The tables of the section, in order.
        public var tables: [Table] {
            blocks.compactMap { block -> Table? in
                guard case .table(let t, _) = block else { return nil }
                return t
            }
        }

        /// The figures of the section, in order.
        public var figures: [Figure] {
            blocks.flatMap { block -> [Figure] in
                guard case .figures(let f) = block else { return [] }
                return f
            }
        }
    }

    public var title: String
    /// A few lines at the top: what was compared and what came out.
    public var summary: [String] = []
    /// The sections, in the order shown; empty ones are left out when rendering.
    public var sections: [Section] = []
    /// How the numbers were made (data, seeds, settings), one line each.
    public var notes: [String] = []
    public var generated: Date

    /// The section with this id, if the report has it.
    public func section(_ id: String) -> Section? { sections.first { $0.id == id } }

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

    /// The report as HTML, rendered from `templates/report.mustache`: every section alike, every
    /// table through the one partial `templates/report-table.mustache`.
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
        func figure(_ f: Figure) -> [String: Any] { ["title": f.title, "caption": f.caption, "svg": f.svg] }
        func block(_ b: Block) -> [String: Any] {
            switch b {
            case .table(let t, let id):
                // `tableId` is always set (false when none): Mustache would otherwise find the section's id.
                let table: [String: Any] = [
                    "caption": t.caption, "header": t.header, "rows": t.rows.map { ["cells": $0] },
                    "tableId": id.map { $0 as Any } ?? false,
                ]
                return ["table": table]
            case .figures(let figures): return ["figures": ["items": figures.map(figure)]]
            }
        }
        let shown = sections.filter { !$0.blocks.isEmpty }
        let context: [String: Any] = [
            "title": title, "generated": ISO8601DateFormatter().string(from: generated), "summary": summary,
            "hasSummary": !summary.isEmpty, "notes": notes, "hasNotes": !notes.isEmpty,
            "sections": shown.map { ["id": $0.id, "heading": $0.heading, "blocks": $0.blocks.map(block)] },
        ]
        return library.render(context, withTemplate: "report") ?? ""
    }

    /// Writes the HTML atomically.
    public func write(to url: URL, templates: URL) throws(ExplicableError) {
        try NPYArray.writeAtomically(Data(try html(templates: templates).utf8), to: url)
    }
}
