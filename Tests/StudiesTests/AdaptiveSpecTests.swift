import ExplicableCore
import Foundation
import Studies
import Testing
import TestSupport

/// The spec fields of adaptive allocation (`allocation`, `adaptive`).
struct AdaptiveSpecTests {
    static var adaptive: [String: Any] { ["allocation": "adaptive", "adaptive": ["prior": "wordnet:path"]] }

    @Test func uniformIsTheDefaultAndAdaptiveTakesTheSpecsSettings() throws {
        let uniform = try StudySpec.decode(try likertSpec([:]), file: "s.json")
        #expect(uniform.effectiveAllocation == .uniform && uniform.allocatorParameters == nil)
        let spec = try StudySpec.decode(try likertSpec(Self.adaptive), file: "s.json")
        let p = try #require(spec.allocatorParameters)
        #expect(p.tolerance == 0.05 && p.scales == [1, 2] && p.priorWeight == 2 && p.ratingSD == 1)
        #expect(p.maxRatingsPerItem == spec.ratingsPerItem && p.itemsPerAssignment == spec.itemsPerAssignment)
        #expect(p.ratingRange == 0...4 && p.attentionChecksPerAssignment == spec.attentionChecksPerAssignment)
        let tuned = try StudySpec.decode(
            try likertSpec([
                "allocation": "adaptive",
                "adaptive": [
                    "prior": "matrix:ekl", "tolerance": 0.02, "scales": [2], "priorWeight": 4, "ratingSD": 0.8,
                ],
            ]), file: "s.json")
        #expect(tuned.adaptive?.prior == "matrix:ekl")
        #expect(tuned.allocatorParameters?.tolerance == 0.02 && tuned.allocatorParameters?.scales == [2])
        #expect(tuned.allocatorParameters?.priorWeight == 4 && tuned.allocatorParameters?.ratingSD == 0.8)
    }

    @Test(arguments: [
        (
            #"{"allocation": "clever"}"#,
            "s.json: field 'allocation': Cannot initialize Allocation from invalid String value clever"
        ),
        (#"{"allocation": "adaptive"}"#, "s.json: field 'adaptive' is required with allocation 'adaptive'"),
        (#"{"adaptive": {"prior": "wordnet"}}"#, "s.json: field 'adaptive' is only read with allocation 'adaptive'"),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": ""}}"#,
            "s.json: field 'adaptive.prior' must name a matrix (e.g. wordnet:path)"
        ),
        (#"{"allocation": "adaptive", "adaptive": {}}"#, "s.json: missing field 'adaptive.prior'"),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": "wordnet", "tolerance": 0}}"#,
            "s.json: field 'adaptive.tolerance' must be between 0 and 1"
        ),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": "wordnet", "scales": []}}"#,
            "s.json: field 'adaptive.scales' must be positive numbers up to 100, at least one"
        ),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": "wordnet", "scales": [-1]}}"#,
            "s.json: field 'adaptive.scales' must be positive numbers up to 100, at least one"
        ),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": "wordnet", "priorWeight": 0}}"#,
            "s.json: field 'adaptive.priorWeight' must be positive"
        ),
        (
            #"{"allocation": "adaptive", "adaptive": {"prior": "wordnet", "ratingSD": -2}}"#,
            "s.json: field 'adaptive.ratingSD' must be positive"
        ),
    ])
    func badSettingsAreNamed(changes: String, message: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(changes.utf8)) as! [String: Any]
        let data = try likertSpec(object)
        #expect {
            _ = try StudySpec.decode(data, file: "s.json")
        } throws: { error in
            (error as? ExplicableError)?.description == message
        }
    }

    @Test func adaptiveNeedsAClassPairDesign() throws {
        let (spec, json) = try StudySpec.load(
            repositoryRoot.appendingPathComponent("studies/cifar10-instance-labels.json"))
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        object.merge(Self.adaptive) { _, new in new }
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(spec.design == .instanceLabel)
        #expect {
            _ = try StudySpec.decode(data, file: "s.json")
        } throws: { error in
            (error as? ExplicableError)?.description
                == "s.json: field 'allocation' 'adaptive' needs a class-pair design, not instance-label"
        }
    }
}
