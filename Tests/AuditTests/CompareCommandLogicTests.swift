import ExplicableCore
import Foundation
import Semantics
import Testing
import TestSupport
import Training
import WordNet
import Audit

/// What `compare` computes, on the library calls it makes (``Experiment/models(_:)``,
/// ``Experiment/compare(_:matrix:threshold:bootstrap:seed:ood:)``, the tables), over tiny cnn-s
/// runs trained in-process as `train --data … --arch cnn-s --subset 200 --test-subset 100 --epochs 1
/// --batch-size N --out DIR` trains them (moved here from explicableTests/CompareCommandTests,
/// which keeps only the CLI).
struct CompareCommandLogicTests {
    /// Trains one tiny run into `folder/name`.
    func tinyRun(_ name: String, batchSize: Int, in folder: URL, subset: Int, testSubset: Int) throws -> URL {
        let cifar = try requireCIFAR10Folder()
        let train = try DatasetReader.cifar10(folder: cifar, split: .train).stratifiedSubset(subset, seed: 0)
        let test = try DatasetReader.cifar10(folder: cifar, split: .test).stratifiedSubset(testSubset, seed: 1)
        var config = TrainingConfiguration(
            architecture: .cnnS, loss: .crossEntropy(classCount: 10), epochs: 1,
            batchSize: batchSize, training: train)
        config.subset = subset
        config.testSubset = testSubset
        let out = folder.appendingPathComponent(name)
        let session = try TrainingSession(
            trainer: try Trainer(configuration: config, training: train), test: test,
            matrix: nil, threshold: 2, decoding: .argmax, folder: RunFolder(out))
        _ = try #require(try session.run())
        return out
    }

    /// The paper's CHL matrix, as `--eval-matrix chl` resolves it.
    func chl(_ classes: ClassSet) throws -> EvaluationMatrix {
        let builder = MatrixBuilder(
            store: nil, data: DataFolder(url: sharedData),
            taxonomy: { () throws(ExplicableError) -> Taxonomy in throw ExplicableError(.missingData, "not needed") })
        return try EvaluationMatrix(builder.matrix(named: "chl", over: classes), classes: classes)
    }

    func compare(_ arguments: [String], bootstrap: Int, seed: UInt64 = 0, ood: OODRequest? = nil) throws
        -> ModelComparison
    {
        let models = try Experiment.models(arguments)
        return try Experiment.compare(
            models, matrix: chl(models[0].runs[0].classes), threshold: 2, bootstrap: bootstrap,
            seed: seed, ood: ood)
    }

    /// A run's top-1, mistake severity and explicable-mistake rate, recomputed from its
    /// `predictions.npy` and `labels.npy` under the paper's CHL similarities S (rows = true class):
    /// severity is the mean of max(S) − S[y][p] over the mistakes, explicable the share with S[y][p] ≥ 2.
    func recomputed(_ run: URL) throws -> (top1: Double, severity: Double, explicable: Double) {
        func int64s(_ url: URL) throws -> [Int] {
            guard case .int64(let v) = try NPYArray.read(url).storage else { throw CocoaError(.fileReadCorruptFile) }
            return v.map(Int.init)
        }
        let predictions = try int64s(run.appendingPathComponent("predictions.npy"))
        let labels = try int64s(run.appendingPathComponent("labels.npy"))
        let s = try NPYArray.read(requireSharedData("paper/cifar10_CHL_cmat.npy")).doubles
        let top = s.max()!
        let mistakes = zip(labels, predictions).filter { $0 != $1 }
        let severity = mistakes.map { top - s[$0 * 10 + $1] }.reduce(0, +) / Double(mistakes.count)
        let explicable = Double(mistakes.filter { s[$0 * 10 + $1] >= 2 }.count) / Double(mistakes.count)
        return (Double(labels.count - mistakes.count) / Double(labels.count), severity, explicable)
    }

    /// NAME=DIR,DIR: one model of several runs (seeds).
    @Test func comparesModelsOfSeveralRuns() throws {
        let folder = try temporaryFolder()
        let first = try tinyRun("first", batchSize: 50, in: folder, subset: 100, testSubset: 50)
        let copy = folder.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: first, to: copy)
        let seeds = try compare(["a=\(first.path),\(copy.path)", first.path], bootstrap: 50)
        #expect(seeds.models.map(\.name) == ["a", "first"])
        #expect(seeds.models[0].runs.count == 2)
        let table = try compare(["a=\(first.path),\(copy.path)", first.path], bootstrap: 20)
        let text = [table.modelTable(), table.runTable(), table.closestMistakeTable()].map(\.plainText).joined(
            separator: "\n")
        #expect(text.contains("a (2 runs)") && text.contains("Runs of the models of several seeds"), "\(text)")
        let group = try Experiment.models(["a=\(first.path),\(copy.path)"])
        let matrix = try chl(try ComparedRun.read(first).classes)
        let request = OODRequest(
            test: try DatasetReader.cifar10(folder: requireCIFAR10Folder(), split: .test), images: 10,
            seed: 0)
        do {
            _ = try Experiment.compare(group, matrix: matrix, threshold: 2, bootstrap: 10, seed: 0, ood: request)
            Issue.record("OOD of a model of several runs was accepted")
        } catch {
            #expect(error.message.contains("one run per model"), "\(error)")
        }
    }

    /// Two tiny cnn-s runs (batches of 50 and 20), compared: their scores equal those recomputed from
    /// their prediction files; then a run and its copy, with OOD.
    @Test func comparesRunsAndEvaluatesOutOfDistribution() throws {
        let folder = try temporaryFolder()
        let first = try tinyRun("first", batchSize: 50, in: folder, subset: 200, testSubset: 100)
        let copy = folder.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: first, to: copy)
        let second = try tinyRun("second", batchSize: 20, in: folder, subset: 200, testSubset: 100)

        let same = try compare([first.path, copy.path], bootstrap: 100)
        let text = [same.modelTable(), same.closestMistakeTable()].map(\.plainText).joined(separator: "\n")
        #expect(text.contains("Images every model gets wrong") && text.contains("p=1.000"), "\(text)")

        let two = try compare([first.path, second.path], bootstrap: 100)
        #expect(two.models.map(\.name) == ["first", "second"])
        let (a, b) = (try recomputed(first), try recomputed(second))
        #expect(a.top1 != b.top1 || a.severity != b.severity, "the two recipes gave the same predictions")
        func value(_ v: Double?) throws -> Double { try #require(v) }
        for (model, expected) in zip(two.models, [a, b]) {
            #expect(try value(model.top1.value).isApproximatelyEqual(to: expected.top1))
            #expect(try value(model.mistakeSeverity.value).isApproximatelyEqual(to: expected.severity))
            #expect(try value(model.explicableMistakeRate.value).isApproximatelyEqual(to: expected.explicable))
        }
        #expect(try value(two.models[1].top1Difference?.value).isApproximatelyEqual(to: b.top1 - a.top1))
        #expect(try value(two.models[1].severityDifference?.value).isApproximatelyEqual(to: b.severity - a.severity))

        // A data folder with the real CIFAR-10 plus one extra OOD set of 4 images.
        let root = folder.appendingPathComponent("data"), extra = root.appendingPathComponent("ood/tiny")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        try NPYArray(shape: [4, 32, 32, 3], storage: .uint8((0..<(4 * 3072)).map { UInt8(truncatingIfNeeded: $0) }))
            .write(to: extra.appendingPathComponent("images.npy"))
        try NPYArray(shape: [4], storage: .int64([0, 1, 2, 3])).write(to: extra.appendingPathComponent("labels.npy"))
        let classes = try ComparedRun.read(first).classes
        let test = try DatasetReader.cifar10(folder: requireCIFAR10Folder(), split: .test)
        let request = OODRequest(
            test: test, corruptions: [.jpeg, .contrast], severities: [1, 5], images: 50, seed: 3,
            sets: try OODSet.readAll(in: root.appendingPathComponent("ood"), classes: classes))
        let result = try compare([first.path, copy.path], bootstrap: 100, seed: 3, ood: request)
        #expect(result.bootstrap == 100 && result.threshold == 2)
        #expect(result.models.map(\.name) == ["first", "copy"])
        let (value, lower, upper) = (
            try #require(result.models[0].top1.value), try #require(result.models[0].top1.lower),
            try #require(result.models[0].top1.upper)
        )
        #expect((0...1).contains(value) && lower <= value && value <= upper)
        let difference = try #require(result.models[1].top1Difference)
        #expect(difference.p == 1 && difference.value == 0)
        #expect(result.closestMistakes.hard == [0, 0])
        let ood = try #require(result.ood)
        #expect(ood.images == 50)
        #expect(ood.corruptions.map(\.name) == ["jpeg", "contrast"])
        for corruption in ood.corruptions {
            #expect(corruption.severities.map(\.severity) == [1, 5])
            #expect(corruption.scores.count == 2)
            for score in corruption.scores {
                #expect((0...1).contains(score.top1))
                if let s = score.mistakeSeverity { #expect((0...4).contains(s)) }
                if let e = score.explicableMistakeRate { #expect((0...1).contains(e)) }
            }
        }
        #expect(ood.meanOverCorruptions.count == 2)
        #expect(ood.sets.map(\.name) == ["tiny"] && ood.sets.first?.count == 4)

        // A malformed extra set is named, as malformed input (exit 2).
        try NPYArray(shape: [3], storage: .int64([0, 1, 2])).write(to: extra.appendingPathComponent("labels.npy"))
        do {
            _ = try OODSet.readAll(in: root.appendingPathComponent("ood"), classes: classes)
            Issue.record("a malformed OOD set was accepted")
        } catch {
            #expect(
                error.isMalformedInput && error.description.contains("ood/tiny/labels.npy: 3 labels for 4 images"),
                "\(error)")
        }
    }
}
