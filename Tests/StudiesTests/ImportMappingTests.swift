import ExplicableCore
import Foundation
import GRDB
import LabelStore
@testable import Studies
import TestSupport
import Testing

/// Files from templates explicable did not make, read through a declared mapping (issue #15).
struct ImportMappingTests {
    @Test func mturkOneAnswerColumnPerItemInTextOrder() throws {
        let (store, study) = try likertStudy()
        let mapping = try ImportMapping.load(fixture("mapping-rating.json"))
        var options = ImportOptions(format: .mturk)
        options.mapping = mapping
        let report = try Importer(study: study, store: store).run(fixture("mturk-own-template.csv"), options: options)
        #expect(
            report.rowsRead == 2 && report.submissionsAdded == 2 && report.responsesAdded == 22
                && report.emptyCellsSkipped == 2,
            "\(report)")
        let stored = try answers(store)
        // Column Rating__10 (4th in the file's text order) is item 10: horse→deer (7:4), not item 4.
        #expect(stored.contains("3OB0CAO74HOE2B3Y2HWSNHSVL0PYHJ pair:7:4 4"))
        #expect(stored.contains("3OB0CAO74HOE2B3Y2HWSNHSVL0PYHJ pair:3:5 3"))
        #expect(stored.contains("3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:8:0 1") == false)  // an empty cell: not shown
        #expect(
            stored.filter { $0.hasPrefix("3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK") } == [
                "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:0:2 2", "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:0:8 0",
                "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:1:9 1", "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:2:0 3",
                "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:2:6 2", "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:3:5 4",
                "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:4:7 0", "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:5:3 2",
                "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:7:4 4", "3OB0CAO74HOE2B3Y2HWSNHSVL0PYHK pair:9:1 1",
            ])
        let work = try store.read { try Double.fetchAll($0, sql: "SELECT workSeconds FROM submission") }
        #expect(work == [240, 240])
    }

    @Test func crowdFormRadioGroupsThroughAValueTable() throws {
        let (store, study) = try likertStudy()
        var options = ImportOptions(format: .mturk)
        options.mapping = try ImportMapping.load(fixture("mapping-crowd-form.json"))
        let report = try Importer(study: study, store: store).run(fixture("mturk-crowd-form.csv"), options: options)
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 6, "\(report)")
        #expect(
            try answers(store) == [
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXQ attn:circle-circle 4", "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXQ pair:0:1 3",
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXQ pair:1:0 2",
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXR attn:circle-circle 4", "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXR pair:0:1 1",
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSXR pair:1:0 0",
            ])
    }

    @Test func crowdFormGroupsNamedByValueAndLoneCheckboxes() throws {
        let (store, study) = try likertStudy()
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.pair_{n}", value: "Answer.taskAnswers:rating_{n}")
        let rejects = try temporaryFolder().appendingPathComponent("rejects.csv")
        options.rejectsFile = rejects
        let report = try Importer(study: study, store: store).run(
            fixture("mturk-crowd-form-checkboxes.csv"), options: options)
        // Row 1: {"3": true} and {"1": true}, rating_3 with nothing chosen is skipped; row 2: {"on": true} = 1,
        // {"on": false} = 0, {"4": true}; row 3 chose two options for rating_1 and is rejected whole.
        #expect(
            report.rowsRead == 3 && report.submissionsAdded == 2 && report.responsesAdded == 5
                && report.rowsRejected == 1
                && report.emptyCellsSkipped == 1 && report.emptyCellsSkippedAt == ["line 2: rating_3"], "\(report)")
        #expect(
            try answers(store) == [
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSY1 pair:0:1 3", "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSY1 pair:1:0 1",
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSY2 pair:0:1 1", "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSY2 pair:1:0 0",
                "3X0H8UUITCYCN2C3SCZ6CP4YQ3WSY2 pair:2:3 4",
            ])
        let rejected = try csvRows(rejects)
        #expect(
            rejected.count == 2 && rejected[1][0] == "4"
                && rejected[1][1] == "'rating_1' has 2 options chosen (3, 4): "
                    + "a multi-select answer, but each item takes one value"
        )
    }

    @Test func aMultiSelectAnswerWithoutRejectsRefusesTheFileInOneLine() throws {
        let (store, study) = try likertStudy()
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(item: "Input.pair_{n}", value: "Answer.taskAnswers:rating_{n}")
        let file = fixture("mturk-crowd-form-checkboxes.csv")
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: options)
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(file.path):4: 'rating_1' has 2 options chosen (3, 4): a multi-select "
                + "answer, but each item takes one value"
        }
        #expect(try dump(store) == before)
    }

    @Test func chosenOptionOfEachGroupShape() {
        func chosen(_ options: [String: Any]) -> String {
            switch MappedMTurkFormat.chosenOption(options) {
            case .success(let text): text
            case .failure(let error): "error: " + error.reason
            }
        }
        #expect(chosen(["on": true]) == "1" && chosen(["on": false]) == "0")
        #expect(chosen(["0": false, "3": true]) == "3" && chosen(["x": false]) == "")
        #expect(
            chosen(["a": true, "b": "maybe"])
                == "error: option 'b' is neither true nor false (a radio or checkbox group is {\"option\": true|false, …})"
        )
        #expect(chosen(["on": "yes"]) == "error: is a checkbox whose 'on' is neither true nor false")
    }

    @Test func anOptionOutsideTheValueTableRejectsTheRow() throws {
        let (store, study) = try likertStudy()
        var options = ImportOptions(format: .mturk)
        options.mapping = ImportMapping(
            item: "Input.pair_{n}", value: "Answer.taskAnswers:rating_{n}",
            values: ["reasonable": 3, "neutral": 2])
        #expect {
            _ = try Importer(study: study, store: store).run(fixture("mturk-crowd-form.csv"), options: options)
        } throws: {
            ($0 as? ExplicableError)?.message
                == "'rating_3' is 'highly_reasonable', neither a number nor one of the mapping's values (neutral, reasonable)"
        }
        #expect(try count(store, "response") == 0)
    }

    @Test func jsPsychStringResponsesThroughAMapping() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            [{"trial_type":"survey-multi-choice","trial_index":1,"rt":2100,"response":{"Q0":"Reasonable"},"pair":"cat→dog","pid":"p1"},
             {"trial_type":"survey-multi-choice","trial_index":2,"rt":1900,"response":{"Q0":"Neutral"},"pair":"dog→cat","pid":"p1"}]
            """, name: "survey.json")
        var options = ImportOptions(format: .jspsych)
        options.mapping = ImportMapping(
            participant: "pid", item: "pair",
            items: ["cat→dog": "pair:3:5", "dog→cat": "pair:5:3"], values: ["reasonable": 3, "neutral": 2])
        let report = try Importer(study: study, store: store).run(file, options: options)
        #expect(report.responsesAdded == 2, "\(report)")
        #expect(try answers(store) == ["jspsych:p1 pair:3:5 3", "jspsych:p1 pair:5:3 2"])
    }

    @Test func unknownMappingFieldsAreNamed() throws {
        let file = try writeFile(#"{"item": "x", "vaule": "y"}"#, name: "m.json")
        #expect {
            _ = try ImportMapping.load(file)
        } throws: { ($0 as? ExplicableError)?.message.hasPrefix("unknown field 'vaule' (expected: ") == true }
    }
}
