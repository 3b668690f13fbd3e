import ExplicableCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import LabelStore
import StudyServer
import Studies
import TestSupport
import Testing

/// `study serve` with an explicit "not applicable" option (spec `allowNotApplicable`).
struct NotApplicableServeTests {
    @Test func notApplicableIsOfferedStoredExportedAndImportedAgain() async throws {
        let (_, store, study) = try makeStudy(spec: [
            "allowNotApplicable": true, "notApplicableLabel": "Does not apply",
        ])
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(admin: "t"))
        let csv = try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)").body
                #expect(
                    page.contains(#""label":"Does not apply","value":"not-applicable""#)
                        || page.contains(#""value":"not-applicable","label":"Does not apply""#), "\(page)")
                let items = try await client.items(token).map(\.key)
                let na = try await client.post(
                    "/api/answer", json: ["token": token, "item": items[0], "not_applicable": true])
                #expect(na.status == 200, "\(na.body)")
                let again = try await client.post(
                    "/api/answer", json: ["token": token, "item": items[0], "not_applicable": true])
                #expect(again.status == 200 && again.json["duplicate"] as? Bool == true)
                let both = try await client.post(
                    "/api/answer",
                    json: [
                        "token": token, "item": items[1], "value": 2,
                        "not_applicable": true,
                    ])
                #expect(
                    both.status == 400
                        && both.json["error"] as? String == "give one of value, cannot_tell and not_applicable")
                for item in items.dropFirst() {
                    _ = try await client.post("/api/answer", json: ["token": token, "item": item, "value": 3])
                }
                // The resumed page shows the stored answer as the option.
                #expect(try await client.items(token).first?.answer == "not-applicable")
                return try await client.fetch("/admin/export.csv", headers: [.authorization: "Bearer t"]).body
            }
        }
        #expect(csv.contains(",not-applicable,"), "\(csv)")
        let rows = try await store.longAnswers(studyId: study.id)
        #expect(rows.filter(\.notApplicable).count == 1 && rows.filter(\.notApplicable).allSatisfy { $0.value == nil })
        // The export imports again, "not applicable" included.
        let (_, other, copy) = try makeStudy(spec: ["allowNotApplicable": true])
        let file = try temporaryFolder().appendingPathComponent("answers.csv")
        try Data(csv.utf8).write(to: file)
        let report = try Importer(study: copy, store: other).run(file, options: .init(format: .long))
        #expect(report.responsesAdded == 3, "\(report)")
        #expect(try await other.longAnswers(studyId: copy.id).filter(\.notApplicable).count == 1)
    }

    @Test func aStudyWithoutTheOptionRefusesIt() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)").body
                #expect(!page.contains("not-applicable\","))
                let item = try await client.items(token)[0].key
                let r = try await client.post(
                    "/api/answer", json: ["token": token, "item": item, "not_applicable": true])
                #expect(
                    r.status == 400 && r.json["error"] as? String == "item '\(item)' does not accept 'not applicable'")
            }
        }
    }
}
