public import Foundation

/// A study design as written in `studies/*.json`.
///
/// Four designs: `class-pair-likert` (rate how reasonable it is to mistake class a for class b,
/// the paper's CHL study), `class-neighbours` (one screen per class: tick which candidate classes
/// could be mistaken for it and how reasonably; unticked candidates count as 0),
/// `instance-label` (pick the class of an image, CIFAR-10H's design) and `mistake-review` (rate a
/// model's predictions for an image). Class-pair designs may ask about a subset of the pairs
/// (``pairs``). ``load(_:)`` validates every field and names the one at fault.
public struct StudySpec: Codable, Sendable, Equatable {
    public enum Design: String, Codable, Sendable, CaseIterable {
        case classPairLikert = "class-pair-likert"
        case classNeighbours = "class-neighbours"
        case instanceLabel = "instance-label"
        case mistakeReview = "mistake-review"
    }

    public enum Platform: String, Codable, Sendable, CaseIterable {
        case mturk, prolific
        case selfHosted = "self-hosted"
    }

    /// One point of a rating scale.
    public struct ScalePoint: Codable, Sendable, Equatable {
        public var value: Int
        public var label: String
    }

    /// An item whose right answer is known, to catch inattentive annotators.
    public struct AttentionCheck: Codable, Sendable, Equatable {
        /// Stable id within the study (`circle-triangle`).
        public var key: String
        /// What the annotator sees: for Likert designs the question text, for instance labels an image reference.
        public var prompt: String
        /// An image reference shown with the prompt (optional).
        public var image: String?
        /// The answer an attentive annotator gives: a scale value, or a class index (not with ``pattern``).
        public var expected: Double?
        /// Answers within this distance of `expected` pass (default 0: exact).
        public var tolerance: Double?
        /// A free-text check instead: the answer is text, and passes when this regular expression
        /// matches all of it, ignoring case (`"blue|navy"`, `"\\s*7\\s*"`).
        public var pattern: String?
        /// A multi-select ("which of these") check instead: the options shown as checkboxes; the
        /// answer is every option ticked, and passes when it is exactly ``expectedOptions``.
        public var options: [String]?
        /// The options an attentive annotator ticks (with ``options``).
        public var expectedOptions: [String]?
    }

    public struct Pay: Codable, Sendable, Equatable {
        /// Reward per assignment, in `currency`.
        public var rewardPerAssignment: Double
        public var currency: String
        /// Expected minutes per assignment (shown to participants, used for hourly pay).
        public var estimatedMinutes: Double?
    }

    /// Quality-control thresholds; any left out is not applied.
    public struct QualityControl: Codable, Sendable, Equatable {
        /// Submissions failing more attention checks than this are rejected (default 0).
        public var maxFailedAttentionChecks: Int?
        /// Work seconds per item below this reject a submission as too fast.
        public var minSecondsPerItem: Double?
        /// Giving the same answer on at least this share of items (0…1) rejects as straight-lining.
        public var maxSameAnswerShare: Double?
        /// Spearman correlation with the leave-one-out mean of the others below this rejects.
        public var minAgreement: Double?
        /// Submissions per worker beyond this are rejected (the later ones).
        public var maxAssignmentsPerWorker: Int?
    }

    public var name: String
    public var design: Design
    public var title: String
    public var instructions: String
    /// `cifar10`, `cifar100`, `imagenet1k` or a path to a class-set TSV, relative to the spec file.
    public var classSet: String
    /// The question; `{{a}}` and `{{b}}` stand for class labels in `class-pair-likert`.
    public var question: String
    /// The rating scale, lowest value first (Likert designs).
    public var scale: [ScalePoint]?
    /// Whether annotators may answer "cannot tell" (`mistake-review`).
    public var allowCannotTell: Bool?
    /// A continuous or fine-grained rating scale (a slider), instead of the points of ``scale``:
    /// any value from `min` to `max` in steps of `step`, e.g. 0…10 in steps of 0.25 accepts 7.5 and
    /// 9.75. ``scale``, when given too, labels anchor points on it (Likert designs).
    public var continuousScale: ContinuousScale?
    /// Whether annotators may answer "not applicable" (the question does not apply to this item),
    /// an option besides "cannot tell" (not for attention checks). Stored as its own kind of
    /// answer: counted as a judgment, never part of a matrix or an agreement statistic.
    public var allowNotApplicable: Bool?
    /// The option's wording on the pages (default "Not applicable").
    public var notApplicableLabel: String?
    /// Ratings each item gets (k).
    public var ratingsPerItem: Int
    /// Items (excluding attention checks) in one assignment.
    public var itemsPerAssignment: Int
    /// Images for `instance-label` and `mistake-review`: `cifar10-test` (all 10,000 test images) or an explicit list.
    public var images: ImageSource?
    /// Attention checks in each assignment, chosen from `attentionChecks`.
    public var attentionChecksPerAssignment: Int
    public var attentionChecks: [AttentionCheck]
    public var platform: Platform
    public var pay: Pay
    /// Where the standalone page POSTs its JSON payload; without it the page offers a download.
    public var submitURL: String?
    /// Prolific completion URL (or code) shown or redirected to at the end.
    public var completionURL: String?
    /// `study serve`: an unfinished session idle this long gives its assignment back (default 60).
    public var sessionTimeoutMinutes: Double?
    public var qc: QualityControl
    /// Seed for every random choice (assignment order, attention-check positions).
    public var seed: UInt64
    /// Which directed pairs a class-pair design asks about (default: all of them).
    public var pairs: PairSelection?
    /// How `class-neighbours` screens are made (default: a ``NeighbourScreen`` with its default values).
    public var screen: NeighbourScreen?

    /// How `study serve` deals items out: `uniform` (the default: `Studies.TaskPlan`'s balanced plan)
    /// or `adaptive` (``AdaptiveAllocator``, configured by ``adaptive``).
    public var allocation: Allocation?
    /// The settings of `allocation: adaptive`.
    public var adaptive: AdaptiveSettings?
    /// Test–retest: items shown to one participant more than once (see ``Repeats``).
    public var repeats: Repeats?
    /// Self-pairs (a, a) as attention checks (see ``SelfPairChecks``).
    public var selfPairChecks: SelfPairChecks?
}

extension StudySpec {
    /// The paper's 0–4 scale (Olmo et al., CHL study).
    public static let paperScale: [ScalePoint] = [
        .init(value: 0, label: "Highly unreasonable (surprised)"),
        .init(value: 1, label: "Unreasonable"),
        .init(value: 2, label: "Neutral"),
        .init(value: 3, label: "Reasonable"),
        .init(value: 4, label: "Highly reasonable (understandable)"),
    ]

    /// The allocation in use: the spec's, or `uniform`.
    public var effectiveAllocation: Allocation { allocation ?? .uniform }

    /// The parameters of ``AdaptiveAllocator`` this spec sets, or `nil` when its allocation is uniform.
    public var allocatorParameters: AdaptiveAllocator.Parameters? {
        guard effectiveAllocation == .adaptive else { return nil }
        let defaults = AdaptiveAllocator.Parameters(
            maxRatingsPerItem: ratingsPerItem, itemsPerAssignment: itemsPerAssignment)
        return AdaptiveAllocator.Parameters(
            tolerance: adaptive?.tolerance ?? defaults.tolerance, scales: adaptive?.scales ?? defaults.scales,
            priorWeight: adaptive?.priorWeight ?? defaults.priorWeight,
            ratingSD: adaptive?.ratingSD ?? defaults.ratingSD,
            ratingRange: scaleRange, maxRatingsPerItem: ratingsPerItem, itemsPerAssignment: itemsPerAssignment,
            attentionChecksPerAssignment: attentionChecksPerAssignment,
            calibratesPrior: adaptive?.calibratePrior ?? false)
    }

    /// The scale in use: the spec's, or the paper's default.
    public var effectiveScale: [ScalePoint] { scale ?? Self.paperScale }

    /// Whether the design asks about class pairs (`class-pair-likert`, `class-neighbours`).
    public var isClassPairDesign: Bool { design == .classPairLikert || design == .classNeighbours }

    /// The pair selection in use: the spec's, or all pairs.
    public var effectivePairs: PairSelection { pairs ?? .all }

    /// The neighbour screen settings in use.
    public var effectiveScreen: NeighbourScreen {
        let s = screen ?? NeighbourScreen()
        let points = effectiveScale.map { Double($0.value) }
        return NeighbourScreen(
            candidates: s.candidates ?? 10, decoys: s.decoys ?? 2, decoyPool: s.decoyPool ?? 0.25,
            decoyPassMax: s.decoyPassMax ?? points[(points.count - 1) / 2], examples: s.examples ?? 3)
    }

    /// The scale's lowest and highest points (validation guarantees at least two, increasing), or
    /// the continuous scale's `min…max`.
    public var scaleRange: ClosedRange<Double> {
        if let continuousScale { return continuousScale.min...continuousScale.max }
        return Double(effectiveScale.first!.value)...Double(effectiveScale.last!.value)
    }

    /// Reads and validates a spec file; returns the spec and its JSON text as it was on disk.
    /// - Throws: ``ExplicableError`` naming the file and the field at fault.
    public static func load(_ url: URL) throws(ExplicableError) -> (spec: StudySpec, json: String) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read study spec: \(error.localizedDescription)", file: url.path)
        }
        return (try decode(data, file: url.path), String(decoding: data, as: UTF8.self))
    }

    /// Decodes and validates spec JSON; `file` is used in messages only.
    public static func decode(_ data: Data, file: String) throws(ExplicableError) -> StudySpec {
        let spec: StudySpec
        do { spec = try JSONDecoder().decode(StudySpec.self, from: data) } catch let error as DecodingError {
            throw .badInput(describe(error), file: file)
        } catch {
            throw .badInput("not valid JSON: \(error.localizedDescription)", file: file)
        }
        try spec.validate(file: file)
        return spec
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "missing field '\(field)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(type), found null"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            let detail = context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
            return field.isEmpty ? "not valid JSON: \(detail)" : "field '\(field)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Checks what decoding cannot: ranges, counts and consistency.
    public func validate(file: String) throws(ExplicableError) {
        func fail(_ field: String, _ message: String) -> ExplicableError {
            .badInput("field '\(field)' \(message)", file: file)
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw fail("name", "must be letters, digits, '-' or '_'")
        }
        guard ratingsPerItem >= 1 else { throw fail("ratingsPerItem", "must be at least 1") }
        guard itemsPerAssignment >= 1 else { throw fail("itemsPerAssignment", "must be at least 1") }
        guard attentionChecksPerAssignment >= 0 else { throw fail("attentionChecksPerAssignment", "must be 0 or more") }
        guard attentionChecksPerAssignment <= attentionChecks.count else {
            throw fail(
                "attentionChecksPerAssignment",
                "is \(attentionChecksPerAssignment) but only \(attentionChecks.count) attentionChecks are defined")
        }
        guard Set(attentionChecks.map(\.key)).count == attentionChecks.count else {
            throw fail("attentionChecks", "has repeated keys")
        }
        guard pay.rewardPerAssignment >= 0 else { throw fail("pay.rewardPerAssignment", "must not be negative") }
        guard pay.currency.count == 3 else { throw fail("pay.currency", "must be a 3-letter code such as USD") }
        if let label = notApplicableLabel {
            guard allowNotApplicable == true else { throw fail("notApplicableLabel", "needs allowNotApplicable: true") }
            guard !label.trimmingCharacters(in: .whitespaces).isEmpty, label.count <= 100 else {
                throw fail("notApplicableLabel", "must be 1 to 100 characters")
            }
        }
        if let c = continuousScale {
            guard design != .instanceLabel else {
                throw fail("continuousScale", "is for rating designs; instance-label answers are classes")
            }
            guard c.min.isFinite, c.max.isFinite, c.min < c.max else {
                throw fail("continuousScale", "needs finite min < max (found \(c.min)…\(c.max))")
            }
            guard c.step.isFinite, c.step > 0, c.step <= c.max - c.min else {
                throw fail("continuousScale.step", "must be positive and at most max - min (found \(c.step))")
            }
            let steps = (c.max - c.min) / c.step
            guard steps <= 100_000, c.contains(c.max) else {
                throw fail(
                    "continuousScale.step",
                    "must divide max - min into at most 100000 whole steps (found "
                        + "\(steps) steps)")
            }
            for (i, point) in (scale ?? []).enumerated() where !c.contains(Double(point.value)) {
                throw fail("scale[\(i)].value", "is \(point.value), not on the continuous scale \(c)")
            }
            for (i, check) in attentionChecks.enumerated() {
                if let expected = check.expected, !c.contains(expected) {
                    throw fail("attentionChecks[\(i)].expected", "is \(expected), not on the continuous scale \(c)")
                }
            }
        } else if design != .instanceLabel {
            let points = effectiveScale
            guard points.count >= 2 else { throw fail("scale", "needs at least 2 points") }
            guard zip(points, points.dropFirst()).allSatisfy({ $0.value < $1.value }) else {
                throw fail("scale", "values must increase")
            }
            for (i, check) in attentionChecks.enumerated() {
                if let expected = check.expected, !points.contains(where: { Double($0.value) == expected }) {
                    throw fail("attentionChecks[\(i)].expected", "is \(expected), not a point of the scale")
                }
            }
        }
        if design == .classPairLikert {
            guard question.contains("{{a}}") && question.contains("{{b}}") else {
                throw fail("question", "must contain {{a}} and {{b}} for the two classes")
            }
        } else if design == .classNeighbours {
            guard question.contains("{{a}}") else { throw fail("question", "must contain {{a}} for the class shown") }
            guard case .neighbours = effectivePairs else {
                throw fail(
                    "pairs",
                    "must be {\"neighbours\": K, \"prior\": SOURCE} for the class-neighbours design "
                        + "(candidates and decoys come from the prior)")
            }
            guard attentionChecksPerAssignment == 0 else {
                throw fail("attentionChecksPerAssignment", "must be 0 for class-neighbours (its decoys are the checks)")
            }
            let s = screen ?? NeighbourScreen()
            if let v = s.candidates, !(1...50).contains(v) {
                throw fail("screen.candidates", "must be between 1 and 50")
            }
            if let v = s.decoys, !(0...10).contains(v) { throw fail("screen.decoys", "must be between 0 and 10") }
            if let v = s.decoyPool, !(v > 0 && v <= 1) { throw fail("screen.decoyPool", "must be a share in (0, 1]") }
            if let v = s.examples, !(0...10).contains(v) { throw fail("screen.examples", "must be between 0 and 10") }
            if let v = s.decoyPassMax, !scaleRange.contains(v) {
                throw fail("screen.decoyPassMax", "must lie on the scale")
            }
            if case .list = images {
                throw fail("images", "must be cifar10-test (example images) or absent for class-neighbours")
            }
            if case .modelMistakes = images {
                throw fail("images", "must be cifar10-test (example images) or absent for class-neighbours")
            }
        } else {
            guard images != nil else { throw fail("images", "is required for the \(design.rawValue) design") }
        }
        if pairs != nil, !isClassPairDesign { throw fail("pairs", "applies to class-pair designs only") }
        switch effectivePairs {
        case .neighbours(let k, let prior, _):
            guard k >= 0 && k <= 1_000 else { throw fail("pairs.neighbours", "must be between 0 and 1000") }
            guard !prior.isEmpty else { throw fail("pairs.prior", "must name a matrix source such as wordnet:path") }
        case .file(let path) where path.isEmpty:
            throw fail("pairs.file", "must not be empty")
        default:
            break
        }
        switch images {
        case .cifar10Test(let count) where !(1...10_000).contains(count):
            throw fail("images.count", "must be between 1 and 10000")
        case .modelMistakes(let count) where count < 1:
            throw fail("images.count", "must be at least 1")
        case .list(let list) where list.isEmpty:
            throw fail("images.list", "must not be empty")
        default:
            break
        }
        if let minutes = sessionTimeoutMinutes, !(minutes > 0 && minutes.isFinite) {
            throw fail("sessionTimeoutMinutes", "must be a positive number of minutes")
        }
        if let submitURL, URL(string: submitURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw fail("submitURL", "must be an http or https URL")
        }
        if effectiveAllocation == .adaptive {
            guard design == .classPairLikert else {
                throw fail("allocation", "'adaptive' needs a class-pair design, not \(design.rawValue)")
            }
            guard let settings = adaptive else { throw fail("adaptive", "is required with allocation 'adaptive'") }
            guard !settings.prior.isEmpty else {
                throw fail("adaptive.prior", "must name a matrix (e.g. wordnet:path)")
            }
            if let v = settings.tolerance, !(v > 0 && v < 1) {
                throw fail("adaptive.tolerance", "must be between 0 and 1")
            }
            if let v = settings.scales, v.isEmpty || !v.allSatisfy({ $0 > 0 && $0 <= 100 }) {
                throw fail("adaptive.scales", "must be positive numbers up to 100, at least one")
            }
            if let v = settings.priorWeight, !(v > 0 && v <= 1e6) {
                throw fail("adaptive.priorWeight", "must be positive")
            }
            if let v = settings.ratingSD, !(v > 0 && v <= 1e6) { throw fail("adaptive.ratingSD", "must be positive") }
        } else if adaptive != nil {
            throw fail("adaptive", "is only read with allocation 'adaptive'")
        }
        let q = qc
        if let v = q.maxSameAnswerShare, !(0...1).contains(v) {
            throw fail("qc.maxSameAnswerShare", "must be between 0 and 1")
        }
        if let v = q.minAgreement, !(-1...1).contains(v) { throw fail("qc.minAgreement", "must be between -1 and 1") }
        if let v = q.minSecondsPerItem, v < 0 { throw fail("qc.minSecondsPerItem", "must not be negative") }
        if let v = q.maxAssignmentsPerWorker, v < 1 { throw fail("qc.maxAssignmentsPerWorker", "must be at least 1") }
        if let v = q.maxFailedAttentionChecks, v < 0 {
            throw fail("qc.maxFailedAttentionChecks", "must not be negative")
        }
        try validateChecks(file: file)
    }
}
