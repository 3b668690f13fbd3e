public import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Training
import WordNet

/// Runs `body` like ``reportingErrors(_:)``, also turning a ``TrainingError`` into one line and exit 1.
func reportingTrainingErrors<T>(_ body: () throws -> T) throws -> T {
    try reportingErrors {
        do { return try body() } catch let error as TrainingError {
            printError("Error: \(error.description)")
            throw ExitCode(1)
        }
    }
}

/// Where the training and test data come from.
struct DataOptions: ParsableArguments {
    enum DatasetName: String, ExpressibleByArgument, CaseIterable { case cifar10, cifar100, features }
    enum Granularity: String, ExpressibleByArgument, CaseIterable { case fine, coarse }

    @Option(
        help: ArgumentHelp(
            "Data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable), or the folder holding the CIFAR batches.",
            valueName: "dir"))
    var data: String?

    @Option(help: "cifar10, cifar100 or features (.npy vectors, see --features).")
    var dataset: DatasetName = .cifar10

    @Option(help: "CIFAR-100 labels: fine (100 classes) or coarse (20 superclasses).")
    var labels: Granularity = .fine

    @Option(help: ArgumentHelp("Training features, N×D float32 .npy (--dataset features).", valueName: "file"))
    var features: String?

    @Option(help: ArgumentHelp("Training labels, N int64 or uint8 .npy (--dataset features).", valueName: "file"))
    var featureLabels: String?

    @Option(help: ArgumentHelp("Test features, M×D float32 .npy (--dataset features).", valueName: "file"))
    var testFeatures: String?

    @Option(help: ArgumentHelp("Test labels, M int64 or uint8 .npy (--dataset features).", valueName: "file"))
    var testFeatureLabels: String?

    @Option(
        help: ArgumentHelp(
            "Class set (TSV or cifar10/cifar100/imagenet1k) of --dataset features and of a --matrix/--eval-matrix .npy file.",
            valueName: "tsv"))
    var classes: String?

    @Option(help: ArgumentHelp("Use a stratified subset of this many test samples.", valueName: "n"))
    var testSubset: Int?

    func validateData() throws {
        if dataset == .features {
            guard features != nil, featureLabels != nil, testFeatures != nil, testFeatureLabels != nil else {
                throw ValidationError(
                    "--dataset features needs --features, --feature-labels, --test-features and --test-feature-labels")
            }
        } else if features != nil || featureLabels != nil || testFeatures != nil || testFeatureLabels != nil {
            throw ValidationError("--features and its companions need --dataset features")
        }
        if labels == .coarse && dataset != .cifar100 { throw ValidationError("--labels coarse needs --dataset cifar100") }
        if let testSubset, testSubset < 1 { throw ValidationError("--test-subset must be positive") }
    }

    /// The data folder, and the folder of the CIFAR files (the folder itself when it holds them).
    func folders() -> (root: DataFolder, cifar: URL) {
        let folder = DataFolder.resolve(data)
        let (name, marker) =
            dataset == .cifar100
            ? (DatasetReader.cifar100Folder, "train.bin") : (DatasetReader.cifar10Folder, "data_batch_1.bin")
        if FileManager.default.fileExists(atPath: folder.file(marker).path) {
            return (DataFolder(url: folder.url.deletingLastPathComponent()), folder.url)
        }
        return (folder, folder.file(name))
    }

    /// The class set of `--dataset features`: `--classes`, else "0" … "C−1" from the labels.
    private func featureClasses() throws(ExplicableError) -> ClassSet {
        if let classes { return try ClassSetCatalog.load(classes) }
        let count = max(
            try DatasetReader.classCount(labels: URL(fileURLWithPath: featureLabels!)),
            try DatasetReader.classCount(labels: URL(fileURLWithPath: testFeatureLabels!)))
        return try ClassSet(name: "features", labels: (0..<max(count, 1)).map(String.init))
    }

    /// Reads one split, checking all of it.
    func load(_ split: Split) throws(ExplicableError) -> Dataset {
        switch dataset {
        case .cifar10: return try DatasetReader.cifar10(folder: folders().cifar, split: split)
        case .cifar100: return try DatasetReader.cifar100(folder: folders().cifar, split: split, coarse: labels == .coarse)
        case .features:
            let (x, y) = split == .train ? (features!, featureLabels!) : (testFeatures!, testFeatureLabels!)
            return try DatasetReader.features(
                features: URL(fileURLWithPath: x), labels: URL(fileURLWithPath: y), classes: featureClasses())
        }
    }

    /// The test split, subset when asked.
    func loadTest(seed: UInt64) throws(ExplicableError) -> Dataset {
        let test = try load(.test)
        return try testSubset.map { n throws(ExplicableError) in try test.stratifiedSubset(n, seed: seed &+ 1) } ?? test
    }
}

/// Options naming a class matrix.
struct MatrixOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Whether a --matrix/--eval-matrix .npy file holds similarities or distances.", valueName: "kind"))
    var matrixKind: ClassMatrix.Kind = .similarity

    @Option(name: .customLong("lmf"), help: ArgumentHelp("WordNet LMF file for wordnet:MEASURE matrices.", valueName: "path"))
    var lmf: String?

    @Option(help: ArgumentHelp("The label store that --matrix/--eval-matrix NAME is looked up in.", valueName: "path"))
    var db = "explicable.sqlite"
}

extension ClassMatrix.Kind: ExpressibleByArgument {}
extension Decoding: ExpressibleByArgument {}

/// Resolves a `--matrix` / `--eval-matrix` value to a matrix over the data set's classes.
///
/// This is the one place matrix names are interpreted:
/// - `chl`: the paper's published CIFAR-10 CHL matrix, `paper/cifar10_CHL_cmat.npy` in the data
///   folder (similarities 0–4, rows = true class, columns = predicted class);
/// - `wordnet:MEASURE`: computed from the Open English WordNet for the data set's classes
///   (`path`, `wup`, `lch`, `lca-height`, `res`, `lin`, `jcn`), as `explicable wordnet matrix` does;
/// - a path to a `.npy` file: a C×C array over `--classes` (`--matrix-kind` says which form).
///
/// - any other name: a matrix stored with `explicable matrix build|import` in the label store `--db`.
func resolveMatrix(
    _ spec: String, data: DataOptions, options: MatrixOptions, classes: ClassSet
) throws(ExplicableError) -> ClassMatrix {
    let matrix: ClassMatrix
    if spec == "chl" {
        let url = try data.folders().root.locate(
            ["paper/cifar10_CHL_cmat.npy"], what: "the paper's CHL matrix (cifar10_CHL_cmat.npy)",
            fetchHint: "copy cifar10_CHL_cmat.npy from the authors' repository aOlmo/weighted-misclassifications")
        let cifar10 = try ClassSet(name: "cifar10", labels: DatasetReader.cifar10Labels)
        matrix = try readMatrixFile(url, classes: cifar10, kind: .similarity, source: "chl (Olmo et al., published)")
    } else if spec.hasPrefix("wordnet:") {
        let name = String(spec.dropFirst("wordnet:".count))
        guard let measure = Measure(rawValue: name) else {
            throw ExplicableError(
                .invalidArgument,
                "unknown WordNet measure '\(name)' in '\(spec)' (expected one of: "
                    + Measure.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        // The data set's classes carry no synsets; take them from the class set of the same name.
        var withSynsets = classes
        if classes.synsets.allSatisfy({ $0 == nil }) {
            withSynsets = try ClassSetCatalog.load(data.classes ?? classes.name)
        }
        let lmf = try OpenEnglishWordNet.locateOrFetch(
            lmf: options.lmf, data: data.folders().root,
            allowDownload: ProcessInfo.processInfo.environment["EXPLICABLE_OFFLINE"] != "1",
            notice: { printError($0) })
        let taxonomy = Taxonomy(try LMFReader.read(lmf))
        let calculator = SimilarityCalculator(taxonomy: taxonomy, informationContent: measure.usesInformationContent)
        matrix = try calculator.matrix(measure, classes: withSynsets)
    } else if spec.hasSuffix(".npy") {
        guard let classesName = data.classes else {
            throw ExplicableError(.invalidArgument, "--matrix \(spec) needs --classes TSV naming its rows and columns")
        }
        matrix = try readMatrixFile(
            URL(fileURLWithPath: spec), classes: try ClassSetCatalog.load(classesName), kind: options.matrixKind,
            source: spec)
    } else if FileManager.default.fileExists(atPath: options.db) {
        matrix = try LabelStore(path: options.db).matrix(named: spec).matrix
    } else {
        throw ExplicableError(
            .invalidArgument,
            "unknown matrix '\(spec)': use chl, wordnet:MEASURE, FILE.npy with --classes TSV, or the name of a matrix "
                + "in the label store (there is no store at \(options.db); give --db)")
    }
    guard matrix.classes.labels == classes.labels else {
        throw ExplicableError(
            .invalidArgument,
            "matrix '\(spec)' is over \(matrix.count) classes (\(matrix.classes.labels.prefix(3).joined(separator: ", ")) …), "
                + "the data over \(classes.count) (\(classes.labels.prefix(3).joined(separator: ", ")) …)")
    }
    return matrix
}

/// Reads a C×C `.npy` matrix over `classes`.
private func readMatrixFile(_ url: URL, classes: ClassSet, kind: ClassMatrix.Kind, source: String)
    throws(ExplicableError) -> ClassMatrix
{
    let array = try NPYArray.read(url)
    guard array.shape == [classes.count, classes.count] else {
        throw ExplicableError.badInput(
            "matrix shape \(array.shape) does not fit the \(classes.count) classes (expected [\(classes.count), \(classes.count)])",
            file: url.path)
    }
    let values = array.doubles
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw ExplicableError.badInput(
            "row \(bad / classes.count), column \(bad % classes.count) is \(values[bad]) (must be finite)", file: url.path)
    }
    return ClassMatrix(classes: classes, kind: kind, values: values, provenance: .init(source: source))
}

/// The JSON object of a set of metrics (keys in snake case; absent metrics are left out).
func metricsObject(_ m: Metrics) -> [String: Any] {
    var o: [String: Any] = ["count": m.count, "top1": m.top1, "top5": m.top5, "mistakes": m.mistakes]
    if let v = m.mistakeSeverity { o["mistake_severity"] = v }
    if let v = m.explicableMistakeRate { o["explicable_mistake_rate"] = v }
    if let v = m.threshold { o["threshold"] = v }
    if let v = m.hierarchicalDistanceAt1 { o["hierarchical_distance_at_1"] = v }
    if let v = m.hierarchicalDistanceAt5 { o["hierarchical_distance_at_5"] = v }
    return o
}

/// One line of JSON with sorted keys.
func jsonLine(_ object: [String: Any]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// A human summary of metrics: `top-1 81.2%  top-5 98.9%  severity 1.23  explicable 45.6%  hd@1 … hd@5 …`.
func metricsSummary(_ m: Metrics) -> String {
    var s = String(format: "top-1 %.2f%%  top-5 %.2f%%", 100 * m.top1, 100 * m.top5)
    if let v = m.mistakeSeverity { s += String(format: "  severity %.3f", v) }
    if let v = m.explicableMistakeRate { s += String(format: "  explicable %.1f%%", 100 * v) }
    if let a = m.hierarchicalDistanceAt1, let b = m.hierarchicalDistanceAt5 { s += String(format: "  hd@1 %.3f  hd@5 %.3f", a, b) }
    return s
}

/// Evaluates `model` on `test`, returning the predictions, the probabilities and the metrics.
func evaluate(
    model: Sequential, test: Dataset, normalization: Normalization, matrix: EvaluationMatrix?, threshold: Double,
    decoding: Decoding
) -> (predictions: [Int], probabilities: [Float], metrics: Metrics) {
    let p = Evaluator.probabilities(model: model, dataset: test, normalization: normalization)
    let (predictions, metrics) = Metrics.evaluate(
        probabilities: p, labels: test.labels, classCount: test.classes.count, matrix: matrix, threshold: threshold,
        decoding: decoding)
    return (predictions, p, metrics)
}

/// Writes `predictions.npy` (int64), `probabilities.npy` (float32 N×C), `labels.npy` (int64) and
/// `metrics.json` into `folder`.
func writeEvaluation(
    to folder: URL, predictions: [Int], probabilities: [Float], test: Dataset, metrics: Metrics,
    extra: [String: Any] = [:]
) throws(ExplicableError) {
    let c = test.classes.count
    try NPYArray(shape: [predictions.count], storage: .int64(predictions.map(Int64.init)))
        .write(to: folder.appendingPathComponent("predictions.npy"))
    try NPYArray(shape: [test.count, c], storage: .float32(probabilities))
        .write(to: folder.appendingPathComponent("probabilities.npy"))
    try NPYArray(shape: [test.count], storage: .int64(test.labels.map(Int64.init)))
        .write(to: folder.appendingPathComponent("labels.npy"))
    var object = metricsObject(metrics)
    object["per_class_accuracy"] = metrics.perClassAccuracy
    object["confusion"] = metrics.confusion
    object["classes"] = test.classes.labels
    for (k, v) in extra { object[k] = v }
    let url = folder.appendingPathComponent("metrics.json")
    do { try Data(jsonLine(object).utf8).write(to: url, options: .atomic) } catch {
        throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
    }
}

/// A one-line training progress display on stderr, drawn only when stderr is a terminal.
final class TrainingProgress {
    private var lastDrawn = Date.distantPast
    private var drawn = false

    func update(_ r: BatchReport, epochs: Int) {
        guard stderrIsTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.2 || r.batch == r.batchesPerEpoch else { return }
        lastDrawn = now
        drawn = true
        let eta = Int(r.secondsLeft.rounded())
        let line = String(
            format: "\repoch %d/%d  batch %d/%d  loss %.4f  acc %.1f%%  %.0f img/s  ETA %d:%02d:%02d ",
            r.epoch, epochs, r.batch, r.batchesPerEpoch, r.loss, 100 * r.accuracy, r.samplesPerSecond, eta / 3600,
            eta / 60 % 60, eta % 60)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func endLine() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drawn = false
    }
}
