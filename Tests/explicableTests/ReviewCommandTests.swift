import ExplicableCore
import Foundation
import LabelStore
import Studies
import Testing
import TestSupport

/// The shared data folder holding the CIFAR-10 binary test batch; missing data fails the test.
func cifarData() throws -> String {
    try requireCIFAR10Folder().deletingLastPathComponent().path
}

// `study review` and `study review-report` as a user runs them: exit codes, one `Error:` line, the
// human line and table, the --json shape. What they compute (which images and items, the PNGs,
// the mapping, the report's numbers): AuditTests/ReviewCommandLogicTests.

struct ReviewCommandTests {
    func runs(in folder: URL, labels: [Int]) throws -> (resnet: String, wlf: String) {
        try writeReviewRuns(in: folder, labels: labels)
    }

    @Test func reviewThenReport() throws {
        let data = try cifarData()
        let test = try CIFARBinary(url: URL(fileURLWithPath: data + "/cifar-10-batches-bin/test_batch.bin"))
        let labels = (0..<test.count).map { test.label($0) }
        let folder = try temporaryFolder()
        let (resnet, wlf) = try runs(in: folder, labels: labels)
        let db = folder.appendingPathComponent("s.sqlite").path

        // The shipped spec wants 50 images; these runs share only 3 mistakes: exit 1, one line.
        let tooMany = try run(
            "study", "review", resnet, wlf, "--out", folder.appendingPathComponent("x").path,
            "--data", data, "--db", db)
        #expect(tooMany.status == 1 && tooMany.out.isEmpty)
        #expect(
            tooMany.err
                == "Error: only 3 test images are misclassified by every run (resnet, wlf), but 50 were asked for\n")

        // Labels that are not the test set's: bad input, exit 2, one line.
        let shifted = folder.appendingPathComponent("shifted")
        try FileManager.default.createDirectory(at: shifted, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: resnet + "/predictions.npy", toPath: shifted.path + "/predictions.npy")
        var badLabels = labels.map(Int64.init)
        badLabels[0] = (badLabels[0] + 1) % 10
        try NPYArray(shape: [10_000], storage: .int64(badLabels)).write(
            to: shifted.appendingPathComponent("labels.npy"))
        let bad = try run(
            "study", "review", shifted.path, "--images", "1", "--out", folder.appendingPathComponent("y").path,
            "--data", data, "--db", db)
        #expect(bad.status == 2 && bad.out.isEmpty)
        #expect(bad.err.hasPrefix("Error: \(shifted.path)/labels.npy: element 0 is "), "\(bad.err)")
        #expect(bad.err.filter { $0 == "\n" }.count == 1)

        // A small spec: the shipped one with 5 items per assignment, 2 ratings per item, no QC rules.
        var spec =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf:
                        repositoryRoot
                        .appendingPathComponent("studies/cifar10-mistake-review.json"))) as! [String: Any]
        spec["itemsPerAssignment"] = 5
        spec["ratingsPerItem"] = 2
        spec["qc"] = [String: Any]()
        let specFile = folder.appendingPathComponent("small.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
        let out = folder.appendingPathComponent("review")
        let made = try run(
            "study", "review", "--spec", specFile.path, resnet, wlf, "--images", "3", "--name", "review-e2e",
            "--out", out.path, "--data", data, "--db", db)
        #expect(made.status == 0, "\(made.err)")
        #expect(
            made.out == "study review-e2e: 3 images of 3 misclassified by every run, 5 items; 2 assignments written to "
                + "\(out.path) (spec review-e2e.json, models review-models.json)\n", "\(made.out)")

        // The ratings of AuditTests/ReviewCommandLogicTests, imported and QC'd in-process (as `study import`
        // and `study qc` do): per item of image, shared 10; resnet's and wlf's on 20 and 30.
        struct Mapping: Decodable {
            struct Item: Decodable {
                var item: String
                var testIndex: Int
                var models: [String]
            }
            var items: [Item]
        }
        let mapping = try JSONDecoder().decode(
            Mapping.self, from: Data(contentsOf: out.appendingPathComponent("review-models.json")))
        func key(_ image: Int, _ model: String) -> String {
            mapping.items.first { $0.testIndex == image && $0.models.contains(model) }!.item
        }
        let rows: [(String, [String])] = [
            (key(10, "resnet"), ["3", "4", "cannot tell", "2"]),
            (key(20, "resnet"), ["1", "0", "1", "2"]),
            (key(20, "wlf"), ["3", "3", "4", "2"]),
            (key(30, "resnet"), ["0", "1", "cannot tell", "0"]),
            (key(30, "wlf"), ["2", "4", "3", "3"]),
        ]
        var csv = "annotator,item,value\n"
        for (item, values) in rows {
            for (w, value) in values.enumerated() { csv += "w\(w),\(item),\(value)\n" }
        }
        let store = try LabelStore(path: db)
        let study = try Study.named("review-e2e", in: store)
        let ratings = folder.appendingPathComponent("ratings.csv")
        try Data(csv.utf8).write(to: ratings)
        _ = try Importer(study: study, store: store).run(ratings, options: ImportOptions(format: .long))
        _ = try QualityControl(study: study, store: store).run()

        let report = try run("study", "review-report", "review-e2e", "--json", "--db", db)
        #expect(report.status == 0, "\(report.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any])
        #expect(object["midpoint"] as? Double == 2 && object["pendingSubmissions"] as? Int == 0, "\(report.out)")
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["resnet", "wlf"])
        for key in ["images", "ratings", "cannotTell", "mean", "lower", "upper", "reasonableShare"] {
            #expect(models.allSatisfy { $0[key] is NSNumber }, "\(key)")
        }
        let comparisons = try #require(object["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 1 && comparisons[0]["first"] as? String == "resnet")
        let testObject = try #require(comparisons[0]["test"] as? [String: Any])
        #expect(testObject["pValue"] != nil && testObject["method"] is String)
        let table = try run("study", "review-report", "review-e2e", "--db", db)
        #expect(
            table.status == 0 && table.out.contains("resnet") && table.out.contains("20.0%")
                && table.out.contains("72.7%"),
            "\(table.out)")
    }
}
