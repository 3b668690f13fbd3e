import ExplicableCore
import Foundation
import HummingbirdTesting
import LabelStore
import StudyServer
import Studies
import TestSupport
import Testing

/// `study serve` with a continuous scale: the page gets a slider, the API takes any step of it and nothing between.
struct ContinuousScaleServeTests {
    @Test func aSliderPageAcceptsStepsAndRefusesValuesBetweenThem() async throws {
        let (_, store, study) = try makeStudy(spec: [
            "continuousScale": ["min": 0, "max": 10, "step": 0.25],
            "scale": [["value": 0, "label": "Highly unreasonable"], ["value": 10, "label": "Highly reasonable"]],
        ])
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)").body
                let start = try #require(page.range(of: "id=\"explicable-page\">"))
                let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
                let json = try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8))
                let items = try #require((json as? [String: Any])?["items"] as? [[String: Any]])
                #expect(
                    items.allSatisfy { ($0["slider"] as? [String: Double]) == ["min": 0, "max": 10, "step": 0.25] })
                #expect(items.allSatisfy { ($0["options"] as? [Any])?.isEmpty == true })
                #expect(page.contains("type: \"range\""))
                let mine = try await client.items(token).map(\.key)
                let fine = try await client.post("/api/answer", json: ["token": token, "item": mine[0], "value": 7.25])
                #expect(fine.status == 200, "\(fine.body)")
                let top = try await client.post("/api/answer", json: ["token": token, "item": mine[1], "value": 9.75])
                #expect(top.status == 200, "\(top.body)")
                let between = try await client.post(
                    "/api/answer", json: ["token": token, "item": mine[2], "value": 7.3])
                #expect(between.status == 400)
                #expect(between.json["error"] as? String == "value 7.3 is not on the scale (0…10 in steps of 0.25)")
                let above = try await client.post(
                    "/api/answer", json: ["token": token, "item": mine[2], "value": 10.25])
                #expect(above.status == 400)
            }
        }
        let (_, answers, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(answers.values.flatMap { $0 }.compactMap(\.value).sorted() == [7.25, 9.75])
    }
}
