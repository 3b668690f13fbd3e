import ExplicableCore
import Foundation
import TestSupport
import Testing
import Training

struct RunFolderTests {
    /// A short mlp run on the fixture features, through the session the CLI and the demo use.
    func trainedRun(in url: URL) throws -> (session: TrainingSession, final: Evaluation) {
        let (train, test) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [8], loss: .crossEntropy(classCount: 3), epochs: 2, batchSize: 10,
            seed: 3, training: train)
        let session = try TrainingSession(
            trainer: try Trainer(configuration: config, training: train), test: test, matrix: nil, threshold: 2,
            decoding: .argmax, folder: RunFolder(url))
        var epochs: [Int] = []
        let final = try #require(try session.run(onEpoch: { report, _ in epochs.append(report.epoch) }))
        #expect(epochs == [1, 2])
        return (session, final)
    }

    @Test func whatASessionWritesReadsBack() throws {
        let url = try temporaryFolder().appendingPathComponent("run")
        let (session, final) = try trainedRun(in: url)
        let folder = RunFolder(url)
        for file in RunFolder.File.allCases { #expect(folder.contains(file), "\(file.rawValue)") }
        #expect(try folder.readClassVector(.predictions, classCount: 3) == final.predictions)
        #expect(try folder.readClassVector(.labels, classCount: 3) == session.test.labels.map(Int.init))
        #expect(try folder.readDecoding() == .argmax)
        let history = try folder.readHistory()
        #expect(history.map(\.epoch) == [1, 2])
        #expect(history.last?.testTop1 == final.metrics.top1, "the last epoch's argmax top-1 is the final one's")
        let checkpoint = try folder.readCheckpoint()
        #expect(checkpoint.header.configuration.classes == session.test.classes)
        let metrics = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.file(.metrics))) as? [String: Any])
        #expect(metrics["classes"] as? [String] == session.test.classes.labels)
        #expect(metrics["top1"] as? Double == final.metrics.top1)
    }

    /// The final evaluation reuses the last epoch's probabilities (no second pass over the test set):
    /// it must equal a fresh evaluation of the trained model, also with another decoding, and a
    /// session over a finished checkpoint (no epoch left, so nothing to reuse) must give the same.
    @Test func theFinalEvaluationIsTheTrainedModelsUnderEveryDecoding() throws {
        let (train, test) = try featureData()
        let classes = test.classes
        let matrix = try EvaluationMatrix(
            ClassMatrix(
                classes: classes, kind: .similarity, values: [4, 3, 0.5, 2.5, 4, 1, 0, 1, 4],
                provenance: .init(source: "t")), classes: classes)
        let config = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [8], loss: .crossEntropy(classCount: 3), epochs: 2, batchSize: 10,
            seed: 5, training: train)
        for decoding in Decoding.allCases {
            let url = try temporaryFolder().appendingPathComponent("run")
            let trainer = try Trainer(configuration: config, training: train)
            let session = try TrainingSession(
                trainer: trainer, test: test, matrix: matrix, threshold: 2, decoding: decoding, folder: RunFolder(url))
            let final = try #require(try session.run())
            let fresh = Evaluation(
                model: trainer.model, test: test, normalization: config.normalization, matrix: matrix, threshold: 2,
                decoding: decoding)
            #expect(final.probabilities == fresh.probabilities, "\(decoding)")
            #expect(final.predictions == fresh.predictions, "\(decoding)")
            #expect(final.metrics == fresh.metrics, "\(decoding)")

            let resumed = try Trainer(resuming: RunFolder(url).readCheckpoint(), training: train)
            #expect(resumed.isFinished)
            let again = try #require(
                try TrainingSession(
                    trainer: resumed, test: test, matrix: matrix, threshold: 2, decoding: decoding, folder: nil
                ).run())
            #expect(again.probabilities == final.probabilities, "\(decoding)")
            #expect(again.predictions == final.predictions, "\(decoding)")
        }
    }

    @Test func classVectorsAreChecked() throws {
        let url = try temporaryFolder()
        let folder = RunFolder(url)
        try NPYArray(shape: [3], storage: .int64([0, 1, 3])).write(to: folder.file(.labels))
        #expect(
            throws: ExplicableError.badInput(
                "entry 2 is 3, not a class index of the model's 3 classes", file: folder.file(.labels).path)
        ) { try folder.readClassVector(.labels, classCount: 3) }
        #expect(
            throws: ExplicableError(
                .missingData, "missing (not a run folder of 'explicable train --out')",
                file: folder.file(.predictions).path)
        ) { try folder.readClassVector(.predictions, classCount: 3) }
        try Data("{\"epoch\": 1}\n".utf8).write(to: folder.file(.history))
        #expect(
            throws: ExplicableError.badInput(
                "not an epoch record (epoch, train_loss)", file: folder.file(.history).path, line: 1)
        ) { try folder.readHistory() }
    }

    @Test func aSessionRefusesATestSetOfOtherClasses() throws {
        let (train, test) = try featureData()
        let other = Dataset(
            source: "other", samples: test.samples, labels: test.labels,
            classes: try ClassSet(name: "other", labels: ["x", "y", "z"]))
        let config = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [4], loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10,
            seed: 1, training: train)
        #expect(throws: ExplicableError.self) {
            try TrainingSession(
                trainer: try Trainer(configuration: config, training: train), test: other, matrix: nil, threshold: 2,
                decoding: .argmax, folder: nil)
        }
    }
}
