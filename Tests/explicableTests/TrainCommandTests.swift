import ExplicableCore
import Foundation
import Testing
import TestSupport

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
        #expect(files == ["checkpoint.ckpt", "history.jsonl", "labels.npy", "metrics.json", "predictions.npy", "probabilities.npy"])
        // The history holds the same per-epoch lines as --json printed.
        #expect(try String(contentsOf: out.appendingPathComponent("history.jsonl"), encoding: .utf8) == r.out)
        let predictions = try NPYArray.read(out.appendingPathComponent("predictions.npy"))
        let probabilities = try NPYArray.read(out.appendingPathComponent("probabilities.npy"))
        #expect(predictions.shape == [30] && probabilities.shape == [30, 3])
    }

    @Test func resumeAfterAStopEqualsAnUninterruptedRun() throws {
        let folder = try temporaryFolder()
        let common = ["train"] + featureArguments() + ["--epochs", "3", "--batch-size", "16", "--seed", "7"]
        let whole = try runWithArguments(common + ["--out", folder.appendingPathComponent("whole").path])
        #expect(whole.status == 0, "\(whole.err)")
        let part = folder.appendingPathComponent("part").path
        let stopped = try runWithArguments(common + ["--out", part, "--max-steps", "5"])
        #expect(stopped.status == 0 && stopped.err.contains("stopped after step 5 of 12; continue with --resume"))
        #expect(!FileManager.default.fileExists(atPath: part + "/predictions.npy"))
        let resumed = try runWithArguments(common + ["--out", part, "--resume"])
        #expect(resumed.status == 0 && resumed.err.contains("resuming at step 5"), "\(resumed.err)")
        let a = try Data(contentsOf: folder.appendingPathComponent("whole/checkpoint.ckpt"))
        let b = try Data(contentsOf: URL(fileURLWithPath: part + "/checkpoint.ckpt"))
        #expect(a == b, "the resumed run's final checkpoint must equal the uninterrupted one byte for byte")
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

    @Test func initFineTunesWithAnotherLoss() throws {
        let folder = try temporaryFolder()
        let ce = folder.appendingPathComponent("ce"), wlf = folder.appendingPathComponent("wlf")
        let first = try runWithArguments(
            ["train"] + featureArguments() + ["--epochs", "2", "--batch-size", "10", "--out", ce.path])
        #expect(first.status == 0, "\(first.err)")
        let tuned = try runWithArguments(
            ["train"] + featureArguments()
                + ["--epochs", "1", "--batch-size", "10", "--loss", "wlf", "--matrix", trainingFixture("similarity.npy"),
                   "--init", ce.appendingPathComponent("checkpoint.ckpt").path, "--lr", "0.01", "--out", wlf.path, "--json"])
        #expect(tuned.status == 0, "\(tuned.err)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(tuned.out.utf8)) as? [String: Any])
        // Starting from trained weights, the first epoch already classifies the clusters.
        #expect(((line["test"] as? [String: Any])?["top1"] as? Double ?? 0) > 0.8, "\(line)")
        let other = try runWithArguments(
            ["train"] + featureArguments() + ["--hidden", "4", "--init", ce.appendingPathComponent("checkpoint.ckpt").path])
        #expect(other.status == 1 && other.err.contains("--init: the checkpoint is a mlp"), "\(other.err)")
    }

    @Test func badFeaturesAreOneLineAndNothingIsWritten() throws {
        let out = try temporaryFolder().appendingPathComponent("run")
        let r = try runWithArguments(["train"] + featureArguments(train: "features-nan.npy") + ["--out", out.path])
        #expect(r.status == 2 && r.out.isEmpty)
        #expect(r.err == "Error: \(trainingFixture("features-nan.npy")): row 7, column 2 is nan (features must be finite)\n")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let short = try runWithArguments(["train"] + featureArguments(labels: "labels-short.npy") + ["--out", out.path])
        #expect(short.status == 2 && short.err.contains("labels-short.npy: 59 labels for the 60 feature rows"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func badCIFARFileIsNamed() throws {
        let data = try temporaryFolder()
        let batch = data.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: batch, withIntermediateDirectories: true)
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try Data(repeating: 1, count: 3073 * 2).write(to: batch.appendingPathComponent(name))
        }
        try Data(repeating: 1, count: 3073 * 2 + 5).write(to: batch.appendingPathComponent("data_batch_3.bin"))
        let r = try runWithArguments(["train", "--data", data.path, "--epochs", "1"])
        #expect(r.status == 2)
        #expect(r.err.hasPrefix("Error: \(batch.path)/data_batch_3.bin: wrong file size: 6151 bytes"), "\(r.err)")
        let missing = try runWithArguments(["train", "--data", try temporaryFolder().path])
        #expect(missing.status == 1 && missing.err.contains("explicable data fetch cifar10"))
    }

    @Test func matrixNamesAreResolvedOrRefused() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("m.sqlite").path
        let noStore = try runWithArguments(["train"] + featureArguments() + ["--loss", "wlf", "--matrix", "my-chl-v2", "--db", db])
        #expect(noStore.status == 1)
        #expect(noStore.err.contains("matrix 'my-chl-v2' is read from a label store, and there is no store at \(db)"))
        // A matrix stored with `matrix import` is found by name.
        let npy = folder.appendingPathComponent("m.npy")
        try NPYArray(shape: [3, 3], storage: .float64([4, 1, 0, 1, 4, 2, 0, 2, 4])).write(to: npy)
        let imported = try runWithArguments(["matrix", "import", "my-chl-v2", npy.path, "--classes",
            trainingFixture("classes.tsv"), "--db", db])
        #expect(imported.status == 0, "\(imported.err)")
        let stored = try runWithArguments(["train"] + featureArguments() + ["--loss", "wlf", "--matrix", "my-chl-v2", "--db", db,
            "--epochs", "1", "--batch-size", "10", "--json"])
        #expect(stored.status == 0, "\(stored.err)")
        let unknown = try runWithArguments(["train"] + featureArguments() + ["--loss", "wlf", "--matrix", "nope", "--db", db])
        #expect(unknown.status == 1 && unknown.err.contains("no matrix named 'nope' in the store (it has: my-chl-v2)"))
        let measure = try runWithArguments(["train"] + featureArguments() + ["--loss", "wlf", "--matrix", "wordnet:nope"])
        #expect(measure.status == 1 && measure.err.contains("unknown WordNet measure 'nope'"))
        let noMatrix = try runWithArguments(["train"] + featureArguments() + ["--loss", "soft-labels"])
        #expect(noMatrix.status == 64 && noMatrix.err.contains("--loss soft-labels needs --matrix"))
    }

    @Test func wordnetMatrixForTheDataClasses() throws {
        // The mini WordNet's class set (dog, cat, Rex, companion) over the fixture labels 0…2.
        let out = try temporaryFolder().appendingPathComponent("run")
        let r = try runWithArguments(
            ["train", "--dataset", "features", "--arch", "mlp", "--features", trainingFixture("features-train.npy"),
             "--feature-labels", trainingFixture("labels-train.npy"), "--test-features", trainingFixture("features-test.npy"),
             "--test-feature-labels", trainingFixture("labels-test-u8.npy"), "--classes", fixture("mini-classes.tsv"),
             "--loss", "soft-labels", "--matrix", "wordnet:path", "--lmf", fixture("mini.xml"), "--epochs", "1",
             "--batch-size", "10", "--out", out.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let test = try #require(line["test"] as? [String: Any])
        // Path similarity 1 / (1 + shortest path) on the mini WordNet, worked out by hand (see
        // WordNetTests/MeasureTests): dog–cat 1/3 (via animal), dog–Rex 1/2, dog–companion 1/2,
        // cat–Rex 1/4, cat–companion 1/7 (via entity), Rex–companion 1/3. Distances are 1 − s.
        let s: [Double] = [1, 1.0 / 3, 1.0 / 2, 1.0 / 2, 1.0 / 3, 1, 1.0 / 4, 1.0 / 7,
                           1.0 / 2, 1.0 / 4, 1, 1.0 / 3, 1.0 / 2, 1.0 / 7, 1.0 / 3, 1]
        let d = s.map { 1 - $0 }
        let labels = try integers(URL(fileURLWithPath: trainingFixture("labels-test-u8.npy")))
        let predictions = try integers(out.appendingPathComponent("predictions.npy"))
        #expect(labels.count == 30 && predictions.count == 30)
        // hd@1: the distance of each prediction; hd@5 (k ≥ 4 classes): the mean distance of the true class's row.
        let hd1 = zip(labels, predictions).map { d[$0 * 4 + $1] }.reduce(0, +) / 30
        let hd5 = labels.map { y in (0..<4).map { d[y * 4 + $0] }.reduce(0, +) / 4 }.reduce(0, +) / 30
        let printed1 = try #require(test["hierarchical_distance_at_1"] as? Double)
        let printed5 = try #require(test["hierarchical_distance_at_5"] as? Double)
        #expect(printed1.isApproximatelyEqual(to: hd1, relativeTolerance: 1e-9))
        #expect(printed5.isApproximatelyEqual(to: hd5, relativeTolerance: 1e-9))
    }

    @Test func chlWithACIFARSubset() throws {
        let data = try dataFolder()
        let out = try temporaryFolder()
        let r = try runWithArguments(
            ["train", "--data", data, "--subset", "40", "--test-subset", "20", "--epochs", "1", "--batch-size", "20",
             "--loss", "wlf", "--matrix", "chl", "--scale", "4", "--out", out.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let test = try #require(line["test"] as? [String: Any])
        #expect(test["count"] as? Int == 20 && test["threshold"] as? Double == 2)
        // evaluate: the same checkpoint, CRM under the CHL matrix, JSON and files.
        let e = try runWithArguments(
            ["evaluate", out.appendingPathComponent("checkpoint.ckpt").path, "--data", data, "--test-subset", "20",
             "--decode", "crm", "--json", "--out", out.appendingPathComponent("eval").path])
        #expect(e.status == 0, "\(e.err)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        #expect(metrics["decode"] as? String == "crm" && metrics["count"] as? Int == 20)
        #expect(metrics["explicable_mistake_rate"] != nil || metrics["mistakes"] as? Int == 0)
        let probabilities = try NPYArray.read(out.appendingPathComponent("eval/probabilities.npy"))
        #expect(probabilities.shape == [20, 10])
    }

    @Test func evaluateMetricsOnFeatures() throws {
        let out = try temporaryFolder()
        let t = try runWithArguments(["train"] + featureArguments() + ["--epochs", "2", "--batch-size", "10", "--out", out.path])
        #expect(t.status == 0, "\(t.err)")
        let checkpoint = out.appendingPathComponent("checkpoint.ckpt").path
        let evaluation = out.appendingPathComponent("eval")
        let e = try runWithArguments(
            ["evaluate", checkpoint] + featureArguments().dropFirst(6)
                + ["--dataset", "features", "--eval-matrix", trainingFixture("similarity.npy"), "--threshold", "2.5",
                   "--out", evaluation.path])
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
            expected += String(format: "  severity %.3f  explicable %.1f%%", severity,
                100 * Double(explicable) / Double(mistakes.count))
        }
        expected += String(format: "  hd@1 %.3f  hd@5 %.3f", distances.reduce(0, +) / 30, rowMeans.reduce(0, +) / 30)
        #expect(e.out == expected + "\n")
        let crm = try runWithArguments(["evaluate", checkpoint] + featureArguments().dropFirst(6) + ["--dataset", "features", "--decode", "crm"])
        #expect(crm.status == 1 && crm.err.contains("--decode crm needs a matrix"))
        let damaged = try temporaryFolder().appendingPathComponent("bad.ckpt")
        try Data("nope".utf8).write(to: damaged)
        let bad = try runWithArguments(["evaluate", damaged.path] + featureArguments().dropFirst(6) + ["--dataset", "features"])
        #expect(bad.status == 2 && bad.err == "Error: \(damaged.path): not a valid checkpoint: missing EXPLCKPT magic\n")
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
        // The trainer reads what was fetched.
        let t = try runWithArguments(["train", "--data", data.path, "--epochs", "1", "--batch-size", "5", "--json"])
        #expect(t.status == 0, "\(t.err)")
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
        let r = try runWithArguments(["data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/c10.tar.gz")])
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
        #expect(r.err.contains("cifar-10-batches-bin/test_batch.bin: record 1: label byte 10 is out of range 0…9"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == [])
        let junkMD5 = "4c2f5a4ef4e1be4b9b7e8a5d6e4f3a21"
        let j = try runWithArguments(
            ["data", "fetch", "cifar10", "--data", data.path, "--url", server.url("/junk"), "--md5", junkMD5])
        #expect(j.status == 2 && j.err.contains("MD5 is"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == [])
    }
}

struct TrainCommandMatrixGrammarTests {
    @Test func jcnTrainsAsMatrixBuildStoresIt() throws {
        // wordnet:jcn is infinite on the diagonal; train resolves it as `matrix build --from wordnet:jcn`
        // does (largest finite value on the diagonal) instead of failing as "not finite".
        let r = try runWithArguments(
            ["train", "--dataset", "features", "--arch", "mlp", "--features", trainingFixture("features-train.npy"),
             "--feature-labels", trainingFixture("labels-train.npy"), "--test-features", trainingFixture("features-test.npy"),
             "--test-feature-labels", trainingFixture("labels-test-u8.npy"), "--classes", fixture("mini-classes.tsv"),
             "--loss", "wlf", "--matrix", "wordnet:jcn", "--lmf", fixture("mini.xml"), "--epochs", "1",
             "--batch-size", "10", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(!r.err.contains("not finite"))
    }

    @Test func resumedRunKeepsItsTestSubset() throws {
        // Everything that defines a run is in the checkpoint: a resumed run evaluates the same
        // stratified test subset as the uninterrupted one, even when --test-subset is not repeated.
        let folder = try temporaryFolder()
        let common = ["train"] + featureArguments() + ["--epochs", "3", "--batch-size", "16", "--seed", "7"]
        let whole = folder.appendingPathComponent("whole"), part = folder.appendingPathComponent("part")
        #expect(try runWithArguments(common + ["--test-subset", "12", "--out", whole.path]).status == 0)
        #expect(try runWithArguments(common + ["--test-subset", "12", "--out", part.path, "--max-steps", "5"]).status == 0)
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
