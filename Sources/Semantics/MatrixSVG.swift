public import ExplicableCore
import Foundation

/// A heatmap of a matrix as a standalone SVG: rows (true class) and columns (predicted class)
/// labelled, values coloured on a perceptually uniform scale (viridis), and a colour bar with
/// the value range. No scripts or external resources, so it can be inlined in a report.
public enum MatrixSVG {
    /// The heatmap of `m` as an SVG document.
    ///
    /// - Parameters:
    ///   - m: the matrix; rows are true classes, columns predicted ones.
    ///   - title: drawn above the grid.
    ///   - valueLabel: what the colours show, under the grid and beside the colour bar (default:
    ///     the matrix's kind, `similarity` or `distance`); a confusion matrix says "share of the row".
    public static func heatmap(_ m: ClassMatrix, title: String? = nil, valueLabel: String? = nil) -> String {
        let n = m.count
        let cell = n <= 12 ? 40.0 : n <= 40 ? 16.0 : 6.0
        let font = n <= 12 ? 12.0 : n <= 40 ? 9.0 : 5.0
        let labelWidth = Double(m.classes.labels.map(\.count).max() ?? 1) * font * 0.62 + 8
        let top = labelWidth + (title == nil ? 8 : 28)
        let left = labelWidth
        let grid = cell * Double(n)
        let barWidth = 16.0, barGap = 24.0
        let width = left + grid + barGap + barWidth + 60
        let height = top + grid + 30
        let finite = m.values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        func colour(_ v: Double) -> String {
            guard v.isFinite else { return "#d0d0d0" }
            return viridis(hi > lo ? (v - lo) / (hi - lo) : 0.5)
        }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="\(f(font))" role="img">

            """
        let description =
            "\(m.kind.rawValue) matrix over \(m.classes.name): rows are the true class, columns the predicted class"
        s += "<title>\(escape(title ?? description))</title>\n<desc>\(escape(description))</desc>\n"
        if let title {
            s += "<text x=\"\(f(left))\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        }
        for (j, label) in m.classes.labels.enumerated() {
            let x = left + (Double(j) + 0.5) * cell
            s += "<text transform=\"translate(\(f(x + font / 3)),\(f(top - 4))) rotate(-90)\">\(escape(label))</text>\n"
        }
        for (i, label) in m.classes.labels.enumerated() {
            let y = top + (Double(i) + 0.5) * cell + font / 3
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y))\" text-anchor=\"end\">\(escape(label))</text>\n"
        }
        for i in 0..<n {
            for j in 0..<n {
                let v = m[i, j]
                s +=
                    "<rect x=\"\(f(left + Double(j) * cell))\" y=\"\(f(top + Double(i) * cell))\" width=\"\(f(cell))\" "
                    + "height=\"\(f(cell))\" fill=\"\(colour(v))\"><title>\(escape(m.classes.labels[i])) → "
                    + "\(escape(m.classes.labels[j])): \(value(v))</title></rect>\n"
            }
        }
        // The colour bar: 32 steps from the maximum (top) to the minimum (bottom).
        let barX = left + grid + barGap
        let steps = 32
        for k in 0..<steps {
            let t = 1 - Double(k) / Double(steps - 1)
            s +=
                "<rect x=\"\(f(barX))\" y=\"\(f(top + Double(k) * grid / Double(steps)))\" width=\"\(f(barWidth))\" "
                + "height=\"\(f(grid / Double(steps) + 0.5))\" fill=\"\(viridis(t))\"/>\n"
        }
        s += "<text x=\"\(f(barX + barWidth + 4))\" y=\"\(f(top + font))\">\(value(hi))</text>\n"
        s += "<text x=\"\(f(barX + barWidth + 4))\" y=\"\(f(top + grid))\">\(value(lo))</text>\n"
        s +=
            "<text x=\"\(f(left))\" y=\"\(f(top + grid + 20))\">rows: true class · columns: predicted class · "
            + "colour: \(escape(valueLabel ?? m.kind.rawValue))</text>\n"
        s += "</svg>\n"
        return s
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func value(_ v: Double) -> String { v.isFinite ? String(format: "%.3g", v) : "n/a" }

    static func escape(_ text: String) -> String { escapeXML(text) }

    /// Viridis at `t` ∈ [0, 1], interpolated between 9 anchor colours of matplotlib's map.
    static func viridis(_ t: Double) -> String {
        let anchors: [(Double, Double, Double)] = [
            (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
            (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
        ]
        let x = Swift.min(Swift.max(t, 0), 1) * Double(anchors.count - 1)
        let k = Swift.min(Int(x), anchors.count - 2)
        let u = x - Double(k)
        let (a, b) = (anchors[k], anchors[k + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * u).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
