import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make a mistake-review study from training runs: images every run got wrong, one item per wrong prediction.",
            discussion: """
                Reads predictions.npy and labels.npy from each RUN folder (a run's name is its folder's name), \
                chooses test images misclassified by every run (seeded), creates the study in the store with \
                which run made each item's prediction, and writes into --out the study's spec (NAME.json, a \
                'list' image source), review-models.json, the task pages and images/*.png (enlarged by \
                nearest neighbour, 128×128 by default).
                """)

        @Argument(help: ArgumentHelp("Training run folders (explicable train --out).", valueName: "run"))
        var runs: [String]

        @Option(
            help: ArgumentHelp(
                "A mistake-review spec (default: studies/cifar10-mistake-review.json).", valueName: "file"))
        var spec: String?

        @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"))
        var out: String

        @Option(help: ArgumentHelp("Test images to review (default: the spec's model-mistakes count).", valueName: "n"))
        var images: Int?

        @Option(help: ArgumentHelp("Seed for choosing the images (default: the spec's seed).", valueName: "s"))
        var seed: UInt64?

        @Option(help: ArgumentHelp("The study's name (default: the spec's name).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("How many times the 32×32 images are enlarged, without blur.", valueName: "k"))
        var imageScale = 4

        @OptionGroup var dataFolder: DataFolderOptions

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard !runs.isEmpty else { throw ValidationError("give at least one training run folder") }
            if let images, images < 1 { throw ValidationError("--images must be at least 1") }
            guard (1...32).contains(imageScale) else { throw ValidationError("--image-scale must be between 1 and 32") }
        }

        func run() throws {
            let specURL =
                try spec.map { URL(fileURLWithPath: $0) }
                ?? RepositoryFolder.locate("cifar10-mistake-review.json", in: "studies")
                .appendingPathComponent("cifar10-mistake-review.json")
            let setup = try MistakeReview.prepare(
                spec: specURL, runs: runs.map { URL(fileURLWithPath: $0) }, out: URL(fileURLWithPath: out),
                images: images, seed: seed, name: name, data: dataFolder.folder,
                templates: RepositoryFolder.locate("study-page.mustache", in: "templates"), store: try store.open(),
                imageScale: imageScale)
            let review = setup.review
            writeStdout(
                """
                study \(setup.study.spec.name): \(Set(review.entries.map(\.testIndex)).count) images of \(review.candidates) \
                misclassified by every run, \(review.entries.count) items; \(setup.plan.assignments.count) assignments \
                written to \(out) (spec \(setup.specFile.lastPathComponent), models \(setup.mappingFile.lastPathComponent))

                """)
        }
    }
}
