import Foundation
import HummingbirdTesting
@testable import StudyServer
import TestSupport
import Testing

/// The pages `study serve` renders (consent, session, completion), against golden files. The
/// session token and the CSP nonce are random per request; they are replaced by `TOKEN` and
/// `NONCE` before the comparison. Re-record with `RECORD_SNAPSHOTS=1 swift test --filter ServedPageSnapshotTests`.
@Suite("StudyServer pages") struct ServedPageSnapshotTests {
    /// `page` with the token and every 32-hex-digit nonce replaced.
    static func normalised(_ page: String, token: String) -> String {
        page.replacingOccurrences(of: token, with: "TOKEN")
            .replacingOccurrences(of: #"nonce="[0-9a-f]{32}""#, with: #"nonce="NONCE""#, options: .regularExpression)
    }

    @Test func consentSessionAndCompletionPages() async throws {
        let (_, store, study) = try makeStudy(classes: 3, k: 1, perAssignment: 3)
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        let pages = try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let consent = try await client.fetch("/?PROLIFIC_PID=p1&STUDY_ID=s1&SESSION_ID=x1").body
                let token = try await client.admit("p1")
                let session = try await client.fetch("/session/\(token)").body
                for item in try await client.items(token) {
                    _ = try await client.post("/api/answer", json: ["token": token, "item": item.key, "value": 2])
                }
                _ = try await client.post("/api/finish", json: ["token": token])
                let done = try await client.fetch("/session/\(token)/done").body
                return [consent, session, done].map { Self.normalised($0, token: token) }
            }
        }
        #expect(pages.allSatisfy { $0.contains(#"nonce="NONCE""#) }, "the nonce was not normalised")
        assertGolden(pages[0], as: "html", named: "consent")
        assertGolden(pages[1], as: "html", named: "session")
        assertGolden(pages[2], as: "html", named: "done")
    }
}
