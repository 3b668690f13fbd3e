import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import Testing
import TestSupport

func writeFile(_ text: String, name: String = "in.csv") throws -> URL {
    let url = try temporaryFolder().appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

func count(_ store: LabelStore, _ table: String) throws -> Int {
    try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0 }
}

struct LongCSVImportTests {
    @Test func importsPairsByClassLabelAndIsIdempotent() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            annotator,class_a,class_b,value,rt_ms
            w1,cat,dog,4,1200
            w1,dog,airplane,0,900
            w2,Cat,dog,3,
            w2,truck,automobile,4,800

            """)
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        #expect(report.rowsRead == 4 && report.rowsAccepted == 4 && report.rowsRejected == 0)
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 4)
        let value = try store.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT r.value FROM response r JOIN item i ON i.id = r.itemId WHERE i.key = 'pair:3:5' AND r.reactionMs = 1200
                    """)
        }
        #expect(value == 4)
        // The same file again adds nothing, and says so.
        let again = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        #expect(try again.alreadyImported && count(store, "response") == 4 && count(store, "import") == 1)
        // Another file with the same assignments adds nothing either.
        let copy = try writeFile("annotator,class_a,class_b,value\nw1,cat,dog,4\n")
        let third = try Importer(study: study, store: store).run(copy, options: .init(format: .long))
        #expect(try third.submissionsAlreadyPresent == 1 && third.responsesAdded == 0 && count(store, "response") == 4)
    }

    @Test func annotatorIDsAreStoredHashedUnlessAskedOtherwise() throws {
        let (store, study) = try likertStudy()
        _ = try Importer(study: study, store: store).run(
            try writeFile("annotator,item,value\nA3SECRETWORKER,pair:0:1,2\n"), options: .init(format: .long))
        let stored = try store.read { try Row.fetchOne($0, sql: "SELECT idHash, rawID FROM annotator")! }
        #expect((stored["rawID"] as String?) == nil && !(stored["idHash"] as String).contains("A3SECRET"))
        let (store2, study2) = try likertStudy()
        _ = try Importer(study: study2, store: store2).run(
            try writeFile("annotator,item,value\nA3SECRETWORKER,pair:0:1,2\n"),
            options: .init(format: .long, keepRawIDs: true))
        #expect(try store2.read { try String.fetchOne($0, sql: "SELECT rawID FROM annotator") } == "A3SECRETWORKER")
    }

    /// Each bad row refuses the whole file with `FILE:LINE: reason` and leaves the store unchanged.
    @Test(arguments: [
        ("annotator,class_a,value\nw1,cat,2\n", 1, "missing column 'class_b'"),
        (
            "annotator,class_a,class_b,value\nw1,cat,dog,2\nw1,cat,unicorn,2\n", 3,
            "unknown class 'unicorn' (expected one of: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck)"
        ),
        ("annotator,class_a,class_b,value\nw1,cat,dog,7\n", 2, "value 7.0 is off the scale (0, 1, 2, 3, 4)"),
        ("annotator,class_a,class_b,value\nw1,cat,dog,high\n", 2, "field 'value' is 'high', not a number"),
        (
            "annotator,item,value\nw1,pair:0:0,2\n", 2,
            "answer for item 'pair:0:0', which study 'cifar10-class-likert' does not have"
        ),
        (
            "annotator,item,value\nw1,pair:0:1,2\nw1,pair:0:1,3\n", 3,
            "a second answer to item 'pair:0:1' in the same submission"
        ),
        ("annotator,item,value\n,pair:0:1,2\n", 2, "field 'annotator' is empty"),
        ("annotator,item,value\nw1,pair:0:1,2,extra\n", 2, "4 fields, but the header has 3"),
    ])
    func badRowsRefuseTheWholeFile(text: String, line: Int, reason: String) throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(text)
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .long))
            Issue.record("accepted a bad file")
        } catch {
            #expect(error.description == "\(file.path):\(line): \(reason)")
        }
        #expect(try count(store, "response") == 0 && count(store, "submission") == 0 && count(store, "import") == 0)
    }

    @Test func skipBadRowsImportsTheGoodOnesAndWritesTheRest() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            "annotator,class_a,class_b,value\nw1,cat,dog,2\nw1,cat,unicorn,2\nw2,dog,cat,9\nw2,dog,cat,1\n")
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        let report = try Importer(study: study, store: store).run(
            file, options: .init(format: .long, rejectsFile: rejects))
        #expect(report.rowsRead == 4 && report.rowsAccepted == 2 && report.rowsRejected == 2)
        let text = try String(contentsOf: rejects, encoding: .utf8)
        #expect(
            text.hasPrefix("line,reason,annotator,class_a,class_b,value\n3,\"unknown class 'unicorn' (expected one of:")
        )
        #expect(text.hasSuffix("\n4,\"value 9.0 is off the scale (0, 1, 2, 3, 4)\",w2,dog,cat,9\n"))
    }

    @Test func crlfBomAndQuotedNewlinesAreFine() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile("\u{FEFF}annotator,class_a,class_b,value\r\n\"w\n1\",cat,dog,2\r\n")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        #expect(report.rowsAccepted == 1)
    }
}

struct PayloadAndMTurkImportTests {
    func payload(
        study: String = "cifar10-class-likert", pid: String = "P1", session: String = "S1", values: [Int] = [3, 0, 4]
    ) -> String {
        let keys = ["pair:0:1", "attn:circle-triangle", "attn:circle-circle"]
        let responses = zip(keys, values).enumerated().map { i, kv in
            #"{"item":"\#(kv.0)","value":\#(kv.1),"cannot_tell":false,"rt_ms":\#(500 + i),"position":\#(i)}"#
        }
        return
            #"{"format":"explicable-payload/1","study":"\#(study)","assignment":0,"prolific_pid":"\#(pid)","study_id":"X","session_id":"\#(session)","started_at":"2026-11-29T07:00:00.000Z","submitted_at":"2026-11-29T07:02:30.000Z","responses":[\#(responses.joined(separator: ","))]}"#
    }

    @Test func payloadLinesImportWithWorkTime() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(payload() + "\n" + payload(pid: "P2", session: "S2") + "\n", name: "p.jsonl")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .payload))
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 6)
        let seconds = try store.read { try Double.fetchOne($0, sql: "SELECT workSeconds FROM submission LIMIT 1") }
        #expect(seconds == 150)
        let platform = try store.read { try String.fetchOne($0, sql: "SELECT DISTINCT platform FROM annotator") }
        #expect(platform == "prolific")
    }

    @Test func aPayloadOfAnotherStudyIsRefused() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(payload(study: "other-study"), name: "p.json")
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .payload))
            Issue.record("accepted another study's payload")
        } catch {
            #expect(error.message.contains("payload is for study 'other-study', not 'cifar10-class-likert'"))
        }
    }

    func mturkCSV(_ rows: [String]) -> String {
        let header =
            "\"HITId\",\"HITTypeId\",\"Title\",\"AssignmentId\",\"WorkerId\",\"AssignmentStatus\",\"AcceptTime\",\"SubmitTime\",\"WorkTimeInSeconds\",\"Input.assignment_index\",\"Answer.answers\",\"Approve\",\"Reject\""
        return ([header] + rows).joined(separator: "\r\n") + "\r\n"
    }

    func mturkRow(assignment: String, worker: String, status: String = "Submitted", answers: String) -> String {
        let cell = "\"" + answers.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        return
            "\"H1\",\"T1\",\"Rate mistakes — ça va\",\"\(assignment)\",\"\(worker)\",\"\(status)\",\"Sun Nov 29 06:00:00 PST 2026\",\"Sun Nov 29 06:02:00 PST 2026\",\"120\",\"0\",\(cell)"
    }

    @Test func mturkResultsWithShortRowsEntitiesAndRejectedAssignments() throws {
        let (store, study) = try likertStudy()
        let entityEscaped = payload(pid: "x", session: "s2").replacingOccurrences(of: "\"", with: "&quot;")
        let file = try writeFile(
            mturkCSV([
                mturkRow(assignment: "A1", worker: "W1", answers: payload()),  // stops before Approve/Reject
                mturkRow(assignment: "A2", worker: "W2", answers: entityEscaped) + ",,",
                mturkRow(assignment: "A3", worker: "W3", status: "Rejected", answers: payload(session: "s3"))
                    + ",,\"bad\"",
            ]))
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .mturk))
        #expect(report.submissionsAdded == 3 && report.responsesAdded == 9, "\(report)")
        let rows = try store.read {
            try Row.fetchAll(
                $0, sql: "SELECT assignmentID, qcStatus, workSeconds FROM submission ORDER BY assignmentID")
        }
        #expect(rows.map { $0["qcStatus"] as String } == ["pending", "pending", "rejected"])
        #expect(rows.allSatisfy { ($0["workSeconds"] as Double?) == 120 })
        let platforms = try store.read { try String.fetchAll($0, sql: "SELECT DISTINCT platform FROM annotator") }
        #expect(platforms == ["mturk"])
    }

    @Test func duplicateAssignmentInOneFileIsRefused() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            mturkCSV([
                mturkRow(assignment: "A1", worker: "W1", answers: payload()),
                mturkRow(assignment: "A1", worker: "W1", answers: payload()),
            ]))
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .mturk))
            Issue.record("accepted a duplicate assignment")
        } catch {
            #expect(error.line == 3 && error.message == "duplicate assignment id 'A1' in the file")
        }
        #expect(try count(store, "submission") == 0)
    }
}

struct InstanceLabelImportTests {
    func instanceStudy() throws -> (LabelStore, Study) {
        let url = repositoryRoot.appendingPathComponent("studies/cifar10-instance-labels.json")
        let (spec, json) = try StudySpec.load(url)
        let store = try LabelStore()
        return (store, try Study.create(spec: spec, specJSON: json, classes: cifar10, in: store))
    }

    @Test func cifar10HRawTrialsImportWithAttentionChecks() throws {
        let (store, study) = try instanceStudy()
        let file = try writeFile(
            """
            annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed
            0,0,0,cat,cat,3,3,1,1,cat/image1.png,tabby,1250.5,2000
            0,1,1,frog,frog,6,6,1,-99999,attn/frog.png,attn,900,4000
            0,2,0,ship,airplane,8,0,0,2,ship/image2.png,liner,1100,6500
            1,0,0,cat,dog,3,5,0,1,cat/image1.png,tabby,700,1500

            """)
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .cifar10hRaw))
        #expect(report.rowsAccepted == 4 && report.submissionsAdded == 2)
        let work = try store.read { try Double.fetchAll($0, sql: "SELECT workSeconds FROM submission ORDER BY id") }
        #expect(work == [6.5, 1.5])
        let check = try store.read {
            try String.fetchOne(
                $0,
                sql: """
                    SELECT i.key FROM response r JOIN item i ON i.id = r.itemId WHERE r.position = 1
                    """)
        }
        #expect(check == "attn:train-0-frog")
    }

    /// Class answers are whole indices below the class count: the count itself, a fraction and a
    /// negative index are refused as the accepted-values list refused them.
    @Test(arguments: ["10", "2.5", "-1", "9.000001"])
    func classAnswerJustOutsideTheClassesIsRefused(value: String) throws {
        let (store, study) = try instanceStudy()
        let file = try writeFile("annotator,item,value\nw1,3,\(value)\n")
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        } throws: { ($0 as? ExplicableError)?.message == "value \(Double(value)!) is not a class index 0…9" }
        let edge = try writeFile("annotator,item,value\nw1,3,9\nw2,3,0\n")
        #expect(try Importer(study: study, store: store).run(edge, options: .init(format: .long)).rowsAccepted == 2)
    }

    @Test func chosenClassOutOfRangeIsRefused() throws {
        let (store, study) = try instanceStudy()
        let file = try writeFile(
            """
            annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed
            0,0,0,cat,cat,3,12,1,1,x.png,tabby,1250,2000
            """)
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .cifar10hRaw))
        } throws: { ($0 as? ExplicableError)?.message == "value 12.0 is not a class index 0…9" }
    }

    /// The real CIFAR-10H counts (../shared/data/cifar10h), 10,000 images × 10 classes.
    @Test func cifar10HCountsMatrix() throws {
        let counts = sharedData.appendingPathComponent("cifar10h/cifar10h-counts.npy")
        try #require(
            FileManager.default.fileExists(atPath: counts.path), "missing \(counts.path) (set EXPLICABLE_DATA)")
        let (store, study) = try instanceStudy()
        let report = try Importer(study: study, store: store).run(counts, options: .init(format: .counts))
        #expect(report.rowsRead == 10_000 && report.rowsAccepted == 10_000)
        let total = try store.read { try Int.fetchOne($0, sql: "SELECT sum(count) FROM instanceCount") }
        let expected = try NPYArray.read(counts).doubles.reduce(0, +)
        #expect(Double(total ?? 0) == expected)
        // Computed with python3 and NumPy from cifar10h-counts.npy (int64, 10,000 × 10):
        // c.sum() == 511000; c.sum(0) per chosen class; c[0] and c[1] for test images 0 and 1.
        #expect(expected == 511_000)
        let perClass = try store.read {
            try Int.fetchAll($0, sql: "SELECT sum(count) FROM instanceCount GROUP BY classIndex ORDER BY classIndex")
        }
        #expect(perClass == [49809, 51612, 51393, 50504, 47927, 52908, 51285, 52960, 51352, 51250])
        func stored(image: Int) throws -> [Int] {
            let rows = try store.read {
                try Row.fetchAll(
                    $0,
                    sql: """
                        SELECT c.classIndex, c.count FROM instanceCount c JOIN item i ON i.id = c.itemId
                        WHERE i.studyId = ? AND i.key = ?
                        """, arguments: [study.id, "image:\(image)"])
            }
            var counts = [Int](repeating: 0, count: 10)
            for row in rows { counts[row[0] as Int] = row[1] }
            return counts
        }
        #expect(try stored(image: 0) == [0, 1, 1, 48, 0, 1, 0, 0, 0, 0])
        #expect(try stored(image: 1) == [0, 0, 1, 0, 0, 0, 0, 0, 50, 0])
        let status = try StudyStatus.of(study, in: store)
        #expect(status.ratingsCollected > 450_000)
    }
}
