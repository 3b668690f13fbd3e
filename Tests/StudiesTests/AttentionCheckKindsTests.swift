import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// Self-pairs (spec `selfPairChecks`) and free-text attention checks (`attentionChecks[].pattern`).
struct AttentionCheckKindsTests {
    static var textCheck: [String: Any] {
        [
            "key": "colour", "prompt": "Type the colour of the sky on a clear day.", "pattern": "blue|light blue",
        ]
    }
    static var checks: [[String: Any]] {
        [["key": "circle-triangle", "prompt": "circle → triangle?", "expected": 0], textCheck]
    }

    func specError(_ changes: [String: Any?]) -> String? {
        do {
            _ = try StudySpec.decode(likertSpec(changes), file: "s.json")
            return nil
        } catch { return (error as? ExplicableError)?.description }
    }

    @Test func badSpecsNameTheField() {
        #expect(
            specError(["selfPairChecks": ["perAssignment": 0]])
                == "s.json: field 'selfPairChecks.perAssignment' must be between 1 and 50")
        #expect(
            specError(["selfPairChecks": ["perAssignment": 1, "tolerance": 9]])
                == "s.json: field 'selfPairChecks.tolerance' must be between 0 and the scale's width")
        #expect(
            specError(["attentionChecks": [["key": "a", "prompt": "p"]], "attentionChecksPerAssignment": 1])
                == "s.json: field 'attentionChecks[0]' needs 'expected' (a value), 'pattern' (a free-text answer) or 'options' (a multi-select check)"
        )
        #expect(
            specError([
                "attentionChecks": [["key": "a", "prompt": "p", "expected": 4, "pattern": "x"]],
                "attentionChecksPerAssignment": 1,
            ])
                == "s.json: field 'attentionChecks[0]' has both 'expected' and 'pattern': give one")
        #expect(
            specError([
                "attentionChecks": [["key": "a", "prompt": "p", "pattern": "(blue"]], "attentionChecksPerAssignment": 1,
            ])
                == "s.json: field 'attentionChecks[0].pattern' is not a valid regular expression: '(blue'")
        #expect(specError(["attentionChecks": Self.checks]) == nil)
    }

    @Test func selfPairsAreDealtOutFailedBelowTheTopAndNeverInAMatrix() throws {
        let (store, study) = try likertStudy(changes: ["selfPairChecks": ["perAssignment": 2]])
        #expect(study.items.filter { $0.key.hasPrefix("self:") }.count == 10)
        let selfItem = try #require(study.item(key: "self:3"))
        #expect(
            selfItem.isAttentionCheck && selfItem.expectedAnswer == 4 && selfItem.classA == 3 && selfItem.classB == 3)
        #expect(study.text(of: selfItem) == "How reasonable is it for a classifier to mistake a cat for a cat?")
        for assignment in try TaskPlan(study: study).assignments {
            #expect(assignment.itemKeys.filter { $0.hasPrefix("self:") }.count == 2)
            #expect(assignment.itemKeys.filter { $0.hasPrefix("attn:") }.count == 2)
        }
        let payloads = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"good","responses":[{"item":"self:3","value":4},{"item":"pair:0:1","value":2},{"item":"pair:1:2","value":3}]}
            {"study":"cifar10-class-likert","session_id":"bad","responses":[{"item":"self:5","value":1},{"item":"pair:0:1","value":0},{"item":"pair:1:2","value":4}]}
            """#, name: "p.jsonl")
        #expect(
            try Importer(study: study, store: store).run(payloads, options: .init(format: .payload)).responsesAdded == 6
        )
        let rows = try QualityControl(study: study, store: store).run()
        let good = try #require(rows.first { $0.assignmentID == "good" })
        let bad = try #require(rows.first { $0.assignmentID == "bad" })
        #expect(good.failedChecks == 0 && good.failedSelfPairs == 0)
        #expect(bad.failedChecks == 1 && bad.failedSelfPairs == 1 && bad.status == .rejected)
        _ = try store.write { try $0.execute(sql: "UPDATE submission SET qcStatus = 'accepted'") }
        #expect(try store.acceptedPairRatings(studyId: study.id).allSatisfy { $0.classA != $0.classB })
        #expect(try store.acceptedPairRatings(studyId: study.id).count == 4)
    }

    @Test func selfPairsAreForClassPairLikertOnly() throws {
        #expect(
            specError([
                "selfPairChecks": ["perAssignment": 1], "design": "mistake-review",
                "images": ["source": "model-mistakes", "count": 5],
            ])
                == "s.json: field 'selfPairChecks' applies to class-pair-likert only, not mistake-review")
    }

    @Test func freeTextAnswersAreStoredAndFailuresCounted() throws {
        let (store, study) = try likertStudy(changes: ["attentionChecks": Self.checks])
        let payloads = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"attn:colour","text":" Light Blue "},{"item":"pair:0:1","value":2}]}
            {"study":"cifar10-class-likert","session_id":"s2","responses":[{"item":"attn:colour","text":"blue sky"},{"item":"pair:0:1","value":2}]}
            """#, name: "p.jsonl")
        #expect(
            try Importer(study: study, store: store).run(payloads, options: .init(format: .payload)).responsesAdded == 4
        )
        let long = try writeFile("annotator,item,value\nw1,attn:colour,BLUE\nw1,pair:0:2,1\n")
        #expect(try Importer(study: study, store: store).run(long, options: .init(format: .long)).responsesAdded == 2)
        let jspsych = try writeFile(
            #"[{"item":"attn:colour","response":"green","subject":"p1"},{"item":"pair:0:3","response":3,"subject":"p1"}]"#,
            name: "j.json")
        #expect(
            try Importer(study: study, store: store).run(jspsych, options: .init(format: .jspsych)).responsesAdded == 2)
        let mturk = try writeFile(
            "AssignmentId,WorkerId,AssignmentStatus,Input.item_1,Input.item_2,Answer.q_1,Answer.q_2\n"
                + "A1,W1,Submitted,attn:colour,pair:0:4,navy,2\n", name: "batch.csv")
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.item_{n}", value: "Answer.q_{n}")
        #expect(try Importer(study: study, store: store).run(mturk, options: options).responsesAdded == 2)
        let texts = try store.read {
            try String.fetchAll(
                $0, sql: "SELECT text FROM response WHERE text IS NOT NULL AND value IS NULL ORDER BY text")
        }
        #expect(texts == [" Light Blue ", "BLUE", "blue sky", "green", "navy"])
        let rows = try QualityControl(study: study, store: store).run()
        let failed = rows.filter { $0.failedTextChecks == 1 }.map(\.assignmentID).sorted()
        #expect(failed == ["A1", "jspsych:p1", "s2"])
        #expect(rows.allSatisfy { $0.failedChecks == $0.failedTextChecks })
        // Re-importing finds the text stored.
        #expect(
            try Importer(study: study, store: store).run(long, options: .init(format: .long)).answersAlreadyStored == 2)
    }

    @Test func aValueForATextCheckOrTextForARatingIsRefusedAndTheStoreUnchanged() throws {
        let (store, study) = try likertStudy(changes: ["attentionChecks": Self.checks])
        let before = try dump(store)
        let number = try writeFile(
            #"{"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"attn:colour","value":3}]}"#,
            name: "p.json")
        #expect {
            _ = try Importer(study: study, store: store).run(number, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(number.path):1: item 'attn:colour' is a free-text attention check: its answer is text"
        }
        let text = try writeFile(
            #"{"study":"cifar10-class-likert","session_id":"s1","responses":[{"item":"pair:0:1","text":"3"}]}"#,
            name: "q.json")
        #expect {
            _ = try Importer(study: study, store: store).run(text, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.message == "text answer for item 'pair:0:1', which takes a value, not text"
        }
        #expect(try dump(store) == before)
    }
}
