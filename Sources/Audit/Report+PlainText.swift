import Foundation

extension Report.Table {
    /// The table as aligned text for a terminal: the caption, the header, a rule and the rows.
    public var plainText: String {
        let all = [header] + rows
        let widths = header.indices.map { j in all.map { $0.indices.contains(j) ? $0[j].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { j, cell in
                j == cells.count - 1 ? cell : cell.padding(toLength: widths[j], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }
        return caption + "\n" + line(header) + line(widths.map { String(repeating: "-", count: $0) })
            + rows.map(line).joined()
    }
}
