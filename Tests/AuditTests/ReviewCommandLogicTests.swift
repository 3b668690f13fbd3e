import ExplicableCore
import Foundation
import LabelStore
import Studies
import Testing
import TestSupport
import Audit

/// What `study review`, `study import`, `study qc` and `study review-report` compute for a
/// mistake-review study, on the library calls they make (`MistakeReview.prepare`, `Importer`,
/// `QualityControl`, `MistakeReviewReport.make`); moved here from explicableTests/ReviewCommandTests,
/// which keeps only the CLI.
struct ReviewCommandLogicTests {
    func runs(in folder: URL, labels: [Int]) throws -> (resnet: String, wlf: String) {
        try writeReviewRuns(in: folder, labels: labels)
    }

    func failure(_ body: () throws(ExplicableError) -> Void) -> ExplicableError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func reviewThenImportThenReport() throws {
        let cifar = try requireCIFAR10Folder()
        let test = try CIFARBinary(url: cifar.appendingPathComponent("test_batch.bin"))
        let labels = (0..<test.count).map { test.label($0) }
        #expect(labels.count == 10_000)
        let folder = try temporaryFolder()
        let (resnet, wlf) = try runs(in: folder, labels: labels)
        let store = try LabelStore(path: folder.appendingPathComponent("s.sqlite").path)
        let shipped = repositoryRoot.appendingPathComponent("studies/cifar10-mistake-review.json")
        func prepare(_ spec: URL, _ runs: [String], out: URL, images: Int?, name: String?)
            throws(ExplicableError) -> MistakeReview.Setup
        {
            try MistakeReview.prepare(
                spec: spec, runs: runs.map { URL(fileURLWithPath: $0) }, out: out, images: images,
                seed: nil, name: name, data: DataFolder(url: cifar.deletingLastPathComponent()),
                templates: repositoryRoot.appendingPathComponent("templates"), store: store, imageScale: 4)
        }

        // The shipped spec wants 50 images; these runs share only 3 mistakes.
        let tooMany = failure { () throws(ExplicableError) in
            _ = try prepare(shipped, [resnet, wlf], out: folder.appendingPathComponent("x"), images: nil, name: nil)
        }
        #expect(
            tooMany
                == ExplicableError(
                    .invalidArgument,
                    "only 3 test images are misclassified by every run (resnet, wlf), but 50 were asked for"),
            "\(String(describing: tooMany))")

        // Labels that are not the test set's: bad input, exit 2, nothing stored.
        let shifted = folder.appendingPathComponent("shifted")
        try FileManager.default.createDirectory(at: shifted, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: resnet + "/predictions.npy", toPath: shifted.path + "/predictions.npy")
        var badLabels = labels.map(Int64.init)
        badLabels[0] = (badLabels[0] + 1) % 10
        try NPYArray(shape: [10_000], storage: .int64(badLabels)).write(
            to: shifted.appendingPathComponent("labels.npy"))
        let bad = failure { () throws(ExplicableError) in
            _ = try prepare(shipped, [shifted.path], out: folder.appendingPathComponent("y"), images: 1, name: nil)
        }
        #expect(bad?.isMalformedInput == true, "\(String(describing: bad))")
        #expect(
            bad?.description.hasPrefix("\(shifted.path)/labels.npy: element 0 is ") == true,
            "\(String(describing: bad))")
        #expect(try Study.names(in: store).isEmpty)

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
        let made = try prepare(specFile, [resnet, wlf], out: out, images: 3, name: "review-e2e")
        #expect(made.study.spec.name == "review-e2e" && Set(made.review.entries.map(\.testIndex)).count == 3)
        #expect(made.review.candidates == 3 && made.review.entries.count == 5 && made.plan.assignments.count == 2)
        #expect(
            made.specFile.lastPathComponent == "review-e2e.json"
                && made.mappingFile.lastPathComponent == "review-models.json")
        for file in [
            "review-e2e.json", "review-models.json", "study.html", "assignments.json", "pages/assignment-0000.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        // 128×128 PNGs for the review images and the attention checks.
        for image in ["cifar10-test-10", "cifar10-test-20", "cifar10-test-30", "cifar10-train-0"] {
            let png = try [UInt8](Data(contentsOf: out.appendingPathComponent("images/\(image).png")))
            #expect(Array(png[12..<24]) == Array("IHDR".utf8) + [0, 0, 0, 128, 0, 0, 0, 128], "\(image)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("images/cifar10-test-40.png").path))

        // The mapping: image 10 has one item for both runs, 20 and 30 one per run.
        struct Mapping: Decodable {
            struct Item: Decodable {
                var item, image: String
                var testIndex, trueClass, prediction: Int
                var models: [String]
            }
            var study: String
            var models: [String]
            var items: [Item]
        }
        let mapping = try JSONDecoder().decode(
            Mapping.self, from: Data(contentsOf: out.appendingPathComponent("review-models.json")))
        #expect(mapping.study == "review-e2e" && mapping.models == ["resnet", "wlf"])
        #expect(mapping.items.map(\.testIndex) == [10, 20, 20, 30, 30])
        for item in mapping.items {
            #expect(item.trueClass == labels[item.testIndex])
            let shift = (item.prediction - item.trueClass + 10) % 10
            let expected = item.testIndex == 10 ? ["resnet", "wlf"] : shift == 1 ? ["resnet"] : ["wlf"]
            #expect(item.models == expected, "\(item.item)")
        }
        // The study's spec lists the items with their predictions; creating it again changes nothing.
        let written =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("review-e2e.json")))
            as! [String: Any]
        let list = try #require((written["images"] as? [String: Any])?["list"] as? [[String: Any]])
        #expect(list.map { $0["predictions"] as? [Int] } == mapping.items.map { [$0.prediction] })

        // Ratings (0–4; "cannot tell" allowed), per item of image: shared 10; resnet's and wlf's on 20 and 30.
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
        let ratings = folder.appendingPathComponent("ratings.csv")
        try Data(csv.utf8).write(to: ratings)
        let study = try Study.named("review-e2e", in: store)
        let imported = try Importer(study: study, store: store).run(ratings, options: ImportOptions(format: .long))
        #expect(imported.rowsRejected == 0 && imported.submissionsAdded == 4)
        let qc = try QualityControl(study: study, store: store).run()
        #expect(qc.count == 4 && qc.filter { $0.status == .accepted }.count == 4, "\(qc)")

        // What `study review-report review-e2e --json` prints: the report, encoded.
        func make() throws -> MistakeReviewReport {
            let points = study.spec.effectiveScale.map { Double($0.value) }
            return try MistakeReviewReport.make(
                studyId: study.id, study: "review-e2e", items: study.items, store: store,
                scale: points.min()!...points.max()!, seed: study.spec.seed)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let made1 = try make()
        let json = try encoder.encode(made1)
        struct Report: Decodable {
            struct Model: Decodable {
                var name: String
                var images, ratings, cannotTell: Int
                var mean, lower, upper, reasonableShare: Double
            }
            struct Test: Decodable {
                var statistic, pValue: Double
                var nonZero: Int
                var method: String
            }
            struct Comparison: Decodable {
                var first, second: String
                var images: Int
                var meanDifference: Double
                var test: Test
            }
            var models: [Model]
            var comparisons: [Comparison]
            var midpoint: Double
            var pendingSubmissions: Int
        }
        let r = try JSONDecoder().decode(Report.self, from: json)
        #expect(r.midpoint == 2 && r.pendingSubmissions == 0)
        let (a, b) = (r.models[0], r.models[1])
        // resnet: per-image means 3, 1, 1/3; 10 numeric ratings, 2 above 2 (3 and 4 on image 10); 2 "cannot tell".
        #expect(a.name == "resnet" && a.images == 3 && a.ratings == 10 && a.cannotTell == 2)
        #expect(abs(a.mean - 13.0 / 9) < 1e-12 && abs(a.reasonableShare - 0.2) < 1e-12)
        #expect(a.lower >= 1.0 / 3 && a.lower < a.mean && a.upper > a.mean && a.upper <= 3)
        // wlf: per-image means 3, 3, 3; 11 numeric ratings, 8 above 2; 1 "cannot tell" (the shared item's).
        #expect(b.name == "wlf" && b.images == 3 && b.ratings == 11 && b.cannotTell == 1)
        #expect(b.mean == 3 && b.lower == 3 && b.upper == 3 && abs(b.reasonableShare - 8.0 / 11) < 1e-12)
        // scipy.stats.wilcoxon([0, -2, -8/3]) = (0.0, 0.5): Benchmarks/wilcoxon_reference.py, case review-e2e-3.
        let c = try #require(r.comparisons.first)
        #expect(r.comparisons.count == 1 && c.first == "resnet" && c.second == "wlf" && c.images == 3)
        #expect(abs(c.meanDifference - (-14.0 / 9)) < 1e-12)
        #expect(c.test.statistic == 0 && c.test.pValue == 0.5 && c.test.nonZero == 2 && c.test.method == "permutation")

        // Seeded: the same inputs give the same report; the table names both models.
        #expect(try encoder.encode(make()) == json)
        let table = made1.table
        #expect(table.contains("resnet") && table.contains("20.0%") && table.contains("72.7%"), "\(table)")
    }
}
