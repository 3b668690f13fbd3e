import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
import StudyServer
import Testing
import TestSupport

@Suite("StudyServer sessions") struct SessionLifecycleTests {
    @Test func abandonedSessionsReturnToThePoolAfterTheTimeout() async throws {
        // 2 classes: 2 items × 1 rating / 1 per assignment = 2 assignments.
        let (_, store, study) = try makeStudy(classes: 2, k: 1, perAssignment: 1)
        var config = configuration()
        config.timeout = 3
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: config)
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let a = try await client.admit("a")
                let key = try await client.items(a)[0].key
                _ = try await client.post("/api/answer", json: ["token": a, "item": key, "value": 1])
                let b = try await client.admit("b")
                let full = try await client.fetch("/start?PROLIFIC_PID=c")
                #expect(full.status == 503)
                try await Task.sleep(for: .seconds(3.5))
                let c = try await client.admit("c")  // a and b were idle past the timeout
                #expect(c != a && c != b)
                let back = try await client.fetch("/start?PROLIFIC_PID=a")
                #expect(back.status == 410)
                let late = try await client.post("/api/answer", json: ["token": a, "item": key, "value": 2])
                #expect(late.status == 410)
            }
        }
        let rows = try QualityControl(study: study, store: store).run()
        let rejected = rows.filter { $0.status == .rejected }
        #expect(rejected.count == 2)
        #expect(rejected.allSatisfy { $0.reason?.contains("TIMED-OUT") == true })
    }

    /// `explicable study serve` takes the timeout from the spec's `sessionTimeoutMinutes` when
    /// `--timeout-minutes` is not given (default 60); the release itself is tested above.
    @Test func theServeCommandTakesTheSpecsSessionTimeout() throws {
        let (path, _, _) = try makeStudy(classes: 2, k: 1, perAssignment: 1, sessionTimeoutMinutes: 7.5)
        let (fromSpec, _, text) = try startServeProcess(db: path)
        fromSpec.terminate()
        fromSpec.waitUntilExit()
        #expect(text.contains("idle sessions released after 7.5 min"), "\(text)")
        let (fromOption, _, overridden) = try startServeProcess(db: path, arguments: ["--timeout-minutes", "2"])
        fromOption.terminate()
        fromOption.waitUntilExit()
        #expect(overridden.contains("idle sessions released after 2 min"), "\(overridden)")
    }

    @Test func exportedCSVImportsAsLongFormat() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(admin: "t"))
        let csv = try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                for pid in ["p1", "p2"] {
                    let token = try await client.admit(pid)
                    for item in try await client.items(token) {
                        _ = try await client.post(
                            "/api/answer", json: ["token": token, "item": item.key, "value": 3, "rt_ms": 1500])
                    }
                }
                return try await client.fetch("/admin/export.csv", headers: [.authorization: "Bearer t"]).body
            }
        }
        let (_, other, copy) = try makeStudy()
        let file = try temporaryFolder().appendingPathComponent("answers.csv")
        try Data(csv.utf8).write(to: file)
        let report = try Importer(study: copy, store: other).run(file, options: .init(format: .long))
        #expect(report.rowsAccepted == 6 && report.rowsRejected == 0)
        #expect(report.submissionsAdded == 2)
    }
}
