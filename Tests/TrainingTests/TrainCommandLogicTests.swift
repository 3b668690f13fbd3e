import ExplicableCore
import Foundation
import Testing
import TestSupport
import Training

/// What `train` does through ``TrainingSession`` and ``RunFolder``, on the fixture features with
/// the command's defaults (moved here from explicableTests/TrainCommandTests, which keeps only the CLI).
struct TrainCommandLogicTests {
    /// `train --dataset features --arch mlp --hidden 8 …` with the command's other defaults.
    func configuration(
        _ train: Dataset, loss: Loss? = nil, epochs: Int, batchSize: Int, learningRate: Double = 0.05,
        seed: UInt64 = 0
    ) -> TrainingConfiguration {
        TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [8], loss: loss ?? .crossEntropy(classCount: 3),
            learningRate: learningRate, epochs: epochs, batchSize: batchSize, seed: seed, training: train)
    }

    func session(_ trainer: Trainer, test: Dataset, folder: URL?) throws -> TrainingSession {
        try TrainingSession(
            trainer: trainer, test: test, matrix: nil, threshold: 2, decoding: .argmax,
            folder: folder.map(RunFolder.init))
    }

    /// `train … --max-steps 5` then `train … --resume` ends with the checkpoint of an uninterrupted
    /// run, byte for byte; the stopped run writes no predictions.
    @Test func resumeAfterAStopEqualsAnUninterruptedRun() throws {
        let (train, test) = try featureData()
        let config = configuration(train, epochs: 3, batchSize: 16, seed: 7)
        let folder = try temporaryFolder()
        let whole = folder.appendingPathComponent("whole"), part = folder.appendingPathComponent("part")
        #expect(try session(Trainer(configuration: config, training: train), test: test, folder: whole).run() != nil)
        let stoppedTrainer = try Trainer(configuration: config, training: train)
        #expect(try session(stoppedTrainer, test: test, folder: part).run(stopAfter: 5) == nil)
        #expect(stoppedTrainer.step == 5 && stoppedTrainer.totalSteps == 12)
        #expect(!FileManager.default.fileExists(atPath: part.appendingPathComponent("predictions.npy").path))
        let saved = try RunFolder(part).readCheckpoint()
        #expect(saved.header.step == 5)
        let resumed = try Trainer(resuming: saved, training: train)
        #expect(resumed.step == 5)
        #expect(try session(resumed, test: test, folder: part).run() != nil)
        let a = try Data(contentsOf: whole.appendingPathComponent("checkpoint.ckpt"))
        let b = try Data(contentsOf: part.appendingPathComponent("checkpoint.ckpt"))
        #expect(a == b, "the resumed run's final checkpoint must equal the uninterrupted one byte for byte")
    }

    /// `train --init ce/checkpoint.ckpt --loss wlf --matrix similarity.npy --lr 0.01`: starting from
    /// trained weights, the first epoch already classifies the clusters.
    @Test func initFineTunesWithAnotherLoss() throws {
        let (train, test) = try featureData()
        let ce = try Trainer(configuration: configuration(train, epochs: 2, batchSize: 10), training: train)
        #expect(try session(ce, test: test, folder: nil).run() != nil)
        let s = try NPYArray.read(fixtureURL("similarity.npy")).doubles
        let similarity = ClassMatrix(
            classes: train.classes, kind: .similarity, values: s, provenance: .init(source: "file"))
        let wlf = configuration(
            train, loss: try .weighted(similarity: similarity, scale: 1, classes: train.classes),
            epochs: 1, batchSize: 10, learningRate: 0.01)
        let tuned = try Trainer(configuration: wlf, training: train, initial: ce.checkpoint())
        var top1: [Double] = []
        _ = try session(tuned, test: test, folder: nil).run(onEpoch: { _, metrics in top1.append(metrics.top1) })
        #expect(top1.count == 1 && top1[0] > 0.8, "\(top1)")
        // A model of another shape does not start from it.
        var other = configuration(train, epochs: 1, batchSize: 10)
        other.hiddenWidths = [4]
        do {
            _ = try Trainer(configuration: other, training: train, initial: ce.checkpoint())
            Issue.record("a checkpoint of another shape was accepted")
        } catch {
            #expect(error.message.contains("--init: the checkpoint is a mlp"), "\(error)")
        }
    }

    /// A bad CIFAR batch among good ones is named, as malformed input (exit 2).
    @Test func badCIFARFileIsNamed() throws {
        let batch = try temporaryFolder().appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: batch, withIntermediateDirectories: true)
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try Data(repeating: 1, count: 3073 * 2).write(to: batch.appendingPathComponent(name))
        }
        try Data(repeating: 1, count: 3073 * 2 + 5).write(to: batch.appendingPathComponent("data_batch_3.bin"))
        do {
            _ = try DatasetReader.cifar10(folder: batch, split: .train)
            Issue.record("a damaged batch was accepted")
        } catch {
            #expect(error.isMalformedInput, "\(error)")
            #expect(
                error.description.hasPrefix("\(batch.path)/data_batch_3.bin: wrong file size: 6151 bytes"), "\(error)")
        }
    }
}
