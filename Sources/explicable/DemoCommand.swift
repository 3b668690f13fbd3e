import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import Training

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "The whole pipeline on CIFAR-10: M^h from WordNet, CIFAR-10H and the paper's CHL; CE vs WLF; the report.",
        discussion: """
            Builds EKL (WordNet path), IHL (CIFAR-10H counts) and CHL (the paper's published matrix, or your own \
            class-pair study with --study), trains the model with cross-entropy and with the Weighted Loss Function \
            on CHL, compares their mistakes (under CHL and WordNet, in and out of distribution), audits what the CHL \
            design costs against CIFAR-10H, and writes OUT/report.html. Missing public data is downloaded into the \
            data folder. The defaults take about 4.5 minutes on 2 cores; --full trains on all 50,000 images for 10 \
            epochs, as the benchmarks do.
            """)

    @Option(help: ArgumentHelp("Folder for the runs, the store and the report.", valueName: "dir"))
    var out = "explicable-demo"
    @Option(help: "cnn-s or resnet20.")
    var arch: Architecture = .cnnS
    @Option(help: "Epochs per model (default 8; 10 with --full).")
    var epochs: Int?
    @Option(help: ArgumentHelp("Stratified training subset (default 8,000 images; all with --full).", valueName: "n"))
    var subset: Int?
    @Option(help: ArgumentHelp("Stratified test subset (default: all 10,000).", valueName: "n"))
    var testSubset: Int?
    @Option(
        help: ArgumentHelp(
            "Test images per corrupted set (default 500; 10,000 with --full; 0: no OOD).", valueName: "n"))
    var oodImages: Int?
    @OptionGroup var corruptions: CorruptionOptions
    @Option(help: "WLF scale: targets softmax(scale · CHL[y]).")
    var scale = 1.0
    @Option(
        help: ArgumentHelp(
            "Your own class-pair study in --db to use as CHL instead of the paper's.", valueName: "study"))
    var study: String?
    @Flag(help: "Benchmark-length runs: all training images, 10 epochs, OOD on all test images.")
    var full = false
    @Option(help: "Seed of subsets, initialisation, augmentation and bootstraps.")
    var seed: UInt64 = 0
    @OptionGroup var dataFolder: DataFolderOptions
    @Option(help: ArgumentHelp("Label store (default: OUT/explicable.sqlite).", valueName: "path"))
    var db: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if let subset, subset < 10 { throw ValidationError("--subset must be ≥ 10") }
        if let oodImages, oodImages < 0 { throw ValidationError("--ood-images must be ≥ 0") }
        if arch == .mlp { throw ValidationError("the demo trains an image model: cnn-s or resnet20") }
    }

    func run() throws {
        var options = Demo.Options(out: URL(fileURLWithPath: out), data: dataFolder.folder)
        (options.architecture, options.epochs, options.subset, options.testSubset) = (arch, epochs, subset, testSubset)
        (options.oodImages, options.corruptions, options.scale) = (oodImages, try corruptions.list(), scale)
        (options.study, options.full, options.seed) = (study, full, seed)
        options.store = db.map { URL(fileURLWithPath: $0) }
        let progress = TrainingProgress()
        let result = try Demo.run(
            options,
            observer: Demo.Observer(
                step: { printError($0) }, batch: { progress.update($0, epochs: $1) },
                epoch: { report, metrics, epochs in
                    progress.endLine()
                    printError(
                        String(format: "  epoch %d/%d  loss %.4f  test ", report.epoch, epochs, report.trainLoss)
                            + metrics.summary)
                }))
        progress.endLine()
        writeStdout("report: \(result.report.path)\n")
        for line in result.summary { writeStdout(line + "\n") }
    }
}
