import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two stored matrices: correlations, neighbour agreement, largest disagreements.")

        @Argument(help: "The first matrix.")
        var first: String

        @Argument(help: "The second matrix.")
        var second: String

        @Option(help: "Neighbours per class for top-k agreement.")
        var topK = 3

        @Option(help: "How many of the largest disagreements to list.")
        var show = 10

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            let labelStore = try store.open()
            var a = try labelStore.matrix(named: first).matrix, b = try labelStore.matrix(named: second).matrix
            // Compare like with like: a distance is turned into a similarity (max − d) first.
            if a.kind != b.kind {
                a = try a.asSimilarity()
                b = try b.asSimilarity()
            }
            let c = try MatrixComparison(a, b, neighbours: topK, disagreements: show)
            let labels = a.classes.labels
            if json {
                writeStdout(
                    jsonText([
                        "first": first, "second": second, "cells": c.cellCount, "pearson": c.pearson,
                        "spearman": c.spearman,
                        "kendallTauB": c.kendallTauB, "neighbours": c.neighbours,
                        "neighbourAgreement": Dictionary(uniqueKeysWithValues: zip(labels, c.neighbourAgreement)),
                        "meanNeighbourAgreement": c.meanNeighbourAgreement,
                        "disagreements": c.disagreements.map {
                            [
                                "from": labels[$0.row], "to": labels[$0.column], "first": $0.first, "second": $0.second,
                                "firstZ": $0.firstZ, "secondZ": $0.secondZ,
                            ] as [String: Any]
                        },
                    ]))
                return
            }
            writeStdout(
                String(
                    format: "%@ vs %@ over %d off-diagonal cells: Pearson %.3f, Spearman %.3f, Kendall tau-b %.3f\n",
                    first, second, c.cellCount, c.pearson, c.spearman, c.kendallTauB))
            writeStdout(
                String(format: "top-%d neighbour agreement: mean %.2f\n", c.neighbours, c.meanNeighbourAgreement))
            writeStdout(
                alignedTable(
                    ["class", "agreement"],
                    zip(labels, c.neighbourAgreement).map {
                        [$0, String(format: "%.2f", $1)]
                    }))
            writeStdout("largest disagreements (z-scores over off-diagonal cells):\n")
            writeStdout(
                alignedTable(
                    ["pair", first, second, "z \(first)", "z \(second)"],
                    c.disagreements.map {
                        [
                            "\(labels[$0.row]) → \(labels[$0.column])", String(format: "%.3f", $0.first),
                            String(format: "%.3f", $0.second),
                            String(format: "%+.2f", $0.firstZ), String(format: "%+.2f", $0.secondZ),
                        ]
                    }))
        }
    }
}
