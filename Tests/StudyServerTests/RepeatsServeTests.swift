import ExplicableCore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import LabelStore
import StudyServer
import Studies
import TestSupport
import Testing

/// `study serve` with test–retest repeats and a free-text attention check.
struct RepeatsServeTests {
    @Test func eachShowingIsAnsweredByPositionAndTextIsSaved() async throws {
        let spec: [String: Any] = [
            "repeats": ["perAssignment": 1, "minGap": 0], "attentionChecksPerAssignment": 1,
            "attentionChecks": [["key": "sky", "prompt": "Colour of the sky?", "pattern": "blue"]],
        ]
        let (_, store, study) = try makeStudy(spec: spec)
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(admin: "t"))
        let csv = try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let keys = try await client.items(token).map(\.key)
                #expect(keys.count == 5, "\(keys)")  // 3 pairs, 1 shown again, 1 check
                let repeated = try #require(keys.first { key in keys.filter { $0 == key }.count == 2 })
                let at = keys.indices.filter { keys[$0] == repeated }
                let vague = try await client.post("/api/answer", json: ["token": token, "item": repeated, "value": 2])
                #expect(
                    vague.status == 400
                        && vague.json["error"] as? String
                            == "item '\(repeated)' is shown 2 times in this assignment: say which with 'position' "
                            + "(\(at[0]), \(at[1]))"
                )
                let first = try await client.post(
                    "/api/answer", json: ["token": token, "item": repeated, "value": 2, "position": at[0]])
                let second = try await client.post(
                    "/api/answer", json: ["token": token, "item": repeated, "value": 3, "position": at[1]])
                #expect(first.status == 200 && second.status == 200, "\(first.body) \(second.body)")
                let changed = try await client.post(
                    "/api/answer", json: ["token": token, "item": repeated, "value": 4, "position": at[1]])
                #expect(changed.status == 409)
                let number = try await client.post(
                    "/api/answer", json: ["token": token, "item": "attn:sky", "value": 1])
                #expect(
                    number.status == 400
                        && number.json["error"] as? String == "item 'attn:sky' takes a text answer: give 'text'")
                let text = try await client.post(
                    "/api/answer", json: ["token": token, "item": "attn:sky", "text": "Blue"])
                #expect(text.status == 200, "\(text.body)")
                for (position, key) in keys.enumerated() where key != repeated && key != "attn:sky" {
                    _ = try await client.post(
                        "/api/answer", json: ["token": token, "item": key, "value": 1, "position": position])
                }
                // The resumed page shows each showing's own answer, and the text.
                let shown = try await client.items(token)
                #expect(shown[at[0]].answer == "2" && shown[at[1]].answer == "3")
                #expect(shown.first { $0.key == "attn:sky" }?.answer == "Blue")
                let done = try await client.post("/api/finish", json: ["token": token])
                #expect(done.status == 200, "\(done.body)")
                return try await client.fetch("/admin/export.csv", headers: [.authorization: "Bearer t"]).body
            }
        }
        #expect(csv.contains(",attn:sky,Blue,"), "\(csv)")
        // The export imports again, both showings and the text included.
        let (_, other, copy) = try makeStudy(spec: spec)
        let file = try temporaryFolder().appendingPathComponent("answers.csv")
        try Data(csv.utf8).write(to: file)
        let report = try Importer(study: copy, store: other).run(file, options: .init(format: .long))
        #expect(report.responsesAdded == 5, "\(report)")
        #expect(try other.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM responseRepeat") } == 1)
        let later = try store.read {
            try Row.fetchAll($0, sql: "SELECT showing, value FROM responseRepeat").map {
                "\($0[0] as Int):\($0[1] as Double)"
            }
        }
        #expect(later == ["2:3.0"])
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.count == 1 && rows[0].failedTextChecks == 0 && rows[0].repeatedAnswers == 1)
    }

    @Test func aMultiSelectCheckTakesTheOptionsTicked() async throws {
        let (_, store, study) = try makeStudy(spec: [
            "attentionChecksPerAssignment": 1,
            "attentionChecks": [
                [
                    "key": "pets", "prompt": "Tick the pets.", "options": ["cat", "ship", "dog"],
                    "expectedOptions": ["cat", "dog"],
                ]
            ],
        ])
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)").body
                #expect(page.contains(#""choices":["cat","ship","dog"]"#), "\(page)")
                let value = try await client.post(
                    "/api/answer", json: ["token": token, "item": "attn:pets", "value": 1])
                #expect(
                    value.status == 400
                        && value.json["error"] as? String == "item 'attn:pets' takes the options ticked: give 'choices'"
                )
                let odd = try await client.post(
                    "/api/answer", json: ["token": token, "item": "attn:pets", "choices": ["cat", "plane"]])
                #expect(
                    odd.status == 400
                        && odd.json["error"] as? String
                            == "'plane' is not an option of item 'attn:pets' (cat, ship, dog)"
                )
                let ticked = try await client.post(
                    "/api/answer", json: ["token": token, "item": "attn:pets", "choices": ["dog", "cat"]])
                #expect(ticked.status == 200, "\(ticked.body)")
                #expect(try await client.items(token).first { $0.key == "attn:pets" }?.answer == #"["cat","dog"]"#)
                let pair = try await client.items(token).first { $0.key.hasPrefix("pair:") }!.key
                let several = try await client.post(
                    "/api/answer", json: ["token": token, "item": pair, "choices": ["1", "2"]])
                #expect(
                    several.status == 400
                        && several.json["error"] as? String == "item '\(pair)' takes one value, not 'choices'")
            }
        }
    }
}
