import ExplicableCore
import Foundation
import TestSupport
import Testing
import Training

/// `matrix export --torch` and the Python it writes: NumPy only, so these run wherever the tests
/// do (PyTorch itself is exercised by `Benchmarks/ddp.sh`, not here).
struct TorchExportTests {
    static let pythonFiles = ["explicable_loss.py", "explicable_data.py", "train_ddp.py"]

    /// Exports the paper's CHL with `--torch` and returns the folder and the data folder.
    func export() throws -> (folder: URL, data: String) {
        let data = try dataFolder()
        let db = try temporaryFolder().appendingPathComponent("m.sqlite").path
        _ = try run(
            "matrix", "import", "paper-chl", data + "/paper/cifar10_CHL_cmat.npy", "--classes", "cifar10", "--db", db)
        let folder = try temporaryFolder().appendingPathComponent("torch")
        let export = try run("matrix", "export", "paper-chl", "--torch", folder.path, "--db", db)
        #expect(export.status == 0, "\(export.err)")
        return (folder, data)
    }

    /// Runs `python3 -c script arguments…` and returns its stdout; a non-zero exit fails the test.
    func python(_ script: String, _ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let result = try runProcess(process)
        #expect(result.status == 0, "python3 with NumPy must run it: \(result.err)")
        return result.out
    }

    /// The Python loss module builds the same targets as the Swift trainer (NumPy only, to 1e-6).
    @Test func pythonTargetsEqualTheTrainersTargets() throws {
        let (folder, data) = try export()
        for file in ["similarity.npy", "distance.npy", "classes.txt", "matrix.json"] + Self.pythonFiles {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        _ = try python(
            """
            import sys, numpy as np
            sys.path.insert(0, sys.argv[1])
            import explicable_loss as L
            s, d, classes = L.load_export(sys.argv[1])
            assert classes[3] == "cat", classes
            np.save(sys.argv[1] + "/wlf-2.npy", L.wlf_targets(s, scale=2.0))
            np.save(sys.argv[1] + "/soft-4.npy", L.soft_label_targets(d, beta=4.0))
            """, folder.path)
        let classes = try ClassSetCatalogForTests.cifar10()
        let chl = ClassMatrix(
            classes: classes, kind: .similarity,
            values: try NPYArray.read(URL(fileURLWithPath: data + "/paper/cifar10_CHL_cmat.npy")).doubles,
            provenance: .init(source: "paper"))
        let distance = ClassMatrix(
            classes: classes, kind: .distance, values: chl.values.map { 4 - $0 },
            provenance: .init(source: "paper"))
        let wlf = try Loss.weighted(similarity: chl, scale: 2, classes: classes).targets
        let soft = try Loss.softLabels(distance: distance, beta: 4, classes: classes).targets
        let pyWLF = try NPYArray.read(folder.appendingPathComponent("wlf-2.npy")).doubles
        let pySoft = try NPYArray.read(folder.appendingPathComponent("soft-4.npy")).doubles
        #expect(pyWLF.count == 100 && pySoft.count == 100)
        #expect(zip(wlf, pyWLF).map { abs(Double($0) - $1) }.max()! < 1e-6)
        #expect(zip(soft, pySoft).map { abs(Double($0) - $1) }.max()! < 1e-6)
    }

    /// Every exported Python file compiles (`python3 -m py_compile`), the PyTorch recipe included.
    @Test func theExportedPythonCompiles() throws {
        let (folder, _) = try export()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", "-m", "py_compile"] + Self.pythonFiles.map { folder.appendingPathComponent($0).path }
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(message)")
    }

    /// `explicable_data.stratified_subset` draws exactly `Dataset.stratifiedSubset`'s samples, so a
    /// PyTorch run of `--subset N --test-subset M --seed S` uses the images `explicable train` uses.
    @Test(arguments: [(1000, UInt64(1)), (37, 0), (9999, 12345), (10, UInt64.max)])
    func stratifiedSubsetsAreExplicables(size: Int, seed: UInt64) throws {
        let (folder, data) = try export()
        let test = try DatasetReader.cifar10(
            folder: URL(fileURLWithPath: data).appendingPathComponent("cifar-10-batches-bin"), split: .test)
        // Feature i is i, so the subset's features are the chosen indices.
        let indexed = Dataset(
            source: "indices", samples: .features((0..<test.count).map(Float.init), dimension: 1), labels: test.labels,
            classes: test.classes)
        guard case .features(let chosen, _) = try indexed.stratifiedSubset(size, seed: seed).samples else {
            Issue.record("features expected")
            return
        }
        let out = try python(
            """
            import sys, json
            sys.path.insert(0, sys.argv[1])
            import explicable_data as D
            _, labels, classes = D.read_cifar10(sys.argv[2], "test")
            print(json.dumps(D.stratified_subset(labels, int(sys.argv[3]), int(sys.argv[4]), len(classes)).tolist()))
            """, folder.path, data, String(size), String(seed))
        let indices = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [Int]
        #expect(indices == chosen.map { Int($0) })
    }

    /// An ImageFolder tree is read with classes.txt's order, folders named by labels or mapped
    /// through a class-set TSV (ImageNet's `n01440764` folders via `wordnet/imagenet1k.tsv`).
    @Test func imageFolderClassesFollowClassesTxt() throws {
        let (folder, _) = try export()
        let tree = try temporaryFolder()
        for (name, files) in [("n01443537", ["b.jpg", "a.JPEG"]), ("n01440764", ["c.png", "notes.txt"])] {
            let sub = tree.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for file in files { try Data().write(to: sub.appendingPathComponent(file)) }
        }
        let out = try python(
            """
            import sys, json, os
            sys.path.insert(0, sys.argv[1])
            import explicable_data as D
            mapping = D.read_class_map(sys.argv[3])
            samples = D.image_folder_samples(sys.argv[2], ["goldfish", "tench"], mapping)
            print(json.dumps([[os.path.relpath(p, sys.argv[2]), k] for p, k in samples]))
            try:
                D.image_folder_samples(sys.argv[2], ["goldfish", "tench", "great_white_shark"], mapping)
                print("accepted")
            except D.DataError as e:
                print("refused:", e)
            """, folder.path, tree.path, repositoryRoot.appendingPathComponent("wordnet/imagenet1k.tsv").path)
        let lines = out.split(separator: "\n").map(String.init)
        let samples = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [[Any]]
        #expect(
            samples?.map { "\($0[0])=\($0[1])" } == ["n01440764/c.png=1", "n01443537/a.JPEG=0", "n01443537/b.jpg=0"])
        #expect(lines.count > 1 && lines[1].hasPrefix("refused:") && lines[1].contains("great_white_shark"), "\(out)")
    }

    /// A run folder the recipe writes (here from made-up probabilities, NumPy only) has the
    /// metrics `Metrics.evaluate` computes, and `explicable compare` reads it (not with --ood).
    @Test func aPythonRunFolderIsReadByCompare() throws {
        let (folder, data) = try export()
        let runs = try temporaryFolder()
        let torchRun = runs.appendingPathComponent("torch-run")
        _ = try python(
            """
            import sys, numpy as np
            sys.path.insert(0, sys.argv[1])
            import explicable_data as D
            import explicable_loss as L
            s, d, classes = L.load_export(sys.argv[1])
            rng = np.random.default_rng(0)
            labels = rng.integers(0, 10, size=300)
            p = rng.dirichlet(np.full(10, 0.3), size=300).astype(np.float32)
            p[np.arange(150), labels[:150]] += 1  # half of them mostly right
            p /= p.sum(axis=1, keepdims=True)
            D.write_run_folder(sys.argv[2], p, labels, classes, s, d, 2.0, "argmax", {"framework": "test"})
            """, folder.path, torchRun.path)
        let probabilities = try NPYArray.read(torchRun.appendingPathComponent("probabilities.npy"))
        #expect(probabilities.shape == [300, 10])
        guard case .float32(let p) = probabilities.storage else {
            Issue.record("probabilities.npy must be float32")
            return
        }
        let labels = try NPYArray.read(torchRun.appendingPathComponent("labels.npy"))
        guard case .int64(let y) = labels.storage else {
            Issue.record("labels.npy must be int64")
            return
        }
        let classes = try ClassSetCatalogForTests.cifar10()
        let chl = ClassMatrix(
            classes: classes, kind: .similarity,
            values: try NPYArray.read(URL(fileURLWithPath: data + "/paper/cifar10_CHL_cmat.npy")).doubles,
            provenance: .init(source: "paper"))
        let (predictions, metrics) = Metrics.evaluate(
            probabilities: p, labels: y.map { Int32($0) }, classCount: 10,
            matrix: try EvaluationMatrix(chl, classes: classes), threshold: 2, decoding: .argmax)
        let written = try NPYArray.read(torchRun.appendingPathComponent("predictions.npy"))
        guard case .int64(let pyPredictions) = written.storage else {
            Issue.record("predictions.npy must be int64")
            return
        }
        #expect(pyPredictions.map { Int($0) } == predictions)
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: torchRun.appendingPathComponent("metrics.json"))) as? [String: Any] ?? [:]
        func close(_ key: String, _ value: Double?) {
            guard let value, let python = json[key] as? Double else {
                Issue.record("metrics.json lacks \(key)")
                return
            }
            #expect(abs(python - value) < 1e-9, "\(key): \(python) vs \(value)")
        }
        close("top1", metrics.top1)
        close("top5", metrics.top5)
        close("mistake_severity", metrics.mistakeSeverity)
        close("explicable_mistake_rate", metrics.explicableMistakeRate)
        close("hierarchical_distance_at_1", metrics.hierarchicalDistanceAt1)
        close("hierarchical_distance_at_5", metrics.hierarchicalDistanceAt5)
        #expect(json["confusion"] as? [Int] == metrics.confusion)
        #expect(json["classes"] as? [String] == classes.labels)
        #expect(!FileManager.default.fileExists(atPath: torchRun.appendingPathComponent("checkpoint.ckpt").path))

        let compared = try run(
            "compare", torchRun.path, "--data", data, "--eval-matrix", "chl", "--bootstrap", "20", "--json")
        #expect(compared.status == 0, "\(compared.err)")
        let result = try JSONSerialization.jsonObject(with: Data(compared.out.utf8)) as? [String: Any]
        let models = result?["models"] as? [[String: Any]]
        #expect(models?.first?["name"] as? String == "torch-run")
        let top1 = (models?.first?["top1"] as? [String: Any])?["value"] as? Double
        #expect(top1.map { abs($0 - metrics.top1) < 1e-12 } == true)

        let ood = try run(
            "compare", torchRun.path, "--data", data, "--eval-matrix", "chl", "--ood", "--ood-images", "10")
        #expect(ood.status != 0 && ood.out.isEmpty)
        #expect(ood.err.contains("run torch-run has none"), "\(ood.err)")
    }
}
