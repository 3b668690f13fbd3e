import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Studies
import StudyServer
import Testing

@Suite("StudyServer on MTurk") struct MTurkTests {
    static let sandbox = "turkSubmitTo=https%3A%2F%2Fworkersandbox.mturk.com"

    /// Admits an MTurk worker, answers their assignment and finishes; returns the token.
    static func complete(
        _ client: TestClient, worker: String, assignment: String, submitTo: String, returnedAs: String? = nil
    ) async throws -> String {
        if let returnedAs {  // took the HIT, returned it, and now comes back with a new assignment
            _ = try await client.fetch("/start?workerId=\(worker)&assignmentId=\(returnedAs)&hitId=H1&\(submitTo)")
        }
        let start = try await client.fetch("/start?workerId=\(worker)&assignmentId=\(assignment)&hitId=H1&\(submitTo)")
        #expect(start.status == 303)
        let token = String((start.headers[.location] ?? "").split(separator: "/").last ?? "")
        for item in try await client.items(token) {
            #expect(
                try await client.post("/api/answer", json: ["token": token, "item": item.key, "value": 1]).status == 200
            )
        }
        #expect(try await client.post("/api/finish", json: ["token": token]).status == 200)
        return token
    }

    @Test func mturkFramesThePagesAndTheFinishedPagePostsTheAssignmentBack() async throws {
        let (_, store, study) = try makeStudy(classes: 3, k: 1, perAssignment: 2, completion: nil, platform: "mturk")
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let preview = try await client.fetch(
                    "/?workerId=W1&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId=H1&\(Self.sandbox)")
                #expect(preview.body.contains("accept the HIT"))
                let consent = try await client.fetch("/?workerId=W1&assignmentId=A1&hitId=H1&\(Self.sandbox)")
                let csp = consent.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("frame-ancestors https://www.mturk.com https://workersandbox.mturk.com"), "\(csp)")
                #expect(consent.headers[HTTPField.Name("X-Frame-Options")!] == nil)
                #expect(consent.body.contains("name=\"turkSubmitTo\""))

                let token = try await Self.complete(
                    client, worker: "W1", assignment: "A1", submitTo: Self.sandbox,
                    returnedAs: "A0")
                let done = try await client.fetch("/session/\(token)/done")
                #expect(done.status == 200)
                #expect(
                    done.body.contains("action=\"https://workersandbox.mturk.com/mturk/externalSubmit\""),
                    "\(done.body)")
                #expect(done.body.contains("name=\"assignmentId\" value=\"A1\""))
                let doneCSP = done.headers[.contentSecurityPolicy] ?? ""
                #expect(doneCSP.contains("form-action 'self' https://workersandbox.mturk.com;"), "\(doneCSP)")

                // A turkSubmitTo that is not MTurk's is ignored: no form posts anywhere else.
                let other = try await Self.complete(
                    client, worker: "W2", assignment: "A2",
                    submitTo: "turkSubmitTo=https%3A%2F%2Fevil.example")
                let plain = try await client.fetch("/session/\(other)/done")
                #expect(plain.status == 200 && !plain.body.contains("<form") && !plain.body.contains("evil.example"))
                #expect(plain.headers[.contentSecurityPolicy]?.contains("form-action 'self';") == true)
            }
        }
    }

    @Test func pagesOfOtherPlatformsRefuseFraming() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let consent = try await client.fetch("/?PROLIFIC_PID=p1&STUDY_ID=s&SESSION_ID=x")
                #expect(consent.status == 200)
                #expect(consent.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(consent.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                let api = try await client.post("/api/answer", "{")
                #expect(api.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            }
        }
    }
}
