public import ExplicableCore
public import Foundation

/// A training run's folder: what `explicable train --out DIR` (and the demo, and the exported
/// PyTorch recipe) write, and what `compare`, `report` and `evaluate` read.
///
/// A run of another trainer (the PyTorch recipe of `matrix export --torch`) has no
/// `checkpoint.ckpt`; its classes come from `classes.txt` (or `metrics.json`), see ``readClassLabels()``.
///
/// | file | contents |
/// |---|---|
/// | `checkpoint.ckpt` | the model, optimiser state and the whole ``TrainingConfiguration`` |
/// | `predictions.npy` | int64, the decoded prediction of every test sample, in test order |
/// | `probabilities.npy` | float32 N×C, softmax probabilities, classes in the model's order |
/// | `labels.npy` | int64, the true class of every test sample |
/// | `metrics.json` | ``Metrics`` in snake case, per-class accuracy, confusion, classes, decode |
/// | `history.jsonl` | one ``HistoryPoint`` per epoch (a resumed run appends) |
/// | `classes.txt` | runs of other trainers only: the class labels in the model's order, one a line |
///
/// ```swift
/// let folder = RunFolder(URL(fileURLWithPath: "runs/wlf"))
/// try folder.create()
/// try folder.writeEvaluation(final, test: test, extra: ["decode": "argmax"])
/// let (predictions, labels) = (try folder.readClassVector(.predictions, classCount: 10),
///                              try folder.readClassVector(.labels, classCount: 10))
/// ```
public struct RunFolder: Sendable, Equatable {
    /// The folder.
    public let url: URL

    /// The files of a run folder.
    public enum File: String, Sendable, CaseIterable {
        case checkpoint = "checkpoint.ckpt"
        case predictions = "predictions.npy"
        case probabilities = "probabilities.npy"
        case labels = "labels.npy"
        case metrics = "metrics.json"
        case history = "history.jsonl"
    }

    /// `classes.txt`: the class order of a run that has no checkpoint (one label a line).
    public var classList: URL { url.appendingPathComponent("classes.txt") }

    public init(_ url: URL) { self.url = url }

    /// The run's name: the folder's last path component.
    public var name: String { url.standardizedFileURL.lastPathComponent }

    /// The URL of one of the run's files.
    public func file(_ file: File) -> URL { url.appendingPathComponent(file.rawValue) }

    /// Whether the folder holds `file`.
    public func contains(_ file: File) -> Bool { FileManager.default.fileExists(atPath: self.file(file).path) }

    /// Creates the folder (and its parents) if it does not exist.
    public func create() throws(ExplicableError) {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: url.path)
        }
    }

    /// Removes the folder with everything in it, then creates it empty.
    public func recreate() throws(ExplicableError) {
        try? FileManager.default.removeItem(at: url)
        try create()
    }

    // MARK: Writing

    /// Appends one epoch to `history.jsonl`, creating the file.
    public func appendHistory(_ report: EpochReport, test: Metrics) throws(ExplicableError) {
        try Self.append(RunFolder.historyLine(report, test: test), to: file(.history))
    }

    /// Writes `predictions.npy`, `probabilities.npy`, `labels.npy` and `metrics.json`.
    ///
    /// - Parameters:
    ///   - evaluation: the model's predictions, probabilities and metrics on `test`.
    ///   - test: the test set they are for (its labels and class order are written too).
    ///   - extra: more `metrics.json` keys, e.g. `decode` and `eval_matrix` (`nil` → JSON null).
    public func writeEvaluation(_ evaluation: Evaluation, test: Dataset, extra: [String: String?] = [:])
        throws(ExplicableError)
    {
        let c = test.classes.count
        try NPYArray(shape: [evaluation.predictions.count], storage: .int64(evaluation.predictions.map(Int64.init)))
            .write(to: file(.predictions))
        try NPYArray(shape: [test.count, c], storage: .float32(evaluation.probabilities)).write(
            to: file(.probabilities))
        try NPYArray(shape: [test.count], storage: .int64(test.labels.map(Int64.init))).write(to: file(.labels))
        var object = evaluation.metrics.jsonObject
        object["per_class_accuracy"] = evaluation.metrics.perClassAccuracy
        object["confusion"] = evaluation.metrics.confusion
        object["classes"] = test.classes.labels
        for (k, v) in extra { object[k] = v.map { $0 as Any } ?? NSNull() }
        let url = file(.metrics)
        do { try Data(Self.jsonLine(object).utf8).write(to: url, options: .atomic) } catch {
            throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
        }
    }

    // MARK: Reading

    /// The checkpoint, or an error saying the folder is not a run folder.
    public func readCheckpoint() throws(ExplicableError) -> Checkpoint {
        try Checkpoint.read(try existing(.checkpoint))
    }

    /// A 1-D int64 vector of class indices (`predictions.npy` or `labels.npy`), each in `0..<classCount`.
    public func readClassVector(_ file: File, classCount: Int) throws(ExplicableError) -> [Int] {
        let url = try existing(file)
        let array = try NPYArray.read(url)
        guard array.shape.count == 1, case .int64(let values) = array.storage else {
            throw ExplicableError.badInput(
                "expected a 1-D int64 array, found \(array.storage.descriptor) of shape \(array.shape)", file: url.path)
        }
        if let bad = values.firstIndex(where: { $0 < 0 || $0 >= Int64(classCount) }) {
            throw ExplicableError.badInput(
                "entry \(bad) is \(values[bad]), not a class index of the model's \(classCount) classes", file: url.path
            )
        }
        return values.map { Int($0) }
    }

    /// The class labels in the model's order from `classes.txt` (one a line; blank lines are
    /// skipped), else from `metrics.json`'s `classes`; `nil` when the folder has neither.
    ///
    /// - Throws: `ExplicableError` naming the file when it is unreadable or lists no class.
    public func readClassLabels() throws(ExplicableError) -> [String]? {
        let text = classList
        if FileManager.default.fileExists(atPath: text.path) {
            guard let content = try? String(contentsOf: text, encoding: .utf8) else {
                throw ExplicableError(.io, "cannot read file as UTF-8", file: text.path)
            }
            let labels = content.split(whereSeparator: \.isNewline).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            guard !labels.isEmpty else { throw ExplicableError.badInput("lists no class", file: text.path) }
            return labels
        }
        let metrics = file(.metrics)
        guard FileManager.default.fileExists(atPath: metrics.path) else { return nil }
        guard let data = try? Data(contentsOf: metrics),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw ExplicableError.badInput("not a JSON object", file: metrics.path) }
        guard let value = object["classes"] else { return nil }
        guard let labels = value as? [String], !labels.isEmpty else {
            throw ExplicableError.badInput("'classes' must be a non-empty array of labels", file: metrics.path)
        }
        return labels
    }

    /// The decoding `metrics.json` names (`argmax` when the file or the key is absent).
    public func readDecoding() throws(ExplicableError) -> Decoding {
        let url = file(.metrics)
        guard FileManager.default.fileExists(atPath: url.path) else { return .argmax }
        guard let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw ExplicableError.badInput("not a JSON object", file: url.path) }
        guard let name = object["decode"] as? String else { return .argmax }
        guard let decoding = Decoding(rawValue: name) else {
            throw ExplicableError.badInput("unknown decode '\(name)'", file: url.path)
        }
        return decoding
    }

    /// The epochs of `history.jsonl` (`[]` when the run has none).
    ///
    /// - Throws: `ExplicableError` naming the file and line when a line is not an epoch record.
    public func readHistory() throws(ExplicableError) -> [HistoryPoint] {
        let url = file(.history)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        var points: [HistoryPoint] = []
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let epoch = object["epoch"] as? Int, let loss = object["train_loss"] as? Double
            else {
                throw ExplicableError.badInput("not an epoch record (epoch, train_loss)", file: url.path, line: n + 1)
            }
            let test = object["test"] as? [String: Any]
            points.append(HistoryPoint(epoch: epoch, trainLoss: loss, testTop1: test?["top1"] as? Double))
        }
        return points
    }

    private func existing(_ file: File) throws(ExplicableError) -> URL {
        let url = self.file(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ExplicableError(
                .missingData, "missing (not a run folder of 'explicable train --out')", file: url.path)
        }
        return url
    }

    // MARK: JSON

    /// One `history.jsonl` line: the epoch report and the test metrics after it.
    public static func historyLine(_ report: EpochReport, test: Metrics) -> String {
        jsonLine([
            "epoch": report.epoch, "step": report.step, "train_loss": report.trainLoss,
            "train_accuracy": report.trainAccuracy, "learning_rate": report.learningRate, "seconds": report.seconds,
            "samples_per_second": report.samplesPerSecond, "test": test.jsonObject,
        ])
    }

    /// One line of JSON with sorted keys, ending in a line feed.
    public static func jsonLine(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Appends `line` (which ends in a line feed) to `url`, creating the file.
    public static func append(_ line: String, to url: URL) throws(ExplicableError) {
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
}

/// One epoch of a run's `history.jsonl`: for training curves.
public struct HistoryPoint: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var testTop1: Double?

    public init(epoch: Int, trainLoss: Double, testTop1: Double?) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.testTop1 = testTop1
    }
}

/// A model's predictions on a test set, with its probabilities and metrics.
public struct Evaluation: Sendable {
    /// The decoded prediction of every sample, in data-set order.
    public var predictions: [Int]
    /// N×C softmax probabilities, row-major.
    public var probabilities: [Float]
    public var metrics: Metrics

    /// Evaluates `model` on `test`.
    ///
    /// - Parameters:
    ///   - model: the trained network (evaluated without changing it).
    ///   - test: the samples to evaluate, in order.
    ///   - normalization: the per-channel normalisation the model was trained with.
    ///   - matrix: the matrix of the mistake metrics (severity, explicable rate), if any.
    ///   - threshold: similarity at or above which a mistake is explicable.
    ///   - decoding: how predictions are read off the probabilities.
    public init(
        model: Sequential, test: Dataset, normalization: Normalization, matrix: EvaluationMatrix?,
        threshold: Double, decoding: Decoding
    ) {
        self.init(
            probabilities: Evaluator.probabilities(model: model, dataset: test, normalization: normalization),
            test: test, matrix: matrix, threshold: threshold, decoding: decoding)
    }

    /// The evaluation of probabilities already computed for `test` (N×C, row-major, in its order).
    public init(
        probabilities: [Float], test: Dataset, matrix: EvaluationMatrix?, threshold: Double, decoding: Decoding
    ) {
        self.probabilities = probabilities
        (predictions, metrics) = Metrics.evaluate(
            probabilities: probabilities, labels: test.labels, classCount: test.classes.count, matrix: matrix,
            threshold: threshold, decoding: decoding)
    }
}

extension Metrics {
    /// The metrics as a JSON object (keys in snake case; absent metrics are left out).
    public var jsonObject: [String: Any] {
        var o: [String: Any] = ["count": count, "top1": top1, "top5": top5, "mistakes": mistakes]
        if let v = mistakeSeverity { o["mistake_severity"] = v }
        if let v = explicableMistakeRate { o["explicable_mistake_rate"] = v }
        if let v = threshold { o["threshold"] = v }
        if let v = hierarchicalDistanceAt1 { o["hierarchical_distance_at_1"] = v }
        if let v = hierarchicalDistanceAt5 { o["hierarchical_distance_at_5"] = v }
        return o
    }

    /// A one-line human summary: `top-1 81.20%  top-5 98.90%  severity 1.230  explicable 45.6%  hd@1 … hd@5 …`.
    public var summary: String {
        var s = String(format: "top-1 %.2f%%  top-5 %.2f%%", 100 * top1, 100 * top5)
        if let v = mistakeSeverity { s += String(format: "  severity %.3f", v) }
        if let v = explicableMistakeRate { s += String(format: "  explicable %.1f%%", 100 * v) }
        if let a = hierarchicalDistanceAt1, let b = hierarchicalDistanceAt5 {
            s += String(format: "  hd@1 %.3f  hd@5 %.3f", a, b)
        }
        return s
    }
}
