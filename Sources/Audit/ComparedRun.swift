public import ExplicableCore
public import Foundation
import Semantics
public import Training

/// One training run's test-set predictions, as `explicable train --out DIR` leaves them.
public struct ComparedRun: Sendable {
    /// The run's name: its folder's name.
    public var name: String
    /// The top-1 prediction of every test image, in test order.
    public var predictions: [Int]
    /// The true class of every test image, in test order.
    public var labels: [Int32]
    /// The model's classes.
    public var classes: ClassSet
    /// How the run decoded its predictions (from `metrics.json`; argmax when it does not say).
    public var decoding: Decoding
    /// The trained model, when the run was read from a folder of `explicable train` (`nil` for a
    /// run of another trainer, such as the exported PyTorch recipe).
    public var checkpoint: Checkpoint?

    public init(
        name: String, predictions: [Int], labels: [Int32], classes: ClassSet, decoding: Decoding = .argmax,
        checkpoint: Checkpoint? = nil
    ) {
        precondition(predictions.count == labels.count, "ComparedRun: predictions ≠ labels")
        self.name = name
        self.predictions = predictions
        self.labels = labels
        self.classes = classes
        self.decoding = decoding
        self.checkpoint = checkpoint
    }

    /// Reads a run folder (`RunFolder`): `checkpoint.ckpt` (the classes and the model),
    /// `predictions.npy` and `labels.npy` (int64, one per test image), and `metrics.json` when
    /// present (its `decode`). A folder without a checkpoint (a run of another trainer, such as
    /// the exported PyTorch recipe) is read with the classes of `classes.txt`, else of
    /// `metrics.json`'s `classes`, and ``checkpoint`` `nil`.
    ///
    /// - Throws: `ExplicableError` naming the file that is missing or malformed.
    public static func read(_ url: URL) throws(ExplicableError) -> ComparedRun {
        let folder = RunFolder(url)
        let checkpoint: Checkpoint?
        let classes: ClassSet
        if folder.contains(.checkpoint) || !folder.contains(.predictions) {
            checkpoint = try folder.readCheckpoint()
            classes = checkpoint!.header.configuration.classes
        } else {
            guard let labels = try folder.readClassLabels() else {
                throw ExplicableError(
                    .missingData,
                    "missing, and no classes.txt or metrics.json 'classes' gives the class order of the predictions",
                    file: folder.file(.checkpoint).path)
            }
            checkpoint = nil
            do { classes = try ClassSet(name: folder.name, labels: labels) } catch {
                let hasList = FileManager.default.fileExists(atPath: folder.classList.path)
                let source = hasList ? folder.classList : folder.file(.metrics)
                throw ExplicableError(error.kind, error.message, file: source.path)
            }
        }
        let predictions = try folder.readClassVector(.predictions, classCount: classes.count)
        let labels = try folder.readClassVector(.labels, classCount: classes.count)
        guard predictions.count == labels.count else {
            throw ExplicableError.badInput(
                "\(predictions.count) predictions for \(labels.count) labels (labels.npy)",
                file: folder.file(.predictions).path)
        }
        return ComparedRun(
            name: folder.name, predictions: predictions, labels: labels.map(Int32.init), classes: classes,
            decoding: try folder.readDecoding(), checkpoint: checkpoint)
    }
}

/// A model of a comparison: one run, or several runs of one recipe with different seeds.
public struct ComparedModel: Sendable {
    public var name: String
    public var runs: [ComparedRun]

    public init(name: String, runs: [ComparedRun]) {
        self.name = name
        self.runs = runs
    }
}
