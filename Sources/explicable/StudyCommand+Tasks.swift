import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deal a study's items into balanced assignments and write MTurk and standalone pages.",
            discussion: """
                Writes assignments.json, mturk-batch.csv + mturk-hit.html (MTurk), and study.html with \
                pages/assignment-NNNN.html (Prolific or self-hosted; works offline), and images/*.png for \
                the CIFAR-10 images the study shows. class-neighbours pages show each class's WordNet \
                definition (from --lmf or the data folder) and, with "images": {"source": "cifar10-test"}, \
                example test images. Static pages cannot adapt: for an adaptive study ("allocation": \
                "adaptive") they follow the uniform plan, and only 'study serve' allocates adaptively.
                """)

        @Argument(help: "The study's name.")
        var study: String

        @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"))
        var out: String

        @OptionGroup var dataFolder: DataFolderOptions

        @OptionGroup var lmf: LMFOptions

        @Option(
            help: ArgumentHelp(
                "URL the pages load images from (MTurk HITs need one); default: the images/ folder written beside the pages.",
                valueName: "url"))
        var imageBaseURL: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if let imageBaseURL, !(imageBaseURL.hasPrefix("https://") || imageBaseURL.hasPrefix("http://")) {
                throw ValidationError("--image-base-url must be an http or https URL")
            }
        }

        func run() throws {
            let loaded = try Study.named(study, in: try store.open())
            let plan = try TaskPlan(study: loaded)
            if loaded.spec.allocation == .adaptive {
                printError(
                    "note: \(study) allocates adaptively, which only 'study serve' does; these static pages follow "
                        + "the uniform plan")
            }
            let templates = try RepositoryFolder.locate("study-page.mustache", in: "templates")
            var writer = try TaskWriter(study: loaded, plan: plan, templates: templates)
            writer.imageBaseURL = imageBaseURL
            writer.details = try StudyInputs.details(of: loaded, data: dataFolder.folder, lmf: lmf)
            try writer.write(to: URL(fileURLWithPath: out), data: dataFolder.folder)
            writeStdout("\(plan.assignments.count) assignments written to \(out)\n")
        }
    }
}
