import Foundation
import Testing
import TestSupport

struct DemoCommandTests {
    /// The README's main command end to end on a tiny subset: matrices, two trainings, comparison,
    /// OOD, audit and the report.
    @Test func demoOnATinySubsetWritesTheReportAndASummary() throws {
        let data = try dataFolder()
        let out = try temporaryFolder().appendingPathComponent("demo")
        let r = try runWithArguments(["demo", "--out", out.path, "--data", data, "--subset", "200", "--test-subset", "200",
            "--epochs", "1", "--ood-images", "20", "--corruptions", "jpeg"])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(r.out)")
        #expect(lines.first == "report: \(out.path)/report.html")
        #expect(lines.dropFirst().first?.hasPrefix("Accuracy: ce ") == true)
        #expect(lines.last?.contains("4140 judgments (132.48 USD) where CIFAR-10H took 511000 labels") == true)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for id in ["summary", "matrices", "matrix-agreement", "models", "model-table", "ood", "ood-table", "audit", "notes"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == 3 + 2 + 2)
        for file in ["runs/ce/checkpoint.ckpt", "runs/wlf-chl/predictions.npy", "runs/wlf-chl/history.jsonl", "explicable.sqlite"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let list = try runWithArguments(["matrix", "list", "--db", out.appendingPathComponent("explicable.sqlite").path])
        #expect(list.out.contains("chl ") && list.out.contains("ihl ") && list.out.contains("ekl "))
    }

    @Test func reportFromStoredMatricesAndAStudy() throws {
        let (db, _) = try MatrixCommandTests().likertStore()
        _ = try run("matrix", "build", "chl", "--from", "likert:cifar10-class-likert", "--db", db)
        _ = try run("matrix", "build", "ihl", "--from", "cifar10h", "--data", try dataFolder(), "--db", db)
        let out = try temporaryFolder().appendingPathComponent("r.html").path
        let r = try run("report", "--matrix", "chl", "--matrix", "ihl", "--study", "cifar10-class-likert", "--out", out,
            "--db", db)
        #expect(r.status == 0 && r.out == "report: \(out)\n", "\(r.err)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("Reliability curve") && html.contains("id=\"audit\"") && html.contains("chl vs ihl"))
        #expect(!html.contains("id=\"models\""))
        let nothing = try run("report", "--out", out)
        #expect(nothing.status == 64)
    }
}
