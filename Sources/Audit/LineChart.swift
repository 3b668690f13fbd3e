import ExplicableCore
import Foundation

/// A line chart as standalone SVG (axes with ticks at round values, one polyline per series, a
/// legend beside the plot so it never covers data); no scripts or external resources, so it can
/// be inlined in the report. An axis whose values are all whole numbers (epochs, raters) gets
/// whole-number ticks only.
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
        let legendWidth = 130.0
        let width = 480.0 + legendWidth, height = 280.0, left = 56.0, right = 16.0 + legendWidth, top = 30.0
        let bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let xTicks = Self.ticks(from: xs.min() ?? 0, to: xs.max() ?? 1, integers: xs.allSatisfy { $0 == $0.rounded() })
        var y0 = yRange?.lowerBound ?? (ys.min() ?? 0), y1 = yRange?.upperBound ?? (ys.max() ?? 1)
        if y1 - y0 < 1e-12 {
            y0 -= 0.5
            y1 += 0.5
        }
        let yTicks =
            yRange == nil
            ? Self.ticks(from: y0, to: y1, integers: false)
            : Self.ticks(from: y0, to: y1, integers: false, extend: false)
        let x0 = xTicks.first!, x1 = max(xTicks.last!, x0 + 1e-9)
        (y0, y1) = (min(y0, yTicks.first!), max(y1, yTicks.last!))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1, xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n"
        s += "<title>\(escapeXML(title))</title>\n"
        s += "<text x=\"\(f(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(title))</text>\n"
        s +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>\n"
        for y in yTicks {
            s += "<line x1=\"\(f(left - 4))\" x2=\"\(f(left))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#999\"/>"
            s +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Self.label(y, step: yStep))</text>\n"
        }
        for x in xTicks {
            s +=
                "<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#999\"/>"
            s +=
                "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(x, step: xStep))</text>\n"
        }
        s +=
            "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>\n"
        s +=
            "<text transform=\"translate(14,\(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(yLabel))</text>\n"
        for (k, line) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }
            if points.count > 1 {
                s +=
                    "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            for p in line.points where p.x.isFinite && p.y.isFinite {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(colour)\"/>"
            }
            // The legend sits right of the plot, outside the data area.
            let ly = top + 12 + Double(k) * 14, lx = left + plotW + 12
            s += "\n<rect x=\"\(f(lx))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(f(lx + 14))\" y=\"\(f(ly + 1))\">\(escapeXML(line.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Tick values at round numbers (1, 2 or 5 × 10^k apart) covering `lo…hi`, at most about six;
    /// with `integers`, whole numbers 1 or more apart. With `extend`, the first and last tick
    /// enclose the range; otherwise ticks stay inside it.
    static func ticks(from lo: Double, to hi: Double, integers: Bool, extend: Bool = true) -> [Double] {
        var (lo, hi) = (lo, hi)
        if hi - lo < 1e-12 { (lo, hi) = integers ? (lo - 1, hi + 1) : (lo - 0.5, hi + 0.5) }
        let raw = (hi - lo) / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integers { step = max(1, step.rounded(.up)) }
        let first = extend ? (lo / step).rounded(.down) * step : (lo / step).rounded(.up) * step
        let last = extend ? (hi / step).rounded(.up) * step : (hi / step).rounded(.down) * step
        var ticks: [Double] = []
        var k = 0.0
        while first + k * step <= last + step * 1e-9 && ticks.count < 50 {
            ticks.append(first + k * step)
            k += 1
        }
        return ticks.isEmpty ? [lo, hi] : ticks
    }

    /// A tick label with as many decimals as the tick spacing needs (`0.25` apart: two; `5`: none).
    static func label(_ v: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(6, Int((-log10(step)).rounded(.up)))
        let text = String(format: "%.\(decimals)f", v)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
