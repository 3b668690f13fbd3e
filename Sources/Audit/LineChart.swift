import ExplicableCore
import Foundation

/// A line chart as standalone SVG (axes with ticks, one polyline per series, a legend); no
/// scripts or external resources, so it can be inlined in the report.
public struct LineChart: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }

        public static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.points.map(\.x) == b.points.map(\.x) && a.points.map(\.y) == b.points.map(\.y)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed y range (e.g. 0…1 for accuracy); default from the data.
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    public var svg: String {
        let width = 480.0, height = 280.0, left = 56.0, right = 16.0, top = 30.0, bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let x0 = xs.min() ?? 0, x1 = max(xs.max() ?? 1, x0 + 1e-9)
        var y0 = yRange?.lowerBound ?? (ys.min() ?? 0), y1 = yRange?.upperBound ?? (ys.max() ?? 1)
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n"
        s += "<title>\(escapeXML(title))</title>\n"
        s += "<text x=\"\(f(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>\n"
        for k in 0...4 {
            let y = y0 + Double(k) / 4 * (y1 - y0)
            s += "<line x1=\"\(f(left - 4))\" x2=\"\(f(left))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#999\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(tick(y))</text>\n"
            let x = x0 + Double(k) / 4 * (x1 - x0)
            s += "<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#999\"/>"
            s += "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(tick(x))</text>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
        s += "<text transform=\"translate(14,\(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n"
        for (k, line) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }
            if points.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            for p in line.points where p.x.isFinite && p.y.isFinite {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(colour)\"/>"
            }
            let ly = top + 12 + Double(k) * 14
            s += "\n<rect x=\"\(f(left + plotW - 120))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(f(left + plotW - 106))\" y=\"\(f(ly + 1))\">\(escapeXML(line.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    func tick(_ v: Double) -> String {
        abs(v) >= 100 || v == v.rounded() ? String(format: "%.0f", v) : String(format: "%.2f", v)
    }
}
