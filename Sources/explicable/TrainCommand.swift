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
            lch, lca-height, res, lin, jcn), FILE.npy (rows and columns in the data's class order), likert:STUDY, \
            or the name of a matrix stored in --db (the grammar of 'matrix build --from'). A similarity matrix becomes distances as max − s (and the reverse) where a loss or \
            metric needs the other form. With --out DIR the run keeps DIR/checkpoint.ckpt (each epoch, and \
            every --checkpoint-every steps), and writes DIR/predictions.npy, probabilities.npy, labels.npy \
            and metrics.json for the test set at the end. --json prints one JSON object per epoch to stdout.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var matrixOptions: MatrixOptions

    @Option(help: "cnn-s, resnet20 or mlp.")
    var arch: Architecture = .cnnS

    @Option(
        help: ArgumentHelp("Hidden widths of mlp, comma-separated (empty: a linear classifier).", valueName: "widths"))
    var hidden = "256"

    @Option(help: "ce, wlf, soft-labels or label-smoothing.")
    var loss: TrainingConfiguration.LossKind = .ce

    @Option(
        help: ArgumentHelp("The loss's matrix: chl, wordnet:MEASURE, FILE.npy or a stored name.", valueName: "matrix"))
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

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp("Start from this checkpoint's weights (fine-tuning).", valueName: "checkpoint"))
    var initFrom: String?

    @Option(help: ArgumentHelp("Also write the checkpoint every this many steps.", valueName: "steps"))
    var checkpointEvery = 0

    @Option(help: ArgumentHelp("Stop (with a checkpoint) once this many steps are done in total.", valueName: "steps"))
    var maxSteps: Int?

    @Flag(help: "Print one JSON object per epoch to stdout.")
    var json = false

    func hiddenWidths() throws -> [Int] {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if parts == [""] { return [] }
        return try parts.map { part in
            guard let w = Int(part), w > 0 else {
                throw ValidationError("--hidden '\(hidden)': widths must be positive integers")
            }
            return w
        }
    }

    func validate() throws {
        try dataOptions.validateData()
        _ = try hiddenWidths()
        if loss.needsMatrix && matrix == nil && !resume {
            throw ValidationError("--loss \(loss.rawValue) needs --matrix")
        }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if batchSize < 2 { throw ValidationError("--batch-size must be at least 2") }
        if !(learningRate > 0) { throw ValidationError("--lr must be positive") }
        if let subset, subset < 2 { throw ValidationError("--subset must be at least 2") }
        if resume && out == nil {
            throw ValidationError("--resume needs --out DIR (the folder holding checkpoint.ckpt)")
        }
        if resume && initFrom != nil { throw ValidationError("--resume and --init exclude each other") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be positive") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must not be negative") }
        if dataOptions.dataset == .features && arch != .mlp {
            throw ValidationError("--dataset features needs --arch mlp")
        }
        if dataOptions.dataset != .features && arch == .mlp {
            throw ValidationError("--arch mlp needs --dataset features")
        }
    }

    func run() throws {
        let outFolder = out.map { RunFolder(URL(fileURLWithPath: $0)) }
        // Read and check everything before writing anything.
        let trainer: Trainer
        let fullTraining = try dataOptions.load(.train)
        if resume {
            let saved = try outFolder!.readCheckpoint()
            let config = saved.header.configuration
            trainer = try Trainer(
                resuming: saved, training: try subsetOf(fullTraining, size: config.subset, seed: config.seed))
        } else {
            let training = try subsetOf(fullTraining, size: subset, seed: seed)
            let initial = try initFrom.map { path throws(ExplicableError) in
                try Checkpoint.read(URL(fileURLWithPath: path))
            }
            var config = TrainingConfiguration(
                architecture: arch, hiddenWidths: try hiddenWidths(), loss: try makeLoss(classes: training.classes),
                lossMatrix: matrix, optimizer: optimizer, learningRate: learningRate, momentum: momentum,
                nesterov: nesterov, weightDecay: weightDecay, schedule: schedule, warmupEpochs: warmupEpochs,
                stepEpochs: stepEpochs, epochs: epochs, batchSize: batchSize, seed: seed, augment: augment,
                training: training, normalization: initial?.header.configuration.normalization)
            config.initializedFrom = initFrom
            config.subset = subset
            config.testSubset = dataOptions.testSubset
            config.evaluationMatrix = evalMatrix ?? matrix
            config.threshold = threshold
            config.decoding = decode
            trainer = try Trainer(configuration: config, training: training, initial: initial)
        }
        // A resumed run evaluates as the uninterrupted one would: its settings come from the checkpoint.
        let config = trainer.configuration
        let testSubset = resume ? config.testSubset : dataOptions.testSubset
        let evalSpec = resume ? (config.evaluationMatrix ?? config.lossMatrix) : (evalMatrix ?? matrix)
        let threshold = resume ? (config.threshold ?? self.threshold) : self.threshold
        let decode = resume ? (config.decoding ?? self.decode) : self.decode
        let test = try dataOptions.loadTest(subset: testSubset, seed: config.seed)
        let evaluation = try evalSpec.map { spec throws(ExplicableError) in
            try EvaluationMatrix(
                matrixOptions.resolve(spec, data: dataOptions, classes: config.classes), classes: config.classes)
        }
        var session = try TrainingSession(
            trainer: trainer, test: test, matrix: evaluation, threshold: threshold, decoding: decode, folder: outFolder)
        session.extraMetrics = ["eval_matrix": evalSpec]
        if !json {
            printError(
                "training \(config.architecture) (\(config.loss.rawValue)) on \(trainer.training.count) samples, "
                    + "\(trainer.stepsPerEpoch) steps per epoch, \(config.epochs) epochs"
                    + (trainer.step > 0 ? ", resuming at step \(trainer.step)" : ""))
        }
        let progress = TrainingProgress()
        let final = try session.run(
            stopAfter: maxSteps, checkpointEvery: checkpointEvery,
            onBatch: { progress.update($0, epochs: config.epochs) },
            onEpoch: { report, metrics in
                progress.endLine()
                if json {
                    writeStdout(RunFolder.historyLine(report, test: metrics))
                } else {
                    writeStdout(
                        String(
                            format: "epoch %d/%d  loss %.4f  train %.2f%%  %.0f samples/s  test ", report.epoch,
                            config.epochs, report.trainLoss, 100 * report.trainAccuracy, report.samplesPerSecond)
                            + metrics.summary + "\n")
                }
            })
        progress.endLine()
        guard let final else {
            printError("stopped after step \(trainer.step) of \(trainer.totalSteps); continue with --resume")
            return
        }
        if !json { writeStdout("final (\(decode.rawValue)): " + final.metrics.summary + "\n") }
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
            let m = try matrixOptions.resolve(matrix!, data: dataOptions, classes: classes)
            return try .weighted(similarity: m.asSimilarity(), scale: scale, classes: classes)
        case .softLabels:
            let m = try matrixOptions.resolve(matrix!, data: dataOptions, classes: classes)
            return try .softLabels(distance: m.asDistance(), beta: beta, classes: classes)
        }
    }
}
