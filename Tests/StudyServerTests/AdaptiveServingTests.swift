import ExplicableCore
import Foundation
import LabelStore
import Studies
import StudyServer
import Testing
import TestSupport

/// An adaptive class-pair study over cat, dog, bird, frog (12 items), k = `cap`, 2 items per assignment.
func makeAdaptiveStudy(tolerance: Double = 0.01, cap: Int = 4, folder: URL? = nil) throws
    -> (path: String, store: LabelStore, study: Study)
{
    try makeStudy(
        classes: 4, k: cap, perAssignment: 2,
        extra: [
            "allocation": "adaptive",
            "adaptive": ["prior": "test-prior", "tolerance": tolerance, "scales": [1, 2]] as [String: Any],
        ], at: folder)
}

/// Cat and dog alike (0.9), every other pair far (0.1).
func adaptivePrior(_ study: Study) -> ClassMatrix {
    let c = study.classes.count
    var values = [Double](repeating: 0.1, count: c * c)
    for i in 0..<c { values[i * c + i] = 1 }
    values[1] = 0.9
    values[c] = 0.9
    return ClassMatrix(classes: study.classes, kind: .similarity, values: values, provenance: .init(source: "test"))
}

/// Participant `n`'s rating of an item: high for cat/dog, low otherwise, varying by participant.
func adaptiveRating(_ key: String, _ n: Int) -> Int {
    key == "pair:0:1" || key == "pair:1:0" ? 3 + n % 2 : n % 2
}

/// Admits participants `range` one after another; each answers their items (all, or only the
/// first when `partial` holds for them) and finishes when complete. Returns their item lists.
func runParticipants(_ server: StudyServer, _ range: Range<Int>, partial: Set<Int> = []) async throws -> [[String]] {
    try await withServer(server) { port in try await runParticipants(port: port, range, partial: partial) }
}

/// ``runParticipants(_:_:partial:)`` against a server already listening on `port`. Each
/// participant gets a fresh connection, so no connection idles past the server's 30-second idle
/// timeout on a loaded machine.
func runParticipants(port: Int, _ range: Range<Int>, partial: Set<Int> = []) async throws -> [[String]] {
    var seen: [[String]] = []
    for n in range {
        seen.append(
            try await retryingOnClosedConnection {
                try await withTestClient(port: port) { client in
                    let token = try await client.admit("p\(n)")
                    let keys = try await client.items(token).map(\.key)
                    for key in partial.contains(n) ? Array(keys.prefix(1)) : keys {
                        let r = try await client.post(
                            "/api/answer",
                            json: ["token": token, "item": key, "value": adaptiveRating(key, n)])
                        #expect(r.status == 200, "\(r.body)")
                    }
                    if !partial.contains(n) {
                        let finished = try await client.post("/api/finish", json: ["token": token])
                        #expect(finished.status == 200)
                    }
                    return keys
                }
            })
    }
    return seen
}

/// Runs `body` again (up to twice) when the server closed its connection: on a loaded machine the
/// test runner's threads can leave a connection idle past the server's timeout. A participant who
/// comes back resumes the same session and re-sends the same answers (idempotent), so the
/// allocation decisions do not change.
func retryingOnClosedConnection<T>(_ body: () async throws -> T) async throws -> T {
    for _ in 0..<2 {
        do { return try await body() } catch  where String(describing: error).contains("closed channel") { continue }
    }
    return try await body()
}

/// Runs the built binary to its end (small outputs: stdout is read first, then stderr).
func runCLI(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process(), out = Pipe(), err = Pipe()
    process.executableURL = explicableBinary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["EXPLICABLE_HOME"] = repositoryRoot.path
    env["EXPLICABLE_OFFLINE"] = "1"
    process.environment = env
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// What must agree between two runs: each decision's items, scores and digest.
func fingerprint(_ log: AllocationLog) -> [String] {
    log.decisions.map { "\($0.sequence) \($0.itemKeys) \($0.scores) \($0.digest)" }
}

@Suite("StudyServer adaptive allocation") struct AdaptiveServingTests {
    @Test func everyDecisionIsLoggedAndReplays() async throws {
        let (_, store, study) = try makeAdaptiveStudy()
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: adaptivePrior(study))
        #expect(server.plan == nil)
        let seen = try await runParticipants(server, 0..<6)
        // The prior makes cat→dog and dog→cat the pairs whose rows' targets are most uncertain.
        #expect(Set(seen[0]) == ["pair:0:1", "pair:1:0"])
        let log = try store.allocationLog(studyId: study.id)
        #expect(log.decisions.map(\.sequence) == Array(0..<6))
        #expect(log.decisions.map(\.itemKeys) == seen)
        #expect(log.inputs.count == 12 && log.inputs.allSatisfy { $0.kind == .answer })
        #expect(log.decisions.allSatisfy { $0.assignmentID?.isEmpty == false && $0.scores.count == 2 })
        let verified = try StudyAllocation(study: study, prior: adaptivePrior(study)).verify(log)
        #expect(verified.matched == 6 && verified.mismatch == nil)
        // A different prior does not reproduce the log.
        var other = adaptivePrior(study)
        other = ClassMatrix(
            classes: study.classes, kind: .similarity, values: other.values.reversed(),
            provenance: .init(source: "other"))
        let wrong = try StudyAllocation(study: study, prior: other).verify(log)
        #expect(wrong.mismatch?.sequence == 0)
    }

    @Test func theSameArrivalsGiveTheSameDecisions() async throws {
        var logs: [[String]] = []
        for _ in 0..<2 {
            let (_, store, study) = try makeAdaptiveStudy()
            let server = try StudyServer(
                study: study, store: store, templates: templates,
                configuration: configuration(), prior: adaptivePrior(study))
            _ = try await runParticipants(server, 0..<5)
            logs.append(fingerprint(try store.allocationLog(studyId: study.id)))
        }
        #expect(logs[0].count == 5)
        #expect(logs[0] == logs[1])
    }

    @Test func aStudyStoppedMidwayResumesIdentically() async throws {
        // One server for 7 participants, participant 2 leaving after one answer…
        let (_, store, study) = try makeAdaptiveStudy()
        let whole = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: adaptivePrior(study))
        _ = try await runParticipants(whole, 0..<7, partial: [2])
        let expected = fingerprint(try store.allocationLog(studyId: study.id))
        // …against a server stopped after participant 3 and a new one (new store connection) for the rest.
        let folder = try temporaryFolder()
        let (path, first, again) = try makeAdaptiveStudy(folder: folder)
        let before = try StudyServer(
            study: again, store: first, templates: templates, configuration: configuration(),
            prior: adaptivePrior(again))
        _ = try await runParticipants(before, 0..<4, partial: [2])
        let reopened = try LabelStore(path: path)
        let after = try StudyServer(
            study: try Study.named(again.spec.name, in: reopened), store: reopened,
            templates: templates, configuration: configuration(), prior: adaptivePrior(again))
        _ = try await runParticipants(after, 4..<7)
        let resumed = fingerprint(try reopened.allocationLog(studyId: again.id))
        #expect(resumed.count == 7)
        #expect(resumed == expected)
    }

    @Test func releasedSessionsAreLoggedAndGiveTheirItemsBack() async throws {
        let (_, store, study) = try makeAdaptiveStudy()
        var config = configuration()
        config.timeout = 2
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: config,
            prior: adaptivePrior(study))
        _ = try await runParticipants(server, 0..<1, partial: [0])
        try await Task.sleep(for: .seconds(2.5))
        _ = try await runParticipants(server, 1..<2)
        let log = try store.allocationLog(studyId: study.id)
        #expect(log.inputs.map(\.kind) == [.answer, .release, .answer, .answer])
        #expect(log.inputs[1].assignment == 0)
        // The released session's unanswered item went back: the next participant got it.
        #expect(log.decisions[1].itemKeys.contains(log.decisions[0].itemKeys[1]))
        let verified = try StudyAllocation(study: study, prior: adaptivePrior(study)).verify(log)
        #expect(verified.matched == 2 && verified.mismatch == nil)
    }

    @Test func aStudyWhoseRowsAreWithinTheToleranceIsFull() async throws {
        let (_, store, study) = try makeAdaptiveStudy(tolerance: 0.9)
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: adaptivePrior(study))
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let full = try await client.fetch("/start?PROLIFIC_PID=x")
                #expect(full.status == 503)
            }
        }
        let log = try store.allocationLog(studyId: study.id)
        #expect(log.decisions.isEmpty)
    }

    @Test func anAdaptiveStudyNeedsItsPrior() throws {
        let (_, store, study) = try makeAdaptiveStudy()
        #expect(throws: ExplicableError.self) {
            try StudyServer(study: study, store: store, templates: templates, configuration: configuration())
        }
    }

    @Test func uniformStudiesLogNothing() async throws {
        let (_, store, study) = try makeStudy(classes: 3, k: 2, perAssignment: 3)
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: nil)
        #expect(server.plan?.assignments.count == 4)
        let seen = try await runParticipants(server, 0..<2)
        #expect(seen == Array(server.plan!.assignments.prefix(2).map(\.itemKeys)))
        let log = try store.allocationLog(studyId: study.id)
        #expect(log.decisions.isEmpty && log.inputs.isEmpty)
    }

    /// The command line end to end: `study serve` resolves the spec's prior (a file here), a
    /// server killed mid-way and restarted continues, and `study allocations --verify` replays the log.
    @Test func theCommandLineServesKillsResumesAndVerifies() async throws {
        let folder = try temporaryFolder()
        let (path, store, study) = try makeAdaptiveStudy(folder: folder)
        let priorFile = folder.appendingPathComponent("prior.npy")
        try adaptivePrior(study).write(to: priorFile)
        // The study's spec names the prior file: recreate it with that path.
        var object = try JSONSerialization.jsonObject(with: Data(study.record.specJSON.utf8)) as! [String: Any]
        object["name"] = "serve-test-cli"
        object["adaptive"] = ["prior": priorFile.path, "tolerance": 0.01]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let cli = try Study.create(
            spec: StudySpec.decode(data, file: "cli.json"),
            specJSON: String(decoding: data, as: UTF8.self), classes: study.classes, in: store)
        let (first, port1, banner) = try startServeProcess(db: path, study: cli.spec.name)
        defer { if first.isRunning { first.terminate() } }
        #expect(banner.contains("adaptive allocation"))
        _ = try await runParticipants(port: port1, 0..<3, partial: [1])
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let (second, port2, _) = try startServeProcess(db: path, study: cli.spec.name)
        defer { if second.isRunning { second.terminate() } }
        _ = try await runParticipants(port: port2, 3..<6)
        second.terminate()
        second.waitUntilExit()
        // The same arrivals in one uninterrupted in-process server give the same decisions.
        let (_, other, again) = try makeAdaptiveStudy()
        _ = try await runParticipants(
            try StudyServer(
                study: again, store: other, templates: templates,
                configuration: configuration(), prior: adaptivePrior(again)), 0..<6, partial: [1])
        let reopened = try LabelStore(path: path)
        #expect(
            fingerprint(try reopened.allocationLog(studyId: cli.id))
                == fingerprint(try other.allocationLog(studyId: again.id)))
        let verify = try runCLI(["study", "allocations", cli.spec.name, "--verify", "--db", path])
        #expect(verify.status == 0, "\(verify.err)")
        #expect(verify.out.hasPrefix("verified 6 of 6 decisions and 11 inputs; state digest "))
        let list = try runCLI(["study", "allocations", cli.spec.name, "--db", path])
        #expect(list.out.split(separator: "\n").count == 7)
        #expect(
            list.out.hasPrefix(
                "study serve-test-cli: 6 decisions; 11 answers, 0 imported answers and 0 releases logged\n#0 "))
        let (uniformPath, _, _) = try makeStudy()
        let uniform = try runCLI(["study", "allocations", "serve-test", "--db", uniformPath])
        #expect(uniform.status != 0 && uniform.err.contains("uses uniform allocation"))
    }
}
