public import ExplicableCore

/// Resolves the classes of a `ClassSet` to noun synsets of a wordnet and explains failures.
///
/// A class resolves through, in order: its OEWN synset id, its ILI, else its label looked up as
/// a noun lemma (`_` read as space). It must end at exactly one noun synset, and when both a
/// synset id and an ILI are given they must agree.
public struct ClassSetMapper: Sendable {
    /// How one class fared.
    public enum Outcome: Sendable, Equatable {
        /// Resolved to `synset`; `via` says how (`synset id`, `ili`, `lemma`).
        case resolved(synset: Int32, via: String)
        /// Nothing matched; the reason says what was tried.
        case missing(reason: String)
        /// The label matches several noun synsets.
        case ambiguous(candidates: [Int32])
        /// The given ids contradict each other or the wordnet.
        case conflict(reason: String)
    }

    /// The outcome for every class, in class order.
    public struct Report: Sendable {
        public let classes: ClassSet
        public let outcomes: [Outcome]

        /// Whether every class resolved to exactly one noun synset.
        public var isComplete: Bool {
            outcomes.allSatisfy { if case .resolved = $0 { true } else { false } }
        }

        /// The resolved synsets, when complete.
        public var synsets: [Int32]? {
            var result: [Int32] = []
            for outcome in outcomes {
                guard case .resolved(let s, _) = outcome else { return nil }
                result.append(s)
            }
            return result
        }
    }

    public let graph: WordNetGraph

    public init(graph: WordNetGraph) { self.graph = graph }

    /// Checks every class of `classes`.
    public func check(_ classes: ClassSet) -> Report {
        Report(classes: classes, outcomes: (0..<classes.count).map { outcome(classes, $0) })
    }

    /// The synsets of `classes`, or an error listing every class that did not resolve.
    public func resolve(_ classes: ClassSet) throws(ExplicableError) -> [Int32] {
        let report = check(classes)
        if let synsets = report.synsets { return synsets }
        let problems = describeProblems(report)
        throw ExplicableError(
            .badInput,
            "class set '\(classes.name)' does not map onto the wordnet: " + problems.joined(separator: "; "))
    }

    /// One line per class that did not resolve.
    public func describeProblems(_ report: Report) -> [String] {
        var lines: [String] = []
        for (i, outcome) in report.outcomes.enumerated() {
            let label = report.classes.labels[i]
            switch outcome {
            case .resolved: continue
            case .missing(let reason): lines.append("class \(i) '\(label)': missing (\(reason))")
            case .conflict(let reason): lines.append("class \(i) '\(label)': \(reason)")
            case .ambiguous(let candidates):
                let names = candidates.map { s in
                    "\(graph.synsetIDs[Int(s)]) (\(graph.synsetDefinition[Int(s)] ?? graph.displayName(s)))"
                }
                lines.append(
                    "class \(i) '\(label)': ambiguous, \(candidates.count) noun synsets: "
                        + names.joined(separator: ", "))
            }
        }
        return lines
    }

    private func outcome(_ classes: ClassSet, _ i: Int) -> Outcome {
        let synsetID = classes.synsets[i], ili = classes.ilis[i]
        func isNoun(_ s: Int32) -> Bool { graph.synsetPOS[Int(s)] == "n" }
        if let synsetID {
            guard let s = graph.synsetIndex[synsetID] else {
                return .missing(reason: "synset '\(synsetID)' is not in the wordnet")
            }
            guard isNoun(s) else { return .conflict(reason: "synset '\(synsetID)' is not a noun") }
            if let ili, graph.synsetILI[Int(s)] != ili {
                return .conflict(
                    reason: "synset '\(synsetID)' has ILI '\(graph.synsetILI[Int(s)] ?? "none")', "
                        + "the class set says '\(ili)'")
            }
            return .resolved(synset: s, via: "synset id")
        }
        if let ili {
            guard let s = graph.iliIndex[ili] else { return .missing(reason: "no synset carries ILI '\(ili)'") }
            guard isNoun(s) else {
                return .conflict(reason: "ILI '\(ili)' is synset '\(graph.synsetIDs[Int(s)])', not a noun")
            }
            return .resolved(synset: s, via: "ili")
        }
        let candidates = graph.synsets(forLemma: classes.labels[i], pos: "n")
        switch candidates.count {
        case 0: return .missing(reason: "no synset id or ILI given, and no noun lemma '\(classes.labels[i])'")
        case 1: return .resolved(synset: candidates[0], via: "lemma")
        default: return .ambiguous(candidates: candidates)
        }
    }
}
