import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// Everything the store holds about imports, as text: compared before and after a refused import.
func dump(_ store: LabelStore) throws -> String {
    try store.read { db in
        var text = ""
        for (table, order) in [
            ("import", "id"), ("annotator", "id"), ("submission", "id"),
            ("response", "submissionId, itemId"), ("responseRepeat", "submissionId, itemId, showing"),
            ("instanceCount", "itemId, classIndex"),
        ] {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY \(order)") {
                text += "\(table) \(row)\n"
            }
        }
        return text
    }
}

/// The answers stored, as `assignment item value` lines sorted.
func answers(_ store: LabelStore) throws -> [String] {
    try store.read { db in
        try Row.fetchAll(
            db,
            sql: """
                SELECT s.assignmentID, i.key, r.value FROM response r JOIN submission s ON s.id = r.submissionId
                JOIN item i ON i.id = r.itemId ORDER BY s.assignmentID, i.key
                """
        ).map { row in "\(row[0] as String) \(row[1] as String) \((row[2] as Double?).map { String(Int($0)) } ?? "-")" }
    }
}

/// Reads a CSV file into rows of fields.
func csvRows(_ url: URL) throws -> [[String]] {
    var reader = try CSVReader(url: url)
    var rows: [[String]] = []
    while let (fields, _) = try reader.next() { rows.append(fields) }
    return rows
}

/// Issue #15 item 1: the participant is never guessed among fields that disagree.
struct ParticipantFieldTests {
    @Test func severalParticipantFieldsThatDisagreeStopTheImport() throws {
        let (store, study) = try likertStudy()
        let before = try dump(store)
        let file = fixture("jspsych-subject-is-list.json")
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
            Issue.record("guessed the participant")
        } catch {
            #expect(error.kind == .badInput && error.file == file.path && error.line != nil)
            #expect(
                error.message == "trials carry several participant fields with different values (subject, workerId); "
                    + "say which one names the participant with --participant-field FIELD")
        }
        #expect(try dump(store) == before)
    }

    @Test func theNamedFieldIsTheParticipant() throws {
        let (store, study) = try likertStudy()
        let report = try Importer(study: study, store: store).run(
            fixture("jspsych-subject-is-list.json"),
            options: .init(format: .jspsych, participantField: "workerId"))
        #expect(report.rowsRead == 8 && report.submissionsAdded == 2 && report.responsesAdded == 6, "\(report)")
        #expect(
            try answers(store) == [
                "jspsych:A1B2C3D4E5F6G7 attn:circle-circle 4", "jspsych:A1B2C3D4E5F6G7 pair:0:1 3",
                "jspsych:A1B2C3D4E5F6G7 pair:1:0 2", "jspsych:A9Z8Y7X6W5V4U3 attn:circle-circle 4",
                "jspsych:A9Z8Y7X6W5V4U3 pair:0:1 1", "jspsych:A9Z8Y7X6W5V4U3 pair:1:0 0",
            ])
        #expect(try count(store, "annotator") == 2)
        // Work time from the last trial's time_elapsed.
        let work = try store.read { try Double.fetchAll($0, sql: "SELECT workSeconds FROM submission ORDER BY id") }
        #expect(work == [9.523, 9.523])
    }

    @Test func aNamedFieldATrialLacksIsABadRow() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(#"[{"item": "pair:0:1", "response": 2, "subject": "s1"}]"#, name: "d.json")
        #expect {
            _ = try Importer(study: study, store: store).run(
                file, options: .init(format: .jspsych, participantField: "pid"))
        } throws: { ($0 as? ExplicableError)?.description == "\(file.path):1: trial has no participant field 'pid'" }
    }
}

/// Issue #15 item 2: a file that maps to no item is an error naming what it saw, never an empty import.
struct NoAnswersTests {
    @Test(arguments: [
        ("jspsych-no-item-field.json", ImportFormat.jspsych, "pair_key"),
        ("jatos-data.txt", ImportFormat.jatos, "pair_key"),
        ("cognition-run.csv", ImportFormat.jspsych, "stimulus"),
    ])
    func aFileWithoutItemsIsRefusedNamingItsFields(name: String, format: ImportFormat, field: String) throws {
        let (store, study) = try likertStudy()
        let before = try dump(store)
        let file = fixture(name)
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: format))
            Issue.record("imported nothing silently")
        } catch {
            #expect(error.kind == .badInput && error.file == file.path)
            #expect(
                error.message.contains("but no answer: no trial has a 'item' field naming one of the study's items"))
            #expect(
                error.message.contains("fields seen: ") && error.message.contains(field)
                    && error.message.contains("response"))
            #expect(
                error.message.hasSuffix("with --item-field FIELD and which holds the answer with --value-field FIELD"))
        }
        #expect(try dump(store) == before && count(store, "import") == 0)
    }

    @Test func theItemFieldMapsThem() throws {
        let (store, study) = try likertStudy()
        for (name, format) in [("jspsych-no-item-field.json", ImportFormat.jspsych), ("jatos-data.txt", .jatos)] {
            let report = try Importer(study: study, store: store).run(
                fixture(name),
                options: .init(format: format, itemField: "pair_key"))
            #expect(report.rowsRead == 3, "\(report)")
            if format == .jspsych {
                #expect(report.responsesAdded == 2 && report.submissionsAdded == 1)
            } else {
                // The same trials again (the JATOS copy of the same run): nothing new.
                #expect(
                    report.responsesAdded == 0 && report.answersAlreadyStored == 2
                        && report.submissionsAlreadyPresent == 1)
            }
        }
        #expect(try answers(store) == ["6123abc0ffee0001 pair:0:1 3", "6123abc0ffee0001 pair:1:0 2"])
    }

    @Test func itemsWithoutAnswersNameTheValueField() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(#"[{"item": "pair:0:1", "button": 2, "subject": "s1"}]"#, name: "d.json")
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "1 trial names an item but none has an answer in 'response' (fields seen: button, item, subject); "
                + "say which field holds the answer with --value-field FIELD"
        }
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .jspsych, valueField: "button"))
        #expect(report.responsesAdded == 1)
    }
}

/// Issue #15 item 3: Prolific rows without a payload are never dropped silently, and a later
/// import with more payloads adds them.
struct ProlificPayloadTests {
    let export = fixture("prolific-export.csv")
    let partial = fixture("prolific-payloads-partial.jsonl")
    let all = fixture("prolific-payloads-all.jsonl")

    @Test func completedRowsWithoutPayloadRefuseTheImport() throws {
        let (store, study) = try likertStudy()
        let before = try dump(store)
        do {
            _ = try Importer(study: study, store: store).run(
                export, options: .init(format: .prolific, payloads: partial))
            Issue.record("dropped a completed submission")
        } catch {
            #expect(
                error.description == "\(export.path):5: 1 completed submission has no payload in "
                    + "prolific-payloads-partial.jsonl: line 5 (6123abc0ffee0004, APPROVED); add the missing payloads, "
                    + "or import the others with --allow-missing-payloads")
        }
        #expect(try dump(store) == before)
    }

    @Test func allowedMissingPayloadsAreListedAndAddedLater() throws {
        let (store, study) = try likertStudy()
        var options = ImportOptions(format: .prolific, payloads: partial)
        options.allowMissingPayloads = true
        let first = try Importer(study: study, store: store).run(export, options: options)
        #expect(first.rowsRead == 4 && first.submissionsAdded == 2 && first.responsesAdded == 6, "\(first)")
        #expect(first.rowsWithoutPayload == ["line 5 (6123abc0ffee0004, APPROVED)"])
        // Started at / Completed at / Time taken / Status from the export.
        let s1 = try store.read {
            try SubmissionRecord.filter(Column("assignmentID") == "6123abc0ffee0001").fetchOne($0)!
        }
        #expect(s1.platformStatus == "APPROVED" && s1.workSeconds == 180)
        #expect(s1.startedAt == ISO8601DateFormatter().date(from: "2026-11-29T07:00:00Z"))
        #expect(s1.submittedAt == ISO8601DateFormatter().date(from: "2026-11-29T07:03:00Z"))
        // The same export with all the payloads adds exactly the missing submission.
        let second = try Importer(study: study, store: store).run(
            export, options: .init(format: .prolific, payloads: all))
        #expect(
            second.submissionsAdded == 1 && second.responsesAdded == 3 && second.answersAlreadyStored == 6, "\(second)")
        #expect(!second.alreadyImported && second.submissionsAlreadyPresent == 2)
        #expect(
            try answers(store).filter { $0.hasPrefix("6123abc0ffee0004") } == [
                "6123abc0ffee0004 attn:circle-circle 4", "6123abc0ffee0004 pair:0:1 4", "6123abc0ffee0004 pair:1:0 4",
            ])
        // And once more: nothing new, said so.
        let third = try Importer(study: study, store: store).run(
            export, options: .init(format: .prolific, payloads: all))
        #expect(third.alreadyImported && third.responsesAdded == 0 && third.answersAlreadyStored == 9)
        #expect(try count(store, "import") == 2 && count(store, "response") == 9)
    }
}

/// Issue #15 item 4 and #14 item 4: a submission is stored whole or not at all; the rejects file
/// holds whole records, and importing the fixed record adds it.
struct WholeSubmissionTests {
    let batch = fixture("mturk-batch-one-bad-answer.csv")

    @Test func withoutARejectsFileOneBadAnswerRefusesTheFile() throws {
        let (store, study) = try likertStudy()
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(batch, options: .init(format: .mturk))
        } throws: {
            ($0 as? ExplicableError)?.description == "\(batch.path):3: value 7.0 is off the scale (0, 1, 2, 3, 4)"
        }
        #expect(try dump(store) == before)
    }

    @Test func aBadAnswerRejectsItsWholeSubmissionAndTheFixedRowGoesIn() throws {
        let (store, study) = try likertStudy()
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            batch, options: .init(format: .mturk, rejectsFile: rejects))
        #expect(
            report.rowsRead == 3 && report.rowsRejected == 1 && report.submissionsAdded == 2
                && report.responsesAdded == 6,
            "\(report)")
        #expect(
            try answers(store) == [
                "3K2755HG5S2ZOYMEZ0ABCDE1 attn:circle-circle 4", "3K2755HG5S2ZOYMEZ0ABCDE1 pair:0:1 3",
                "3K2755HG5S2ZOYMEZ0ABCDE1 pair:3:5 1",
                "3K2755HG5S2ZOYMEZ0ABCDE3 attn:circle-circle 4", "3K2755HG5S2ZOYMEZ0ABCDE3 pair:0:1 0",
                "3K2755HG5S2ZOYMEZ0ABCDE3 pair:3:5 0",
            ])
        // The rejects file holds the whole original row after its line and reason.
        let original = try csvRows(batch)
        let written = try csvRows(rejects)
        #expect(written.count == 2 && written[0] == ["line", "reason"] + original[0])
        #expect(written[1] == ["3", "value 7.0 is off the scale (0, 1, 2, 3, 4)"] + original[2])
        // MTurk's own fields are kept: RequesterFeedback and the rejection.
        let rejected = try store.read {
            try SubmissionRecord.filter(Column("assignmentID") == "3K2755HG5S2ZOYMEZ0ABCDE3").fetchOne($0)!
        }
        #expect(
            rejected.platformFeedback == "Answered every question with the same value" && rejected.qcStatus == .rejected
        )
        // QC sees two submissions, none empty.
        let qc = try QualityControl(study: study, store: store).run()
        #expect(qc.count == 2 && qc.allSatisfy { $0.answers == 3 })
        // The rejects file, fixed, imports as it is: its extra line/reason columns are ignored.
        let fixed = try String(contentsOf: rejects, encoding: .utf8).replacingOccurrences(
            of: #""value"":7"#, with: #""value"":3"#)
        let fixedURL = try writeFile(fixed, name: "rejects-fixed.csv")
        let again = try Importer(study: study, store: store).run(fixedURL, options: .init(format: .mturk))
        #expect(again.submissionsAdded == 1 && again.responsesAdded == 3, "\(again)")
        #expect(
            try answers(store).filter { $0.hasPrefix("3K2755HG5S2ZOYMEZ0ABCDE2") } == [
                "3K2755HG5S2ZOYMEZ0ABCDE2 attn:circle-circle 4", "3K2755HG5S2ZOYMEZ0ABCDE2 pair:0:1 2",
                "3K2755HG5S2ZOYMEZ0ABCDE2 pair:3:5 3",
            ])
        // The fixture of the corrected row says the same: already stored.
        let row = try Importer(study: study, store: store).run(
            fixture("mturk-batch-fixed-row.csv"), options: .init(format: .mturk))
        #expect(row.responsesAdded == 0 && row.answersAlreadyStored == 3 && row.submissionsAlreadyPresent == 1)
    }

    @Test func aBadTrialRejectsTheParticipantsWholeRunWithWholeTrials() throws {
        let (store, study) = try likertStudy()
        let trial1 =
            #"{"trial_type":"html-button-response","trial_index":1,"rt":1500,"response":3,"item":"pair:0:1","subject":"p1"}"#
        let trial2 =
            #"{"trial_type":"html-button-response","trial_index":2,"rt":1600,"response":9,"item":"pair:1:0","subject":"p1"}"#
        let trial3 =
            #"{"trial_type":"html-button-response","trial_index":1,"rt":1700,"response":2,"item":"pair:0:1","subject":"p2"}"#
        let file = try writeFile("[\n\(trial1),\n\(trial2),\n\(trial3)\n]\n", name: "run.json")
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .jspsych, rejectsFile: rejects))
        #expect(report.submissionsAdded == 1 && report.responsesAdded == 1 && report.rowsRejected == 2, "\(report)")
        #expect(try answers(store) == ["jspsych:p2 pair:0:1 2"])
        let written = try csvRows(rejects)
        #expect(
            written == [
                ["line", "reason", "content"],
                ["2", "line 3 of the same submission: value 9.0 is off the scale (0, 1, 2, 3, 4)", trial1],
                ["3", "value 9.0 is off the scale (0, 1, 2, 3, 4)", trial2],
            ])
        // The fixed trials go in.
        let fixed = try writeFile(
            "[\(trial1),\(trial2.replacingOccurrences(of: #""response":9"#, with: #""response":1"#))]",
            name: "fixed.json")
        let again = try Importer(study: study, store: store).run(fixed, options: .init(format: .jspsych))
        #expect(again.submissionsAdded == 1 && again.responsesAdded == 2)
    }

    @Test func longRowsAreRejectedOneByOneAndNoSubmissionIsLeftEmpty() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile("annotator,item,value\nw1,pair:0:1,2\nw2,pair:0:1,9\n")
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .long, rejectsFile: rejects))
        #expect(report.submissionsAdded == 1 && report.rowsRejected == 1)
        #expect(try count(store, "submission") == 1)
        #expect(try StudyStatus.of(study, in: store).submissionsPending == 1)
        // The fixed row adds w2's answer.
        let fixed = try writeFile("annotator,item,value\nw2,pair:0:1,1\n")
        let again = try Importer(study: study, store: store).run(fixed, options: .init(format: .long))
        #expect(again.submissionsAdded == 1 && again.responsesAdded == 1)
        // A corrected value for an answer already stored is refused, not silently kept or replaced.
        let changed = try writeFile("annotator,item,value\nw2,pair:0:1,4\n")
        #expect {
            _ = try Importer(study: study, store: store).run(changed, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "answer to item 'pair:0:1' differs from the one already stored for this assignment (1.0)"
        }
    }
}

/// Issue #15 item 5: the same person answering the same item again in another file is found.
struct TwoRoutesTests {
    @Test func jsPsychThenTheProlificExportOfTheSamePeopleIsRefused() throws {
        let (store, study) = try likertStudy()
        // The jsPsych CSV of the same two runs, without SESSION_ID.
        let csv = try writeFile(
            """
            trial_type,trial_index,time_elapsed,rt,response,item,PROLIFIC_PID
            html-button-response,1,2000,1500,3,pair:0:1,5f8a1b2c3d4e5f6a7b8c9d0e
            html-button-response,2,4000,1600,2,pair:1:0,5f8a1b2c3d4e5f6a7b8c9d0e
            html-button-response,1,2100,1400,1,pair:0:1,60b1c2d3e4f5a6b7c8d9e0f1

            """)
        let first = try Importer(study: study, store: store).run(csv, options: .init(format: .jspsych))
        #expect(first.submissionsAdded == 2 && first.responsesAdded == 3)
        let before = try dump(store)
        let export = fixture("prolific-export.csv"), payloads = fixture("prolific-payloads-all.jsonl")
        do {
            _ = try Importer(study: study, store: store).run(
                export, options: .init(format: .prolific, payloads: payloads))
            Issue.record("stored the same answers twice")
        } catch {
            #expect(
                error.description == "\(export.path):2: the same participant already answered item 'pair:0:1' in "
                    + "assignment 'jspsych:5f8a1b2c3d4e5f6a7b8c9d0e' (the same answers imported twice, by another route?)"
            )
        }
        #expect(try dump(store) == before)
        // With a rejects file the two people's export rows are rejected and the third person goes in.
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            export,
            options: .init(format: .prolific, rejectsFile: rejects, payloads: payloads))
        #expect(report.rowsRejected == 2 && report.submissionsAdded == 1 && report.responsesAdded == 3, "\(report)")
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT annotatorId) FROM submission") } == 3)
        #expect(try count(store, "submission") == 3)
    }
}

/// Issue #15 item 6: rows longer or shorter than the header are bad rows, handled alike.
struct RowWidthTests {
    @Test func longAndShortRowsAreRejectedAndTheRestImports() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            "annotator,item,value\nw1,pair:0:1,2\nw2,pair:0:1,3,extra\nw3,pair:0:1\nw4,pair:0:1,4\n")
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .long, rejectsFile: rejects))
        #expect(report.rowsRead == 4 && report.rowsRejected == 2 && report.responsesAdded == 2, "\(report)")
        #expect(
            try csvRows(rejects) == [
                ["line", "reason", "annotator", "item", "value"],
                ["3", "4 fields, but the header has 3", "w2", "pair:0:1", "3", "extra"],
                ["4", "2 fields, but the header has 3", "w3", "pair:0:1"],
            ])
        let (store2, study2) = try likertStudy()
        let short = try writeFile("annotator,item,value\nw1,pair:0:1,2\nw3,pair:0:1\n")
        #expect {
            _ = try Importer(study: study2, store: store2).run(short, options: .init(format: .long))
        } throws: { ($0 as? ExplicableError)?.description == "\(short.path):3: 2 fields, but the header has 3" }
        #expect(try count(store2, "response") == 0)
    }

    @Test func aCIFAR10HRowOfTheWrongWidthIsABadRow() throws {
        let (store, study) = try InstanceLabelImportTests().instanceStudy()
        let file = try writeFile(
            """
            annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed
            0,0,0,cat,cat,3,3,1,1,cat/image1.png,tabby,1250.5,2000,surplus
            1,0,0,cat,dog,3,5,0,1,cat/image1.png,tabby,700,1500

            """)
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .cifar10hRaw, rejectsFile: rejects))
        #expect(report.rowsRejected == 1 && report.responsesAdded == 1 && report.submissionsAdded == 1, "\(report)")
    }
}

/// Issue #14: values that would trap, and records that would exhaust memory, are clean errors.
struct HostileValueTests {
    @Test(arguments: ["1e300", "9223372036854775808", "-1e300", "nan"])
    func hugeInstanceLabelsAreBadRows(value: String) throws {
        let (store, study) = try InstanceLabelImportTests().instanceStudy()
        let file = try writeFile("annotator,item,value\nw1,image:1,\(value)\nw1,image:2,3\n")
        #expect(throws: ExplicableError.self) {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        }
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .long, rejectsFile: rejects))
        #expect(report.rowsRejected == 1 && report.responsesAdded == 1)
    }

    @Test(arguments: ["1e300", "9223372036854775808"])
    func hugeChosenLabelsInCIFAR10HRawAreBadRows(value: String) throws {
        let (store, study) = try InstanceLabelImportTests().instanceStudy()
        let file = try writeFile(
            """
            annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed
            0,0,0,cat,cat,3,\(value),1,1,x.png,tabby,1250,2000

            """)
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .cifar10hRaw))
        } throws: { ($0 as? ExplicableError)?.description.hasPrefix("\(file.path):2: value ") == true }
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .cifar10hRaw, rejectsFile: rejects))
        #expect(report.rowsRejected == 1 && report.responsesAdded == 0)
    }

    @Test func aHugeCountIsACleanError() throws {
        let (store, study) = try InstanceLabelImportTests().instanceStudy()
        var values = [Double](repeating: 0, count: 20)
        values[3] = 1e300
        let url = try temporaryFolder().appendingPathComponent("counts.npy")
        try NPYArray(shape: [2, 10], storage: .float64(values)).write(to: url)
        #expect {
            _ = try Importer(study: study, store: store).run(url, options: .init(format: .counts))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(url.path): row 0, class 3: count 1e+300 is not a whole number 0…1000000000"
        }
        #expect(try count(store, "instanceCount") == 0)
    }

    @Test(arguments: ["nan", "-inf", "1e308", "-5"])
    func impossibleReactionTimesAreRefused(rt: String) throws {
        let (store, study) = try likertStudy()
        let file = try writeFile("annotator,item,value,rt_ms\nw1,pair:0:1,2,\(rt)\n")
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        } throws: { ($0 as? ExplicableError)?.message.contains("is not 0…86400000 ms") == true }
        #expect(try count(store, "response") == 0)
    }

    @Test func aRecordLargerThanTheLimitIsAnErrorNamingItsLine() throws {
        let (store, study) = try likertStudy()
        let big = String(repeating: "x", count: (1 << 20) + 10)
        for text in [
            "annotator,item,value\nw1,pair:0:1,2\n\(big),pair:0:1,2\n",
            "annotator,item,value\nw1,pair:0:1,2\n\"\(big)\",pair:0:1,2\n",
        ] {
            let file = try writeFile(text)
            #expect {
                _ = try Importer(study: study, store: store).run(file, options: .init(format: .long))
            } throws: {
                ($0 as? ExplicableError)?.description
                    == "\(file.path):3: a record longer than 1048576 bytes (the limit for one record)"
            }
        }
        let lines = try writeFile(
            "{\"study\":\"cifar10-class-likert\",\"session_id\":\"s\",\"responses\":[]}\n{\"pad\":\"\(big)\"}\n",
            name: "p.jsonl")
        #expect {
            _ = try Importer(study: study, store: store).run(lines, options: .init(format: .payload))
        } throws: { ($0 as? ExplicableError)?.line == 2 }
        #expect(try count(store, "response") == 0)
    }

    @Test func foldersAndZipArchivesAreExplained() throws {
        let (store, study) = try likertStudy()
        let folder = try temporaryFolder()
        #expect {
            _ = try Importer(study: study, store: store).run(folder, options: .init(format: .long))
        } throws: { ($0 as? ExplicableError)?.message.hasPrefix("is a folder, not a file") == true }
        #expect {
            _ = try Importer(study: study, store: store).run(folder, options: .init(format: .jatos))
        } throws: { ($0 as? ExplicableError)?.message.hasPrefix("holds no JATOS result data") == true }
        let zip = folder.appendingPathComponent("jatos_results_20261129.zip")
        try Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]).write(to: zip)
        #expect {
            _ = try Importer(study: study, store: store).run(zip, options: .init(format: .jspsych))
        } throws: { ($0 as? ExplicableError)?.message.hasPrefix("is a zip archive, not a jspsych file") == true }
    }
}

/// Issue #14 item 4: an imported submission without answers (left by older versions) is never approved.
struct EmptySubmissionQCTests {
    @Test func qcRejectsAnImportedSubmissionWithoutAnswers() throws {
        let (store, study) = try likertStudy()
        _ = try store.importFile(
            studyId: study.id, fileName: "old.csv", sha256: "x", format: "mturk", importedAt: Date()
        ) {
            session in
            let annotator = try session.annotatorID(platform: "mturk", idHash: "h", rawID: nil)
            return try session.insertSubmission(
                annotatorId: annotator, assignmentID: "A0", platformStatus: "Submitted",
                startedAt: nil, submittedAt: nil, workSeconds: 60)
        }
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.count == 1 && rows[0].status == .rejected && rows[0].reason == "no answers stored")
        #expect(QualityControl.mturkDecisions(rows) == "AssignmentId,Approve,Reject\nA0,,no answers stored\n")
    }
}

/// JATOS results archives as JATOS exports them, unpacked: both layouts (the `.zip`: JATOSZipTests).
struct JATOSArchiveTests {
    @Test func anUnpackedResultsArchiveWithMetadata() throws {
        let (store, study) = try likertStudy()
        let report = try Importer(study: study, store: store).run(
            fixture("jatos_results_files_20261129"),
            options: .init(format: .jatos))
        #expect(report.rowsRead == 6 && report.submissionsAdded == 2 && report.responsesAdded == 4, "\(report)")
        #expect(
            try answers(store) == [
                "jatos:study_result_11 attn:circle-circle 4", "jatos:study_result_11 pair:0:1 3",
                "jatos:study_result_11 pair:1:0 2",
                "jatos:study_result_12 pair:0:1 1",
            ])
        let submissions = try store.read { try SubmissionRecord.order(Column("assignmentID")).fetchAll($0) }
        #expect(submissions.map(\.platformStatus) == ["FINISHED", "ABORTED"])
        #expect(
            submissions[0].workSeconds == 180 && submissions[0].startedAt == Date(timeIntervalSince1970: 1_796_021_000))
        // The ABORTED study result is rejected by quality control.
        let qc = try QualityControl(study: study, store: store).run()
        #expect(
            qc.first { $0.assignmentID == "jatos:study_result_12" }?.reason?.hasPrefix("ABORTED on the platform")
                == true)
        // Study result 11's participant is its PROLIFIC_PID: the Prolific export of the same run is the same answers.
        let again = try Importer(study: study, store: store).run(
            fixture("prolific-export.csv"),
            options: .init(
                format: .prolific, rejectsFile: try temporaryFolder().appendingPathComponent("r.csv"),
                payloads: fixture("prolific-payloads-all.jsonl")))
        #expect(again.rowsRejected == 1 && again.submissionsAdded == 2, "\(again)")
    }

    @Test func theOlderLayoutOneResultFile() throws {
        let (store, study) = try likertStudy()
        let report = try Importer(study: study, store: store).run(
            fixture("jatos_results_old_layout"),
            options: .init(format: .jatos))
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 4, "\(report)")
        #expect(
            try answers(store).map { $0.split(separator: " ")[0] } == [
                "jspsych:s1", "jspsych:s1", "jspsych:s1", "jspsych:s2",
            ])
    }

    @Test func aBadLineInAResultIsNamedWithItsPath() throws {
        let (store, study) = try likertStudy()
        let folder = try temporaryFolder()
        let result = folder.appendingPathComponent("study_result_1/comp-result_1")
        try FileManager.default.createDirectory(at: result, withIntermediateDirectories: true)
        try Data("[{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"s\"}]\n{oops\n".utf8)
            .write(to: result.appendingPathComponent("data.txt"))
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(folder, options: .init(format: .jatos))
        } throws: {
            ($0 as? ExplicableError)?.description == "\(folder.path)/study_result_1/comp-result_1/data.txt:2: not JSON"
        }
        #expect(try dump(store) == before)
    }
}
