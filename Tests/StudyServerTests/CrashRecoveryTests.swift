import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Answers the server acknowledged (HTTP 200), by participant and item, and their tokens.
actor AckLog {
    var answers: [String: [String: Int]] = [:]
    var tokens: [String: String] = [:]
    func ack(_ pid: String, _ item: String, _ value: Int) { answers[pid, default: [:]][item] = value }
    func token(_ pid: String, _ token: String) { tokens[pid] = token }
    var count: Int { answers.values.map(\.count).reduce(0, +) }
}

/// The built `explicable` binary, beside the test bundle.
var explicableBinary: URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
        "explicable")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return repositoryRoot.appendingPathComponent(".build/debug/explicable")
}

/// Starts `explicable study serve` on any free port; returns the process, its port and what it
/// printed up to the port.
@discardableResult
func startServeProcess(db: String, arguments: [String] = [], study: String = "serve-test") throws -> (
    Process, Int, String
) {
    let process = Process()
    process.executableURL = explicableBinary
    process.arguments = ["study", "serve", study, "--port", "0", "--db", db, "--rate-limit", "100000"] + arguments
    var env = ProcessInfo.processInfo.environment
    env["EXPLICABLE_HOME"] = repositoryRoot.path
    env["EXPLICABLE_OFFLINE"] = "1"
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    // Not the test runner's stderr: a server a failed test left running would hold that pipe
    // open, and `swift test` would wait for it forever.
    process.standardError = FileHandle.nullDevice
    try process.run()
    var text = ""
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let data = out.fileHandleForReading.availableData
        if data.isEmpty { break }
        text += String(decoding: data, as: UTF8.self)
        // The whole "serving study … at http://127.0.0.1:PORT/ (…)" line.
        if let range = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression),
            text[range.upperBound...].contains("\n")
        {
            let port = Int(text[range].dropFirst("127.0.0.1:".count).dropLast())!
            return (process, port, text)
        }
    }
    process.terminate()
    throw CancellationError()
}

@Suite("StudyServer crash recovery") struct CrashRecoveryTests {
    @Test func sigkillLosesNoAcknowledgedAnswer() async throws {
        // 4 classes: 12 items × 10 ratings / 4 per assignment = 30 assignments.
        let (path, store, study) = try makeStudy(classes: 4, k: 10, perAssignment: 4)
        let log = AckLog()
        let participants = (0..<30).map { "crash\($0)" }
        @Sendable func value(_ pid: String, _ item: String) -> Int { abs((pid + item).hashValue) % 5 }
        let (first, port1, _) = try startServeProcess(db: path)
        defer { if first.isRunning { first.terminate() } }
        await withTaskGroup(of: Void.self) { group in
            for pid in participants {
                group.addTask {
                    try? await withTestClient(port: port1) { client in
                        let token = try await client.admit(pid)
                        await log.token(pid, token)
                        for item in try await client.items(token) {
                            let v = value(pid, item.key)
                            let r = try await client.post(
                                "/api/answer", json: ["token": token, "item": item.key, "value": v])
                            if r.status == 200 { await log.ack(pid, item.key, v) }
                        }
                    }
                }
            }
            group.addTask {
                while await log.count < 40 { try? await Task.sleep(for: .milliseconds(2)) }
                kill(first.processIdentifier, SIGKILL)
            }
        }
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        let acknowledged = await log.answers
        let tokens = await log.tokens
        #expect(!acknowledged.isEmpty)

        let (second, port2, _) = try startServeProcess(db: path)
        defer { if second.isRunning { second.terminate() } }
        defer { second.terminate() }
        for pid in participants {
            try await withTestClient(port: port2) { client in
                let token = try await client.admit(pid)
                if let before = tokens[pid] { #expect(token == before, "participant \(pid) resumes their session") }
                for item in try await client.items(token) {
                    if let acked = acknowledged[pid]?[item.key] { #expect(item.answer == String(acked)) }
                    let r = try await client.post(
                        "/api/answer", json: ["token": token, "item": item.key, "value": value(pid, item.key)])
                    #expect(r.status == 200)
                }
                #expect(try await client.post("/api/finish", json: ["token": token]).status == 200)
            }
        }
        second.terminate()
        second.waitUntilExit()

        let reopened = try LabelStore(path: path)
        _ = store
        let (submissions, answers, annotatorHashes) = try reopened.submissionsWithAnswers(studyId: study.id)
        #expect(submissions.count == 30)
        let keys = Dictionary(uniqueKeysWithValues: study.items.map { ($0.id!, $0.key) })
        let hashes = try Dictionary(
            uniqueKeysWithValues: participants.map {
                (try reopened.annotatorHash(platform: "prolific", rawID: $0), $0)
            })
        for submission in submissions {
            let pid = hashes[annotatorHashes[submission.annotatorId]!]!
            let stored = Dictionary(
                uniqueKeysWithValues: (answers[submission.id!] ?? []).map { (keys[$0.itemId]!, $0.value) })
            #expect(stored.count == 4)
            for (item, v) in acknowledged[pid] ?? [:] { #expect(stored[item] == Double(v), "\(pid) \(item)") }
        }
        let counts = try reopened.collectionCounts(studyId: study.id).ratingsPerItem
        for item in study.items { #expect(counts[item.id!] == 10) }
    }
}
