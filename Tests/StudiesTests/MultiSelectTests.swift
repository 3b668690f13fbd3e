import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// Multi-select ("which of these") attention checks: `attentionChecks[].options` and `expectedOptions`.
struct MultiSelectTests {
    static var checks: [[String: Any]] {
        [
            ["key": "circle-triangle", "prompt": "circle → triangle?", "expected": 0],
            [
                "key": "animals", "prompt": "Tick every animal.", "options": ["cat", "dog", "ship", "truck"],
                "expectedOptions": ["cat", "dog"],
            ],
        ]
    }

    func specError(_ checks: [[String: Any]]) -> String? {
        do {
            _ = try StudySpec.decode(
                likertSpec(["attentionChecks": checks, "attentionChecksPerAssignment": 1]), file: "s.json")
            return nil
        } catch { return (error as? ExplicableError)?.description }
    }

    @Test func badSpecsNameTheField() {
        #expect(
            specError([["key": "a", "prompt": "p", "options": ["x", "y"]]])
                == "s.json: field 'attentionChecks[0]' has 'options' but no 'expectedOptions'")
        #expect(
            specError([["key": "a", "prompt": "p", "options": ["x", "y"], "expectedOptions": ["z"]]])
                == "s.json: field 'attentionChecks[0].expectedOptions' names 'z', which is not one of its options")
        #expect(
            specError([["key": "a", "prompt": "p", "options": ["x", "x"], "expectedOptions": ["x"]]])
                == "s.json: field 'attentionChecks[0].options' must be 2 to 20 distinct names of 1 to 100 characters")
        #expect(
            specError([["key": "a", "prompt": "p", "options": ["x", "y"], "expectedOptions": ["x"], "expected": 1]])
                == "s.json: field 'attentionChecks[0]' has 'options' and 'expected' or 'pattern': give one kind")
        #expect(specError(Self.checks) == nil)
    }

    @Test func everyImporterStoresAllOptionsTickedAndQCComparesTheSet() throws {
        let (store, study) = try likertStudy(changes: ["attentionChecks": Self.checks])
        let payload = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"attn:animals","choices":["dog","cat"]},{"item":"pair:0:1","value":2}]}
            """#, name: "p.json")
        #expect(
            try Importer(study: study, store: store).run(payload, options: .init(format: .payload)).responsesAdded == 2)
        let long = try writeFile("annotator,item,value\nw1,attn:animals,cat;ship\nw1,pair:0:2,1\n")
        #expect(try Importer(study: study, store: store).run(long, options: .init(format: .long)).responsesAdded == 2)
        let jspsych = try writeFile(
            #"[{"item":"attn:animals","response":{"Q0":["cat","dog"]},"subject":"p1"},{"item":"pair:0:3","response":3,"subject":"p1"}]"#,
            name: "j.json")
        #expect(
            try Importer(study: study, store: store).run(jspsych, options: .init(format: .jspsych)).responsesAdded == 2)
        let crowd =
            #"[{""which_1"":{""cat"":true,""dog"":true,""ship"":false,""truck"":true},""which_2"":{""0"":false,""2"":true}}]"#
        let mturk = try writeFile(
            "AssignmentId,WorkerId,AssignmentStatus,Input.item_1,Input.item_2,Answer.taskAnswers\n"
                + "A1,W1,Submitted,attn:animals,pair:0:4,\"\(crowd)\"\n", name: "batch.csv")
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.item_{n}", value: "Answer.taskAnswers:which_{n}")
        #expect(try Importer(study: study, store: store).run(mturk, options: options).responsesAdded == 2)
        let texts = try store.read {
            try String.fetchAll($0, sql: "SELECT text FROM response WHERE text IS NOT NULL ORDER BY text")
        }
        #expect(texts == [#"["cat","dog","truck"]"#, #"["cat","dog"]"#, #"["cat","dog"]"#, #"["cat","ship"]"#])
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.filter { $0.failedChoiceChecks == 1 }.map(\.assignmentID).sorted() == ["A1", "long:w1"])
        #expect(rows.allSatisfy { $0.failedChecks == $0.failedChoiceChecks })
    }

    @Test func singleValueItemsStillRefuseSeveralOptionsAndTheStoreIsUnchanged() throws {
        let (store, study) = try likertStudy(changes: ["attentionChecks": Self.checks])
        let before = try dump(store)
        let payload = try writeFile(
            #"{"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"pair:0:1","choices":["3","4"]}]}"#,
            name: "p.json")
        #expect {
            _ = try Importer(study: study, store: store).run(payload, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(payload.path):1: 2 options chosen (3, 4) for item 'pair:0:1': a multi-select answer, but this "
                + "item takes one value"
        }
        let unknown = try writeFile("annotator,item,value\nw1,attn:animals,cat;plane\n")
        #expect {
            _ = try Importer(study: study, store: store).run(unknown, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "option 'plane' is not one of item 'attn:animals''s (cat, dog, ship, truck)"
        }
        let crowd = #"[{""rating_1"":{""3"":true,""4"":true}}]"#
        let mturk = try writeFile(
            "AssignmentId,WorkerId,AssignmentStatus,Input.item_1,Answer.taskAnswers\nA1,W1,Submitted,pair:0:1,\"\(crowd)\"\n",
            name: "batch.csv")
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.item_{n}", value: "Answer.taskAnswers:rating_{n}")
        #expect {
            _ = try Importer(study: study, store: store).run(mturk, options: options)
        } throws: {
            ($0 as? ExplicableError)?.message
                == "'rating_1' has 2 options chosen (3, 4): a multi-select answer, but each item takes one value"
        }
        #expect(try dump(store) == before)
    }
}
