import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import Semantics

extension MatrixCommand {
    struct Truth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a simulated ground-truth CHL for a class set (for simulated studies and benchmarks).",
            discussion: """
                Fits log CHL = α + β · prior + residual over CIFAR-10 (the paper's published CHL against the \
                prior, default wordnet:path), then applies it to the class set's prior with residuals drawn, \
                seeded, from CIFAR-10's (symmetric and antisymmetric parts per pair), clamped to 0…4 with a \
                diagonal of 4. For cifar10 without --simulate, writes the published CHL itself. See docs/matrices.md.
                """)

        @Option(help: ArgumentHelp("cifar10, cifar100, imagenet1k or a class-set TSV.", valueName: "set"))
        var classes: String

        @Option(help: "Seed of the residuals.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("The prior the relation is fitted on and applied to.", valueName: "matrix"))
        var prior = "wordnet:path"

        @Option(help: ArgumentHelp("Where to write the truth: .npy, .csv or .json.", valueName: "file"))
        var out: String

        @Flag(help: "For cifar10: simulate a truth too, instead of writing the published CHL.")
        var simulate = false

        @OptionGroup var lmf: LMFOptions
        @OptionGroup var dataFolder: DataFolderOptions

        func validate() throws {
            guard MatrixFormat(pathExtension: URL(fileURLWithPath: out).pathExtension) != nil else {
                throw ValidationError("--out must end in .npy, .csv or .json")
            }
        }

        func run() throws {
            let builder = matrixBuilder(store: nil, data: dataFolder.folder, lmf: lmf)
            let set = try ClassSetCatalog.load(classes, relativeTo: URL(fileURLWithPath: "."))
            let model = try TruthModel.paperCIFAR10(builder: builder, prior: prior)
            let truth =
                set.name == "cifar10" && !simulate
                ? try builder.matrix(named: "chl", over: set)
                : try model.generate(prior: try builder.matrix(named: prior, over: set), seed: seed)
            try truth.write(to: URL(fileURLWithPath: out))
            writeStdout(
                String(
                    format: "%@: %d classes, %@ (fit over CIFAR-10: log CHL = %.3f + %.3f · prior, "
                        + "residual sd %.3f, r = %.3f)\n", out, set.count, truth.provenance.source, model.intercept,
                    model.slope,
                    model.residualSD, model.pearson))
        }
    }
}
