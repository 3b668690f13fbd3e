import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// Test–retest repeats (spec `repeats`): items shown to one participant more than once.
struct RepeatsTests {
    func study(_ repeats: [String: Any]? = ["perAssignment": 3, "minGap": 4]) throws -> (LabelStore, Study) {
        try likertStudy(changes: ["repeats": repeats])
    }

    func specError(_ changes: [String: Any?]) -> String? {
        do {
            _ = try StudySpec.decode(likertSpec(changes), file: "s.json")
            return nil
        } catch { return (error as? ExplicableError)?.description }
    }

    /// `assignment item showing value position` for every later showing.
    func repeats(_ store: LabelStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.assignmentID, i.key, p.showing, p.value, p.position FROM responseRepeat p
                    JOIN submission s ON s.id = p.submissionId JOIN item i ON i.id = p.itemId
                    ORDER BY s.assignmentID, i.key, p.showing
                    """
            ).map {
                "\($0[0] as String) \($0[1] as String) \($0[2] as Int) \($0[3] as Double? ?? -1) \($0[4] as Int? ?? -1)"
            }
        }
    }

    @Test func badSpecsNameTheField() {
        #expect(
            specError(["repeats": ["perAssignment": 0]])
                == "s.json: field 'repeats.perAssignment' must be between 1 and itemsPerAssignment (15)")
        #expect(
            specError(["repeats": ["perAssignment": 2, "showings": 6]])
                == "s.json: field 'repeats.showings' must be between 2 and 5")
        #expect(
            specError(["repeats": ["perAssignment": 2, "minGap": -1]])
                == "s.json: field 'repeats.minGap' must be between 0 and 1000")
        #expect(specError(["repeats": ["showings": 2]]) == "s.json: missing field 'repeats.perAssignment'")
        #expect(specError(["repeats": ["perAssignment": 2]]) == nil)
    }

    @Test func theTaskPlanShowsSomeItemsAgainLaterInTheSameAssignment() throws {
        let (_, study) = try study()
        let plain = try TaskPlan(study: try likertStudy().1)
        let plan = try TaskPlan(study: study)
        #expect(plan.assignments.count == plain.assignments.count)
        var perItem: [String: Int] = [:]
        for assignment in plan.assignments {
            var positions: [String: [Int]] = [:]
            for (i, key) in assignment.itemKeys.enumerated() { positions[key, default: []].append(i) }
            let twice = positions.filter { $0.value.count > 1 }
            let regular = positions.keys.filter { $0.hasPrefix("pair:") }.count
            #expect(twice.count == min(3, regular), "\(assignment.itemKeys)")
            for (key, at) in twice {
                #expect(key.hasPrefix("pair:") && at.count == 2)
                #expect(at[1] - at[0] - 1 >= 4, "\(key) at \(at)")
            }
            for key in positions.keys where key.hasPrefix("pair:") { perItem[key, default: 0] += 1 }
        }
        // Still balanced: every pair in exactly k assignments.
        #expect(Set(perItem.values) == [3] && perItem.count == 90)
    }

    @Test func everyImporterStoresEachShowingWithItsPosition() throws {
        let (store, study) = try study()
        let payload = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"pair:0:1","value":3},{"item":"pair:2:3","value":1},{"item":"pair:0:1","value":4}]}
            """#, name: "p.json")
        let report = try Importer(study: study, store: store).run(payload, options: .init(format: .payload))
        #expect(report.responsesAdded == 3)
        #expect(try repeats(store) == ["s1 pair:0:1 2 4.0 2"])
        // The first showing is what a matrix is built from.
        _ = try store.write { try $0.execute(sql: "UPDATE submission SET qcStatus = 'accepted'") }
        #expect(try store.acceptedPairRatings(studyId: study.id).map(\.value).sorted() == [1, 3])
        // Importing it again finds every showing stored.
        let again = try Importer(study: study, store: store).run(payload, options: .init(format: .payload))
        #expect(again.responsesAdded == 0 && again.answersAlreadyStored == 3, "\(again)")
        let long = try writeFile("annotator,item,value\nw1,pair:4:5,2\nw1,pair:4:5,2\n")
        #expect(try Importer(study: study, store: store).run(long, options: .init(format: .long)).responsesAdded == 2)
        let jspsych = try writeFile(
            #"""
            [{"item":"pair:6:7","response":0,"subject":"p9","trial_index":3},{"item":"pair:6:7","response":1,"subject":"p9","trial_index":9}]
            """#, name: "j.json")
        #expect(
            try Importer(study: study, store: store).run(jspsych, options: .init(format: .jspsych)).responsesAdded == 2)
        let mturk = try writeFile(
            "AssignmentId,WorkerId,AssignmentStatus,Input.pair_1,Input.pair_2,Answer.Rating__1,Answer.Rating__2\n"
                + "A1,W1,Submitted,pair:8:9,pair:8:9,4,2\n", name: "batch.csv")
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.pair_{n}", value: "Answer.Rating__{n}")
        #expect(try Importer(study: study, store: store).run(mturk, options: options).responsesAdded == 2)
        #expect(
            try repeats(store) == [
                "A1 pair:8:9 2 2.0 1", "jspsych:p9 pair:6:7 2 1.0 9", "long:w1 pair:4:5 2 2.0 -1",
                "s1 pair:0:1 2 4.0 2",
            ])
    }

    @Test func aShowingBeyondTheSpecOrWithoutRepeatsIsRefusedAndTheStoreUnchanged() throws {
        let (store, study) = try study(["perAssignment": 1])
        let thrice = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"pair:0:1","value":3},{"item":"pair:0:1","value":3},{"item":"pair:0:1","value":4}]}
            """#, name: "p.json")
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(thrice, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(thrice.path):1: answer 3 to item 'pair:0:1' in the same submission: the spec's repeats show an "
                + "item at most 2 times"
        }
        #expect(try dump(store) == before)
        let check = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s2","responses":[{"item":"attn:circle-circle","value":4},{"item":"attn:circle-circle","value":4}]}
            """#, name: "c.json")
        #expect {
            _ = try Importer(study: study, store: store).run(check, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "a second answer to item 'attn:circle-circle' in the same submission (attention checks are not repeated)"
        }
        let (plainStore, plain) = try likertStudy()
        let twice = try writeFile("annotator,item,value\nw1,pair:4:5,2\nw1,pair:4:5,3\n")
        let plainBefore = try dump(plainStore)
        #expect {
            _ = try Importer(study: plain, store: plainStore).run(twice, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(twice.path):3: a second answer to item 'pair:4:5' in the same submission"
        }
        #expect(try dump(plainStore) == plainBefore)
        // A later showing that differs from the stored one is refused too.
        let first = try writeFile("annotator,item,value\nw1,pair:4:5,2\nw1,pair:4:5,3\n")
        _ = try Importer(study: study, store: store).run(first, options: .init(format: .long))
        let changed = try writeFile("annotator,item,value\nw1,pair:4:5,2\nw1,pair:4:5,4\n", name: "changed.csv")
        #expect {
            _ = try Importer(study: study, store: store).run(changed, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "answer to item 'pair:4:5' (showing 2) differs from the one already stored for this assignment (3.0)"
        }
    }

    /// Showings are counted per submission while its rows run together, and from the store when
    /// they come back after another submission's rows: the same numbering and refusals either way.
    @Test func showingsCountAcrossInterleavedRows() throws {
        let (store, study) = try study()
        let interleaved = try writeFile(
            "annotator,item,value\nw1,pair:4:5,2\nw2,pair:4:5,1\nw1,pair:4:5,3\nw2,pair:6:7,0\nw1,pair:6:7,4\n")
        let report = try Importer(study: study, store: store).run(interleaved, options: .init(format: .long))
        #expect(report.responsesAdded == 5, "\(report)")
        #expect(try repeats(store) == ["long:w1 pair:4:5 2 3.0 -1"])
        // Again: every showing found stored (the submissions exist now, counted in memory).
        let again = try Importer(study: study, store: store).run(interleaved, options: .init(format: .long))
        #expect(again.responsesAdded == 0 && again.answersAlreadyStored == 5, "\(again)")
        let thrice = try writeFile(
            "annotator,item,value\nw3,pair:4:5,2\nw4,pair:4:5,1\nw3,pair:4:5,3\nw4,pair:0:1,1\nw3,pair:4:5,3\n",
            name: "thrice.csv")
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(thrice, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(thrice.path):6: answer 3 to item 'pair:4:5' in the same submission: the spec's repeats show an "
                + "item at most 2 times"
        }
        #expect(try dump(store) == before)
        let (plainStore, plain) = try likertStudy()
        let twice = try writeFile(
            "annotator,item,value\nw1,pair:4:5,2\nw2,pair:4:5,1\nw1,pair:4:5,2\n", name: "twice.csv")
        #expect {
            _ = try Importer(study: plain, store: plainStore).run(twice, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(twice.path):4: a second answer to item 'pair:4:5' in the same submission"
        }
    }

    @Test func jatosAndProlificImportsKeepRepeatsToo() throws {
        let (store, study) = try study()
        let jatos = try writeFile(
            #"""
            [{"item":"pair:1:2","response":2,"PROLIFIC_PID":"p1","trial_index":1},{"item":"pair:1:2","response":3,"PROLIFIC_PID":"p1","trial_index":6}]
            """#, name: "data.txt")
        #expect(try Importer(study: study, store: store).run(jatos, options: .init(format: .jatos)).responsesAdded == 2)
        let export = try writeFile("Submission id,Participant id,Status\nS1,P2,APPROVED\n", name: "export.csv")
        let payloads = try writeFile(
            #"""
            {"study":"cifar10-class-likert","prolific_pid":"P2","session_id":"S1","responses":[{"item":"pair:3:4","value":1},{"item":"pair:3:4","value":0}]}
            """#, name: "payloads.jsonl")
        var options = ImportOptions(format: .prolific)
        options.payloads = payloads
        #expect(try Importer(study: study, store: store).run(export, options: options).responsesAdded == 2)
        #expect(try repeats(store) == ["S1 pair:3:4 2 0.0 1", "jspsych:p1 pair:1:2 2 3.0 6"])
    }
}
