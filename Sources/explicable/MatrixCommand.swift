public import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Build, store, inspect, compare and export M^h class matrices.",
        discussion: """
            Sources: likert:STUDY (CHL, a class-pair study's accepted ratings), instances:STUDY (IHL, an \
            instance-label study), cifar10h (IHL from CIFAR-10H's counts in the data folder), counts:FILE.npy \
            (IHL from counts of the CIFAR-10 test images), wordnet:MEASURE (EKL), file:PATH (.npy, CSV or JSON, \
            e.g. a published matrix; a bare FILE.npy/.csv/.json too), matrix:NAME or a bare NAME (one already \
            stored), and chl (the paper's published CIFAR-10 CHL). train, evaluate, compare, report and demo name \
            their matrices in the same way.
            """,
        subcommands: [
            Build.self, List.self, Show.self, Export.self, Import.self, Compare.self, Reliability.self, Truth.self,
        ])
}

extension LikertAggregation.Statistic: ExpressibleByArgument {}
extension PriorFit: ExpressibleByArgument {}
extension LikertAggregation.Symmetrize: ExpressibleByArgument {}

/// Pretty-printed JSON with sorted keys, and a line end.
func jsonText(_ object: Any) -> String {
    let data =
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
        ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// Columns padded to their widest cell; the first column left-aligned, the rest right-aligned
/// when `rightAlign`.
func alignedTable(_ header: [String], _ rows: [[String]], rightAlign: Bool = false) -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func pad(_ s: String, _ w: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, w - s.count))
        return right ? fill + s : s + fill
    }
    return all.map { row in
        let line = row.enumerated().map { c, cell in pad(cell, widths[c], right: rightAlign && c > 0) }.joined(
            separator: "  ")
        return String(line.reversed().drop { $0 == " " }.reversed())
    }.joined(separator: "\n") + "\n"
}
