import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Testing
import TestSupport
import Training
import WordNet

// What `train` and `evaluate` do with a --matrix/--eval-matrix, on the library calls they make:
// ``MatrixBuilder/matrix(named:over:fileKind:)`` (the `matrix build --from` grammar), the losses,
// ``TrainingSession`` and ``Evaluation`` (moved here from explicableTests/TrainCommandTests, which
// keeps only the CLI). They live here because only this target sees Semantics, WordNet and Training.

/// A fixture of TrainingTests (small feature vectors over three classes).
func trainingFixture(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/\(name)")
}

/// The builder `train` resolves matrix names with: the real data folder, the mini WordNet.
func trainBuilder(store: LabelStore?, missingStorePath: String? = nil) -> MatrixBuilder {
    var builder = MatrixBuilder(
        store: store, data: DataFolder(url: sharedData),
        taxonomy: { () throws(ExplicableError) -> Taxonomy in Taxonomy(try LMFReader.read(fixtureFile("mini.xml"))) })
    builder.missingStorePath = missingStorePath
    return builder
}

/// The fixture features over `classes` (three classes of labels 0…2; the mini WordNet's set has four).
func features(classes: ClassSet) throws -> (train: Dataset, test: Dataset) {
    (
        try DatasetReader.features(
            features: trainingFixture("features-train.npy"),
            labels: trainingFixture("labels-train.npy"), classes: classes),
        try DatasetReader.features(
            features: trainingFixture("features-test.npy"),
            labels: trainingFixture("labels-test-u8.npy"), classes: classes)
    )
}

struct TrainWithMatricesLogicTests {
    func message(_ body: () throws(ExplicableError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func matrixNamesAreResolvedOrRefused() throws {
        let classes = try ClassSet.readTSV(trainingFixture("classes.tsv"))
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        let noStore = message { () throws(ExplicableError) in
            _ = try trainBuilder(store: nil, missingStorePath: db).matrix(named: "my-chl-v2", over: classes)
        }
        #expect(
            noStore?.contains("matrix 'my-chl-v2' is read from a label store, and there is no store at \(db)") == true,
            "\(noStore ?? "accepted")")
        // A matrix stored as `matrix import` stores it is found by name.
        let npy = try temporaryFolder().appendingPathComponent("m.npy")
        try NPYArray(shape: [3, 3], storage: .float64([4, 1, 0, 1, 4, 2, 0, 2, 4])).write(to: npy)
        let store = try LabelStore(path: db)
        try store.saveMatrix(
            StoredMatrix(name: "my-chl-v2", matrix: try MatrixFile.read(npy, classes: classes, kind: .similarity)))
        let found = try trainBuilder(store: store).matrix(named: "my-chl-v2", over: classes)
        #expect(found.values == [4, 1, 0, 1, 4, 2, 0, 2, 4])
        _ = try Loss.weighted(similarity: found.asSimilarity(), scale: 1, classes: classes)
        let unknown = message { () throws(ExplicableError) in
            _ = try trainBuilder(store: store).matrix(named: "nope", over: classes)
        }
        #expect(
            unknown?.contains("no matrix named 'nope' in the store (it has: my-chl-v2)") == true,
            "\(unknown ?? "accepted")")
        let measure = message { () throws(ExplicableError) in
            _ = try trainBuilder(store: nil).matrix(named: "wordnet:nope", over: classes)
        }
        #expect(measure?.contains("unknown WordNet measure 'nope'") == true, "\(measure ?? "accepted")")
    }

    /// soft-labels with wordnet:path over the mini WordNet's classes (dog, cat, Rex, companion):
    /// the hierarchical distances agree with the predictions written.
    @Test func wordnetMatrixForTheDataClasses() throws {
        let classes = try ClassSet.readTSV(fixtureFile("mini-classes.tsv"))
        let (train, test) = try features(classes: classes)
        let m = try trainBuilder(store: nil).matrix(named: "wordnet:path", over: classes)
        let config = TrainingConfiguration(
            architecture: .mlp,
            loss: try .softLabels(
                distance: m.asDistance(), beta: 4,
                classes: classes), epochs: 1, batchSize: 10, training: train)
        let out = try temporaryFolder().appendingPathComponent("run")
        let session = try TrainingSession(
            trainer: try Trainer(configuration: config, training: train), test: test,
            matrix: try EvaluationMatrix(m, classes: classes), threshold: 2, decoding: .argmax, folder: RunFolder(out))
        var epochMetrics: [Metrics] = []
        _ = try #require(try session.run(onEpoch: { _, metrics in epochMetrics.append(metrics) }))
        let metrics = try #require(epochMetrics.last)
        // Path similarity 1 / (1 + shortest path) on the mini WordNet, worked out by hand (see
        // WordNetTests/MeasureTests): dog–cat 1/3 (via animal), dog–Rex 1/2, dog–companion 1/2,
        // cat–Rex 1/4, cat–companion 1/7 (via entity), Rex–companion 1/3. Distances are 1 − s.
        let s: [Double] = [
            1, 1.0 / 3, 1.0 / 2, 1.0 / 2, 1.0 / 3, 1, 1.0 / 4, 1.0 / 7,
            1.0 / 2, 1.0 / 4, 1, 1.0 / 3, 1.0 / 2, 1.0 / 7, 1.0 / 3, 1,
        ]
        let d = s.map { 1 - $0 }
        let labels = test.labels.map(Int.init)
        let predictions = try RunFolder(out).readClassVector(.predictions, classCount: 4)
        #expect(labels.count == 30 && predictions.count == 30)
        // hd@1: the distance of each prediction; hd@5 (k ≥ 4 classes): the mean distance of the true class's row.
        let hd1 = zip(labels, predictions).map { d[$0 * 4 + $1] }.reduce(0, +) / 30
        let hd5 = labels.map { y in (0..<4).map { d[y * 4 + $0] }.reduce(0, +) / 4 }.reduce(0, +) / 30
        let printed1 = try #require(metrics.hierarchicalDistanceAt1)
        let printed5 = try #require(metrics.hierarchicalDistanceAt5)
        #expect(printed1.isApproximatelyEqual(to: hd1, relativeTolerance: 1e-9))
        #expect(printed5.isApproximatelyEqual(to: hd5, relativeTolerance: 1e-9))
    }

    /// wordnet:jcn is infinite on the diagonal; train resolves it as `matrix build --from wordnet:jcn`
    /// does (largest finite value on the diagonal) instead of failing as "not finite".
    @Test func jcnTrainsAsMatrixBuildStoresIt() throws {
        let classes = try ClassSet.readTSV(fixtureFile("mini-classes.tsv"))
        let m = try trainBuilder(store: nil).matrix(named: "wordnet:jcn", over: classes)
        let finite = m.values.allSatisfy { $0.isFinite }
        #expect(finite, "\(m.values)")
        let offDiagonal = (0..<16).filter { $0 % 5 != 0 }.map { m.values[$0] }
        #expect((0..<4).allSatisfy { m[$0, $0] == offDiagonal.max()! }, "\(m.values)")
        let (train, test) = try features(classes: classes)
        let config = TrainingConfiguration(
            architecture: .mlp,
            loss: try .weighted(
                similarity: m.asSimilarity(), scale: 1,
                classes: classes), epochs: 1, batchSize: 10, training: train)
        let session = try TrainingSession(
            trainer: try Trainer(configuration: config, training: train), test: test,
            matrix: try EvaluationMatrix(m, classes: classes), threshold: 2, decoding: .argmax, folder: nil)
        #expect(try session.run() != nil)
    }

    /// `train --data … --subset 40 --test-subset 20 --loss wlf --matrix chl --scale 4`, then
    /// `evaluate CHECKPOINT --test-subset 20 --decode crm --out eval`.
    @Test func chlWithACIFARSubset() throws {
        let folder = try requireCIFAR10Folder()
        let full = try DatasetReader.cifar10(folder: folder, split: .train)
        let train = try full.stratifiedSubset(40, seed: 0)
        let test = try DatasetReader.cifar10(folder: folder, split: .test).stratifiedSubset(20, seed: 1)
        let chl = try trainBuilder(store: nil).matrix(named: "chl", over: train.classes)
        let config = TrainingConfiguration(
            architecture: .cnnS,
            loss: try .weighted(
                similarity: chl.asSimilarity(), scale: 4,
                classes: train.classes), lossMatrix: "chl", epochs: 1, batchSize: 20, training: train)
        let trainer = try Trainer(configuration: config, training: train)
        let evaluation = try EvaluationMatrix(chl, classes: train.classes)
        let session = try TrainingSession(
            trainer: trainer, test: test, matrix: evaluation, threshold: 2, decoding: .argmax,
            folder: nil)
        var epochMetrics: [Metrics] = []
        _ = try #require(try session.run(onEpoch: { _, metrics in epochMetrics.append(metrics) }))
        let metrics = try #require(epochMetrics.last)
        #expect(metrics.count == 20 && metrics.threshold == 2)
        let crm = Evaluation(
            model: trainer.model, test: test, normalization: trainer.configuration.normalization,
            matrix: evaluation, threshold: 2, decoding: .crm)
        #expect(crm.metrics.count == 20 && (crm.metrics.explicableMistakeRate != nil || crm.metrics.mistakes == 0))
        let out = try temporaryFolder().appendingPathComponent("eval")
        let runFolder = RunFolder(out)
        try runFolder.create()
        try runFolder.writeEvaluation(crm, test: test, extra: ["decode": "crm"])
        #expect(try NPYArray.read(out.appendingPathComponent("probabilities.npy")).shape == [20, 10])
    }
}
