import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Testing
import TestSupport
import WordNet

struct DemoCommandTests {
    /// The README's main command end to end on a tiny subset: matrices, two trainings, comparison,
    /// OOD, audit and the report.
    @Test func demoOnATinySubsetWritesTheReportAndASummary() throws {
        let data = try dataFolder()
        let out = try temporaryFolder().appendingPathComponent("demo")
        let r = try runWithArguments([
            "demo", "--out", out.path, "--data", data, "--subset", "200", "--test-subset", "200",
            "--epochs", "1", "--ood-images", "20", "--corruptions", "jpeg",
        ])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(r.out)")
        #expect(lines.first == "report: \(out.path)/report.html")
        #expect(lines.dropFirst().first?.hasPrefix("Accuracy: ce ") == true)
        #expect(lines.last?.contains("4140 judgments (132.48 USD) where CIFAR-10H took 511000 labels") == true)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for id in [
            "summary", "matrices", "matrix-agreement", "models", "model-table", "ood", "ood-table", "audit", "notes",
        ] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == 3 + 2 + 2)
        for file in [
            "runs/ce/checkpoint.ckpt", "runs/wlf-chl/predictions.npy", "runs/wlf-chl/history.jsonl",
            "explicable.sqlite",
        ] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let stored = try LabelStore(path: out.appendingPathComponent("explicable.sqlite").path).matrixSummaries().map(
            \.name)
        #expect(stored.contains("chl") && stored.contains("ihl") && stored.contains("ekl"), "\(stored)")
    }

    @Test func reportFromStoredMatricesAndAStudy() throws {
        let db = try likertStore()
        // What `matrix build chl --from likert:…` and `matrix build ihl --from cifar10h` store.
        let store = try LabelStore(path: db)
        let builder = MatrixBuilder(
            store: store, data: DataFolder(url: URL(fileURLWithPath: try dataFolder())),
            taxonomy: { () throws(ExplicableError) -> Taxonomy in throw ExplicableError(.missingData, "not needed") })
        let sources: [(String, MatrixSource)] = [("chl", .likert(study: "cifar10-class-likert")), ("ihl", .cifar10h)]
        for (name, source) in sources {
            let built = try builder.build([(source, 1)], options: MatrixBuilder.Options())
            try store.saveMatrix(StoredMatrix(name: name, matrix: built.matrix, counts: built.counts))
        }
        let out = try temporaryFolder().appendingPathComponent("r.html").path
        let r = try run(
            "report", "--matrix", "chl", "--matrix", "ihl", "--study", "cifar10-class-likert", "--out", out,
            "--db", db)
        #expect(r.status == 0 && r.out == "report: \(out)\n", "\(r.err)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("Reliability curve") && html.contains("id=\"audit\"") && html.contains("chl vs ihl"))
        #expect(!html.contains("id=\"models\""))
        let nothing = try run("report", "--out", out)
        #expect(nothing.status == 64)
    }
}
