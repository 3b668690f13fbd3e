import ExplicableCore
import Foundation
import LabelStore
import Studies
import Testing
import TestSupport

struct StudySpecTests {
    @Test(arguments: ["cifar10-class-likert", "cifar10-instance-labels", "cifar10-mistake-review"])
    func shippedSpecsAreValid(name: String) throws {
        let (spec, json) = try StudySpec.load(repositoryRoot.appendingPathComponent("studies/\(name).json"))
        #expect(spec.name == name && !json.isEmpty)
    }

    @Test func paperDesignHas90DirectedPairsWith46RatersAndTwoChecks() throws {
        let (spec, _) = try StudySpec.load(repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json"))
        let items = try Study.makeItems(spec, classes: cifar10)
        #expect(items.filter { $0.kind == .pair }.count == 90)
        #expect(items.filter { $0.kind == .pair }.allSatisfy { $0.targetRatings == 46 && $0.classA != $0.classB })
        #expect(items.filter(\.isAttentionCheck).map(\.expectedAnswer) == [0, 4])
        #expect(spec.effectiveScale.map(\.label).first == "Highly unreasonable (surprised)")
    }

    @Test func instanceLabelDesignCoversTheTestSet() throws {
        let (spec, _) = try StudySpec.load(
            repositoryRoot.appendingPathComponent("studies/cifar10-instance-labels.json"))
        let items = try Study.makeItems(spec, classes: cifar10)
        #expect(items.filter { $0.kind == .image }.count == 10_000)
        #expect(items.first?.image == "cifar10-test:0")
        #expect(spec.attentionChecksPerAssignment == 10 && spec.itemsPerAssignment == 200)
    }

    /// Each case: a JSON object of fields to change (null removes the field), and the message.
    @Test(arguments: [
        (#"{"ratingsPerItem": 0}"#, "likert.json: field 'ratingsPerItem' must be at least 1"),
        (#"{"ratingsPerItem": null}"#, "likert.json: missing field 'ratingsPerItem'"),
        (#"{"ratingsPerItem": "many"}"#, "likert.json: field 'ratingsPerItem' must be Int"),
        (
            #"{"design": "survey"}"#,
            "likert.json: field 'design': Cannot initialize Design from invalid String value survey"
        ),
        (
            #"{"question": "Is {{a}} like b?"}"#,
            "likert.json: field 'question' must contain {{a}} and {{b}} for the two classes"
        ),
        (
            #"{"attentionChecksPerAssignment": 3}"#,
            "likert.json: field 'attentionChecksPerAssignment' is 3 but only 2 attentionChecks are defined"
        ),
        (#"{"submitURL": "ftp://x"}"#, "likert.json: field 'submitURL' must be an http or https URL"),
        (
            #"{"sessionTimeoutMinutes": 0}"#,
            "likert.json: field 'sessionTimeoutMinutes' must be a positive number of minutes"
        ),
        (#"{"name": "bad name"}"#, "likert.json: field 'name' must be letters, digits, '-' or '_'"),
        (#"{"qc": {"maxSameAnswerShare": 1.5}}"#, "likert.json: field 'qc.maxSameAnswerShare' must be between 0 and 1"),
        (#"{"scale": [{"value": 0, "label": "no"}]}"#, "likert.json: field 'scale' needs at least 2 points"),
        (
            #"{"pay": {"rewardPerAssignment": 0.4, "currency": "dollars"}}"#,
            "likert.json: field 'pay.currency' must be a 3-letter code such as USD"
        ),
    ])
    func invalidFieldsAreNamed(changes: String, message: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(changes.utf8)) as! [String: Any]
        let data = try likertSpec(object.mapValues { $0 is NSNull ? nil : $0 })
        #expect {
            _ = try StudySpec.decode(data, file: "likert.json")
        } throws: { error in
            (error as? ExplicableError)?.description == message
        }
    }

    @Test func attentionCheckAnswersMustBeOnTheScale() throws {
        let data = try likertSpec([
            "attentionChecks": [["key": "x", "prompt": "?", "expected": 7]], "attentionChecksPerAssignment": 1,
        ])
        #expect {
            _ = try StudySpec.decode(data, file: "s.json")
        } throws: { error in
            (error as? ExplicableError)?.description
                == "s.json: field 'attentionChecks[0].expected' is 7.0, not a point of the scale"
        }
    }

    @Test func notJSONIsRejected() {
        #expect(throws: ExplicableError.self) { try StudySpec.decode(Data("{".utf8), file: "x.json") }
    }
}

struct StudyStoreTests {
    @Test func createStoresTheSpecVerbatimAndEveryItem() throws {
        let (store, study) = try likertStudy()
        #expect(study.items.count == 92)
        let again = try Study.named("cifar10-class-likert", in: store)
        #expect(again.record == study.record && again.items == study.items && again.classes == cifar10)
        #expect(again.record.specJSON == study.record.specJSON)
        // Creating it again with the same spec is a no-op; with another spec it is refused.
        let same = try Study.create(spec: study.spec, specJSON: study.record.specJSON, classes: cifar10, in: store)
        #expect(same.items.count == 92)
        #expect(throws: ExplicableError.self) {
            try Study.create(spec: study.spec, specJSON: study.record.specJSON + " ", classes: cifar10, in: store)
        }
    }

    @Test func unknownStudyListsTheKnownOnes() throws {
        let (store, _) = try likertStudy()
        #expect {
            _ = try Study.named("nope", in: store)
        } throws: { error in
            (error as? ExplicableError)?.message == "no study named 'nope' in the store (it has: cifar10-class-likert)"
        }
    }
}
