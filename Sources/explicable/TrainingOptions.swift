public import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Training
import WordNet

/// Where the training and test data come from.
struct DataOptions: ParsableArguments {
    enum DatasetName: String, ExpressibleByArgument, CaseIterable { case cifar10, cifar100, features }
    enum Granularity: String, ExpressibleByArgument, CaseIterable { case fine, coarse }

    @OptionGroup var dataFolder: DataFolderOptions

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
        if labels == .coarse && dataset != .cifar100 {
            throw ValidationError("--labels coarse needs --dataset cifar100")
        }
        if let testSubset, testSubset < 1 { throw ValidationError("--test-subset must be positive") }
    }

    /// The data folder, and the folder of the CIFAR files (the folder itself when it holds them).
    func folders() -> (root: DataFolder, cifar: URL) {
        let folder = dataFolder.folder
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
        case .cifar100:
            return try DatasetReader.cifar100(folder: folders().cifar, split: split, coarse: labels == .coarse)
        case .features:
            let (x, y) = split == .train ? (features!, featureLabels!) : (testFeatures!, testFeatureLabels!)
            return try DatasetReader.features(
                features: URL(fileURLWithPath: x), labels: URL(fileURLWithPath: y), classes: featureClasses())
        }
    }

    /// The test split; a stratified subset of `subset` samples when given (default `--test-subset`).
    func loadTest(subset: Int?? = nil, seed: UInt64) throws(ExplicableError) -> Dataset {
        let test = try load(.test)
        let n = subset ?? testSubset
        return try n.map { n throws(ExplicableError) in try test.stratifiedSubset(n, seed: seed &+ 1) } ?? test
    }
}

/// Options of commands that resolve `--matrix` / `--eval-matrix` names.
struct MatrixOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Whether a --matrix/--eval-matrix file holds similarities or distances.", valueName: "kind"))
    var matrixKind: ClassMatrix.Kind = .similarity

    @OptionGroup var lmfOptions: LMFOptions
    @OptionGroup var store: StoreOptions

    /// Resolves a matrix name over the data's classes: any spelling of ``MatrixSource`` (`chl`,
    /// `wordnet:MEASURE`, `FILE.npy`, `likert:STUDY`, a stored name …), built exactly as
    /// `matrix build` would build it.
    func resolve(_ name: String, data: DataOptions, classes: ClassSet) throws(ExplicableError) -> ClassMatrix {
        let store = store
        var builder = matrixBuilder(
            openStore: { () throws(ExplicableError) in try store.openIfPresent() }, data: data.folders().root,
            lmf: lmfOptions)
        builder.missingStorePath = store.db
        return try builder.matrix(named: name, over: classes, fileKind: matrixKind)
    }

    /// The matrix that `compare` and `report` evaluate runs under: `--eval-matrix`, else the first
    /// run's training matrix (from its checkpoint), else the paper's CHL. Returns its name too.
    func evaluation(_ evalMatrix: String?, for first: ComparedRun, data: DataOptions)
        throws(ExplicableError) -> (name: String, matrix: EvaluationMatrix)
    {
        let name = evalMatrix ?? first.checkpoint?.header.configuration.lossMatrix ?? "chl"
        return (name, try EvaluationMatrix(resolve(name, data: data, classes: first.classes), classes: first.classes))
    }
}

extension ClassMatrix.Kind: ExpressibleByArgument {}
extension Decoding: ExpressibleByArgument {}

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
