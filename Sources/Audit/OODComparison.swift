public import ExplicableCore
public import Foundation
import Semantics
public import Training

/// A model to run on out-of-distribution images.
public struct OODModel {
    public var name: String
    public var model: Sequential
    public var normalization: Normalization
    public var decoding: Decoding

    public init(name: String, model: Sequential, normalization: Normalization, decoding: Decoding = .argmax) {
        self.name = name
        self.model = model
        self.normalization = normalization
        self.decoding = decoding
    }

    /// The run's trained model (from its checkpoint), with the run's own normalisation and decoding.
    /// - Throws: `ExplicableError` when the run has no checkpoint or it is not an image model.
    public init(run: ComparedRun) throws(ExplicableError) {
        guard let checkpoint = run.checkpoint else {
            throw ExplicableError(.invalidArgument, "run \(run.name) has no checkpoint to evaluate out of distribution")
        }
        let configuration = checkpoint.header.configuration
        guard configuration.sampleShape == [3, 32, 32] else {
            throw ExplicableError(
                .invalidArgument,
                "run \(run.name): --ood needs a 32×32 image model, its samples have shape \(configuration.sampleShape)")
        }
        self.init(
            name: run.name, model: try checkpoint.makeModel(), normalization: configuration.normalization,
            decoding: run.decoding)
    }
}

/// An extra out-of-distribution test set: `DATA/ood/NAME/images.npy` (N×32×32×3 uint8,
/// interleaved RGB, rows top first) and `labels.npy` (N int64 or uint8 class indices, in the
/// models' class order).
public struct OODSet: Sendable {
    public var name: String
    public var dataset: Dataset

    public init(name: String, dataset: Dataset) {
        self.name = name
        self.dataset = dataset
    }

    /// Reads every subfolder of `folder` (usually `DATA/ood`), sorted by name; none when `folder` is absent.
    /// - Throws: `ExplicableError` naming the file that is missing or malformed.
    public static func readAll(in folder: URL, classes: ClassSet) throws(ExplicableError) -> [OODSet] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            return []
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw ExplicableError(.io, "cannot list: \(error.localizedDescription)", file: folder.path)
        }
        var sets: [OODSet] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let sub = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: sub.path, isDirectory: &isFolder), isFolder.boolValue else {
                continue
            }
            sets.append(try read(sub, classes: classes))
        }
        return sets
    }

    /// Reads one set folder.
    public static func read(_ folder: URL, classes: ClassSet) throws(ExplicableError) -> OODSet {
        let imagesURL = folder.appendingPathComponent("images.npy")
        let labelsURL = folder.appendingPathComponent("labels.npy")
        for url in [imagesURL, labelsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw ExplicableError(.missingData, "missing (an OOD set holds images.npy and labels.npy)", file: url.path)
        }
        let images = try NPYArray.read(imagesURL)
        guard images.shape.count == 4, images.shape[1...] == [32, 32, 3], case .uint8(let rgb) = images.storage else {
            throw ExplicableError.badInput(
                "expected N×32×32×3 uint8 images, found \(images.storage.descriptor) of shape \(images.shape)",
                file: imagesURL.path)
        }
        let labels = try NPYArray.read(labelsURL)
        let values: [Int64]
        switch labels.storage {
        case .int64(let v): values = v
        case .uint8(let v): values = v.map(Int64.init)
        default: values = []
        }
        guard labels.shape.count == 1, values.count == labels.shape[0] else {
            throw ExplicableError.badInput(
                "expected N int64 or uint8 labels, found \(labels.storage.descriptor) of shape \(labels.shape)",
                file: labelsURL.path)
        }
        guard values.count == images.shape[0] else {
            throw ExplicableError.badInput(
                "\(values.count) labels for \(images.shape[0]) images (images.npy)", file: labelsURL.path)
        }
        if let bad = values.firstIndex(where: { $0 < 0 || $0 >= Int64(classes.count) }) {
            throw ExplicableError.badInput(
                "label \(bad) is \(values[bad]), not in 0..<\(classes.count)", file: labelsURL.path)
        }
        return OODSet(
            name: folder.lastPathComponent,
            dataset: Dataset(
                source: folder.path, samples: .images(planar(rgb)), labels: values.map { Int32($0) }, classes: classes))
    }
}

/// Interleaved RGB (N×32×32×3) to the channel planes `Dataset` keeps (N×3×32×32).
func planar(_ rgb: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: rgb.count)
    let pixels = 32 * 32
    for image in 0..<(rgb.count / (3 * pixels)) {
        let base = image * 3 * pixels
        for p in 0..<pixels {
            for c in 0..<3 { out[base + c * pixels + p] = rgb[base + p * 3 + c] }
        }
    }
    return out
}

/// Channel planes (N×3×32×32) to interleaved RGB (N×32×32×3), as ``Corruption`` takes them.
func interleaved(_ planes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: planes.count)
    let pixels = 32 * 32
    for image in 0..<(planes.count / (3 * pixels)) {
        let base = image * 3 * pixels
        for p in 0..<pixels {
            for c in 0..<3 { out[base + p * 3 + c] = planes[base + c * pixels + p] }
        }
    }
    return out
}

/// Accuracy and mistake metrics of several models on corrupted test images (CIFAR-10-C
/// corruptions, ``Corruption``) and on extra out-of-distribution sets.
public struct OODComparison: Sendable, Codable, Equatable {
    /// One model's metrics on one set of images (`Metrics`' definitions; averages of them for
    /// several severities or corruptions, undefined values left out of the average).
    public struct Score: Sendable, Codable, Equatable {
        public var top1: Double
        public var mistakeSeverity: Double?
        public var explicableMistakeRate: Double?

        /// The mean of `scores`, each metric over the scores that have it.
        public static func mean(_ scores: [Score]) -> Score {
            func average(_ x: [Double]) -> Double? { x.isEmpty ? nil : x.reduce(0, +) / Double(x.count) }
            return Score(
                top1: average(scores.map(\.top1)) ?? 0, mistakeSeverity: average(scores.compactMap(\.mistakeSeverity)),
                explicableMistakeRate: average(scores.compactMap(\.explicableMistakeRate)))
        }
    }

    /// The scores of every model (in ``models`` order) at one severity.
    public struct SeverityScores: Sendable, Codable, Equatable {
        public var severity: Int
        public var scores: [Score]
    }

    /// One corruption or extra set.
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        /// Images per evaluation.
        public var count: Int
        /// Per model: the mean over severities (a set's own score for an extra set).
        public var scores: [Score]
        /// Per severity (empty for an extra set).
        public var severities: [SeverityScores]
    }

    public var models: [String]
    /// Test images drawn (stratified, seeded) for the corruptions.
    public var images: Int
    public var seed: UInt64
    public var corruptions: [Entry]
    /// Extra sets from `DATA/ood`.
    public var sets: [Entry]
    /// Per model: the mean over corruptions of the per-corruption means.
    public var meanOverCorruptions: [Score]

    /// Corrupts a stratified subset of `test` once per corruption and severity and runs every model on it.
    ///
    /// - Parameters:
    ///   - models: image models over `test`'s classes.
    ///   - test: the clean test images.
    ///   - corruptions: the corruptions to apply (all of CIFAR-10-C's by default).
    ///   - severities: the severities of each, in 1…5.
    ///   - images: how many to draw (all when ≥ `test.count`); stratified by class with `seed`.
    ///   - seed: fixes the subset and the noise (corruption `k` at severity `s` uses `seed + 16k + s`).
    ///   - sets: extra sets, evaluated as they are.
    ///   - matrix: the evaluation matrix of the mistake metrics.
    ///   - threshold: similarity at or above which a mistake is explicable.
    /// - Throws: `ExplicableError` for a severity outside 1…5 or an image count below 1.
    public static func evaluate(
        models: [OODModel], test: Dataset, corruptions: [Corruption] = Corruption.allCases,
        severities: [Int] = [1, 2, 3, 4, 5], images: Int = 1000, seed: UInt64 = 0, sets: [OODSet] = [],
        matrix: EvaluationMatrix, threshold: Double = 2
    ) throws(ExplicableError) -> OODComparison {
        guard case .images = test.samples else {
            throw ExplicableError(.invalidArgument, "out-of-distribution evaluation needs images, not feature vectors")
        }
        guard images >= 1 else { throw ExplicableError(.invalidArgument, "--ood-images must be at least 1") }
        let subset = try test.stratifiedSubset(min(images, test.count), seed: seed)
        guard case .images(let planes) = subset.samples else { preconditionFailure("images") }
        let rgb = interleaved(planes)
        func scores(_ dataset: Dataset) -> [Score] {
            models.map { m in
                let p = Evaluator.probabilities(model: m.model, dataset: dataset, normalization: m.normalization)
                let metrics = Metrics.evaluate(
                    probabilities: p, labels: dataset.labels, classCount: dataset.classes.count, matrix: matrix,
                    threshold: threshold, decoding: m.decoding
                ).metrics
                return Score(
                    top1: metrics.top1, mistakeSeverity: metrics.mistakeSeverity,
                    explicableMistakeRate: metrics.explicableMistakeRate)
            }
        }
        var entries: [Entry] = []
        for corruption in corruptions {
            let k = UInt64(Corruption.allCases.firstIndex(of: corruption)!)
            var perSeverity: [SeverityScores] = []
            for severity in severities {
                let corrupted = try corruption.corrupt(
                    images: rgb, severity: severity, seed: seed &+ 16 &* k &+ UInt64(severity))
                let dataset = Dataset(
                    source: "\(subset.source) (\(corruption.rawValue) \(severity))",
                    samples: .images(planar(corrupted)),
                    labels: subset.labels, classes: subset.classes)
                perSeverity.append(SeverityScores(severity: severity, scores: scores(dataset)))
            }
            entries.append(
                Entry(
                    name: corruption.rawValue, count: subset.count,
                    scores: models.indices.map { i in Score.mean(perSeverity.map { $0.scores[i] }) },
                    severities: perSeverity))
        }
        let extra = sets.map { set in
            Entry(name: set.name, count: set.dataset.count, scores: scores(set.dataset), severities: [])
        }
        return OODComparison(
            models: models.map(\.name), images: subset.count, seed: seed, corruptions: entries, sets: extra,
            meanOverCorruptions: models.indices.map { i in Score.mean(entries.map { $0.scores[i] }) })
    }

    /// The table: one row per corruption (mean over severities), extra set and the mean over
    /// corruptions, one column group per model.
    public func table() -> Report.Table {
        var header = ["set"]
        for m in models { header += ["\(m) top-1", "\(m) severity", "\(m) explicable"] }
        func row(_ name: String, _ scores: [Score]) -> [String] {
            var r = [name]
            for s in scores {
                r += [
                    ModelComparison.format(s.top1, percent: true),
                    ModelComparison.format(s.mistakeSeverity, percent: false),
                    ModelComparison.format(s.explicableMistakeRate, percent: true),
                ]
            }
            return r
        }
        var rows = corruptions.map { row($0.name, $0.scores) }
        if !corruptions.isEmpty { rows.append(row("mean over corruptions", meanOverCorruptions)) }
        rows += sets.map { row("\($0.name) (\($0.count) images)", $0.scores) }
        let severities =
            corruptions.first.map { $0.severities.map { String($0.severity) }.joined(separator: ", ") } ?? ""
        return Report.Table(
            caption:
                "Out of distribution: \(images) test images (stratified, seed \(seed)) under each corruption, averaged "
                + "over severities \(severities); extra sets as they are.",
            header: header, rows: rows)
    }
}
