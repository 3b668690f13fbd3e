public import ExplicableCore
public import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Synthetic participants for a class-pair study: they answer like a ``RaterPopulation`` around a
/// known truth, either through the real `study serve` over HTTP or into a platform file the
/// importers read.
///
/// Over HTTP each participant follows a person's path through the pages' JSON API: `GET
/// /start?PARTICIPANT_ID=…` (admission, allocation, redirect to the session), the session page's
/// embedded assignment (`<script id="explicable-page">`), one `POST /api/answer` per item (each
/// acknowledged once committed), `POST /api/finish`. Pair items (`pair:A:B`, class indices) are
/// rated around the latent consensus whose population mean is the truth's cell
/// (``LatentScale``); attention checks (`attn:KEY`) are answered with the spec's expected value
/// (attentive raters, bar a lapse) or at random (careless ones), so `study qc` has work to do.
/// The server records wall-clock work time: without ``pace`` the participants are far faster
/// than a person and a spec's `qc.minSecondsPerItem` rejects them.
///
/// ```swift
/// let simulator = try StudySimulator(spec: spec, truth: truth, population: population, careless: 0.1, seed: 1)
/// let summary = try await simulator.takeServedStudy(baseURL: URL(string: "http://127.0.0.1:8080")!, raters: 50)
/// ```
public struct StudySimulator: Sendable {
    public let spec: StudySpec
    public let truth: ClassMatrix
    public let population: RaterPopulation
    /// Share of careless participants (0…1).
    public let careless: Double
    public let seed: UInt64
    /// Seconds each participant spends per item (really waits; 0: as fast as the server answers).
    public var pace: Double = 0
    let scale: RatingScale
    let latent: [Double]

    /// - Throws: `ExplicableError` when the study is not a class-pair design, or the truth's class
    ///   count does not match, or `careless` is outside 0…1.
    public init(spec: StudySpec, truth: ClassMatrix, population: RaterPopulation, careless: Double, seed: UInt64)
        throws(ExplicableError)
    {
        guard spec.design == .classPairLikert else {
            throw ExplicableError(
                .invalidArgument,
                "study simulate handles class-pair-likert studies; '\(spec.name)' is \(spec.design.rawValue)")
        }
        guard (0...1).contains(careless) else { throw ExplicableError(.invalidArgument, "--careless must be in 0…1") }
        try truth.requireKind(.similarity, for: "a simulated study's truth")
        try truth.requireFinite()
        self.spec = spec
        self.truth = truth
        self.population = population
        self.careless = careless
        self.seed = seed
        scale = RatingScale(spec: spec)
        let map = LatentScale(population: population, scale: scale)
        latent = truth.values.map { map.unit(forMean: $0) }
    }

    /// Participant `index`'s rater and random stream (seeded by the simulator's seed and the index).
    public func participant(_ index: Int) -> (rater: SimulatedRater, rng: SeededGenerator) {
        var rng = SeededGenerator(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
        let isCareless = rng.unit() < careless
        return (population.draw(careless: isCareless, using: &rng), rng)
    }

    /// The answer to one item by key: `pair:A:B` (class indices) or `attn:KEY`.
    /// - Throws: `ExplicableError` for a key that is neither, or names a class or check the study lacks.
    public func answer(_ key: String, rater: SimulatedRater, using rng: inout SeededGenerator) throws(ExplicableError)
        -> Double
    {
        let parts = key.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0] == "attn" {
            guard let check = spec.attentionChecks.first(where: { $0.key == parts[1] }) else {
                throw ExplicableError(.badInput, "item '\(key)': no attention check '\(parts[1])' in the spec")
            }
            guard let expected = check.expected else {
                throw ExplicableError(
                    .invalidArgument,
                    "item '\(key)' is a free-text or multi-select attention check, which study simulate cannot answer"
                )
            }
            return rater.answerCheck(expected: expected, on: scale, using: &rng)
        }
        if parts.count == 2, parts[0] == "self" {  // a self-pair check: the top of the scale
            return rater.answerCheck(expected: spec.scaleRange.upperBound, on: scale, using: &rng)
        }
        let fields = key.split(separator: ":")
        let n = truth.count
        guard fields.count == 3, fields[0] == "pair", let a = Int(fields[1]), let b = Int(fields[2]),
            (0..<n).contains(a),
            (0..<n).contains(b), a != b
        else { throw ExplicableError(.badInput, "item '\(key)' is not a pair of the truth's \(n) classes") }
        return rater.rate(unit: latent[a * n + b], on: scale, using: &rng)
    }

    /// What a run over HTTP did.
    public struct Summary: Sendable, Equatable, Codable {
        public var participants = 0
        public var finished = 0
        /// Turned away because every place was taken.
        public var turnedAway = 0
        public var careless = 0
        public var answers = 0
    }

    /// Runs `raters` participants (at most `concurrency` at once) through the study served at `baseURL`.
    /// - Throws: `ExplicableError` (`network`) when the server cannot be reached or answers
    ///   something a participant's page would not expect.
    public func takeServedStudy(baseURL: URL, raters: Int, concurrency: Int = 16, firstIndex: Int = 0)
        async throws(ExplicableError) -> Summary
    {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.httpMaximumConnectionsPerHost = max(1, concurrency)
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var summary = Summary()
        do {
            try await withThrowingTaskGroup(of: Summary.self) { group in
                var next = 0
                func add() {
                    let index = firstIndex + next
                    next += 1
                    group.addTask { try await self.participate(index, baseURL: baseURL, session: session) }
                }
                while next < min(raters, max(1, concurrency)) { add() }
                while let one = try await group.next() {
                    summary.participants += one.participants
                    summary.finished += one.finished
                    summary.turnedAway += one.turnedAway
                    summary.careless += one.careless
                    summary.answers += one.answers
                    if next < raters { add() }
                }
            }
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.network, "simulated participant: \(error.localizedDescription)")
        }
        return summary
    }

    struct Page: Decodable {
        struct Item: Decodable {
            var key: String
            var answer: String?
        }

        var token: String
        var items: [Item]
    }

    func participate(_ index: Int, baseURL: URL, session: URLSession) async throws -> Summary {
        var (rater, rng) = participant(index)
        var summary = Summary(participants: 1, careless: rater.isCareless ? 1 : 0)
        let id = "sim-\(seed)-\(index)"
        let (body, response) = try await session.data(
            from: baseURL.appendingPathComponent("start")
                .appending(queryItems: [URLQueryItem(name: "PARTICIPANT_ID", value: id)]))
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 503 {
            summary.turnedAway = 1
            return summary
        }
        let html = String(decoding: body, as: UTF8.self)
        guard status == 200, let start = html.range(of: "id=\"explicable-page\">"),
            let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex)
        else { throw ExplicableError(.network, "participant \(id): /start answered \(status) without a session page") }
        let page = try JSONDecoder().decode(Page.self, from: Data(html[start.upperBound..<end.lowerBound].utf8))
        for (position, item) in page.items.enumerated() where item.answer == nil {
            if pace > 0 { try await Task.sleep(nanoseconds: UInt64(pace * 1e9)) }
            let value = try answer(item.key, rater: rater, using: &rng)
            let rt = max(300, (pace > 0 ? pace : 4) * 1000 * exp(0.3 * rng.normal()))
            try await post(
                "api/answer",
                ["token": page.token, "item": item.key, "value": value, "rt_ms": rt.rounded(), "position": position],
                id: id, baseURL: baseURL, session: session)
            summary.answers += 1
        }
        try await post("api/finish", ["token": page.token], id: id, baseURL: baseURL, session: session)
        summary.finished = 1
        return summary
    }

    func post(_ path: String, _ body: [String: Any], id: String, baseURL: URL, session: URLSession) async throws {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw ExplicableError(
                .network,
                "participant \(id): POST /\(path) answered \(status): \(String(decoding: data.prefix(200), as: UTF8.self))"
            )
        }
    }

    /// One answer of a platform file: participant `sim-SEED-I`, session `sim-SEED-I-a`, the item's
    /// key, the rating, a lifelike reaction time (ms, log-normal around max(pace, 4) s) and the time
    /// since the participant started (ms, the sum of the reaction times so far).
    struct Trial {
        var participant: String, session: String, item: String, value: Double, rt: Double, elapsed: Double
    }

    /// Participant `i` answering `assignments[i]` (item keys), in order.
    func trials(assignments: [[String]]) throws(ExplicableError) -> [Trial] {
        var trials: [Trial] = []
        for (index, keys) in assignments.enumerated() {
            var (rater, rng) = participant(index)
            var elapsed = 0.0
            for key in keys {
                let value = try answer(key, rater: rater, using: &rng)
                let rt = max(300, 1000 * max(pace, 4) * exp(0.3 * rng.normal())).rounded()
                elapsed += rt
                trials.append(
                    Trial(
                        participant: "sim-\(seed)-\(index)", session: "sim-\(seed)-\(index)-a", item: key, value: value,
                        rt: rt, elapsed: elapsed))
            }
        }
        return trials
    }

    /// jsPsych data (`jsPsych.data.get().json()`) of `assignments.count` participants, participant
    /// `i` answering `assignments[i]` (item keys): one trial per item with `participant_id`,
    /// `session_id`, `item`, `response`, `rt` and `time_elapsed` (so imports record work time),
    /// readable by `study import --format jspsych`.
    /// - Throws: `ExplicableError` for an item key the simulator cannot answer.
    public func jsPsychData(assignments: [[String]]) throws(ExplicableError) -> Data {
        let trials = try trials(assignments: assignments).map { t -> [String: Any] in
            [
                "participant_id": t.participant, "session_id": t.session, "item": t.item, "response": t.value,
                "rt": t.rt, "time_elapsed": t.elapsed,
            ]
        }
        do { return try JSONSerialization.data(withJSONObject: trials, options: [.sortedKeys]) } catch {
            throw ExplicableError(.io, "cannot encode jsPsych data: \(error.localizedDescription)")
        }
    }

    /// The same answers as ``jsPsychData(assignments:)`` as a long CSV for `study import --format
    /// long`: `annotator,assignment,item,value,rt_ms,work_seconds`, one row per answer, the
    /// participant's whole work time (the sum of their reaction times) on each of their rows.
    /// - Throws: `ExplicableError` for an item key the simulator cannot answer.
    public func longCSV(assignments: [[String]]) throws(ExplicableError) -> Data {
        let trials = try trials(assignments: assignments)
        var work: [String: Double] = [:]
        for t in trials { work[t.session] = t.elapsed / 1000 }
        var text = "annotator,assignment,item,value,rt_ms,work_seconds\n"
        for t in trials {
            let cells = [
                csvField(t.participant), csvField(t.session), csvField(t.item), csvField(t.value),
                csvField(Int(t.rt)), csvField(work[t.session] ?? 0),
            ]
            text += cells.joined(separator: ",") + "\n"
        }
        return Data(text.utf8)
    }
}
