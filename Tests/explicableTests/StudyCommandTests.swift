import Foundation
import Testing
import TestSupport

struct StudyCommandTests {
    let spec = repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json").path

    func store() throws -> String { try temporaryFolder().appendingPathComponent("s.sqlite").path }

    @Test func createTasksImportQCStatusEndToEnd() throws {
        let db = try store()
        let create = try run("study", "create", spec, "--db", db)
        #expect(
            create.status == 0
                && create.out
                    == "study cifar10-class-likert: class-pair-likert, 10 classes, 90 items × 46 ratings, 2 attention checks\n"
        )
        let out = try temporaryFolder().path
        let tasks = try run("study", "tasks", "cifar10-class-likert", "--out", out, "--db", db)
        #expect(tasks.status == 0 && tasks.out == "276 assignments written to \(out)\n", "\(tasks.err)")
        let csv = try temporaryFolder().appendingPathComponent("answers.csv")
        try Data("annotator,class_a,class_b,value\nw1,cat,dog,4\nw1,dog,cat,3\nw1,ship,frog,0\n".utf8).write(to: csv)
        let imported = try run("study", "import", "cifar10-class-likert", csv.path, "--format", "long", "--db", db)
        #expect(imported.status == 0)
        #expect(imported.out == "\(csv.path): 3 rows, 3 answers added in 1 new submission\n")
        let again = try run("study", "import", "cifar10-class-likert", csv.path, "--format", "long", "--db", db)
        #expect(again.out == "\(csv.path): already imported; nothing new (3 answers already stored)\n")
        let qc = try run("study", "qc", "cifar10-class-likert", "--db", db)
        #expect(qc.status == 0 && qc.out.hasSuffix("1 accepted, 0 rejected of 1 submissions\n"), "\(qc.out)")
        let status = try run("study", "status", "cifar10-class-likert", "--db", db)
        #expect(status.out.hasPrefix("ratings: 3 of 4140 (0.1%); items complete: 0 of 90\n"))
        #expect(status.out.contains("to finish: 276 assignments, 132.48 USD with platform fees"))
        #expect(try run("study", "list", "--db", db).out == "cifar10-class-likert\n")
    }

    @Test func aBadRowIsOneLineExitTwoAndTheStoreIsUnchanged() throws {
        let db = try store()
        _ = try run("study", "create", spec, "--db", db)
        let csv = try temporaryFolder().appendingPathComponent("bad.csv")
        try Data("annotator,class_a,class_b,value\nw1,cat,dog,4\nw1,cat,unicorn,2\n".utf8).write(to: csv)
        let r = try run("study", "import", "cifar10-class-likert", csv.path, "--format", "long", "--db", db)
        #expect(r.status == 2 && r.out.isEmpty)
        #expect(r.err.hasPrefix("Error: \(csv.path):3: unknown class 'unicorn'"))
        #expect(r.err.filter { $0 == "\n" }.count == 1)
        let status = try run("study", "status", "cifar10-class-likert", "--db", db)
        #expect(status.out.hasPrefix("ratings: 0 of 4140"))
        // With --skip-bad-rows the good row goes in and the bad one is written out.
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv").path
        let skipped = try run(
            "study", "import", "cifar10-class-likert", csv.path, "--format", "long", "--db", db,
            "--skip-bad-rows", rejects)
        #expect(
            skipped.status == 0
                && skipped.out == "\(csv.path): 2 rows, 1 answer added in 1 new submission; 1 row rejected\n")
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("3,\"unknown class 'unicorn'"))
    }

    @Test func badSpecAndUnknownStudyAreClearErrors() throws {
        let db = try store()
        let bad = try temporaryFolder().appendingPathComponent("bad.json")
        try Data(#"{"name": "x"}"#.utf8).write(to: bad)
        let r = try run("study", "create", bad.path, "--db", db)
        #expect(r.status == 2 && r.err.hasPrefix("Error: \(bad.path): missing field '"))
        let unknown = try run("study", "status", "nope", "--db", db)
        #expect(unknown.status == 1 && unknown.err.contains("no study named 'nope'"))
    }

    @Test func aForeignSQLiteFileIsRefusedAndLeftAlone() throws {
        let path = try temporaryFolder().appendingPathComponent("other.sqlite").path
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = [
            "python3", "-c",
            "import sqlite3; c = sqlite3.connect('\(path)'); c.execute('create table t (x)'); c.commit()",
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try run("study", "create", spec, "--db", path)
        #expect(r.status == 2 && r.err.contains("not an explicable label store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
