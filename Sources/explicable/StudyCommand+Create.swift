import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a study from its spec (studies/*.json) to the label store, with all its items.")

        @Argument(help: ArgumentHelp("The study spec JSON.", valueName: "spec"))
        var spec: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let url = URL(fileURLWithPath: spec)
            let (loaded, json) = try StudySpec.load(url)
            let classes = try ClassSetCatalog.load(loaded.classSet, relativeTo: url.deletingLastPathComponent())
            let study = try Study.create(spec: loaded, specJSON: json, classes: classes, in: try store.open())
            let regular = study.items.filter { !$0.isAttentionCheck }.count
            writeStdout("study \(loaded.name): \(loaded.design.rawValue), \(classes.count) classes, "
                + "\(regular) items × \(loaded.ratingsPerItem) ratings, "
                + "\(study.items.count - regular) attention checks\n")
        }
    }
}
