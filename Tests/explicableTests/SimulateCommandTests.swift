import Foundation
import Testing
import TestSupport

/// `study simulate` over HTTP and into a jsPsych file, and `matrix truth`, end to end.
struct SimulateCommandTests {
    let spec = repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json").path

    /// 30 participants (a third careless) take the CIFAR-10 study through the real server; the
    /// store then holds their 30 submissions, and QC rejects careless ones for failed checks.
    @Test func participantsTakeTheServedStudy() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("s.sqlite").path
        let data = try requireSharedData("paper/cifar10_CHL_cmat.npy").deletingLastPathComponent()
            .deletingLastPathComponent()
        _ = try run("study", "create", spec, "--db", db)
        let r = try run(
            "study", "simulate", "cifar10-class-likert", "--truth", "chl", "--raters", "30", "--careless", "0.34",
            "--seed", "4", "--db", db, "--data", data.path)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("30 simulated participants (") && r.out.contains("30 finished, 0 turned away"))
        #expect(r.out.hasSuffix("510 answers saved\n"), "\(r.out)")
        let qc = try run("study", "qc", "cifar10-class-likert", "--db", db)
        #expect(qc.out.contains("failed") && qc.out.hasSuffix("of 30 submissions\n"), "\(qc.out)")
    }

    @Test func jsPsychFileImportsAndQCKeepsTheAttentive() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("s.sqlite").path, file = folder.appendingPathComponent("sim.json").path
        let data = try requireSharedData("paper/cifar10_CHL_cmat.npy").deletingLastPathComponent()
            .deletingLastPathComponent()
        _ = try run("study", "create", spec, "--db", db)
        let r = try run(
            "study", "simulate", "cifar10-class-likert", "--truth", "chl", "--raters", "40", "--careless", "0",
            "--write-platform", "jspsych", "--out", file, "--db", db, "--data", data.path)
        #expect(r.status == 0 && r.out == "40 simulated participants (680 answers) written to \(file)\n", "\(r.err)")
        let imported = try run("study", "import", "cifar10-class-likert", file, "--format", "jspsych", "--db", db)
        #expect(
            imported.status == 0 && imported.out.contains("680 answers added in 40 new submissions"), "\(imported.err)")
        let bad = try run(
            "study", "simulate", "cifar10-class-likert", "--truth", "chl", "--raters", "1",
            "--write-platform", "mturk", "--out", file, "--db", db)
        #expect(bad.status == 64 && bad.err.contains("--write-platform supports jspsych and long"))
    }

    /// A long CSV of the same answers imports with `--format long`; for an adaptive study the file
    /// (like `study tasks`' pages) follows the uniform plan, and both commands say so.
    @Test func longFileImportsAndAdaptiveStudiesAreToldTheyGetTheUniformPlan() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("s.sqlite").path, file = folder.appendingPathComponent("sim.csv").path
        let data = try requireSharedData("paper/cifar10_CHL_cmat.npy").deletingLastPathComponent()
            .deletingLastPathComponent()
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spec))) as? [String: Any])
        object["name"] = "adaptive-likert"
        object["allocation"] = "adaptive"
        object["adaptive"] = ["prior": "wordnet:path"]
        let adaptiveSpec = folder.appendingPathComponent("adaptive.json")
        try JSONSerialization.data(withJSONObject: object).write(to: adaptiveSpec)
        let created = try run("study", "create", adaptiveSpec.path, "--db", db)
        #expect(created.status == 0, "\(created.err)")
        let note = "note: adaptive-likert allocates adaptively, which only 'study serve' does"
        let tasks = try run(
            "study", "tasks", "adaptive-likert", "--out", folder.appendingPathComponent("t").path, "--db", db, "--data",
            data.path)
        #expect(tasks.status == 0 && tasks.err.contains(note) && tasks.err.contains("uniform plan"), "\(tasks.err)")
        let r = try run(
            "study", "simulate", "adaptive-likert", "--truth", "chl", "--raters", "12", "--careless", "0",
            "--write-platform", "long", "--out", file, "--db", db, "--data", data.path)
        #expect(r.status == 0 && r.out == "12 simulated participants (204 answers) written to \(file)\n", "\(r.err)")
        #expect(r.err.contains(note))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("annotator,assignment,item,value,rt_ms,work_seconds\nsim-1-0,sim-1-0-a,"))
        #expect(text.split(separator: "\n").count == 205)
        let imported = try run("study", "import", "adaptive-likert", file, "--format", "long", "--db", db)
        #expect(
            imported.status == 0 && imported.out.contains("204 answers added in 12 new submissions"), "\(imported.err)")
        let qc = try run("study", "qc", "adaptive-likert", "--db", db)
        #expect(qc.out.hasSuffix("of 12 submissions\n"), "\(qc.out)")
    }

    @Test func matrixTruthIsSeededAndDocumented() throws {
        let folder = try temporaryFolder()
        let data = try requireSharedData("wordnet/english-wordnet-2025.xml.gz").deletingLastPathComponent()
            .deletingLastPathComponent()
        let a = folder.appendingPathComponent("a.npy").path, b = folder.appendingPathComponent("b.npy").path
        let r = try run("matrix", "truth", "--classes", "cifar100", "--seed", "3", "--out", a, "--data", data.path)
        #expect(r.status == 0 && r.out.contains("100 classes, simulated truth"), "\(r.err)")
        #expect(r.out.contains("log CHL = -1.994 + 10.856 · prior"))
        _ = try run("matrix", "truth", "--classes", "cifar100", "--seed", "3", "--out", b, "--data", data.path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        #expect(try run("matrix", "truth", "--classes", "cifar100", "--out", "x.txt").status == 64)
    }

    /// `audit --cost-of-quality` prices every design of the study against the full design and CIFAR-10H.
    @Test func auditPricesEachDesign() throws {
        let folder = try temporaryFolder()
        let db = folder.appendingPathComponent("s.sqlite").path
        let data = try requireSharedData("wordnet/english-wordnet-2025.xml.gz").deletingLastPathComponent()
            .deletingLastPathComponent()
        _ = try run("study", "create", spec, "--db", db)
        let r = try run("audit", "cifar10-class-likert", "--cost-of-quality", "--db", db, "--data", data.path)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("Cost of quality, cifar10 (seed 1)") && r.out.contains("against CIFAR-10H"))
        for design in ["full", "uniform", "sparse", "neighbours", "adaptive"] {
            #expect(r.out.contains("\n\(design) "), "no row for \(design)")
        }
        let full = r.out.split(separator: "\n").first { $0.hasPrefix("full ") }.map(String.init) ?? ""
        #expect(
            full.contains("4140") && full.contains("100.00%") && full.contains("0.81%") && full.contains("132.48 USD"),
            "\(r.out)")
    }
}
