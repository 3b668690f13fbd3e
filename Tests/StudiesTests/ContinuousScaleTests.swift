import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// Continuous or fine-grained rating scales (`continuousScale: {min, max, step}`): the spec's
/// checks, and importers storing decimals such as 7.5 and 9.75 on a 0–10 scale.
struct ContinuousScaleTests {
    nonisolated(unsafe) static let slider: [String: Any] = ["min": 0, "max": 10, "step": 0.25]

    @Test func theSpecValidatesRangeStepAndAnchors() throws {
        let good = try StudySpec.decode(
            likertSpec([
                "continuousScale": Self.slider,
                "scale": [["value": 0, "label": "no"], ["value": 10, "label": "yes"]], "attentionChecks": [],
                "attentionChecksPerAssignment": 0,
            ]), file: "s.json")
        #expect(good.continuousScale == .init(min: 0, max: 10, step: 0.25) && good.scaleRange == 0...10)
        let cases: [([String: Any], String)] = [
            (["min": 5, "max": 5, "step": 1], "field 'continuousScale' needs finite min < max (found 5.0…5.0)"),
            (
                ["min": 0, "max": 10, "step": 0],
                "field 'continuousScale.step' must be positive and at most max - min (found 0.0)"
            ),
            (
                ["min": 0, "max": 10, "step": 0.3],
                "field 'continuousScale.step' must divide max - min into at most 100000 whole steps (found 33.333333333333336 steps)"
            ),
            (
                ["min": 0, "max": 1_000_000, "step": 1],
                "field 'continuousScale.step' must divide max - min into at most 100000 whole steps (found 1000000.0 steps)"
            ),
        ]
        for (scale, message) in cases {
            #expect {
                _ = try StudySpec.decode(
                    likertSpec([
                        "continuousScale": scale, "scale": nil, "attentionChecks": [],
                        "attentionChecksPerAssignment": 0,
                    ]),
                    file: "s.json")
            } throws: { ($0 as? ExplicableError)?.description == "s.json: \(message)" }
        }
        #expect {
            _ = try StudySpec.decode(
                likertSpec([
                    "continuousScale": Self.slider, "scale": nil,
                    "attentionChecks": [["key": "attn:x", "prompt": "Move the slider to 3.1", "expected": 3.1]],
                    "attentionChecksPerAssignment": 1,
                ]), file: "s.json")
        } throws: {
            ($0 as? ExplicableError)?.description
                == "s.json: field 'attentionChecks[0].expected' is 3.1, not on the continuous scale 0…10 in steps of 0.25"
        }
        #expect {
            _ = try StudySpec.decode(
                likertSpec([
                    "continuousScale": Self.slider, "scale": [["value": 11, "label": "x"]],
                    "attentionChecksPerAssignment": 0,
                    "attentionChecks": [],
                ]), file: "s.json")
        } throws: {
            ($0 as? ExplicableError)?.description
                == "s.json: field 'scale[0].value' is 11, not on the continuous scale 0…10 in steps of 0.25"
        }
    }

    @Test func containsCountsStepsNotFloatingPointNoise() {
        let scale = StudySpec.ContinuousScale(min: 0, max: 1, step: 0.1)
        #expect(scale.contains(0.1 + 0.2) && scale.contains(1) && scale.contains(0))
        #expect(!scale.contains(0.15) && !scale.contains(1.1) && !scale.contains(-0.1) && !scale.contains(.nan))
    }

    @Test func importersStoreDecimalsAndRefuseValuesBetweenSteps() throws {
        let (store, study) = try likertStudy(changes: [
            "continuousScale": Self.slider, "scale": nil, "attentionChecks": [],
            "attentionChecksPerAssignment": 0,
        ])
        let file = try writeFile(
            "annotator,item,value\nw1,pair:0:1,7.5\nw1,pair:1:0,9.75\nw2,pair:0:1,0\nw2,pair:1:0,10\n")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .long))
        #expect(report.responsesAdded == 4, "\(report)")
        let values = try store.read { try Double.fetchAll($0, sql: "SELECT value FROM response ORDER BY value") }
        #expect(values == [0, 7.5, 9.75, 10])
        let payload = try writeFile(
            #"{"study":"cifar10-class-likert","session_id":"s9","responses":[{"item":"pair:2:3","value":2.25}]}"#,
            name: "p.json")
        #expect(
            try Importer(study: study, store: store).run(payload, options: .init(format: .payload)).responsesAdded == 1)
        let before = try dump(store)
        let between = try writeFile("annotator,item,value\nw3,pair:0:1,7.3\n", name: "between.csv")
        #expect {
            _ = try Importer(study: study, store: store).run(between, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(between.path):2: value 7.3 is off the scale (0…10 in steps of 0.25)"
        }
        #expect(try dump(store) == before)
    }
}
