import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import WordNet

extension MatrixCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored matrices.")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            let summaries = try store.open().matrixSummaries()
            if json {
                let rows = summaries.map {
                    [
                        "name": $0.name, "classSet": $0.classSet, "classes": String($0.classes),
                        "kind": $0.kind.rawValue,
                        "source": $0.source, "contentHash": $0.contentHash,
                    ]
                }
                writeStdout(jsonText(rows))
                return
            }
            if summaries.isEmpty {
                writeStdout("no matrices stored (build one with 'explicable matrix build NAME --from SOURCE')\n")
                return
            }
            writeStdout(
                alignedTable(
                    ["name", "classes", "kind", "source", "hash"],
                    summaries.map {
                        [
                            $0.name, "\($0.classSet) (\($0.classes))", $0.kind.rawValue, $0.source,
                            String($0.contentHash.prefix(12)),
                        ]
                    }))
        }
    }
}
