import ExplicableCore
import Foundation
import Testing
import TestSupport

struct CompareCommandTests {
    /// Trains one tiny cnn-s run on real CIFAR-10 into `folder/first` and copies it to `folder/copy`.
    func tinyRunAndCopy(data: String, folder: URL, subset: Int, testSubset: Int) throws -> (first: URL, copy: URL) {
        let first = folder.appendingPathComponent("first"), copy = folder.appendingPathComponent("copy")
        let t = try runWithArguments(
            ["train", "--data", data, "--arch", "cnn-s", "--subset", "\(subset)", "--test-subset", "\(testSubset)",
             "--epochs", "1", "--batch-size", "50", "--out", first.path])
        #expect(t.status == 0, "\(t.err)")
        try FileManager.default.copyItem(at: first, to: copy)
        return (first, copy)
    }

    /// Trains one tiny cnn-s run on real CIFAR-10 into `folder/name` (batches of `batchSize`; the
    /// seed, which also draws the test subset, stays the default so runs are comparable).
    func tinyRun(
        _ name: String, batchSize: Int, data: String, folder: URL, subset: Int, testSubset: Int
    ) throws -> URL {
        let out = folder.appendingPathComponent(name)
        let t = try runWithArguments(
            ["train", "--data", data, "--arch", "cnn-s", "--subset", "\(subset)", "--test-subset", "\(testSubset)",
             "--epochs", "1", "--batch-size", "\(batchSize)", "--out", out.path])
        #expect(t.status == 0, "\(t.err)")
        return out
    }

    /// A run's top-1, mistake severity and explicable-mistake rate, recomputed from its
    /// `predictions.npy` and `labels.npy` under the paper's CHL similarities S (rows = true class):
    /// severity is the mean of max(S) − S[y][p] over the mistakes, explicable the share with S[y][p] ≥ 2.
    func recomputed(_ run: URL, data: String) throws -> (top1: Double, severity: Double, explicable: Double) {
        func int64s(_ url: URL) throws -> [Int] {
            guard case .int64(let v) = try NPYArray.read(url).storage else { throw CocoaError(.fileReadCorruptFile) }
            return v.map(Int.init)
        }
        let predictions = try int64s(run.appendingPathComponent("predictions.npy"))
        let labels = try int64s(run.appendingPathComponent("labels.npy"))
        let s = try NPYArray.read(URL(fileURLWithPath: data + "/paper/cifar10_CHL_cmat.npy")).doubles
        let top = s.max()!
        let mistakes = zip(labels, predictions).filter { $0 != $1 }
        let severity = mistakes.map { top - s[$0 * 10 + $1] }.reduce(0, +) / Double(mistakes.count)
        let explicable = Double(mistakes.filter { s[$0 * 10 + $1] >= 2 }.count) / Double(mistakes.count)
        return (Double(labels.count - mistakes.count) / Double(labels.count), severity, explicable)
    }

    /// NAME=DIR,DIR: one model of several runs (seeds).
    @Test func comparesModelsOfSeveralRuns() throws {
        let data = try dataFolder()
        let (first, copy) = try tinyRunAndCopy(data: data, folder: try temporaryFolder(), subset: 100, testSubset: 50)
        let seeds = try runWithArguments(
            ["compare", "a=\(first.path),\(copy.path)", first.path, "--data", data, "--eval-matrix", "chl",
             "--bootstrap", "50", "--json"])
        #expect(seeds.status == 0, "\(seeds.err)")
        let json = try JSONSerialization.jsonObject(with: Data(seeds.out.utf8)) as? [String: Any]
        let seedModels = json?["models"] as? [[String: Any]] ?? []
        #expect(seedModels.map { $0["name"] as? String } == ["a", "first"])
        #expect((seedModels.first?["runs"] as? [[String: Any]])?.count == 2)
        let table = try runWithArguments(["compare", "a=\(first.path),\(copy.path)", first.path, "--data", data,
            "--eval-matrix", "chl", "--bootstrap", "20"])
        #expect(table.out.contains("a (2 runs)") && table.out.contains("Runs of the models of several seeds"), "\(table.out)")
        let badGroup = try runWithArguments(["compare", "a=", "--data", data])
        #expect(badGroup.status != 0 && badGroup.err.contains("NAME=DIR,DIR"), "\(badGroup.err)")
        let groupOOD = try runWithArguments(["compare", "a=\(first.path),\(copy.path)", "--data", data, "--ood"])
        #expect(groupOOD.status != 0 && groupOOD.err.contains("one run per model"), "\(groupOOD.err)")
    }

    /// Two tiny cnn-s runs on real CIFAR-10 (batches of 50 and 20), compared: their scores equal those
    /// recomputed from their prediction files; then a run and its copy, with OOD.
    @Test func comparesRunsAndEvaluatesOutOfDistribution() throws {
        let data = try dataFolder()
        let folder = try temporaryFolder()
        let (first, copy) = try tinyRunAndCopy(data: data, folder: folder, subset: 200, testSubset: 100)
        let second = try tinyRun("second", batchSize: 20, data: data, folder: folder, subset: 200, testSubset: 100)

        let text = try runWithArguments(
            ["compare", first.path, copy.path, "--data", data, "--eval-matrix", "chl", "--bootstrap", "100"])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("Images every model gets wrong") && text.out.contains("p=1.000"), "\(text.out)")

        let two = try runWithArguments(
            ["compare", first.path, second.path, "--data", data, "--eval-matrix", "chl", "--bootstrap", "100",
             "--json"])
        #expect(two.status == 0, "\(two.err)")
        let compared = try #require(try JSONSerialization.jsonObject(with: Data(two.out.utf8)) as? [String: Any])
        let scored = try #require(compared["models"] as? [[String: Any]])
        #expect(scored.map { $0["name"] as? String } == ["first", "second"])
        let (a, b) = (try recomputed(first, data: data), try recomputed(second, data: data))
        #expect(a.top1 != b.top1 || a.severity != b.severity, "the two recipes gave the same predictions")
        func value(_ model: [String: Any], _ key: String) throws -> Double {
            try #require((model[key] as? [String: Any])?["value"] as? Double, "\(key) in \(model)")
        }
        for (model, expected) in zip(scored, [a, b]) {
            #expect(try value(model, "top1").isApproximatelyEqual(to: expected.top1))
            #expect(try value(model, "mistake_severity").isApproximatelyEqual(to: expected.severity))
            #expect(try value(model, "explicable_mistake_rate").isApproximatelyEqual(to: expected.explicable))
        }
        #expect(try value(scored[1], "top1_difference").isApproximatelyEqual(to: b.top1 - a.top1))
        #expect(try value(scored[1], "severity_difference").isApproximatelyEqual(to: b.severity - a.severity))


        // A data folder with the real CIFAR-10 and CHL matrix plus one extra OOD set of 4 images.
        let root = folder.appendingPathComponent("data"), extra = root.appendingPathComponent("ood/tiny")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        for name in ["cifar-10-batches-bin", "paper"] {
            try FileManager.default.createSymbolicLink(
                at: root.appendingPathComponent(name), withDestinationURL: URL(fileURLWithPath: data + "/" + name))
        }
        try NPYArray(shape: [4, 32, 32, 3], storage: .uint8((0..<(4 * 3072)).map { UInt8(truncatingIfNeeded: $0) }))
            .write(to: extra.appendingPathComponent("images.npy"))
        try NPYArray(shape: [4], storage: .int64([0, 1, 2, 3])).write(to: extra.appendingPathComponent("labels.npy"))
        let r = try runWithArguments(
            ["compare", first.path, copy.path, "--data", root.path, "--bootstrap", "100", "--seed", "3", "--ood",
             "--ood-images", "50", "--corruptions", "jpeg,contrast", "--severities", "1,5", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(object["bootstrap"] as? Int == 100 && object["threshold"] as? Double == 2)
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["first", "copy"])
        let top1 = try #require(models[0]["top1"] as? [String: Double])
        let (value, lower, upper) = (try #require(top1["value"]), try #require(top1["lower"]), try #require(top1["upper"]))
        #expect((0...1).contains(value) && lower <= value && value <= upper)
        let difference = try #require(models[1]["top1_difference"] as? [String: Any])
        #expect(difference["p"] as? Double == 1 && difference["value"] as? Double == 0)
        let closest = try #require(object["closest_mistakes"] as? [String: Any])
        #expect(closest["hard"] as? [Int] == [0, 0])
        let ood = try #require(object["ood"] as? [String: Any])
        #expect(ood["images"] as? Int == 50)
        let corruptions = try #require(ood["corruptions"] as? [[String: Any]])
        #expect(corruptions.map { $0["name"] as? String } == ["jpeg", "contrast"])
        for corruption in corruptions {
            let severities = try #require(corruption["severities"] as? [[String: Any]])
            #expect(severities.map { $0["severity"] as? Int } == [1, 5])
            let scores = try #require(corruption["scores"] as? [[String: Any]])
            #expect(scores.count == 2)
            for score in scores {
                #expect((0...1).contains(try #require(score["top1"] as? Double)))
                if let s = score["mistake_severity"] as? Double { #expect((0...4).contains(s)) }
                if let e = score["explicable_mistake_rate"] as? Double { #expect((0...1).contains(e)) }
            }
        }
        let mean = try #require(ood["mean_over_corruptions"] as? [[String: Any]])
        #expect(mean.count == 2)
        let sets = try #require(ood["sets"] as? [[String: Any]])
        #expect(sets.map { $0["name"] as? String } == ["tiny"] && sets.first?["count"] as? Int == 4)

        // A malformed extra set is named.
        try NPYArray(shape: [3], storage: .int64([0, 1, 2])).write(to: extra.appendingPathComponent("labels.npy"))
        let bad = try runWithArguments(
            ["compare", first.path, "--data", root.path, "--bootstrap", "10", "--ood", "--ood-images", "10",
             "--corruptions", "jpeg", "--severities", "1"])
        #expect(bad.status == 2 && bad.err.contains("ood/tiny/labels.npy: 3 labels for 4 images"), "\(bad.err)")
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
