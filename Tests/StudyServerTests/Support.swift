import ExplicableCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
import StudyServer
import Testing
import TestSupport

let templates = repositoryRoot.appendingPathComponent("templates")

/// A class-pair Likert study over `classes` classes (n·(n−1) items) in a fresh store file.
func makeStudy(
    classes: Int = 3, k: Int = 2, perAssignment: Int = 3, completion: String? = "C0DE42", maxPerWorker: Int? = nil,
    platform: String = "prolific", sessionTimeoutMinutes: Double? = nil, qc extraQC: [String: Any] = [:],
    spec extraSpec: [String: Any] = [:], extra: [String: Any] = [:], at folder: URL? = nil
) throws -> (path: String, store: LabelStore, study: Study) {
    let labels = ["cat", "dog", "bird", "frog", "ship", "truck"].prefix(classes)
    let tsv = "index\tlabel\n" + labels.enumerated().map { "\($0)\t\($1)\n" }.joined()
    let set = try ClassSet.parseTSV(tsv, file: "test.tsv", name: "test")
    var qc: [String: Any] = [:]
    if let maxPerWorker { qc["maxAssignmentsPerWorker"] = maxPerWorker }
    qc.merge(extraQC) { _, new in new }
    var object: [String: Any] = [
        "name": "serve-test", "design": "class-pair-likert", "title": "Mistakes <&> test",
        "instructions": "Rate each <b>pair</b>.", "classSet": "test.tsv",
        "question": "How reasonable is it to mistake a {{a}} for a {{b}}?",
        "ratingsPerItem": k, "itemsPerAssignment": perAssignment, "attentionChecksPerAssignment": 0,
        "attentionChecks": [], "platform": platform, "completionURL": completion as Any,
        "pay": ["rewardPerAssignment": 0.5, "currency": "GBP", "estimatedMinutes": 2], "qc": qc, "seed": 7,
    ]
    if let sessionTimeoutMinutes { object["sessionTimeoutMinutes"] = sessionTimeoutMinutes }
    object.merge(extraSpec) { _, new in new }
    object.merge(extra) { _, new in new }
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    let spec = try StudySpec.decode(data, file: "test.json")
    let path = try (folder ?? temporaryFolder()).appendingPathComponent("store.sqlite").path
    let store = try LabelStore(path: path)
    let study = try Study.create(spec: spec, specJSON: String(decoding: data, as: UTF8.self), classes: set, in: store)
    return (path, store, study)
}

/// A client of the server on 127.0.0.1:`port`. Its read timeout (180 s, HummingbirdTesting's default
/// is 15 s) outlasts the stalls of a loaded machine: while `swift test` runs CPU-bound tests on
/// both cores, a request can wait its turn for over a minute, and a 15-second timeout then failed
/// every server test of one run.
func withTestClient<T: Sendable>(
    port: Int, _ body: @escaping @Sendable (TestClient) async throws -> T
) async throws -> T {
    try await TestClient.withClient(
        host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(180)), operation: body)
}

/// Runs `body` against a live server on 127.0.0.1 (any free port), then stops it.
func withServer<T: Sendable>(
    _ server: StudyServer, _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let task = Task { try await server.run(handlingSignals: false) { port in continuation.yield(port) } }
    defer { task.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    let result = try await body(port)
    task.cancel()
    _ = await task.result
    return result
}

func configuration(
    admin: String? = nil, maxBody: Int = 64 * 1024, rate: Double = 100_000, burst: Double? = nil
) -> StudyServer.Configuration {
    var c = StudyServer.Configuration()
    c.port = 0
    c.adminToken = admin
    c.maxBodyBytes = maxBody
    c.requestsPerSecond = rate
    c.burst = burst ?? rate * 2
    return c
}

/// One HTTP exchange on a test client.
struct Exchange {
    var status: Int
    var headers: HTTPFields
    var body: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

extension TestClient {
    func fetch(_ uri: String, headers: HTTPFields = [:]) async throws -> Exchange {
        let r = try await execute(.init(uri, method: .get, headers: headers))
        return Exchange(
            status: r.head.status.code, headers: r.head.headerFields, body: r.body.map { String(buffer: $0) } ?? "")
    }

    func post(_ uri: String, _ text: String) async throws -> Exchange {
        let r = try await execute(
            .init(
                uri, method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: text)))
        return Exchange(
            status: r.head.status.code, headers: r.head.headerFields, body: r.body.map { String(buffer: $0) } ?? "")
    }

    func post(_ uri: String, json: [String: Any]) async throws -> Exchange {
        try await post(uri, String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
    }

    /// Starts (or resumes) a participant; returns their session token.
    func admit(_ pid: String) async throws -> String {
        let r = try await fetch("/start?PROLIFIC_PID=\(pid)&STUDY_ID=s1&SESSION_ID=x\(pid)")
        #expect(r.status == 303)
        let location = r.headers[.location] ?? ""
        let parts = location.split(separator: "/")
        #expect(parts.count >= 2 && parts[0] == "session", "unexpected redirect \(location)")
        return parts.count >= 2 ? String(parts[1]) : ""
    }

    /// The item keys of a session page, in order.
    func items(_ token: String) async throws -> [(key: String, answer: String?)] {
        let page = try await fetch("/session/\(token)").body
        guard let start = page.range(of: "id=\"explicable-page\">"),
            let end = page.range(of: "</script>", range: start.upperBound..<page.endIndex)
        else { return [] }
        let json =
            try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as! [String: Any]
        return (json["items"] as! [[String: Any]]).map { ($0["key"] as! String, $0["answer"] as? String) }
    }
}
