import ExplicableCore
import Foundation
import Testing
import TestSupport
import Training

// `compare` as a user runs it: arguments, exit codes, the stdout/stderr split, the tables and the
// --json shape. What it computes (scores recomputed from the prediction files, bootstrap, OOD): AuditTests/
// CompareCommandLogicTests.

struct CompareCommandTests {
    /// A tiny mlp run on the fixture features, trained in-process into `folder/first`, and its copy.
    func featureRunAndCopy(in folder: URL) throws -> (first: URL, copy: URL) {
        let classes = try ClassSet.readTSV(URL(fileURLWithPath: trainingFixture("classes.tsv")))
        func read(_ x: String, _ y: String) throws -> Dataset {
            try DatasetReader.features(
                features: URL(fileURLWithPath: trainingFixture(x)),
                labels: URL(fileURLWithPath: trainingFixture(y)), classes: classes)
        }
        let train = try read("features-train.npy", "labels-train.npy")
        let first = folder.appendingPathComponent("first"), copy = folder.appendingPathComponent("copy")
        let session = try TrainingSession(
            trainer: try Trainer(
                configuration: TrainingConfiguration(
                    architecture: .mlp, hiddenWidths: [8],
                    loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10, training: train), training: train),
            test: try read("features-test.npy", "labels-test-u8.npy"), matrix: nil, threshold: 2, decoding: .argmax,
            folder: RunFolder(first))
        _ = try #require(try session.run())
        try FileManager.default.copyItem(at: first, to: copy)
        return (first, copy)
    }

    /// NAME=DIR,DIR: one model of several runs (seeds), as JSON and as tables; refused with --ood.
    @Test func comparesModelsOfSeveralRuns() throws {
        let (first, copy) = try featureRunAndCopy(in: try temporaryFolder())
        let matrix = trainingFixture("similarity.npy")
        let seeds = try runWithArguments(
            [
                "compare", "a=\(first.path),\(copy.path)", first.path, "--eval-matrix", matrix, "--bootstrap", "50",
                "--json",
            ])
        #expect(seeds.status == 0, "\(seeds.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(seeds.out.utf8)) as? [String: Any])
        #expect(
            json["bootstrap"] as? Int == 50 && json["threshold"] as? Double == 2
                && json["closest_mistakes"] is [String: Any])
        let seedModels = json["models"] as? [[String: Any]] ?? []
        #expect(seedModels.map { $0["name"] as? String } == ["a", "first"])
        #expect((seedModels.first?["runs"] as? [[String: Any]])?.count == 2)
        let top1 = try #require(seedModels.first?["top1"] as? [String: Double])
        #expect(top1["value"] != nil && top1["lower"] != nil && top1["upper"] != nil)
        #expect(
            seedModels.last?["top1_difference"] is [String: Any]
                && seedModels.last?["mistake_severity"] is [String: Any])
        let table = try runWithArguments([
            "compare", "a=\(first.path),\(copy.path)", first.path, "--eval-matrix", matrix,
            "--bootstrap", "20",
        ])
        #expect(table.status == 0, "\(table.err)")
        #expect(
            table.out.contains("a (2 runs)") && table.out.contains("Runs of the models of several seeds"),
            "\(table.out)")
        let badGroup = try runWithArguments(["compare", "a="])
        #expect(badGroup.status == 64 && badGroup.err.contains("NAME=DIR,DIR"), "\(badGroup.err)")
        let groupOOD = try runWithArguments(
            [
                "compare", "a=\(first.path),\(copy.path)", "--eval-matrix", matrix, "--ood",
                "--dataset", "features",
            ] + Array(featureArguments().dropFirst(6)))
        #expect(
            groupOOD.status == 1 && groupOOD.out.isEmpty && groupOOD.err.contains("one run per model"),
            "\(groupOOD.err)")
        #expect(groupOOD.err.hasPrefix("Error: ") && groupOOD.err.filter { $0 == "\n" }.count == 1)
    }

    @Test func missingRunFileIsOneLine() throws {
        let folder = try temporaryFolder()
        let r = try run("compare", folder.path)
        #expect(r.status != 0 && r.out.isEmpty)
        #expect(r.err.hasPrefix("Error: ") && r.err.contains("checkpoint.ckpt: missing"), "\(r.err)")
        #expect(r.err.filter { $0 == "\n" }.count == 1)
    }

    @Test func badOptionsAreRefused() throws {
        let folder = try temporaryFolder()
        let r = try run("compare", folder.path, "--corruptions", "fog")
        #expect(r.status == 64 && r.err.contains("unknown corruption 'fog'"))
        let s = try run("compare", folder.path, "--severities", "0,6")
        #expect(s.status == 64)
    }
}
