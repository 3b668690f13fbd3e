public import ExplicableCore

/// Everything that defines a training run; saved in every checkpoint, so a resumed run continues
/// with exactly the settings it started with.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Which optimiser updates the weights.
    public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
        /// ``SGD`` with ``TrainingConfiguration/momentum``, Nesterov and coupled weight decay.
        case sgd
        /// ``AdamW`` with PyTorch's betas and decoupled weight decay.
        case adamw
    }

    /// Which learning-rate schedule, over optimiser steps.
    public enum ScheduleKind: String, Sendable, Codable, CaseIterable {
        /// The same rate throughout.
        case constant
        /// Cosine annealing from the rate to 0 over the run.
        case cosine
        /// One-cycle with the rate as its maximum (and momentum cycled between 0.85 and 0.95 for SGD).
        case onecycle
        /// The rate times 0.1 every ``TrainingConfiguration/stepEpochs`` epochs.
        case step
    }

    /// The loss name as the command line spells it: `ce`, `wlf`, `soft-labels` or `label-smoothing`.
    public enum LossKind: String, Sendable, Codable, CaseIterable {
        case ce
        case wlf
        case softLabels = "soft-labels"
        case labelSmoothing = "label-smoothing"

        /// Whether the loss is built from a class matrix.
        public var needsMatrix: Bool { self == .wlf || self == .softLabels }
    }

    public var architecture: String
    /// Hidden-layer widths for `mlp`.
    public var hiddenWidths: [Int]
    /// The model's classes, in output order.
    public var classes: ClassSet
    /// The shape of one sample, `[3, 32, 32]` or `[D]`.
    public var sampleShape: [Int]
    public var loss: LossKind
    /// WLF's scale, soft labels' β or label smoothing's ε (unused by `ce`).
    public var lossParameter: Double
    /// Where the loss's matrix came from (its provenance source), if it uses one.
    public var lossMatrix: String?
    /// The C×C target distributions of the loss, row-major (see ``Loss``).
    public var lossTargets: [Float]
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var momentum: Double
    public var nesterov: Bool
    public var weightDecay: Double
    public var schedule: ScheduleKind
    /// Epochs of linear warm-up (from a third of the rate) before the schedule; 0 for none.
    public var warmupEpochs: Int
    /// For the step schedule: epochs between decays.
    public var stepEpochs: Int
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64
    /// Random crop (4-pixel padding) and horizontal flip on training images.
    public var augment: Bool
    /// The per-channel normalisation, computed on the training images.
    public var normalization: Normalization
    /// The training set's fingerprint (``Dataset/fingerprint``), checked on resume.
    public var dataFingerprint: String
    /// A description of the training data (its folder or file).
    public var dataSource: String
    /// The size of the stratified training subset, if one was used (a resumed run draws it again).
    public var subset: Int?
    /// Where the initial weights came from, if the run fine-tunes a checkpoint.
    public var initializedFrom: String?
    /// How the run is evaluated: the stratified test subset, the evaluation matrix's name, the
    /// explicable threshold and the decoding of the final predictions. Kept so that a resumed run
    /// evaluates exactly as the uninterrupted one would (`nil` in checkpoints written before).
    public var testSubset: Int?
    public var evaluationMatrix: String?
    public var threshold: Double?
    public var decoding: Decoding?

    public init(
        architecture: Architecture, hiddenWidths: [Int] = [256], loss: Loss, lossMatrix: String? = nil,
        optimizer: OptimizerKind = .sgd, learningRate: Double = 0.05, momentum: Double = 0.9, nesterov: Bool = true,
        weightDecay: Double = 5e-4, schedule: ScheduleKind = .onecycle, warmupEpochs: Int = 0, stepEpochs: Int = 30,
        epochs: Int, batchSize: Int = 128, seed: UInt64 = 0, augment: Bool = true, training: Dataset,
        normalization: Normalization? = nil
    ) {
        self.architecture = architecture.rawValue
        self.hiddenWidths = hiddenWidths
        classes = training.classes
        sampleShape = training.sampleShape
        switch loss.kind {
        case .crossEntropy: (self.loss, lossParameter) = (.ce, 0)
        case .weighted(let scale): (self.loss, lossParameter) = (.wlf, scale)
        case .softLabels(let beta): (self.loss, lossParameter) = (.softLabels, beta)
        case .labelSmoothing(let epsilon): (self.loss, lossParameter) = (.labelSmoothing, epsilon)
        }
        self.lossMatrix = lossMatrix
        lossTargets = loss.targets
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.warmupEpochs = warmupEpochs
        self.stepEpochs = stepEpochs
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.augment = augment && training.sampleShape == [3, 32, 32]
        if let normalization {
            self.normalization = normalization
        } else {
            let (mean, std) = training.channelStatistics()
            self.normalization = Normalization(mean: mean, std: std)
        }
        dataFingerprint = training.fingerprint
        dataSource = training.source
    }

    /// The architecture, checked.
    public func resolvedArchitecture() throws(ExplicableError) -> Architecture {
        guard let a = Architecture(rawValue: architecture) else {
            throw ExplicableError(.badInput, "unknown architecture '\(architecture)' in the checkpoint's configuration")
        }
        return a
    }

    /// The loss the configuration describes.
    public func makeLoss() -> Loss {
        let kind: Loss.Kind
        switch loss {
        case .ce: kind = .crossEntropy
        case .wlf: kind = .weighted(scale: lossParameter)
        case .softLabels: kind = .softLabels(beta: lossParameter)
        case .labelSmoothing: kind = .labelSmoothing(epsilon: lossParameter)
        }
        return Loss(kind: kind, classCount: classes.count, targets: lossTargets)
    }

    /// Optimiser steps per epoch for `count` training samples: a last partial batch is kept when it
    /// has at least two samples (batch norm needs two).
    public func stepsPerEpoch(count: Int) -> Int {
        count / batchSize + (count % batchSize >= 2 ? 1 : 0)
    }

    /// The learning-rate schedule over all steps of the run.
    public func makeSchedule(stepsPerEpoch: Int) -> Schedule {
        let warmup = warmupEpochs * stepsPerEpoch
        let total = max(1, epochs * stepsPerEpoch - warmup)
        let main: Schedule
        switch schedule {
        case .constant: main = .constant(learningRate)
        case .cosine: main = .cosine(initial: learningRate, totalSteps: total)
        case .onecycle: main = .oneCycle(max: learningRate, totalSteps: max(2, total))
        case .step: main = .step(initial: learningRate, stepSize: max(1, stepEpochs * stepsPerEpoch))
        }
        return warmup > 0 ? .warmup(steps: warmup, then: main) : main
    }
}
