import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a study from its spec (studies/*.json) to the label store, with all its items.",
            discussion: """
                A class-pair spec with "pairs": {"neighbours": K, "prior": SOURCE} resolves SOURCE (e.g. \
                wordnet:path, a matrix file or a stored matrix; WordNet from --lmf or the data folder) to \
                choose each class's K nearest classes.
                """)

        @Argument(help: ArgumentHelp("The study spec JSON.", valueName: "spec"))
        var spec: String

        @OptionGroup var store: StoreOptions

        @OptionGroup var wordnet: WordNetOptions

        func run() throws {
            let url = URL(fileURLWithPath: spec)
            let (loaded, json) = try StudySpec.load(url)
            let classes = try ClassSetCatalog.load(loaded.classSet, relativeTo: url.deletingLastPathComponent())
            let labels = try store.open()
            let inputs = try StudyInputs.pairs(
                spec: loaded, specURL: url, classes: classes, store: labels,
                data: wordnet.dataOptions.folder, lmf: wordnet.lmfOptions)
            let study = try Study.create(spec: loaded, specJSON: json, classes: classes, in: labels, inputs: inputs)
            let regular = study.items.filter { !$0.isAttentionCheck }.count
            let checks = study.items.count - regular
            var line = "study \(loaded.name): \(loaded.design.rawValue), \(classes.count) classes, "
            if loaded.isClassPairDesign, loaded.design == .classNeighbours || loaded.effectivePairs != .all {
                let all = classes.count * (classes.count - 1)
                line += "\(regular) of \(all) pairs × \(loaded.ratingsPerItem) ratings"
            } else {
                line += "\(regular) items × \(loaded.ratingsPerItem) ratings"
            }
            if loaded.design == .classNeighbours {
                line += " on \(study.screens.count) screens, \(checks) decoys\n"
            } else {
                line += ", \(checks) attention checks\n"
            }
            writeStdout(line)
        }
    }
}
