import Foundation
import Testing

@testable import Audit

struct LineChartTests {
    /// The tick labels of the x axis (the texts just under the plot).
    func xLabels(_ svg: String) -> [String] {
        svg.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("text-anchor=\"middle\">"), !line.contains("transform") else { return nil }
            return line.components(separatedBy: "text-anchor=\"middle\">").last?.components(separatedBy: "</text>")
                .first
        }
    }

    @Test func epochAxesHaveWholeNumberTicks() {
        // 8 epochs spread over 4 intervals used to give 2.75, 4.50, 6.25.
        let chart = LineChart(
            title: "t", xLabel: "epoch", yLabel: "loss",
            series: [.init(name: "ce", points: (1...8).map { (Double($0), 2.0 / Double($0)) })])
        let labels = xLabels(chart.svg).dropLast()  // the last one is the axis title
        #expect(labels.allSatisfy { Int($0) != nil }, "\(labels)")
        #expect(labels.contains("1") || labels.contains("0"))
        #expect(labels.contains("8"))
    }

    @Test(arguments: [
        (0.0, 8.0, true, [0.0, 2, 4, 6, 8]),
        (1.0, 3.0, true, [1.0, 2, 3]),
        (0.0, 1.0, false, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.61, 0.87, false, [0.6, 0.7, 0.8, 0.9]),
    ])
    func ticksAreRound(lo: Double, hi: Double, integers: Bool, expected: [Double]) {
        let ticks = LineChart.ticks(from: lo, to: hi, integers: integers)
        #expect(ticks.count == expected.count && zip(ticks, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(ticks)")
    }

    @Test func labelsUseTheDecimalsTheirSpacingNeeds() {
        #expect(LineChart.label(4, step: 1) == "4")
        #expect(LineChart.label(0.6000000001, step: 0.2) == "0.6")
        #expect(LineChart.label(0.65, step: 0.05) == "0.65")
        #expect(LineChart.label(-0.0000001, step: 0.5) == "0.0")  // never "-0.0"
    }

    @Test func theLegendStaysOutsideThePlot() {
        let chart = LineChart(
            title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(0, 0), (1, 1)])])
        // The plot is the first rect; the legend's swatch lies right of its right edge.
        let rects = chart.svg.components(separatedBy: "<rect x=\"").dropFirst().map {
            Double($0.prefix { $0 != "\"" })!
        }
        let widths = chart.svg.components(separatedBy: "width=\"").dropFirst(2).map {
            Double($0.prefix { $0 != "\"" })!
        }
        let plotRight = rects[0] + widths[0]
        #expect(rects[1] > plotRight)
    }

    @Test func thresholdsReadAsThreeSignificantDigits() {
        #expect(ModelComparison.number(1.0 / 14) == "0.0714")
        #expect(ModelComparison.number(2) == "2")
    }
}
