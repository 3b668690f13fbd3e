public import ExplicableCore
import Foundation

/// A training run from start (or resume) to its run folder: train, evaluate on the test set after
/// every epoch, append `history.jsonl`, and at the end write the evaluation files.
///
/// `explicable train` and the demo both run through here, so a run folder means the same
/// whichever wrote it.
///
/// ```swift
/// let session = TrainingSession(trainer: trainer, test: test, matrix: chl, threshold: 2,
///                               decoding: .argmax, folder: RunFolder(url))
/// let final = try session.run(onEpoch: { report, metrics in print(report.epoch, metrics.summary) })
/// ```
public struct TrainingSession {
    public let trainer: Trainer
    /// The test set evaluated after each epoch and at the end.
    public let test: Dataset
    /// The matrix of the mistake metrics, if any.
    public let matrix: EvaluationMatrix?
    /// Similarity at or above which a mistake is explicable.
    public let threshold: Double
    /// How the final predictions are decoded (epochs are always evaluated with argmax).
    public let decoding: Decoding
    /// Where the checkpoint, history and evaluation go; `nil` keeps nothing.
    public let folder: RunFolder?
    /// More `metrics.json` keys (e.g. `eval_matrix`).
    public var extraMetrics: [String: String?] = [:]

    /// - Throws: `ExplicableError` when the test set's classes or sample shape are not the model's.
    public init(
        trainer: Trainer, test: Dataset, matrix: EvaluationMatrix?, threshold: Double, decoding: Decoding,
        folder: RunFolder?
    ) throws(ExplicableError) {
        let config = trainer.configuration
        try config.classes.requireSameOrder(as: test.classes, "the test data", "the training data")
        guard test.sampleShape == config.sampleShape else {
            throw ExplicableError(
                .invalidArgument,
                "the test samples have shape \(test.sampleShape), the training samples \(config.sampleShape)")
        }
        if decoding == .crm && matrix == nil {
            throw ExplicableError(.invalidArgument, "--decode crm needs a matrix (--eval-matrix or --matrix)")
        }
        self.trainer = trainer
        self.test = test
        self.matrix = matrix
        self.threshold = threshold
        self.decoding = decoding
        self.folder = folder
    }

    /// Trains until the run is finished or `stopAfter` steps are done in total.
    ///
    /// - Parameters:
    ///   - stopAfter: stop (with a checkpoint) once this many steps are done in total.
    ///   - checkpointEvery: also write the checkpoint every this many steps (0: each epoch only).
    ///   - onBatch: called after every batch (for progress).
    ///   - onEpoch: called after every epoch with the test metrics (argmax), after the history line
    ///     is written.
    /// - Returns: the final evaluation (also written to the folder), or `nil` when stopped early.
    /// - Throws: `ExplicableError` for I/O, ``TrainingError`` when the loss or a weight is not finite.
    @discardableResult
    public func run(
        stopAfter: Int? = nil, checkpointEvery: Int = 0, onBatch: (BatchReport) -> Void = { _ in },
        onEpoch: (EpochReport, Metrics) throws -> Void = { _, _ in }
    ) throws -> Evaluation? {
        try folder?.create()
        let config = trainer.configuration
        // The last epoch's evaluation, kept: when training ends with that epoch, the model it evaluated is
        // the final one, and its probabilities serve the final evaluation without another pass.
        var latest: (step: Int, evaluation: Evaluation)?
        try trainer.run(
            stopAfter: stopAfter, checkpointURL: folder?.file(.checkpoint), checkpointEvery: checkpointEvery,
            onBatch: onBatch,
            onEpoch: { report in
                let evaluation = Evaluation(
                    model: trainer.model, test: test, normalization: config.normalization, matrix: matrix,
                    threshold: threshold, decoding: .argmax)
                latest = (trainer.step, evaluation)
                try folder?.appendHistory(report, test: evaluation.metrics)
                try onEpoch(report, evaluation.metrics)
            })
        guard trainer.isFinished else { return nil }
        let final: Evaluation
        if let latest, latest.step == trainer.step {
            final =
                decoding == .argmax
                ? latest.evaluation
                : Evaluation(
                    probabilities: latest.evaluation.probabilities, test: test, matrix: matrix,
                    threshold: threshold, decoding: decoding)
        } else {
            final = Evaluation(
                model: trainer.model, test: test, normalization: config.normalization, matrix: matrix,
                threshold: threshold, decoding: decoding)
        }
        var extra = extraMetrics
        extra["decode"] = decoding.rawValue
        try folder?.writeEvaluation(final, test: test, extra: extra)
        return final
    }
}
