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
