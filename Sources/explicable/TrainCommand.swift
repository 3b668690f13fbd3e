public import ArgumentParser
import ExplicableCore
import Foundation
import Training

extension Architecture: ExpressibleByArgument {}
extension TrainingConfiguration.LossKind: ExpressibleByArgument {}
extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
extension TrainingConfiguration.ScheduleKind: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on CIFAR-10, CIFAR-100 or feature vectors, on the CPU.",
        discussion: """
            Losses: ce, wlf (targets softmax(scale · S[y]), Olmo et al.), soft-labels (Bertinetto et al., \
            exp(−β · d[y] / max d)), label-smoothing. Matrices (--matrix, --eval-matrix): chl (the paper's \
            CIFAR-10 CHL matrix, paper/cifar10_CHL_cmat.npy in the data folder), wordnet:MEASURE (path, wup, \
            lch, lca-height, res, lin, jcn), or FILE.npy with --classes TSV; names from a matrix store are not \
            supported yet. A similarity matrix becomes distances as max − s (and the reverse) where a loss or \
            metric needs the other form. With --out DIR the run keeps DIR/checkpoint.ckpt (each epoch, and \
            every --checkpoint-every steps), and writes DIR/predictions.npy, probabilities.npy, labels.npy \
            and metrics.json for the test set at the end. --json prints one JSON object per epoch to stdout.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    @Option(help: "cnn-s, resnet20 or mlp.")
    var arch: Architecture = .cnnS

    @Option(help: ArgumentHelp("Hidden widths of mlp, comma-separated (empty: a linear classifier).", valueName: "widths"))
    var hidden = "256"

    @Option(help: "ce, wlf, soft-labels or label-smoothing.")
    var loss: TrainingConfiguration.LossKind = .ce

    @Option(help: ArgumentHelp("The loss's matrix: chl, wordnet:MEASURE or FILE.npy (with --classes).", valueName: "matrix"))
    var matrix: String?

    @Option(help: "WLF: the scale applied to similarities before the softmax.")
    var scale = 1.0

    @Option(help: "soft-labels: how sharply targets fall with distance.")
    var beta = 4.0

    @Option(help: "label-smoothing: the weight spread over all classes.")
    var epsilon = 0.1

    @Option(help: ArgumentHelp("Matrix for the mistake metrics (default: the loss's --matrix).", valueName: "matrix"))
    var evalMatrix: String?

    @Option(help: "Similarity at or above which a mistake counts as explicable (2: the CHL Likert midpoint).")
    var threshold = 2.0

    @Option(help: "How the final predictions are decoded: argmax or crm (needs an evaluation matrix).")
    var decode: Decoding = .argmax

    @Option(help: "Passes over the training data.")
    var epochs = 10

    @Option(help: "Samples per batch.")
    var batchSize = 128

    @Option(help: "sgd or adamw.")
    var optimizer: TrainingConfiguration.OptimizerKind = .sgd

    @Option(name: .customLong("lr"), help: "Learning rate (the peak of one-cycle).")
    var learningRate = 0.05

    @Option(help: "SGD momentum (one-cycle cycles it between 0.85 and 0.95).")
    var momentum = 0.9

    @Flag(inversion: .prefixedNo, help: "Nesterov momentum for SGD.")
    var nesterov = true

    @Option(help: "Weight decay (coupled for SGD, decoupled for AdamW).")
    var weightDecay = 5e-4

    @Option(help: "onecycle, cosine, step or constant.")
    var schedule: TrainingConfiguration.ScheduleKind = .onecycle

    @Option(help: "Epochs of linear warm-up before the schedule.")
    var warmupEpochs = 0

    @Option(help: "step schedule: epochs between ×0.1 decays.")
    var stepEpochs = 30

    @Option(help: "Seed for initialisation, subsets, shuffling and augmentation.")
    var seed: UInt64 = 0

    @Flag(inversion: .prefixedNo, help: "Random crop (4-pixel padding) and horizontal flip of training images.")
    var augment = true

    @Option(help: ArgumentHelp("Train on a stratified subset of this many samples.", valueName: "n"))
    var subset: Int?

    @Option(help: ArgumentHelp("Folder for the checkpoint, predictions and metrics.", valueName: "dir"))
    var out: String?

    @Flag(help: "Continue the run saved in --out DIR/checkpoint.ckpt (its settings win over the options here).")
    var resume = false

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from this checkpoint's weights (fine-tuning).", valueName: "checkpoint"))
    var initFrom: String?

    @Option(help: ArgumentHelp("Also write the checkpoint every this many steps.", valueName: "steps"))
    var checkpointEvery = 0

    @Option(help: ArgumentHelp("Stop (with a checkpoint) once this many steps are done in total.", valueName: "steps"))
    var maxSteps: Int?

    @Flag(help: "Print one JSON object per epoch to stdout.")
    var json = false

    func hiddenWidths() throws -> [Int] {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts == [""] { return [] }
        return try parts.map { part in
            guard let w = Int(part), w > 0 else { throw ValidationError("--hidden '\(hidden)': widths must be positive integers") }
            return w
        }
    }

    func validate() throws {
        try dataOptions.validateData()
        _ = try hiddenWidths()
        if loss.needsMatrix && matrix == nil && !resume { throw ValidationError("--loss \(loss.rawValue) needs --matrix") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if batchSize < 2 { throw ValidationError("--batch-size must be at least 2") }
        if !(learningRate > 0) { throw ValidationError("--lr must be positive") }
        if let subset, subset < 2 { throw ValidationError("--subset must be at least 2") }
        if resume && out == nil { throw ValidationError("--resume needs --out DIR (the folder holding checkpoint.ckpt)") }
        if resume && initFrom != nil { throw ValidationError("--resume and --init exclude each other") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be positive") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must not be negative") }
        if dataOptions.dataset == .features && arch != .mlp { throw ValidationError("--dataset features needs --arch mlp") }
        if dataOptions.dataset != .features && arch == .mlp { throw ValidationError("--arch mlp needs --dataset features") }
    }

    func run() throws {
        try reportingTrainingErrors {
            let outFolder = out.map { URL(fileURLWithPath: $0) }
            let checkpointURL = outFolder?.appendingPathComponent("checkpoint.ckpt")
            // Read and check everything before writing anything.
            let trainer: Trainer
            let fullTraining = try dataOptions.load(.train)
            if resume {
                let saved = try Checkpoint.read(checkpointURL!)
                let config = saved.header.configuration
                let training = try subsetOf(fullTraining, size: config.subset, seed: config.seed)
                trainer = try Trainer(resuming: saved, training: training)
            } else {
                let training = try subsetOf(fullTraining, size: subset, seed: seed)
                let lossFunction = try makeLoss(classes: training.classes)
                let initial = try initFrom.map { path throws(ExplicableError) in try Checkpoint.read(URL(fileURLWithPath: path)) }
                var config = TrainingConfiguration(
                    architecture: arch, hiddenWidths: try hiddenWidths(), loss: lossFunction, lossMatrix: matrix,
                    optimizer: optimizer, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
                    weightDecay: weightDecay, schedule: schedule, warmupEpochs: warmupEpochs, stepEpochs: stepEpochs,
                    epochs: epochs, batchSize: batchSize, seed: seed, augment: augment, training: training,
                    normalization: initial?.header.configuration.normalization)
                config.initializedFrom = initFrom
                config.subset = subset
                trainer = try Trainer(configuration: config, training: training, initial: initial)
            }
            let config = trainer.configuration
            let test = try dataOptions.loadTest(seed: config.seed)
            guard test.classes.labels == config.classes.labels, test.sampleShape == config.sampleShape else {
                throw ExplicableError(.invalidArgument, "the test data do not fit the training data's classes or sample shape")
            }
            let evalSpec = evalMatrix ?? config.lossMatrix
            let evaluation = try evalSpec.map { spec throws(ExplicableError) in
                try EvaluationMatrix(
                    resolveMatrix(spec, data: dataOptions, options: matrixOptions, classes: config.classes),
                    classes: config.classes)
            }
            if decode == .crm && evaluation == nil {
                throw ExplicableError(.invalidArgument, "--decode crm needs a matrix (--eval-matrix or --matrix)")
            }
            if let outFolder {
                do { try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true) } catch {
                    throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: outFolder.path)
                }
            }
            if !json {
                printError(
                    "training \(config.architecture) (\(config.loss.rawValue)) on \(trainer.training.count) samples, "
                        + "\(trainer.stepsPerEpoch) steps per epoch, \(config.epochs) epochs"
                        + (trainer.step > 0 ? ", resuming at step \(trainer.step)" : ""))
            }
            let progress = TrainingProgress()
            try trainer.run(
                stopAfter: maxSteps, checkpointURL: checkpointURL, checkpointEvery: checkpointEvery,
                onBatch: { progress.update($0, epochs: config.epochs) },
                onEpoch: { report in
                    progress.endLine()
                    let m = evaluate(
                        model: trainer.model, test: test, normalization: config.normalization, matrix: evaluation,
                        threshold: threshold, decoding: .argmax
                    ).metrics
                    let line = jsonLine([
                        "epoch": report.epoch, "step": report.step, "train_loss": report.trainLoss,
                        "train_accuracy": report.trainAccuracy, "learning_rate": report.learningRate,
                        "seconds": report.seconds, "samples_per_second": report.samplesPerSecond,
                        "test": metricsObject(m),
                    ])
                    // The run's history, for training curves (a resumed run appends).
                    if let outFolder { try appendLine(line, to: outFolder.appendingPathComponent("history.jsonl")) }
                    if json {
                        writeStdout(line)
                    } else {
                        writeStdout(
                            String(
                                format: "epoch %d/%d  loss %.4f  train %.2f%%  %.0f samples/s  test ", report.epoch,
                                config.epochs, report.trainLoss, 100 * report.trainAccuracy, report.samplesPerSecond)
                                + metricsSummary(m) + "\n")
                    }
                })
            progress.endLine()
            guard trainer.isFinished else {
                printError("stopped after step \(trainer.step) of \(trainer.totalSteps); continue with --resume")
                return
            }
            let final = evaluate(
                model: trainer.model, test: test, normalization: config.normalization, matrix: evaluation,
                threshold: threshold, decoding: decode)
            if let outFolder {
                try writeEvaluation(
                    to: outFolder, predictions: final.predictions, probabilities: final.probabilities, test: test,
                    metrics: final.metrics, extra: ["decode": decode.rawValue, "eval_matrix": evalSpec ?? NSNull()])
            }
            if !json { writeStdout("final (\(decode.rawValue)): " + metricsSummary(final.metrics) + "\n") }
        }
    }

    private func subsetOf(_ data: Dataset, size subset: Int?, seed: UInt64) throws(ExplicableError) -> Dataset {
        guard let subset else { return data }
        return try data.stratifiedSubset(subset, seed: seed)
    }

    private func makeLoss(classes: ClassSet) throws(ExplicableError) -> Loss {
        switch loss {
        case .ce: return .crossEntropy(classCount: classes.count)
        case .labelSmoothing: return try .labelSmoothing(epsilon: epsilon, classCount: classes.count)
        case .wlf:
            let m = try resolveMatrix(matrix!, data: dataOptions, options: matrixOptions, classes: classes)
            return try .weighted(similarity: EvaluationMatrix.similarityForm(of: m), scale: scale, classes: classes)
        case .softLabels:
            let m = try resolveMatrix(matrix!, data: dataOptions, options: matrixOptions, classes: classes)
            return try .softLabels(distance: EvaluationMatrix.distanceForm(of: m), beta: beta, classes: classes)
        }
    }
}

/// Appends `line` (which ends in a line feed) to `url`, creating the file.
func appendLine(_ line: String, to url: URL) throws(ExplicableError) {
    if !FileManager.default.fileExists(atPath: url.path) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExplicableError(.io, "cannot create file", file: url.path)
        }
    }
    do {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    } catch {
        throw ExplicableError(.io, "cannot append: \(error.localizedDescription)", file: url.path)
    }
}
