import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import Training

/// The training loop: learning, determinism, resume, fine-tuning, divergence, checkpoints.
struct TrainerTests {
    func cifarConfiguration(
        _ training: Dataset, epochs: Int, batchSize: Int, seed: UInt64 = 0, loss: Loss? = nil
    ) -> TrainingConfiguration {
        TrainingConfiguration(
            architecture: .cnnS, loss: loss ?? .crossEntropy(classCount: 10), learningRate: 0.05, epochs: epochs,
            batchSize: batchSize, seed: seed, training: training)
    }

    @Test func oneEpochOnAThousandImagesLowersTheLoss() throws {
        let (train, test) = try requireCIFAR10()
        let subset = try train.stratifiedSubset(1000, seed: 0)
        let trainer = try Trainer(configuration: cifarConfiguration(subset, epochs: 1, batchSize: 50), training: subset)
        var losses: [Double] = []
        var reports: [EpochReport] = []
        try trainer.run(onBatch: { losses.append($0.batchLoss) }, onEpoch: { reports.append($0) })
        #expect(losses.count == 20 && reports.count == 1 && trainer.isFinished)
        let first = losses.prefix(4).reduce(0, +) / 4, last = losses.suffix(4).reduce(0, +) / 4
        #expect(last < first - 0.1, "losses \(losses)")
        // Better than chance (10%) on held-out images.
        let few = try test.stratifiedSubset(500, seed: 0)
        let p = Evaluator.probabilities(
            model: trainer.model, dataset: few, normalization: trainer.configuration.normalization)
        let m = Metrics.evaluate(
            probabilities: p, labels: few.labels, classCount: 10, matrix: nil, threshold: 2, decoding: .argmax)
        #expect(m.metrics.top1 > 0.15, "top-1 \(m.metrics.top1)")
    }

    /// Runs cnn-s on 64 CIFAR images for 2 epochs of 4 steps; returns the final checkpoint.
    func smallRun(seed: UInt64, stopAfter: Int? = nil, resumeFrom: Checkpoint? = nil) throws -> Checkpoint {
        let (train, _) = try requireCIFAR10()
        let subset = try train.stratifiedSubset(64, seed: seed)
        let trainer =
            try resumeFrom.map { try Trainer(resuming: $0, training: subset) }
            ?? Trainer(
                configuration: cifarConfiguration(subset, epochs: 2, batchSize: 16, seed: seed), training: subset)
        try trainer.run(stopAfter: stopAfter)
        return trainer.checkpoint()
    }

    @Test func sameSeedSameWeights() throws {
        let a = try smallRun(seed: 4), b = try smallRun(seed: 4), c = try smallRun(seed: 5)
        #expect(a.header.step == 8)
        #expect(a.values == b.values && a.header == b.header)
        #expect(a.tensors("parameter")[0].values != c.tensors("parameter")[0].values)
    }

    @Test func resumeEqualsUninterrupted() throws {
        let whole = try smallRun(seed: 6)
        // Stop in the middle of the second epoch, write and read the checkpoint, continue.
        let url = try temporaryFolder().appendingPathComponent("checkpoint.ckpt")
        try smallRun(seed: 6, stopAfter: 5).write(to: url)
        let saved = try Checkpoint.read(url)
        #expect(saved.header.step == 5)
        let resumed = try smallRun(seed: 6, resumeFrom: saved)
        #expect(resumed.header.step == 8)
        #expect(resumed.values == whole.values, "weights, statistics and momentum must be bit-identical")
        #expect(resumed.header.generatorState == whole.header.generatorState)
    }

    @Test func resumeEqualsUninterruptedWithAdamWOnFeatures() throws {
        let (train, _) = try featureData()
        var config = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [8, 6], loss: .crossEntropy(classCount: 3), optimizer: .adamw,
            learningRate: 0.01, schedule: .cosine, warmupEpochs: 1, epochs: 3, batchSize: 16, seed: 2, training: train)
        config.weightDecay = 0.01
        let whole = try Trainer(configuration: config, training: train)
        try whole.run()
        let first = try Trainer(configuration: config, training: train)
        try first.run(stopAfter: 7)
        let url = try temporaryFolder().appendingPathComponent("c.ckpt")
        try first.checkpoint().write(to: url)
        let second = try Trainer(resuming: try Checkpoint.read(url), training: train)
        try second.run()
        #expect(second.checkpoint().values == whole.checkpoint().values)
        #expect(whole.step == 12)
    }

    @Test func mlpLearnsTheFeatureClusters() throws {
        let (train, test) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [16], loss: .crossEntropy(classCount: 3), learningRate: 0.1,
            epochs: 20, batchSize: 10, seed: 1, training: train)
        let trainer = try Trainer(configuration: config, training: train)
        try trainer.run()
        let p = Evaluator.probabilities(model: trainer.model, dataset: test, normalization: config.normalization)
        let m = Metrics.evaluate(
            probabilities: p, labels: test.labels, classCount: 3, matrix: nil, threshold: 2, decoding: .argmax)
        #expect(m.metrics.top1 > 0.9, "top-1 \(m.metrics.top1)")
    }

    @Test func resumeRefusesOtherData() throws {
        let (train, _) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10, training: train)
        let trainer = try Trainer(configuration: config, training: train)
        let other = try train.stratifiedSubset(30, seed: 1)
        let error = try #require(throws: ExplicableError.self) {
            try Trainer(resuming: trainer.checkpoint(), training: other)
        }
        #expect(error.message.contains("--resume: the training data differ"))
    }

    @Test func fineTuningStartsFromTheCheckpointWithAnotherLoss() throws {
        let (train, _) = try featureData()
        let ce = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 2, batchSize: 10, seed: 1, training: train)
        let first = try Trainer(configuration: ce, training: train)
        try first.run()
        let saved = first.checkpoint()
        let s = ClassMatrix(
            classes: train.classes, kind: .similarity, values: [4, 3, 0.5, 2.5, 4, 1, 0, 1, 4],
            provenance: .init(source: "t"))
        let wlf = TrainingConfiguration(
            architecture: .mlp, loss: try .weighted(similarity: s, scale: 1, classes: train.classes), epochs: 1,
            batchSize: 10, seed: 9, training: train)
        let tuned = try Trainer(configuration: wlf, training: train, initial: saved)
        #expect(tuned.model.parameters.map(\.value.values) == saved.tensors("parameter").map(\.values))
        #expect(tuned.step == 0 && tuned.configuration.loss == .wlf)
        // A checkpoint of another architecture is refused.
        let wide = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [32], loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10,
            training: train)
        #expect(throws: ExplicableError.self) { try Trainer(configuration: wide, training: train, initial: saved) }
    }

    @Test func nonFiniteWeightsStopTheRunAndKeepTheLastCheckpoint() throws {
        let (train, _) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 3, batchSize: 10, seed: 1, training: train)
        let url = try temporaryFolder().appendingPathComponent("checkpoint.ckpt")
        let trainer = try Trainer(configuration: config, training: train)
        try trainer.run(stopAfter: 4, checkpointURL: url, checkpointEvery: 2)
        let good = try Data(contentsOf: url)
        trainer.model.parameters[0].value[3] = .nan
        let error = try #require(throws: TrainingError.self) {
            try trainer.run(checkpointURL: url, checkpointEvery: 1)
        }
        #expect(error == .nonFinite(what: "the loss", step: 5, checkpoint: url.path, checkpointStep: 4))
        #expect(try Data(contentsOf: url) == good)
        #expect(try Checkpoint.read(url).header.step == 4)
    }

    @Test func aHugeInputMakesTheRunStopAtThatStep() throws {
        let (train, _) = try featureData()
        guard case .features(var values, let d) = train.samples else { return }
        for k in 0..<d { values[17 * d + k] = 3e38 }  // finite, but overflows the first layer
        let poisoned = Dataset(
            source: "t", samples: .features(values, dimension: d), labels: train.labels, classes: train.classes)
        let config = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 4, seed: 3, training: poisoned
        )
        let url = try temporaryFolder().appendingPathComponent("checkpoint.ckpt")
        let trainer = try Trainer(configuration: config, training: poisoned)
        var completed = 0
        let error = try #require(throws: TrainingError.self) {
            try trainer.run(checkpointURL: url, checkpointEvery: 1, onBatch: { _ in completed += 1 })
        }
        #expect(completed > 0 && completed < 15)
        guard case .nonFinite(_, let step, let path, let saved) = error else { return }
        #expect(step == completed + 1 && path == url.path && saved == completed)
        let kept = try Checkpoint.read(url)
        #expect(kept.header.step == completed && kept.values.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(error.description.contains("step \(step): ") && error.description.contains("not finite"))
    }

    @Test func checkpointRejectsDamagedFiles() throws {
        let (train, _) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10, training: train)
        let data = try Trainer(configuration: config, training: train).checkpoint().encoded()
        let folder = try temporaryFolder()
        let truncated = folder.appendingPathComponent("t.ckpt"), garbage = folder.appendingPathComponent("g.ckpt")
        try data.dropLast(3).write(to: truncated)
        try Data("hello, this is not a checkpoint".utf8).write(to: garbage)
        let e1 = try #require(throws: ExplicableError.self) { try Checkpoint.read(truncated) }
        #expect(e1.kind == .badInput && e1.file == truncated.path && e1.message.contains("bytes of tensors"))
        let e2 = try #require(throws: ExplicableError.self) { try Checkpoint.read(garbage) }
        #expect(e2.description == "\(garbage.path): not a valid checkpoint: missing EXPLCKPT magic")
    }
}
