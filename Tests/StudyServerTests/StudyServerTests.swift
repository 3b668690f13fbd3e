import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
@testable import StudyServer
import Testing

@Suite("StudyServer") struct StudyServerTests {
    @Test func participantFlowSavesEveryAnswerAndFinishes() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let consent = try await client.fetch("/?PROLIFIC_PID=p1&STUDY_ID=s1&SESSION_ID=x1")
                #expect(consent.status == 200)
                #expect(consent.body.contains("Mistakes &lt;&amp;&gt; test"))
                #expect(consent.body.contains("name=\"PROLIFIC_PID\" value=\"p1\""))
                let csp = consent.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("script-src 'nonce-") && !csp.contains("unsafe-inline"))
                #expect(consent.headers[.xContentTypeOptions] == "nosniff")
                #expect(consent.headers[.init("Referrer-Policy")!] == "no-referrer")
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)")
                #expect(page.body.contains("Rate each &lt;b&gt;pair&lt;/b&gt;."))
                let items = try await client.items(token)
                #expect(items.count == 3)
                let early = try await client.post("/api/finish", json: ["token": token])
                #expect(early.status == 400)
                #expect(early.json["error"] as? String == "3 of 3 items are not answered yet")
                for (n, item) in items.enumerated() {
                    let r = try await client.post(
                        "/api/answer", json: ["token": token, "item": item.key, "value": n, "rt_ms": 1200])
                    #expect(r.status == 200, "\(r.body)")
                    #expect(r.json["answered"] as? Int == n + 1)
                }
                let finish = try await client.post("/api/finish", json: ["token": token])
                #expect(finish.status == 200)
                #expect(finish.json["next"] as? String == "/session/\(token)/done")
                let done = try await client.fetch("/session/\(token)/done")
                #expect(done.body.contains("C0DE42"))
                // Coming back after finishing shows the completion page, not a second assignment.
                let again = try await client.fetch("/start?PROLIFIC_PID=p1")
                #expect(again.headers[.location] == "/session/\(token)/done")
                let late = try await client.post(
                    "/api/answer", json: ["token": token, "item": items[0].key, "value": 1])
                #expect(late.status == 409)
            }
        }
        let (submissions, answers, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(submissions.count == 1)
        #expect(submissions[0].submittedAt != nil && submissions[0].workSeconds != nil)
        #expect(submissions[0].assignmentID == "xp1")  // Prolific's SESSION_ID, so its export joins
        #expect(answers[submissions[0].id!]?.count == 3)
        // QC runs on served data as on imported data.
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.count == 1)
    }

    @Test func reloadResumesWithTheAnswersGiven() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let items = try await client.items(token)
                _ = try await client.post("/api/answer", json: ["token": token, "item": items[1].key, "value": 3])
                #expect(try await client.admit("p1") == token)
                let resumed = try await client.items(token)
                #expect(resumed.map(\.key) == items.map(\.key))
                #expect(resumed.map(\.answer) == [nil, "3", nil])
                // Another participant gets another assignment.
                let other = try await client.admit("p2")
                #expect(other != token)
                #expect(try await client.items(other).map(\.key) != items.map(\.key))
            }
        }
    }

    @Test func duplicateAnswersAreIdempotentAndConflictsRejected() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let key = try await client.items(token)[0].key
                let first = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 2])
                #expect(first.json["saved"] as? Bool == true)
                let retry = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 2])
                #expect(retry.status == 200)
                #expect(retry.json["duplicate"] as? Bool == true)
                let changed = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 4])
                #expect(changed.status == 409)
            }
        }
        let (_, answers, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(answers.values.flatMap { $0 }.map(\.value) == [2])
    }

    @Test func rejectsForeignItemsOffScaleValuesAndBadJSON() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(
            study: study, store: store, templates: templates,
            configuration: configuration(maxBody: 1024))
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let mine = Set(try await client.items(token).map(\.key))
                let foreign = study.items.map(\.key).first { !mine.contains($0) }!
                let r1 = try await client.post("/api/answer", json: ["token": token, "item": foreign, "value": 1])
                #expect(r1.status == 400)
                #expect(r1.json["error"] as? String == "item '\(foreign)' is not in this participant's assignment")
                let r2 = try await client.post("/api/answer", json: ["token": token, "item": mine.first!, "value": 7])
                #expect(r2.status == 400)
                #expect(r2.json["error"] as? String == "value 7 is not on the scale (accepted: 0, 1, 2, 3, 4)")
                let r3 = try await client.post(
                    "/api/answer", json: ["token": token, "item": mine.first!, "cannot_tell": true])
                #expect(r3.status == 400)
                let r4 = try await client.post("/api/answer", "{\"token\": ")
                #expect(r4.status == 400)
                #expect(r4.json["error"] as? String == "malformed JSON: not valid JSON")
                let r5 = try await client.post("/api/answer", json: ["token": token])
                #expect(r5.json["error"] as? String == "malformed JSON: missing field 'item'")
                let r6 = try await client.post("/api/answer", json: ["token": "nope", "item": foreign, "value": 1])
                #expect(r6.status == 404)
                let big = try await client.post("/api/answer", String(repeating: " ", count: 4096) + "{}")
                #expect(big.status == 413)
                let missing = try await client.fetch("/start")
                #expect(missing.status == 400)
            }
        }
    }

    @Test func adminRoutesNeedTheBearerToken() async throws {
        let (_, store, study) = try makeStudy()
        let off = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(off) { port in
            try await withTestClient(port: port) { client in
                let r = try await client.fetch("/admin/status", headers: [.authorization: "Bearer x"])
                #expect(r.status == 404)
            }
        }
        let on = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(admin: "s3cret"))
        try await withServer(on) { port in
            try await withTestClient(port: port) { client in
                #expect(try await client.fetch("/admin/status").status == 401)
                #expect(
                    try await client.fetch("/admin/status", headers: [.authorization: "Bearer wrong"]).status == 401)
                #expect(
                    try await client.fetch("/admin/export.csv", headers: [.authorization: "Bearer s3cret0"]).status
                        == 401)
                let token = try await client.admit("p1")
                let key = try await client.items(token)[0].key
                _ = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 1, "rt_ms": 850])
                let status = try await client.fetch("/admin/status", headers: [.authorization: "Bearer s3cret"])
                #expect(status.status == 200)
                let participants = status.json["participants"] as? [String: Any]
                #expect(participants?["active"] as? Int == 1)
                #expect(status.json["ratingsCollected"] as? Int == 1)
                let csv = try await client.fetch("/admin/export.csv", headers: [.authorization: "Bearer s3cret"])
                let lines = csv.body.split(separator: "\n")
                #expect(lines.first == "annotator,assignment,item,value,rt_ms")
                #expect(lines.count == 2 && lines[1].hasSuffix(",\(key),1,850"))
            }
        }
    }

    /// `qc.maxAssignmentsPerWorker` 2: a worker who finished an assignment and comes back gets a
    /// second, different one; after finishing that, coming back shows the completion page of the
    /// second and deals nothing, although an assignment is still free for another worker.
    @Test func aReturningWorkerGetsAssignmentsUpToTheLimit() async throws {
        // 3 classes: 6 items × k 1 / 2 per assignment = 3 assignments.
        let (_, store, study) = try makeStudy(classes: 3, k: 1, perAssignment: 2, maxPerWorker: 2)
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        @Sendable func finish(_ client: TestClient, _ token: String) async throws -> [String] {
            let items = try await client.items(token)
            for item in items {
                let r = try await client.post("/api/answer", json: ["token": token, "item": item.key, "value": 1])
                #expect(r.status == 200)
            }
            #expect(try await client.post("/api/finish", json: ["token": token]).status == 200)
            return items.map(\.key)
        }
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let first = try await client.admit("a")
                let firstItems = try await finish(client, first)
                let second = try await client.admit("a")
                #expect(second != first, "a worker under the limit who comes back gets a new session")
                let secondItems = try await finish(client, second)
                #expect(Set(firstItems).isDisjoint(with: secondItems), "\(firstItems) then \(secondItems)")
                // At the limit: the completion page of the last assignment, no third one.
                let third = try await client.fetch("/start?PROLIFIC_PID=a&STUDY_ID=s1&SESSION_ID=xa3")
                #expect(third.status == 303, "\(third.body)")
                #expect(third.headers[.location] == "/session/\(second)/done")
                // The third assignment is still free: another worker gets it, then the study is full.
                let other = try await client.admit("b")
                #expect(Set(try await client.items(other).map(\.key)).isDisjoint(with: firstItems + secondItems))
                #expect(try await client.fetch("/start?PROLIFIC_PID=c").status == 503)
            }
        }
        let (submissions, _, _) = try store.submissionsWithAnswers(studyId: study.id)
        let byWorker = Dictionary(grouping: submissions, by: \.annotatorId).mapValues(\.count)
        #expect(byWorker.values.sorted() == [1, 2])
    }

    @Test func limitsAssignmentsPerWorkerAndFillsUp() async throws {
        // 2 classes: 2 items × k 1 / 1 per assignment = 2 assignments.
        let (_, store, study) = try makeStudy(classes: 2, k: 1, perAssignment: 1)
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                _ = try await client.admit("a")
                _ = try await client.admit("b")
                #expect(try await client.fetch("/start?PROLIFIC_PID=c").status == 503)
            }
        }
    }

    @Test func rateLimitAnswers429() async throws {
        let (_, store, study) = try makeStudy()
        // A burst of 4 and a refill too slow to matter however long the requests take on a loaded
        // machine (at 2 per second, a parallel test run once let the bucket refill between them).
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(rate: 0.001, burst: 4))
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                var statuses: [Int] = []
                for _ in 0..<10 { statuses.append(try await client.fetch("/?PROLIFIC_PID=p").status) }
                #expect(statuses.prefix(4).allSatisfy { $0 == 200 })
                #expect(statuses.dropFirst(4).allSatisfy { $0 == 429 })
            }
        }
    }

    @Test func rateLimiterRefillsAtItsRate() {
        let limiter = RateLimiter(rate: 2, burst: 4)
        #expect((0..<5).map { _ in limiter.allow("a", now: 10) } == [true, true, true, true, false])
        #expect(limiter.allow("b", now: 10), "every client has its own bucket")
        #expect(!limiter.allow("a", now: 10.4), "0.8 of a token after 0.4 s")
        #expect(limiter.allow("a", now: 10.6))
        #expect(!limiter.allow("a", now: 10.6))
        // A long pause refills to the burst, not beyond.
        #expect((0..<5).map { _ in limiter.allow("a", now: 100) } == [true, true, true, true, false])
    }

    @Test func twoHundredParticipantsConcurrently() async throws {
        // 3 classes: 6 items × 100 ratings / 3 per assignment = 200 assignments.
        let (_, store, study) = try makeStudy(classes: 3, k: 100, perAssignment: 3)
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        try await withTestClient(port: port) { client in
                            let token = try await client.admit("w\(n)")
                            for item in try await client.items(token) {
                                let r = try await client.post(
                                    "/api/answer",
                                    json: ["token": token, "item": item.key, "value": n % 5, "rt_ms": 900])
                                #expect(r.status == 200)
                            }
                            #expect(try await client.post("/api/finish", json: ["token": token]).status == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await withTestClient(port: port) { client in
                let r = try await client.fetch("/start?PROLIFIC_PID=late")
                #expect(r.status == 503)
            }
        }
        let (submissions, answers, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(submissions.count == 200)
        #expect(submissions.allSatisfy { $0.submittedAt != nil })
        #expect(Set(submissions.map(\.annotatorId)).count == 200)
        let counts = try store.collectionCounts(studyId: study.id).ratingsPerItem
        for item in study.items { #expect(counts[item.id!] == 100, "\(item.key)") }
        #expect(answers.values.map(\.count).reduce(0, +) == 600)
    }

    /// /admin/status previews what `study qc` would decide for finished submissions, storing nothing.
    @Test func adminStatusPreviewsQualityControl() async throws {
        // 4 classes: 12 items, 1 rating each, 4 per assignment; the same answer on ≥ 90% is straight-lining.
        let (_, store, study) = try makeStudy(classes: 4, k: 1, perAssignment: 4, qc: ["maxSameAnswerShare": 0.9])
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(admin: "s"))
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let auth: HTTPFields = [.authorization: "Bearer s"]
                for (pid, values) in [("good", [0, 1, 2, 3]), ("flat", [2, 2, 2, 2]), ("busy", [1, 1, 1, 1])] {
                    let token = try await client.admit(pid)
                    for (item, value) in zip(try await client.items(token), values) {
                        #expect(
                            try await client.post(
                                "/api/answer", json: ["token": token, "item": item.key, "value": value]
                            )
                            .status == 200)
                    }
                    if pid != "busy" {
                        #expect(try await client.post("/api/finish", json: ["token": token]).status == 200)
                    }
                }
                let status = try await client.fetch("/admin/status", headers: auth)
                let preview = status.json["qcPreview"] as? [String: Any]
                #expect(
                    preview?["finished"] as? Int == 2 && preview?["accept"] as? Int == 1
                        && preview?["reject"] as? Int == 1,
                    "\(status.body)")
                let rejected = preview?["rejected"] as? [[String: Any]]
                #expect((rejected?.first?["reason"] as? String)?.contains("straight-lining") == true)
                // Nothing was stored: every submission is still pending.
                let qc = status.json["qc"] as? [String: Any]
                #expect(qc?["pending"] as? Int == 3 && qc?["rejected"] as? Int == 0, "\(status.body)")
            }
        }
    }
}

/// Input the server refuses before storing anything: malformed platform ids, non-JSON bodies,
/// JSON objects with repeated keys.
@Suite("StudyServer input") struct StudyServerInputTests {
    @Test func malformedPlatformIDsAre400AndStoreNothing() async throws {
        let (_, store, study) = try makeStudy(platform: "mturk")
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let formula = "=HYPERLINK(%22http://evil%22,%22x%22)"
                for query in [
                    "workerId=F&assignmentId=\(formula)&hitId=H1", "workerId=%3Cscript%3E&assignmentId=A1",
                    "workerId=W1&assignmentId=A1&hitId=\(String(repeating: "h", count: 129))",
                    "PROLIFIC_PID=p%20q&STUDY_ID=s&SESSION_ID=x", "PROLIFIC_PID=p&STUDY_ID=s&SESSION_ID=%2B1",
                    "PROLIFIC_PID=p&STUDY_ID=-2%2B3&SESSION_ID=x", "PARTICIPANT_ID=.hidden",
                ] {
                    for path in ["/", "/start"] {
                        let r = try await client.fetch("\(path)?\(query)")
                        #expect(r.status == 400, "\(path)?\(query)")
                        #expect(r.body.contains("not a valid id"), "\(path)?\(query)")
                    }
                }
                let fine = try await client.fetch(
                    "/start?workerId=W-1_a.b:c&assignmentId=\(String(repeating: "A", count: 128))")
                #expect(fine.status == 303)
            }
        }
        let (submissions, _, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(submissions.count == 1)
    }

    @Test func jsonBodiesNeedTheJSONContentTypeAndUniqueKeys() async throws {
        let (_, store, study) = try makeStudy()
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let item = try await client.items(token)[0].key
                let body = "{\"token\": \"\(token)\", \"item\": \"\(item)\", \"value\": 1}"
                for type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", nil] {
                    let r = try await client.execute(
                        .init(
                            "/api/answer", method: .post,
                            headers: type.map { [.contentType: $0] } ?? [:], body: ByteBuffer(string: body)))
                    #expect(r.head.status.code == 415, "\(type ?? "no type")")
                }
                let repeated = try await client.post(
                    "/api/answer",
                    "{\"token\": \"\(token)\", \"item\": \"\(item)\", \"value\": 1, \"val\\u0075e\": 4}")
                #expect(repeated.status == 400)
                #expect(repeated.json["error"] as? String == "malformed JSON: key 'value' repeats in an object")
                let nested = try await client.post(
                    "/api/answer",
                    "{\"token\": \"\(token)\", \"item\": \"\(item)\", \"value\": 1, \"x\": {\"a\": 1, \"a\": [{\"b\": \"a\"}]}}"
                )
                #expect(nested.json["error"] as? String == "malformed JSON: key 'a' repeats in an object")
                let charset = try await client.execute(
                    .init(
                        "/api/answer", method: .post,
                        headers: [.contentType: "Application/JSON; charset=utf-8"], body: ByteBuffer(string: body)))
                #expect(charset.head.status.code == 200)
            }
        }
        let (_, answers, _) = try store.submissionsWithAnswers(studyId: study.id)
        #expect(answers.values.map(\.count).reduce(0, +) == 1)
    }

    @Test(
        arguments: [
            ("{\"a\": 1, \"b\": {\"a\": 2}}", nil),
            ("{\"a\": \"a\", \"b\": \"a\"}", nil),
            ("[{\"a\": 1}, {\"a\": 2}]", nil),
            ("{\"a\\\"\": 1, \"a\": 2}", nil),
            ("{\"a\": 1, \"a\": 2}", "a"),
            ("{\"k\": [1, {\"x\": 1, \"y\": 2, \"x\": 3}]}", "x"),
        ] as [(String, String?)])
    func repeatedKeysAreFound(json: String, key: String?) {
        #expect(StudyServer.repeatedKey(in: Data(json.utf8)) == key)
    }
}
