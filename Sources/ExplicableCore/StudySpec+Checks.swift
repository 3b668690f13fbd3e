public import Foundation

extension StudySpec.AttentionCheck {
    /// Whether the answer is free text matched against ``pattern``.
    public var isText: Bool { pattern != nil }

    /// Whether the answer is the set of options ticked (``options``).
    public var isMultiSelect: Bool { options != nil }
}

extension StudySpec {
    /// Test–retest: some items of each assignment are shown to the participant more than once.
    ///
    /// `{"perAssignment": 3, "showings": 2, "minGap": 5}`: 3 of each assignment's regular items are
    /// shown twice, at least 5 other items apart. Each showing is stored with its number (1, 2, …)
    /// and position; matrices use the first showing only, test–retest reliability compares them.
    public struct Repeats: Codable, Sendable, Equatable {
        /// Regular items of each assignment shown again.
        public var perAssignment: Int
        /// How often each of them is shown in all (default 2, at most 5).
        public var showings: Int?
        /// At least this many other items between two showings of an item, where the assignment is
        /// long enough (default 3).
        public var minGap: Int?

        public init(perAssignment: Int, showings: Int? = nil, minGap: Int? = nil) {
            self.perAssignment = perAssignment
            self.showings = showings
            self.minGap = minGap
        }

        /// Showings per repeated item, the default filled in.
        public var effectiveShowings: Int { showings ?? 2 }
        /// The gap, the default filled in.
        public var effectiveMinGap: Int { minGap ?? 3 }
    }

    /// Self-pairs as attention checks (`class-pair-likert`): the pair (a, a), "how reasonable is it
    /// to mistake a for a?", whose attentive answer is the top of the scale.
    ///
    /// `{"perAssignment": 2, "tolerance": 0}`: 2 self-pairs of classes drawn with the spec's seed
    /// in each assignment, at random positions; an answer more than `tolerance` below the top fails.
    public struct SelfPairChecks: Codable, Sendable, Equatable {
        public var perAssignment: Int
        /// Answers within this distance of the top pass (default 0).
        public var tolerance: Double?

        public init(perAssignment: Int, tolerance: Double? = nil) {
            self.perAssignment = perAssignment
            self.tolerance = tolerance
        }
    }

    /// The stored text of a multi-select answer: the options ticked, in the order `options` lists
    /// them, as a JSON array (`["cat","dog"]`).
    public static func choicesText(_ chosen: [String], options: [String]) -> String {
        let ordered = options.filter { chosen.contains($0) }
        let quoted = ordered.map { option -> String in
            var out = "\""
            for scalar in option.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        return "[" + quoted.joined(separator: ",") + "]"
    }

    /// Whether an item may be answered more than once within one submission.
    public var allowsRepeats: Bool { repeats != nil }

    /// The most answers one submission may give to one item: the repeats' showings, else 1.
    public var maxShowings: Int { repeats?.effectiveShowings ?? 1 }

    /// The compiled pattern of a free-text attention check (whole answer, ignoring case).
    public static func textPattern(_ pattern: String) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z", options: [.caseInsensitive])
    }

    /// Whether `answer` passes the free-text check `pattern`: the regular expression matches all
    /// of the answer (leading and trailing white space ignored), ignoring case. An invalid pattern
    /// (validation refuses them) passes nothing.
    public static func textMatches(_ answer: String, pattern: String) -> Bool {
        guard let regex = try? textPattern(pattern) else { return false }
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Checks ``repeats``, ``selfPairChecks`` and the attention checks' `expected`/`pattern`.
    func validateChecks(file: String) throws(ExplicableError) {
        func fail(_ field: String, _ message: String) -> ExplicableError {
            .badInput("field '\(field)' \(message)", file: file)
        }
        for (i, check) in attentionChecks.enumerated() {
            if let options = check.options {
                guard check.expected == nil, check.pattern == nil else {
                    throw fail("attentionChecks[\(i)]", "has 'options' and 'expected' or 'pattern': give one kind")
                }
                guard (2...20).contains(options.count), Set(options).count == options.count,
                    options.allSatisfy({ !$0.isEmpty && $0.count <= 100 })
                else {
                    throw fail("attentionChecks[\(i)].options", "must be 2 to 20 distinct names of 1 to 100 characters")
                }
                guard let expected = check.expectedOptions else {
                    throw fail("attentionChecks[\(i)]", "has 'options' but no 'expectedOptions'")
                }
                if let odd = expected.first(where: { !options.contains($0) }) {
                    throw fail(
                        "attentionChecks[\(i)].expectedOptions", "names '\(odd)', which is not one of its options")
                }
                continue
            }
            if check.expectedOptions != nil {
                throw fail("attentionChecks[\(i)].expectedOptions", "needs 'options'")
            }
            switch (check.expected, check.pattern) {
            case (nil, nil):
                throw fail(
                    "attentionChecks[\(i)]",
                    "needs 'expected' (a value), 'pattern' (a free-text answer) or 'options' (a multi-select check)")
            case (.some, .some):
                throw fail("attentionChecks[\(i)]", "has both 'expected' and 'pattern': give one")
            case (nil, .some(let pattern)):
                guard !pattern.isEmpty, pattern.count <= 1_000 else {
                    throw fail("attentionChecks[\(i)].pattern", "must be 1 to 1000 characters")
                }
                do { _ = try Self.textPattern(pattern) } catch {
                    throw fail("attentionChecks[\(i)].pattern", "is not a valid regular expression: '\(pattern)'")
                }
                if check.tolerance != nil {
                    throw fail("attentionChecks[\(i)].tolerance", "applies to value checks, not to a 'pattern'")
                }
            case (.some, nil):
                break
            }
        }
        if let r = repeats {
            guard design != .classNeighbours else {
                throw fail("repeats", "is not for class-neighbours (a screen is answered as a whole)")
            }
            guard effectiveAllocation == .uniform else {
                throw fail("repeats", "needs allocation 'uniform' (adaptive decisions do not plan repeats)")
            }
            guard r.perAssignment >= 1, r.perAssignment <= itemsPerAssignment else {
                throw fail(
                    "repeats.perAssignment", "must be between 1 and itemsPerAssignment (\(itemsPerAssignment))")
            }
            if let s = r.showings, !(2...5).contains(s) { throw fail("repeats.showings", "must be between 2 and 5") }
            if let g = r.minGap, !(0...1_000).contains(g) { throw fail("repeats.minGap", "must be between 0 and 1000") }
        }
        if let s = selfPairChecks {
            guard design == .classPairLikert else {
                throw fail("selfPairChecks", "applies to class-pair-likert only, not \(design.rawValue)")
            }
            guard effectiveAllocation == .uniform else {
                throw fail(
                    "selfPairChecks", "needs allocation 'uniform' (adaptive decisions draw only attentionChecks)")
            }
            guard (1...50).contains(s.perAssignment) else {
                throw fail("selfPairChecks.perAssignment", "must be between 1 and 50")
            }
            if let t = s.tolerance, !(t >= 0 && t <= scaleRange.upperBound - scaleRange.lowerBound) {
                throw fail("selfPairChecks.tolerance", "must be between 0 and the scale's width")
            }
        }
    }
}
