import Foundation
import TestSupport
import Testing

/// `study import` end to end: exit codes, one-line messages, nothing written on refusal.
struct StudyImportCommandTests {
    let spec = repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json").path

    func studiesFixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/StudiesTests/Fixtures/\(name)").path
    }

    func freshStore() throws -> String {
        let db = try temporaryFolder().appendingPathComponent("s.sqlite").path
        let created = try run("study", "create", spec, "--db", db)
        #expect(created.status == 0)
        return db
    }

    func state(_ db: String) throws -> String {
        try run("study", "qc", "cifar10-class-likert", "--db", db).out
            + run("study", "status", "cifar10-class-likert", "--db", db).out
    }

    @Test func ambiguousParticipantsAreOneLineExitTwoAndNothingWritten() throws {
        let db = try freshStore()
        let before = try state(db)
        let file = studiesFixture("jspsych-subject-is-list.json")
        let r = try run("study", "import", "cifar10-class-likert", file, "--format", "jspsych", "--db", db)
        #expect(r.status == 2 && r.out.isEmpty)
        #expect(r.err.hasPrefix("Error: \(file):") && r.err.filter { $0 == "\n" }.count == 1)
        #expect(
            r.err.hasSuffix(
                ": trials carry several participant fields with different values (subject, workerId); "
                    + "say which one names the participant with --participant-field FIELD\n"))
        #expect(try state(db) == before)
        let named = try run(
            "study", "import", "cifar10-class-likert", file, "--format", "jspsych",
            "--participant-field", "workerId", "--db", db)
        #expect(
            named.status == 0 && named.out == "\(file): 8 rows, 6 answers added in 2 new submissions\n", "\(named.err)")
    }

    @Test func aFileThatMapsToNoItemIsAnError() throws {
        let db = try freshStore()
        let file = studiesFixture("cognition-run.csv")
        let r = try run("study", "import", "cifar10-class-likert", file, "--format", "jspsych", "--db", db)
        #expect(r.status == 2 && r.out.isEmpty && r.err.filter { $0 == "\n" }.count == 1)
        #expect(r.err.hasPrefix("Error: \(file): 4 records but no answer: no trial has a 'item' field"), "\(r.err)")
        let again = try run("study", "import", "cifar10-class-likert", file, "--format", "jspsych", "--db", db)
        #expect(again.status == 2, "never recorded as imported")
    }

    @Test func prolificPayloadsAreCheckedFirstAndMissingOnesListed() throws {
        let db = try freshStore()
        let export = studiesFixture("prolific-export.csv")
        let noPayloads = try run("study", "import", "cifar10-class-likert", export, "--format", "prolific", "--db", db)
        #expect(noPayloads.status == 64 && noPayloads.err.contains("--format prolific needs --payloads FILE"))
        let partial = studiesFixture("prolific-payloads-partial.jsonl")
        let refused = try run(
            "study", "import", "cifar10-class-likert", export, "--format", "prolific", "--payloads", partial,
            "--db", db)
        #expect(refused.status == 2 && refused.out.isEmpty && refused.err.filter { $0 == "\n" }.count == 1)
        #expect(refused.err.hasPrefix("Error: \(export):5: 1 completed submission has no payload"))
        let allowed = try run(
            "study", "import", "cifar10-class-likert", export, "--format", "prolific", "--payloads", partial,
            "--allow-missing-payloads", "--db", db)
        #expect(allowed.status == 0)
        #expect(
            allowed.out == "\(export): 4 rows, 6 answers added in 2 new submissions; "
                + "1 completed row without payload: line 5 (6123abc0ffee0004, APPROVED)\n")
        let all = try run(
            "study", "import", "cifar10-class-likert", export, "--format", "prolific", "--payloads",
            studiesFixture("prolific-payloads-all.jsonl"), "--db", db)
        #expect(
            all.out == "\(export): 4 rows, 3 answers added in 1 new submission; 6 answers already stored\n",
            "\(all.err)")
    }

    @Test func aFolderIsExplainedNotACocoaError() throws {
        let db = try freshStore()
        let folder = try temporaryFolder().path
        let r = try run("study", "import", "cifar10-class-likert", folder, "--format", "long", "--db", db)
        #expect(r.status == 2 && r.out.isEmpty && r.err.hasPrefix("Error: \(folder): is a folder, not a file"))
        #expect(r.err.filter { $0 == "\n" }.count == 1)
    }

    @Test func theSummaryListsSkippedEmptyCellsAndAgreesInNumber() throws {
        let db = try freshStore()
        let file = studiesFixture("mturk-own-template.csv")
        let r = try run(
            "study", "import", "cifar10-class-likert", file, "--format", "mturk", "--mapping",
            studiesFixture("mapping-rating.json"), "--db", db)
        #expect(
            r.status == 0
                && r.out == "\(file): 2 rows, 22 answers added in 2 new submissions; 2 empty cells skipped: "
                    + "line 3: Answer.Rating__4, line 3: Answer.Rating__11\n",
            "\(r.err)")
        let mapping = try temporaryFolder().appendingPathComponent("m.json")
        try Data(#"{"item": "Input.pair_{n}", "value": "Answer.taskAnswers:rating_{n}"}"#.utf8).write(to: mapping)
        let crowd = studiesFixture("mturk-crowd-form-checkboxes.csv")
        let before = try state(db)
        let refused = try run(
            "study", "import", "cifar10-class-likert", crowd, "--format", "mturk", "--mapping", mapping.path,
            "--db", db)
        #expect(
            refused.status == 2 && refused.out.isEmpty
                && refused.err == "Error: \(crowd):4: 'rating_1' has 2 options "
                    + "chosen (3, 4): a multi-select answer, but each item takes one value\n"
        )
        #expect(try state(db) == before)
        let rejects = try temporaryFolder().appendingPathComponent("r.csv").path
        let skipped = try run(
            "study", "import", "cifar10-class-likert", crowd, "--format", "mturk", "--mapping", mapping.path,
            "--skip-bad-rows", rejects, "--db", db)
        #expect(
            skipped.status == 0
                && skipped.out == "\(crowd): 3 rows, 5 answers added in 2 new submissions; 1 row rejected; "
                    + "1 empty cell skipped: line 2: rating_3\n",
            "\(skipped.err)")
    }

    @Test func aJATOSResultsFolderAndItsZipImport() throws {
        let db = try freshStore()
        let folder = studiesFixture("jatos_results_files_20261129")
        let r = try run("study", "import", "cifar10-class-likert", folder, "--format", "jatos", "--db", db)
        #expect(r.status == 0 && r.out == "\(folder): 6 rows, 4 answers added in 2 new submissions\n", "\(r.err)")
        let zip = studiesFixture("jatos_results_20261129.zip")
        let zipAsCSV = try run("study", "import", "cifar10-class-likert", zip, "--format", "long", "--db", db)
        #expect(
            zipAsCSV.status == 2 && zipAsCSV.out.isEmpty
                && zipAsCSV.err.contains(
                    "is a zip archive, not a long file: "
                        + "a JATOS results archive is read by --format jatos")
        )
        let zipDB = try freshStore()
        let fromZip = try run("study", "import", "cifar10-class-likert", zip, "--format", "jatos", "--db", zipDB)
        #expect(
            fromZip.status == 0 && fromZip.out == "\(zip): 6 rows, 4 answers added in 2 new submissions\n",
            "\(fromZip.err)")
        let truncated = try temporaryFolder().appendingPathComponent("cut.zip")
        try Data(try Data(contentsOf: URL(fileURLWithPath: zip)).prefix(200)).write(to: truncated)
        let cut = try run("study", "import", "cifar10-class-likert", truncated.path, "--format", "jatos", "--db", zipDB)
        #expect(
            cut.status == 2 && cut.out.isEmpty
                && cut.err == "Error: \(truncated.path): is not a readable zip archive "
                    + "(no central directory: truncated or damaged?)\n"
        )
    }
}
