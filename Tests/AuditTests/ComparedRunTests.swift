@testable import Audit
import ExplicableCore
import Foundation
import TestSupport
import Testing
import Training

/// Reading run folders, including those of another trainer (the PyTorch recipe): no checkpoint,
/// classes from `classes.txt` or `metrics.json`.
struct ComparedRunTests {
    static let labels = ["a", "b", "c"]

    /// A run folder as the PyTorch recipe writes it: predictions, labels, metrics.json (with
    /// `classes` unless `metricsClasses` is nil) and `classes.txt` (unless `classesText` is nil).
    func torchRun(
        _ name: String = "torch-run", classesText: String? = "a\nb\nc\n", metricsClasses: [String]? = labels,
        decode: String = "crm"
    ) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "compared-run-\(UUID().uuidString)/\(name)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try NPYArray(shape: [4], storage: .int64([0, 2, 2, 1])).write(to: url.appendingPathComponent("predictions.npy"))
        try NPYArray(shape: [4], storage: .int64([0, 1, 2, 1])).write(to: url.appendingPathComponent("labels.npy"))
        var metrics: [String: Any] = ["top1": 0.75, "decode": decode, "framework": "pytorch-2.13.0"]
        if let metricsClasses { metrics["classes"] = metricsClasses }
        try JSONSerialization.data(withJSONObject: metrics).write(to: url.appendingPathComponent("metrics.json"))
        if let classesText { try Data(classesText.utf8).write(to: url.appendingPathComponent("classes.txt")) }
        return url
    }

    @Test func aRunWithoutCheckpointTakesItsClassesFromClassesTxt() throws {
        let url = try torchRun(classesText: "a\nb\n\nc\n", metricsClasses: ["x", "y", "z"])
        let run = try ComparedRun.read(url)
        #expect(run.name == "torch-run")
        #expect(run.checkpoint == nil)
        #expect(run.classes.labels == Self.labels, "classes.txt wins over metrics.json")
        #expect(run.predictions == [0, 2, 2, 1] && run.labels == [0, 1, 2, 1])
        #expect(run.decoding == .crm)
    }

    @Test func withoutClassesTxtMetricsJSONGivesTheClasses() throws {
        let run = try ComparedRun.read(try torchRun(classesText: nil))
        #expect(run.classes.labels == Self.labels && run.checkpoint == nil)
    }

    @Test func withoutAnyClassOrderTheCheckpointIsMissing() throws {
        let url = try torchRun(classesText: nil, metricsClasses: nil)
        #expect(throws: ExplicableError.self) { try ComparedRun.read(url) }
        do {
            _ = try ComparedRun.read(url)
        } catch {
            #expect(error.kind == .missingData)
            #expect(error.file == url.appendingPathComponent("checkpoint.ckpt").path)
            #expect(error.message.contains("classes.txt"))
        }
    }

    @Test func badClassListsNameTheirFile() throws {
        let duplicate = try torchRun(classesText: "a\nb\na\n")
        do {
            _ = try ComparedRun.read(duplicate)
            Issue.record("a duplicate label must be refused")
        } catch {
            #expect(error.file == duplicate.appendingPathComponent("classes.txt").path)
            #expect(error.message.contains("label 'a' appears at index 0 and 2"), "\(error.message)")
        }
        let empty = try torchRun(classesText: "\n\n")
        #expect(
            throws: ExplicableError.badInput("lists no class", file: empty.appendingPathComponent("classes.txt").path)
        ) {
            try ComparedRun.read(empty)
        }
        // Predictions of class 2 need at least three classes.
        let short = try torchRun(classesText: "a\nb\n")
        do {
            _ = try ComparedRun.read(short)
            Issue.record("a prediction outside the class list must be refused")
        } catch {
            #expect(error.file == short.appendingPathComponent("predictions.npy").path)
        }
        let notJSON = try torchRun(classesText: nil)
        try Data("[".utf8).write(to: notJSON.appendingPathComponent("metrics.json"))
        #expect(
            throws: ExplicableError.badInput(
                "not a JSON object", file: notJSON.appendingPathComponent("metrics.json").path)
        ) {
            try ComparedRun.read(notJSON)
        }
    }

    @Test func anEmptyFolderIsStillNotARunFolder() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("compared-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        do {
            _ = try ComparedRun.read(url)
            Issue.record("an empty folder must be refused")
        } catch {
            #expect(error.file == url.appendingPathComponent("checkpoint.ckpt").path)
            #expect(error.message.contains("not a run folder"))
        }
    }

    @Test func aRunWithoutCheckpointIsComparedButRefusedForOOD() throws {
        let torch = try ComparedRun.read(try torchRun())
        let classes = try ClassSet(name: "t", labels: Self.labels)
        let own = ComparedRun(name: "own", predictions: [0, 1, 2, 2], labels: [0, 1, 2, 1], classes: classes)
        let s = ClassMatrix(
            classes: classes, kind: .similarity, values: [4, 3, 0, 3, 4, 1, 0, 1, 4], provenance: .init(source: "t"))
        let matrix = try EvaluationMatrix(s, classes: classes)
        let models = [own, torch].map { ComparedModel(name: $0.name, runs: [$0]) }
        let result = try Experiment.compare(models, matrix: matrix, threshold: 2, bootstrap: 20, seed: 1, ood: nil)
        #expect(result.models.map(\.top1.value) == [0.75, 0.75])
        let test = Dataset(
            source: "t", samples: .features([0, 1, 2, 3], dimension: 1), labels: [0, 1, 2, 1], classes: classes)
        let ood = OODRequest(test: test, corruptions: [.contrast], severities: [1], images: 3, seed: 0)
        do {
            // (`own` is built in memory, so it has no checkpoint either: ask for the torch run alone.)
            _ = try Experiment.compare(
                [models[1]], matrix: matrix, threshold: 2, bootstrap: 20, seed: 1, ood: ood)
            Issue.record("--ood must refuse a run without a checkpoint")
        } catch {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains("run torch-run has none"), "\(error.message)")
        }
    }
}
