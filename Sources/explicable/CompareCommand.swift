import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import Training

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare trained models: accuracy and mistake metrics with bootstrap CIs, closest mistakes, OOD.",
        discussion: """
            Each RUN is a folder written by 'explicable train --out' (checkpoint.ckpt, predictions.npy, labels.npy, \
            metrics.json); all must share the test labels. Per model: top-1, mistake severity and the explicable-mistake \
            rate with 95% bootstrap intervals over test images, and paired bootstrap differences to the first RUN \
            (same replicates, two-sided p). On the images every model gets wrong: whose mistake is closest to the \
            true class (hard and soft counts). A RUN written NAME=DIR,DIR,… is one model of several runs (seeds): \
            its estimates are the mean over its runs, and the bootstrap also resamples its runs, so intervals and \
            p-values hold over test images and seeds. --ood runs each checkpoint on CIFAR-10-C corruptions of a \
            stratified subset of the test set and on extra sets in DATA/ood/NAME/{images,labels}.npy.
            """)

    @Argument(
        help: ArgumentHelp(
            "Run folders of 'explicable train --out', or NAME=DIR,DIR,… for a model of several seeds; the first is the reference.",
            valueName: "run"))
    var runs: [String]

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    @Option(
        help: ArgumentHelp(
            "Matrix for the mistake metrics: chl, wordnet:MEASURE, FILE.npy or a stored name (default: the first run's "
                + "training matrix, else chl).", valueName: "matrix"))
    var evalMatrix: String?

    @Option(help: "Similarity at or above which a mistake counts as explicable (2: the CHL Likert midpoint).")
    var threshold = 2.0

    @Option(help: "Bootstrap replicates over test images.")
    var bootstrap = 1000

    @Option(help: "Seed of the bootstrap, the OOD subset and the corruption noise.")
    var seed: UInt64 = 0

    @Flag(help: "Also evaluate every checkpoint on corrupted test images and on DATA/ood sets.")
    var ood = false

    @Option(help: ArgumentHelp("Test images to corrupt (stratified subset).", valueName: "n"))
    var oodImages = 1000

    @OptionGroup var corruptions: CorruptionOptions

    @Option(help: ArgumentHelp("Comma-separated severities 1–5.", valueName: "list"))
    var severities = "1,2,3,4,5"

    @Flag(help: "Print the comparison as JSON to stdout.")
    var json = false

    func validate() throws {
        try dataOptions.validateData()
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
        for argument in runs {
            let (name, paths) = Experiment.modelArgument(argument)
            if let name, name.isEmpty || paths.isEmpty || paths.contains(where: \.isEmpty) {
                throw ValidationError(
                    "'\(argument)': a model of several runs is NAME=DIR,DIR,… (a name and run folders)")
            }
        }
        if bootstrap < 1 { throw ValidationError("--bootstrap must be at least 1") }
        if oodImages < 1 { throw ValidationError("--ood-images must be at least 1") }
        _ = try parsedSeverities()
    }

    func parsedSeverities() throws -> [Int] {
        let values = severities.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && (1...5).contains($0!) }) else {
            throw ValidationError("--severities must be a comma-separated list of 1–5, not '\(severities)'")
        }
        return values.map { $0! }
    }

    func run() throws {
        let models = try Experiment.models(runs)
        let classes = models[0].runs[0].classes
        let matrix = try matrixOptions.evaluation(evalMatrix, for: models[0].runs[0], data: dataOptions).matrix
        let request =
            try ood
            ? OODRequest(
                test: dataOptions.load(.test), corruptions: corruptions.list(), severities: parsedSeverities(),
                images: oodImages, seed: seed,
                sets: OODSet.readAll(in: dataOptions.folders().root.file("ood"), classes: classes)) : nil
        let result = try Experiment.compare(
            models, matrix: matrix, threshold: threshold, bootstrap: bootstrap, seed: seed, ood: request)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            let data: Data
            do { data = try encoder.encode(result) } catch {
                throw ExplicableError(.invalidArgument, "cannot encode the comparison: \(error)")
            }
            writeStdout(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            var tables = [result.modelTable(), result.closestMistakeTable()]
            if result.models.contains(where: { !$0.runs.isEmpty }) { tables.insert(result.runTable(), at: 1) }
            if result.ood != nil { tables.append(result.oodTable()) }
            writeStdout(tables.map { $0.plainText }.joined(separator: "\n"))
        }
    }
}
