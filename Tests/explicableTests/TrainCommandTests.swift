import ExplicableCore
import Foundation
import LabelStore
import Testing
import TestSupport
import Training

// `train`, `evaluate` and `data fetch cifar10/cifar100` as a user runs them: arguments, exit codes,
// the stdout/stderr split, the human and --json output, and what only the command decides (a
// resumed run's settings, a killed process). What training computes is tested on the libraries:
// TrainingTests/TrainCommandLogicTests, AuditTests/TrainWithMatricesLogicTests.

/// A fixture of the Training tests (small feature vectors over three classes).
func trainingFixture(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("Tests/TrainingTests/Fixtures/\(name)").path
}

/// The options that train the mlp on the fixture features.
func featureArguments(train features: String = "features-train.npy", labels: String = "labels-train.npy") -> [String] {
    [
        "--dataset", "features", "--arch", "mlp", "--hidden", "8",
        "--features", trainingFixture(features), "--feature-labels", trainingFixture(labels),
        "--test-features", trainingFixture("features-test.npy"),
        "--test-feature-labels", trainingFixture("labels-test-u8.npy"),
        "--classes", trainingFixture("classes.tsv"),
    ]
}

/// The real data folder (`$EXPLICABLE_DATA`, else `../shared/data`); fails the test when CIFAR-10 is missing.
func dataFolder() throws -> String {
    try requireCIFAR10Folder().deletingLastPathComponent().path
}

/// The values of an int64 or uint8 `.npy` file.
func integers(_ url: URL) throws -> [Int] {
    switch try NPYArray.read(url).storage {
    case .int64(let v): return v.map(Int.init)
    case .uint8(let v): return v.map(Int.init)
    default: throw ExplicableError.badInput("not an integer array", file: url.path)
    }
}

/// A checkpoint of `train` on the fixture features (`--epochs 2 --batch-size 10`, the other
/// options at their defaults), made in-process.
func featureCheckpoint() throws -> URL {
    let classes = try ClassSet.readTSV(URL(fileURLWithPath: trainingFixture("classes.tsv")))
    let train = try DatasetReader.features(
        features: URL(fileURLWithPath: trainingFixture("features-train.npy")),
        labels: URL(fileURLWithPath: trainingFixture("labels-train.npy")), classes: classes)
    let trainer = try Trainer(
        configuration: TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3),
            epochs: 2, batchSize: 10, training: train), training: train)
    try trainer.run()
    let url = try temporaryFolder().appendingPathComponent("checkpoint.ckpt")
    try trainer.checkpoint().write(to: url)
    return url
}

struct TrainCommandTests {
    @Test func trainsPrintsJSONPerEpochAndWritesPredictions() throws {
        let out = try temporaryFolder().appendingPathComponent("run")
        let r = try runWithArguments(
            ["train"] + featureArguments()
                + [
                    "--epochs", "3", "--batch-size", "10", "--lr", "0.1", "--loss", "wlf", "--matrix",
                    trainingFixture("similarity.npy"), "--scale", "2", "--out", out.path, "--json",
                ])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 3)
        let last = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        #expect(last["epoch"] as? Int == 3 && last["step"] as? Int == 18)
        let test = try #require(last["test"] as? [String: Any])
        #expect(test["count"] as? Int == 30)
        #expect(test["mistake_severity"] != nil || (test["mistakes"] as? Int) == 0)
        #expect((test["top1"] as? Double ?? 0) > 0.8, "\(test)")
        #expect(r.err.isEmpty, "stderr is not a terminal: no progress, and --json prints nothing else")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(
            files == [
                "checkpoint.ckpt", "history.jsonl", "labels.npy", "metrics.json", "predictions.npy",
                "probabilities.npy",
            ])
        // The history holds the same per-epoch lines as --json printed.
        #expect(try String(contentsOf: out.appendingPathComponent("history.jsonl"), encoding: .utf8) == r.out)
        let predictions = try NPYArray.read(out.appendingPathComponent("predictions.npy"))
        let probabilities = try NPYArray.read(out.appendingPathComponent("probabilities.npy"))
        #expect(predictions.shape == [30] && probabilities.shape == [30, 3])
    }

    /// What `--max-steps` and `--resume` say. (That the resumed run ends with the uninterrupted run's
    /// checkpoint, byte for byte: TrainingTests/TrainCommandLogicTests.)
    @Test func stoppedAndResumedRunsSaySoOnStderr() throws {
        let part = try temporaryFolder().appendingPathComponent("part").path
        let common =
            ["train"] + featureArguments() + ["--epochs", "3", "--batch-size", "16", "--seed", "7", "--out", part]
        let stopped = try runWithArguments(common + ["--max-steps", "5"])
        #expect(stopped.status == 0 && stopped.err.contains("stopped after step 5 of 12; continue with --resume"))
        #expect(!stopped.out.contains("final"), "\(stopped.out)")
        #expect(!FileManager.default.fileExists(atPath: part + "/predictions.npy"))
        let resumed = try runWithArguments(common + ["--resume"])
        #expect(resumed.status == 0 && resumed.err.contains("resuming at step 5"), "\(resumed.err)")
        #expect(resumed.out.split(separator: "\n").last?.hasPrefix("final (argmax): ") == true, "\(resumed.out)")
        #expect(FileManager.default.fileExists(atPath: part + "/predictions.npy"))
    }

    @Test func killedRunResumesFromItsLastCheckpoint() throws {
        let folder = try temporaryFolder()
        let common = ["train"] + featureArguments() + ["--epochs", "40", "--batch-size", "4", "--seed", "2"]
        let whole = try runWithArguments(common + ["--out", folder.appendingPathComponent("whole").path])
        #expect(whole.status == 0, "\(whole.err)")
        // Start a run that checkpoints every step, kill it once a checkpoint exists, then resume.
        let part = folder.appendingPathComponent("part")
        let process = Process()
        process.executableURL = productsFolder.appendingPathComponent("explicable")
        process.arguments = common + ["--out", part.path, "--checkpoint-every", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = part.appendingPathComponent("checkpoint.ckpt").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let killedEarly = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(killedEarly, "the run finished before it could be killed; make it longer")
        let resumed = try runWithArguments(common + ["--out", part.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.err)")
        let a = try Data(contentsOf: folder.appendingPathComponent("whole/checkpoint.ckpt"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == a)
    }

    /// A checkpoint of another shape: exit 1, one line. (Fine-tuning itself:
    /// TrainingTests/TrainCommandLogicTests.)
    @Test func initWithACheckpointOfAnotherShapeIsRefused() throws {
        let checkpoint = try featureCheckpoint()
        let other = try runWithArguments(["train"] + featureArguments() + ["--hidden", "4", "--init", checkpoint.path])
        #expect(
            other.status == 1 && other.out.isEmpty && other.err.hasPrefix("Error: --init: the checkpoint is a mlp"),
            "\(other.err)")
        #expect(other.err.filter { $0 == "\n" }.count == 1)
    }

    @Test func badFeaturesAreOneLineAndNothingIsWritten() throws {
        let out = try temporaryFolder().appendingPathComponent("run")
        let r = try runWithArguments(["train"] + featureArguments(train: "features-nan.npy") + ["--out", out.path])
        #expect(r.status == 2 && r.out.isEmpty)
        #expect(
            r.err == "Error: \(trainingFixture("features-nan.npy")): row 7, column 2 is nan (features must be finite)\n"
        )
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Missing CIFAR data: exit 1 and what to run. (A damaged batch is named:
    /// TrainingTests/TrainCommandLogicTests.)
    @Test func missingCIFARSaysHowToFetchIt() throws {
        let missing = try runWithArguments(["train", "--data", try temporaryFolder().path])
        #expect(missing.status == 1 && missing.out.isEmpty && missing.err.contains("explicable data fetch cifar10"))
        #expect(missing.err.hasPrefix("Error: ") && missing.err.filter { $0 == "\n" }.count == 1)
    }

    /// `--matrix` and `--db` reach the builder; without a store it is exit 1; --loss needs --matrix.
    /// (Every spelling and refusal: AuditTests/TrainWithMatricesLogicTests.)
    @Test func matrixNamesAreResolvedOrRefused() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("m.sqlite").path
        let noStore = try runWithArguments(
            ["train"] + featureArguments() + ["--loss", "wlf", "--matrix", "my-chl-v2", "--db", db])
        #expect(noStore.status == 1 && noStore.out.isEmpty)
        #expect(
            noStore.err.hasPrefix(
                "Error: matrix 'my-chl-v2' is read from a label store, and there is no store at \(db)"),
            "\(noStore.err)")
        #expect(noStore.err.filter { $0 == "\n" }.count == 1)
        // A matrix stored with `matrix import` is found by name.
        let classes = try ClassSet.readTSV(URL(fileURLWithPath: trainingFixture("classes.tsv")))
        let m = ClassMatrix(
            classes: classes, kind: .similarity, values: [4, 1, 0, 1, 4, 2, 0, 2, 4], provenance: .init(source: "t"))
        try LabelStore(path: db).saveMatrix(StoredMatrix(name: "my-chl-v2", matrix: m))
        let stored = try runWithArguments(
            ["train"] + featureArguments() + [
                "--loss", "wlf", "--matrix", "my-chl-v2", "--db", db,
                "--epochs", "1", "--batch-size", "10", "--json",
            ])
        #expect(stored.status == 0, "\(stored.err)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(stored.out.utf8)) as? [String: Any])
        #expect(line["epoch"] as? Int == 1)
        let noMatrix = try runWithArguments(["train"] + featureArguments() + ["--loss", "soft-labels"])
        #expect(noMatrix.status == 64 && noMatrix.err.contains("--loss soft-labels needs --matrix"))
    }

    @Test func evaluateMetricsOnFeatures() throws {
        let checkpoint = try featureCheckpoint().path
        let evaluation = try temporaryFolder().appendingPathComponent("eval")
        let e = try runWithArguments(
            ["evaluate", checkpoint] + featureArguments().dropFirst(6)
                + [
                    "--dataset", "features", "--eval-matrix", trainingFixture("similarity.npy"), "--threshold", "2.5",
                    "--out", evaluation.path,
                ])
        #expect(e.status == 0, "\(e.err)")
        // The printed line, recomputed from the written predictions, the fixture labels and the fixture
        // similarities S (rows = true class, max 4): severity = mean of 4 − S[y][p] over the mistakes,
        // explicable = share of mistakes with S[y][p] ≥ 2.5, hd@1 = mean of 4 − S[y][p] over all samples,
        // hd@5 (5 ≥ 3 classes) = mean of the true class's row of 4 − S; top-5 is 100% with 3 classes.
        let s = try NPYArray.read(URL(fileURLWithPath: trainingFixture("similarity.npy"))).doubles
        let labels = try integers(URL(fileURLWithPath: trainingFixture("labels-test-u8.npy")))
        let predictions = try integers(evaluation.appendingPathComponent("predictions.npy"))
        let written = try NPYArray.read(evaluation.appendingPathComponent("probabilities.npy"))
        guard case .float32(let probabilities) = written.storage else {
            Issue.record("probabilities.npy is not float32")
            return
        }
        for (i, p) in predictions.enumerated() {
            let row = probabilities[(i * 3)..<(i * 3 + 3)]
            #expect(p == row.firstIndex(of: row.max()!)! - i * 3, "sample \(i): argmax")
        }
        let pairs: [(y: Int, p: Int)] = zip(labels, predictions).map { ($0, $1) }
        let distances: [Double] = pairs.map { 4 - s[$0.y * 3 + $0.p] }
        let mistakes: [(y: Int, p: Int)] = pairs.filter { $0.y != $0.p }
        let mistakeDistances: [Double] = mistakes.map { 4 - s[$0.y * 3 + $0.p] }
        let explicable = mistakes.filter { s[$0.y * 3 + $0.p] >= 2.5 }.count
        let rowMeans: [Double] = pairs.map { pair in (0..<3).map { 4 - s[pair.y * 3 + $0] }.reduce(0, +) / 3 }
        let top1 = 100 * Double(30 - mistakes.count) / 30
        var expected = String(format: "30 samples, argmax: top-1 %.2f%%  top-5 %.2f%%", top1, 100.0)
        if !mistakes.isEmpty {
            let severity = mistakeDistances.reduce(0, +) / Double(mistakes.count)
            expected += String(
                format: "  severity %.3f  explicable %.1f%%", severity,
                100 * Double(explicable) / Double(mistakes.count))
        }
        expected += String(format: "  hd@1 %.3f  hd@5 %.3f", distances.reduce(0, +) / 30, rowMeans.reduce(0, +) / 30)
        #expect(e.out == expected + "\n")
        // --decode crm --json: one JSON object, the files in --out.
        let crmFolder = try temporaryFolder().appendingPathComponent("crm")
        let j = try runWithArguments(
            ["evaluate", checkpoint] + featureArguments().dropFirst(6)
                + [
                    "--dataset", "features", "--eval-matrix", trainingFixture("similarity.npy"), "--decode", "crm",
                    "--json",
                    "--out", crmFolder.path,
                ])
        #expect(j.status == 0, "\(j.err)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        #expect(metrics["decode"] as? String == "crm" && metrics["count"] as? Int == 30)
        #expect(metrics["explicable_mistake_rate"] != nil || metrics["mistakes"] as? Int == 0)
        #expect((metrics["per_class_accuracy"] as? [Double])?.count == 3)
        #expect(try NPYArray.read(crmFolder.appendingPathComponent("probabilities.npy")).shape == [30, 3])
        let crm = try runWithArguments(
            ["evaluate", checkpoint] + featureArguments().dropFirst(6) + ["--dataset", "features", "--decode", "crm"])
        #expect(crm.status == 1 && crm.err.contains("--decode crm needs a matrix"))
        let damaged = try temporaryFolder().appendingPathComponent("bad.ckpt")
        try Data("nope".utf8).write(to: damaged)
        let bad = try runWithArguments(
            ["evaluate", damaged.path] + featureArguments().dropFirst(6) + ["--dataset", "features"])
        #expect(
            bad.status == 2 && bad.err == "Error: \(damaged.path): not a valid checkpoint: missing EXPLCKPT magic\n")
    }
}

/// `data fetch cifar10` / `cifar100` against a server on 127.0.0.1.
struct CIFARFetchTests {
    /// A tar.gz like the official one, holding `folder` with `files` (name → contents); and its MD5.
    func archive(folder: String, files: [String: Data]) throws -> (body: Data, md5: String) {
        let work = try temporaryFolder()
        let inner = work.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        for (name, body) in files { try body.write(to: inner.appendingPathComponent(name)) }
        let tarball = work.appendingPathComponent("a.tar.gz")
        try tool("tar", ["-czf", tarball.path, "-C", work.path, folder])
        let md5 = try tool("md5sum", [tarball.path]).prefix(32)
        return (try Data(contentsOf: tarball), String(md5))
    }

    @discardableResult
    func tool(_ name: String, _ arguments: [String]) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [name] + arguments
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(name) failed")
        return String(decoding: data, as: UTF8.self)
    }

    func records(_ labels: [UInt8], labelBytes: Int = 1) -> Data {
        var d = Data()
        for label in labels {
            d.append(contentsOf: [UInt8](repeating: label, count: labelBytes))
            d.append(Data(repeating: label &* 17, count: 3072))
        }
        return d
    }

    func cifar10Files(badLabel: Bool = false) -> [String: Data] {
        var files: [String: Data] = ["batches.meta.txt": Data("airplane\n".utf8)]
        for i in 1...5 { files["data_batch_\(i).bin"] = records([UInt8(i), 9]) }
        files["test_batch.bin"] = records([0, badLabel ? 10 : 3])
        return files
    }

    @Test func fetchesChecksAndUnpacksCIFAR10() throws {
        let (body, md5) = try archive(folder: "cifar-10-batches-bin", files: cifar10Files())
        let server = try LocalHTTPServer(routes: ["/c10.tar.gz": (200, body)])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try runWithArguments(
            ["data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/c10.tar.gz"), "--md5", md5])
        #expect(r.status == 0, "\(r.err)")
        let folder = data.appendingPathComponent("cifar-10-batches-bin")
        #expect(r.out == folder.path + "\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == ["cifar-10-batches-bin"])
        #expect(try Data(contentsOf: folder.appendingPathComponent("test_batch.bin")) == records([0, 3]))
        // The trainer's reader reads what was fetched.
        #expect(try DatasetReader.cifar10(folder: folder, split: .train).count == 10)
        #expect(try DatasetReader.cifar10(folder: folder, split: .test).labels.map(Int.init) == [0, 3])
    }

    @Test func fetchesCIFAR100() throws {
        let files = ["train.bin": records([1, 2, 3], labelBytes: 2), "test.bin": records([4, 5], labelBytes: 2)]
        let (body, md5) = try archive(folder: "cifar-100-binary", files: files)
        let server = try LocalHTTPServer(routes: ["/c100.tar.gz": (200, body)])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try runWithArguments(
            ["data", "fetch", "cifar100", "--data", data.path, "--url", server.url("/c100.tar.gz"), "--md5", md5])
        #expect(r.status == 0, "\(r.err)")
        #expect(try Data(contentsOf: data.appendingPathComponent("cifar-100-binary/train.bin")) == files["train.bin"])
    }

    @Test func wrongChecksumLeavesNothing() throws {
        let (body, _) = try archive(folder: "cifar-10-batches-bin", files: cifar10Files())
        let server = try LocalHTTPServer(routes: ["/c10.tar.gz": (200, body)])
        defer { server.stop() }
        let data = try temporaryFolder()
        // Without --md5 the official checksum is expected.
        let r = try runWithArguments([
            "data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/c10.tar.gz"),
        ])
        #expect(r.status == 2 && r.out.isEmpty)
        #expect(r.err.contains("expected c32a1d4ab5d03f1284b67883e8d87530"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == [])
    }

    @Test func badRecordsInTheArchiveLeaveNothing() throws {
        let (body, md5) = try archive(folder: "cifar-10-batches-bin", files: cifar10Files(badLabel: true))
        let server = try LocalHTTPServer(routes: ["/c10.tar.gz": (200, body), "/junk": (200, Data("not gzip".utf8))])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try runWithArguments(
            ["data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/c10.tar.gz"), "--md5", md5])
        #expect(r.status == 2)
        #expect(
            r.err.contains("cifar-10-batches-bin/test_batch.bin: record 1: label byte 10 is out of range 0…9"),
            "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == [])
        let junkMD5 = "4c2f5a4ef4e1be4b9b7e8a5d6e4f3a21"
        let j = try runWithArguments(
            ["data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/junk"), "--md5", junkMD5])
        #expect(j.status == 2 && j.err.contains("MD5 is"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == [])
    }
}

struct TrainCommandMatrixGrammarTests {
    @Test func resumedRunKeepsItsTestSubset() throws {
        // Everything that defines a run is in the checkpoint: a resumed run evaluates the same
        // stratified test subset as the uninterrupted one, even when --test-subset is not repeated.
        let folder = try temporaryFolder()
        let common = ["train"] + featureArguments() + ["--epochs", "3", "--batch-size", "16", "--seed", "7"]
        let whole = folder.appendingPathComponent("whole"), part = folder.appendingPathComponent("part")
        #expect(try runWithArguments(common + ["--test-subset", "12", "--out", whole.path]).status == 0)
        #expect(
            try runWithArguments(common + ["--test-subset", "12", "--out", part.path, "--max-steps", "5"]).status == 0)
        let resumed = try runWithArguments(common + ["--out", part.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.err)")
        for file in ["predictions.npy", "labels.npy", "probabilities.npy"] {
            let a = try Data(contentsOf: whole.appendingPathComponent(file))
            let b = try Data(contentsOf: part.appendingPathComponent(file))
            #expect(a == b, "\(file) of the resumed run differs from the uninterrupted run's")
        }
        #expect(try NPYArray.read(part.appendingPathComponent("labels.npy")).shape == [12])
        func testCounts(_ run: URL) throws -> [Int] {
            try String(contentsOf: run.appendingPathComponent("history.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    return try #require((object["test"] as? [String: Any])?["count"] as? Int)
                }
        }
        #expect(try testCounts(part) == [12, 12, 12] && testCounts(whole) == [12, 12, 12])
    }
}
