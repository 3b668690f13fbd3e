public import ArgumentParser
import ExplicableCore
import Foundation
import Training

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a checkpoint on a test set: accuracy, mistake severity, explicable mistakes.",
        discussion: """
            Metrics: top-1, top-5, per-class accuracy and the confusion matrix; under --eval-matrix (default: \
            the matrix the checkpoint was trained with, if any) also mistake severity (mean distance of top-1 \
            mistakes), the explicable-mistake rate (share of mistakes with similarity ≥ --threshold) and \
            hierarchical distance @1 and @5. --decode crm predicts argmin_j Σ_i p_i · d(i, j) (Karthik et al. \
            2021). With --out DIR: predictions.npy, probabilities.npy, labels.npy and metrics.json.
            """)

    @Argument(help: ArgumentHelp("A checkpoint written by 'explicable train'.", valueName: "checkpoint"))
    var checkpoint: String

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    @Option(help: "Which split to evaluate: test or train.")
    var split: Split = .test

    @Option(
        help: ArgumentHelp(
            "Matrix for the mistake metrics: chl, wordnet:MEASURE, FILE.npy or a stored name.", valueName: "matrix"))
    var evalMatrix: String?

    @Option(help: "Similarity at or above which a mistake counts as explicable (2: the CHL Likert midpoint).")
    var threshold = 2.0

    @Option(help: "argmax or crm (conditional risk minimisation; needs a matrix).")
    var decode: Decoding = .argmax

    @Option(
        help: ArgumentHelp("Folder for predictions.npy, probabilities.npy, labels.npy, metrics.json.", valueName: "dir")
    )
    var out: String?

    @Flag(help: "Print the metrics as JSON to stdout.")
    var json = false

    func validate() throws {
        try dataOptions.validateData()
    }

    func run() throws {
        let saved = try Checkpoint.read(URL(fileURLWithPath: checkpoint))
        let config = saved.header.configuration
        var test = try dataOptions.load(split)
        if let n = dataOptions.testSubset { test = try test.stratifiedSubset(n, seed: config.seed &+ 1) }
        try config.classes.requireSameOrder(as: test.classes, "the data", "the checkpoint's model")
        guard test.sampleShape == config.sampleShape else {
            throw ExplicableError(
                .invalidArgument,
                "the checkpoint's model takes samples \(config.sampleShape); the data have \(test.sampleShape)")
        }
        let model = try saved.makeModel()
        let spec = evalMatrix ?? config.lossMatrix
        let matrix = try spec.map { spec throws(ExplicableError) in
            try EvaluationMatrix(
                matrixOptions.resolve(spec, data: dataOptions, classes: config.classes), classes: config.classes)
        }
        if decode == .crm && matrix == nil {
            throw ExplicableError(.invalidArgument, "--decode crm needs a matrix (--eval-matrix)")
        }
        let result = Evaluation(
            model: model, test: test, normalization: config.normalization, matrix: matrix, threshold: threshold,
            decoding: decode)
        if let out {
            let folder = RunFolder(URL(fileURLWithPath: out))
            try folder.create()
            try folder.writeEvaluation(
                result, test: test, extra: ["decode": decode.rawValue, "eval_matrix": spec, "checkpoint": checkpoint])
        }
        if json {
            var object = result.metrics.jsonObject
            object["decode"] = decode.rawValue
            object["per_class_accuracy"] = result.metrics.perClassAccuracy
            writeStdout(RunFolder.jsonLine(object))
        } else {
            writeStdout("\(test.count) samples, \(decode.rawValue): " + result.metrics.summary + "\n")
        }
    }
}

extension Split: ExpressibleByArgument {}
