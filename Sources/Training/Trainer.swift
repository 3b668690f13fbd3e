public import ExplicableCore
public import Foundation

/// Why a training run stopped early.
public enum TrainingError: ReportableError, Equatable, Sendable {
    /// The loss or a weight became NaN or infinite at `step` (1-based); nothing was saved for that
    /// step, and `checkpoint` (if any) holds the last good state, after `checkpointStep` steps.
    case nonFinite(what: String, step: Int, checkpoint: String?, checkpointStep: Int?)

    public var description: String {
        switch self {
        case .nonFinite(let what, let step, let checkpoint, let checkpointStep):
            let kept =
                if let checkpoint, let checkpointStep {
                    "the last good checkpoint is \(checkpoint) (step \(checkpointStep))"
                } else { "no checkpoint was written yet" }
            return "step \(step): \(what) is not finite (NaN or infinite); training stopped, \(kept)"
        }
    }

    public var isMalformedInput: Bool { false }
}

/// What the trainer reports after each batch.
public struct BatchReport: Sendable {
    public var epoch: Int
    /// 1-based batch within the epoch, and the number of batches per epoch.
    public var batch: Int
    public var batchesPerEpoch: Int
    /// The loss of this batch.
    public var batchLoss: Double
    /// Mean loss and accuracy over the epoch so far.
    public var loss: Double
    public var accuracy: Double
    /// Training images (or vectors) per second over the epoch so far.
    public var samplesPerSecond: Double
    /// Seconds left in the run at the current speed.
    public var secondsLeft: Double
}

/// What the trainer reports after each epoch.
public struct EpochReport: Sendable, Codable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Optimiser steps done in total.
    public var step: Int
    /// Mean training loss and accuracy over the epoch's batches (over the part of the epoch this
    /// process ran, plus what a resumed checkpoint carried).
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var learningRate: Double
    public var seconds: Double
    public var samplesPerSecond: Double
}

/// Runs the training loop: batches, loss, backward pass, optimiser and schedule, checkpoints.
///
/// The run is a function of the configuration and the data: each epoch's order is a permutation
/// drawn from a generator seeded by `(seed, epoch)`, and augmentation draws from one generator
/// whose state is saved in every checkpoint, so resuming after `k` steps continues with the same
/// batches, crops and flips and reaches the same weights as an uninterrupted run (for the same
/// ``Parallel/workerCount``).
///
/// ```swift
/// let folder = URL(fileURLWithPath: "cifar-10-batches-bin")
/// let train = try DatasetReader.cifar10(folder: folder, split: .train).stratifiedSubset(5_000, seed: 0)
/// let test = try DatasetReader.cifar10(folder: folder, split: .test)
/// let configuration = TrainingConfiguration(
///     architecture: .cnnS, loss: try .weighted(similarity: chl, scale: 1, classes: train.classes),
///     epochs: 10, seed: 0, training: train)
/// let trainer = try Trainer(configuration: configuration, training: train)
/// try trainer.run(checkpointURL: URL(fileURLWithPath: "run/checkpoint.ckpt"), onEpoch: { epoch in
///     print(epoch.epoch, epoch.trainLoss, epoch.trainAccuracy)
/// })
/// let probabilities = Evaluator.probabilities(
///     model: trainer.model, dataset: test, normalization: configuration.normalization)
/// ```
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let model: Sequential
    public let optimizer: any Optimizer
    /// Optimiser steps done.
    public private(set) var step = 0
    /// The training data (after any subset).
    public let training: Dataset
    public let stepsPerEpoch: Int
    public let totalSteps: Int

    private let loss: Loss
    private let schedule: Schedule
    private let loader: BatchLoader
    private var generator: SeededGenerator
    private var order: [Int] = []
    private var orderEpoch = -1
    private let gradient = Tensor(shape: [0])
    private let probabilities = Tensor(shape: [0])
    /// The last checkpoint this trainer wrote: its path and step.
    public private(set) var lastCheckpoint: (path: String, step: Int)?
    private var epochLoss = 0.0
    private var epochCorrect = 0
    private var epochSeen = 0

    /// Starts a run from freshly initialised weights, or from `initial`'s weights (fine-tuning:
    /// weights and batch-norm statistics are copied, the optimiser starts afresh).
    ///
    /// - Throws: `ExplicableError` when the data do not fit the configuration or `initial` is
    ///   not a checkpoint of the same architecture, classes and sample shape.
    public init(configuration: TrainingConfiguration, training: Dataset, initial: Checkpoint? = nil)
        throws(ExplicableError)
    {
        let architecture = try configuration.resolvedArchitecture()
        try configuration.classes.requireSameOrder(as: training.classes, "the training data", "the configuration")
        guard training.sampleShape == configuration.sampleShape else {
            throw ExplicableError(
                .invalidArgument,
                "the training data (\(training.classes.count) classes, samples \(training.sampleShape)) do not fit the "
                    + "configuration (\(configuration.classes.count) classes, samples \(configuration.sampleShape))")
        }
        guard training.count >= 2 else {
            throw ExplicableError(
                .invalidArgument, "training needs at least 2 samples, \(training.source) has \(training.count)")
        }
        guard configuration.batchSize >= 2, configuration.epochs >= 1 else {
            throw ExplicableError(.invalidArgument, "batch size must be at least 2 and epochs at least 1")
        }
        guard architecture.takesImages == (configuration.sampleShape == [3, 32, 32]) else {
            throw ExplicableError(
                .invalidArgument,
                architecture.takesImages
                    ? "\(architecture.rawValue) needs 3×32×32 images; use --arch mlp for feature vectors"
                    : "mlp needs feature vectors; use cnn-s or resnet20 for images")
        }
        self.configuration = configuration
        self.training = training
        model = architecture.makeModel(
            classCount: configuration.classes.count, seed: configuration.seed,
            inputFeatures: configuration.sampleShape.reduce(1, *), hiddenWidths: configuration.hiddenWidths)
        switch configuration.optimizer {
        case .sgd:
            optimizer = SGD(
                parameters: model.parameters, learningRate: configuration.learningRate,
                momentum: configuration.momentum, nesterov: configuration.nesterov && configuration.momentum > 0,
                weightDecay: configuration.weightDecay)
        case .adamw:
            optimizer = AdamW(
                parameters: model.parameters, learningRate: configuration.learningRate,
                weightDecay: configuration.weightDecay)
        }
        loss = configuration.makeLoss()
        stepsPerEpoch = configuration.stepsPerEpoch(count: training.count)
        totalSteps = stepsPerEpoch * configuration.epochs
        schedule = configuration.makeSchedule(stepsPerEpoch: stepsPerEpoch)
        loader = BatchLoader(dataset: training, normalization: configuration.normalization)
        generator = SeededGenerator(seed: configuration.seed ^ 0xA116_0E17)
        if let initial {
            let source = initial.header.configuration
            guard source.architecture == configuration.architecture,
                source.classes.count == configuration.classes.count,
                source.sampleShape == configuration.sampleShape, source.hiddenWidths == configuration.hiddenWidths
            else {
                throw ExplicableError(
                    .invalidArgument,
                    "--init: the checkpoint is a \(source.architecture) over \(source.classes.count) classes "
                        + "(samples \(source.sampleShape)), this run a \(configuration.architecture) over "
                        + "\(configuration.classes.count) classes (samples \(configuration.sampleShape))")
            }
            try restoreWeights(from: initial)
        }
    }

    /// Continues the run saved in `checkpoint` on the same training data.
    /// - Throws: `ExplicableError` when the data differ from the checkpoint's (fingerprint) or
    ///   the checkpoint's tensors do not fit.
    public convenience init(resuming checkpoint: Checkpoint, training: Dataset) throws(ExplicableError) {
        let header = checkpoint.header
        guard training.fingerprint == header.configuration.dataFingerprint else {
            throw ExplicableError(
                .invalidArgument,
                "--resume: the training data differ from the checkpoint's (labels fingerprint \(training.fingerprint), "
                    + "checkpoint \(header.configuration.dataFingerprint)); pass the same --data, --subset and --seed")
        }
        try self.init(configuration: header.configuration, training: training)
        try restoreWeights(from: checkpoint)
        step = header.step
        generator = SeededGenerator(seed: 0)
        generator.state = header.generatorState
        epochLoss = header.epochLoss
        epochCorrect = header.epochCorrect
        epochSeen = header.epochSeen
        switch optimizer {
        case let sgd as SGD:
            sgd.momentum = header.optimizerMomentum
            let buffers = checkpoint.tensors("momentum")
            if !buffers.isEmpty {
                guard buffers.map(\.shape) == sgd.parameters.map(\.value.shape) else {
                    throw ExplicableError.badInput("momentum buffers do not fit the model", file: "checkpoint")
                }
                sgd.buffers = buffers.map { Tensor(shape: $0.shape, values: $0.values) }
            }
        case let adam as AdamW:
            adam.stepCount = header.adamSteps
            let m = checkpoint.tensors("adam-m"), v = checkpoint.tensors("adam-v")
            guard m.map(\.shape) == adam.parameters.map(\.value.shape), v.map(\.shape) == m.map(\.shape) else {
                throw ExplicableError.badInput("AdamW moments do not fit the model", file: "checkpoint")
            }
            for (t, saved) in zip(adam.firstMoments, m) { t.values = saved.values }
            for (t, saved) in zip(adam.secondMoments, v) { t.values = saved.values }
        default:
            break
        }
    }

    private func restoreWeights(from checkpoint: Checkpoint) throws(ExplicableError) {
        try checkpoint.restoreWeights(into: model)
    }

    /// The current state as a checkpoint.
    public func checkpoint() -> Checkpoint {
        var entries: [Checkpoint.TensorEntry] = []
        var values: [[Float]] = []
        func add(_ role: String, _ tensors: [Tensor]) {
            for t in tensors {
                entries.append(.init(role: role, shape: t.shape))
                values.append(t.values)
            }
        }
        add("parameter", model.parameters.map(\.value))
        add("statistic", model.statistics)
        var momentum = 0.0, adamSteps = 0
        if let sgd = optimizer as? SGD {
            momentum = sgd.momentum
            add("momentum", sgd.buffers)
        } else if let adam = optimizer as? AdamW {
            adamSteps = adam.stepCount
            add("adam-m", adam.firstMoments)
            add("adam-v", adam.secondMoments)
        }
        let header = Checkpoint.Header(
            configuration: configuration, step: step, generatorState: generator.state, optimizerMomentum: momentum,
            adamSteps: adamSteps, epochLoss: epochLoss, epochCorrect: epochCorrect, epochSeen: epochSeen,
            tensors: entries)
        return Checkpoint(header: header, values: values)
    }

    /// Whether every step of the run is done.
    public var isFinished: Bool { step >= totalSteps }

    /// Runs steps until the run is finished or `stopAfter` steps are done in total.
    ///
    /// - Parameters:
    ///   - stopAfter: stop (after writing a checkpoint) once this many steps are done; `nil` runs to the end.
    ///   - checkpointURL: where checkpoints go, written at the end of every epoch, every
    ///     `checkpointEvery` steps and when stopping early; `nil` writes none.
    ///   - checkpointEvery: also write a checkpoint every this many steps (0: only at epoch ends).
    ///   - onBatch: called after every step.
    ///   - onEpoch: called after every epoch's checkpoint is written.
    /// - Throws: ``TrainingError/nonFinite(what:step:checkpoint:checkpointStep:)`` when the loss
    ///   or a weight stops being finite (no checkpoint is written for that step), an
    ///   `ExplicableError` when a checkpoint cannot be written, or what `onEpoch` throws.
    public func run(
        stopAfter: Int? = nil, checkpointURL: URL? = nil, checkpointEvery: Int = 0,
        onBatch: (BatchReport) -> Void = { _ in }, onEpoch: (EpochReport) throws -> Void = { _ in }
    ) throws {
        let n = training.count, batchSize = configuration.batchSize
        var epochStart = Date()
        var epochStartSeen = epochSeen
        let runStart = Date()
        let runStartStep = step
        func save() throws(ExplicableError) {
            guard let checkpointURL else { return }
            try checkpoint().write(to: checkpointURL)
            lastCheckpoint = (checkpointURL.path, step)
        }
        while step < totalSteps {
            if let stopAfter, step >= stopAfter { break }
            let epoch = step / stepsPerEpoch, batch = step % stepsPerEpoch
            if orderEpoch != epoch {
                var shuffler = SeededGenerator(seed: configuration.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
                order = Array(0..<n)
                order.shuffle(using: &shuffler)
                orderEpoch = epoch
            }
            if batch == 0 {
                epochLoss = 0
                epochCorrect = 0
                epochSeen = 0
                epochStart = Date()
                epochStartSeen = 0
            }
            let range = (batch * batchSize)..<min((batch + 1) * batchSize, n)
            var augmenter: SeededGenerator? = configuration.augment ? generator : nil
            loader.load(order, range, augmenting: &augmenter)
            if let augmenter { generator = augmenter }

            schedule.apply(to: optimizer, at: step)
            let logits = model.forward(loader.batch, training: true)
            let value = loss(logits: logits, labels: loader.labels, gradient: gradient, probabilities: probabilities)
            guard value.isFinite else {
                throw TrainingError.nonFinite(
                    what: "the loss", step: step + 1, checkpoint: lastCheckpoint?.path,
                    checkpointStep: lastCheckpoint?.step)
            }
            epochCorrect += Self.correctCount(probabilities, loader.labels)
            epochLoss += value * Double(range.count)
            epochSeen += range.count
            _ = model.backward(gradient)
            optimizer.step()
            step += 1
            if let bad = firstNonFiniteParameter() {
                throw TrainingError.nonFinite(
                    what: "weight '\(bad)'", step: step, checkpoint: lastCheckpoint?.path,
                    checkpointStep: lastCheckpoint?.step)
            }
            let elapsed = Date().timeIntervalSince(epochStart)
            let speed = Double(epochSeen - epochStartSeen) / max(elapsed, 1e-9)
            let runSpeed = Double(step - runStartStep) / max(Date().timeIntervalSince(runStart), 1e-9)
            onBatch(
                BatchReport(
                    epoch: epoch + 1, batch: batch + 1, batchesPerEpoch: stepsPerEpoch, batchLoss: value,
                    loss: epochLoss / Double(epochSeen),
                    accuracy: Double(epochCorrect) / Double(epochSeen), samplesPerSecond: speed,
                    secondsLeft: Double(totalSteps - step) / max(runSpeed, 1e-9)))
            let epochDone = batch + 1 == stepsPerEpoch
            if epochDone || (checkpointEvery > 0 && step % checkpointEvery == 0) || step == stopAfter {
                try save()
            }
            if epochDone {
                try onEpoch(
                    EpochReport(
                        epoch: epoch + 1, step: step, trainLoss: epochLoss / Double(epochSeen),
                        trainAccuracy: Double(epochCorrect) / Double(epochSeen),
                        learningRate: optimizer.learningRate, seconds: elapsed, samplesPerSecond: speed))
            }
        }
    }

    private static func correctCount(_ probabilities: Tensor, _ labels: [Int]) -> Int {
        let c = probabilities.shape[1], p = probabilities.storage
        var correct = 0
        for (r, y) in labels.enumerated() {
            var best = 0
            for j in 1..<c where p[r * c + j] > p[r * c + best] { best = j }
            if best == y { correct += 1 }
        }
        return correct
    }

    private func firstNonFiniteParameter() -> String? {
        // `optimizer.parameters` is a stored array; `model.parameters` would build one per step.
        for (i, parameter) in optimizer.parameters.enumerated() {
            let finite = parameter.value.withUnsafeBufferPointer { values -> Bool in
                var sum: Float = 0
                for v in values { sum += v * 0 }
                return sum == 0
            }
            if !finite { return "\(i) (\(parameter.name), shape \(parameter.value.shape))" }
        }
        return nil
    }
}

extension Checkpoint {
    /// Copies the saved weights and batch-norm statistics into `model`.
    /// - Throws: `ExplicableError` (`badInput`) when the tensors do not fit the model.
    public func restoreWeights(into model: Sequential) throws(ExplicableError) {
        let parameters = tensors("parameter"), statistics = tensors("statistic")
        guard parameters.map(\.shape) == model.parameters.map(\.value.shape),
            statistics.map(\.shape) == model.statistics.map(\.shape)
        else {
            throw ExplicableError(
                .badInput, "the checkpoint's tensors do not fit a \(header.configuration.architecture) model")
        }
        for (p, saved) in zip(model.parameters, parameters) { p.value.values = saved.values }
        for (t, saved) in zip(model.statistics, statistics) { t.values = saved.values }
    }

    /// The trained model: the configuration's architecture with the saved weights.
    public func makeModel() throws(ExplicableError) -> Sequential {
        let c = header.configuration
        let model = try c.resolvedArchitecture().makeModel(
            classCount: c.classes.count, seed: c.seed, inputFeatures: c.sampleShape.reduce(1, *),
            hiddenWidths: c.hiddenWidths)
        try restoreWeights(into: model)
        return model
    }
}
