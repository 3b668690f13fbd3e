public import ExplicableCore
public import LabelStore

/// A study's adaptive allocation: its `AdaptiveAllocator` and the replay of its logged decisions.
///
/// `study serve` rebuilds the allocator from the store with ``rebuild(from:)`` when it starts
/// (and after a failed transaction), so a study stopped mid-way continues exactly where it was;
/// `study allocations --verify` recomputes every logged decision with ``verify(_:)``.
public struct StudyAllocation: Sendable {
    public let study: Study
    public let prior: ClassMatrix

    /// - Parameters:
    ///   - study: a study with `allocation: adaptive`.
    ///   - prior: a similarity matrix over the study's classes, in their order (the spec's
    ///     `adaptive.prior`, resolved by the caller).
    /// - Throws: `ExplicableError` (`invalidArgument`) when the study is not adaptive or the
    ///   prior's classes differ from the study's.
    public init(study: Study, prior: ClassMatrix) throws(ExplicableError) {
        guard study.spec.allocatorParameters != nil else {
            throw ExplicableError(.invalidArgument, "study '\(study.spec.name)' does not use adaptive allocation")
        }
        guard prior.classes.labels == study.classes.labels else {
            throw ExplicableError(
                .invalidArgument,
                "the prior '\(prior.provenance.source)' is over class set \(prior.classes.name) (\(prior.count) classes), "
                    + "not the study's \(study.classes.name) (\(study.classes.count) classes) in its order")
        }
        self.study = study
        self.prior = prior
    }

    /// The items the allocator deals: each regular item with the cells it rates.
    public static func items(of study: Study) -> [AdaptiveAllocator.Item] {
        study.items.compactMap { item in
            guard !item.isAttentionCheck, let a = item.classA, let b = item.classB else { return nil }
            return AdaptiveAllocator.Item(key: item.key, cells: [.init(a, b)])
        }
    }

    /// A fresh allocator: the prior, the study's items and checks, the spec's parameters and seed.
    public func makeAllocator() throws(ExplicableError) -> AdaptiveAllocator {
        try AdaptiveAllocator(
            prior: prior, items: Self.items(of: study),
            attentionChecks: study.items.filter(\.isAttentionCheck).map(\.key),
            parameters: study.spec.allocatorParameters!, seed: study.spec.seed)
    }

    /// Applies one logged input: an answer (served or imported) is recorded, a release gives the items back.
    public static func apply(_ input: AllocationInput, to allocator: inout AdaptiveAllocator) {
        switch input.kind {
        case .answer:
            if let key = input.itemKey {
                allocator.record(assignment: input.assignment, itemKey: key, value: input.value)
            }
        case .release:
            allocator.release(assignment: input.assignment)
        case .imported:
            if let key = input.itemKey { allocator.recordImported(itemKey: key, values: [input.value]) }
        }
    }

    /// The allocator's state after the whole log: each decision applied as logged, after the
    /// inputs it saw, then the inputs since the last decision.
    /// - Throws: `ExplicableError` (`badInput`) when the log is out of order or names unknown items.
    public func rebuild(from log: AllocationLog) throws(ExplicableError) -> AdaptiveAllocator {
        var allocator = try makeAllocator()
        var next = log.inputs.startIndex
        for decision in log.decisions {
            while next < log.inputs.endIndex, log.inputs[next].id <= decision.inputsSeen {
                Self.apply(log.inputs[next], to: &allocator)
                next += 1
            }
            try allocator.apply(sequence: decision.sequence, itemKeys: decision.itemKeys)
        }
        for input in log.inputs[next...] { Self.apply(input, to: &allocator) }
        return allocator
    }

    /// The outcome of replaying a log.
    public struct Verification: Sendable, Equatable {
        /// Decisions recomputed identically.
        public var matched: Int
        /// Decisions in the log.
        public var decisions: Int
        /// The first decision that differs, and how.
        public var mismatch: (sequence: Int, reason: String)?
        /// The state digest after the log (when every decision matched).
        public var finalDigest: String?

        public static func == (l: Self, r: Self) -> Bool {
            l.matched == r.matched && l.decisions == r.decisions && l.mismatch?.sequence == r.mismatch?.sequence
                && l.mismatch?.reason == r.mismatch?.reason && l.finalDigest == r.finalDigest
        }
    }

    /// Recomputes every logged decision from the prior, the seed and the inputs it saw, and
    /// compares state digest, items, order and scores; stops at the first difference.
    public func verify(_ log: AllocationLog) throws(ExplicableError) -> Verification {
        var allocator = try makeAllocator()
        var next = log.inputs.startIndex
        var result = Verification(matched: 0, decisions: log.decisions.count)
        for decision in log.decisions {
            while next < log.inputs.endIndex, log.inputs[next].id <= decision.inputsSeen {
                Self.apply(log.inputs[next], to: &allocator)
                next += 1
            }
            if allocator.digest != decision.digest {
                result.mismatch = (decision.sequence, "state digest \(allocator.digest), logged \(decision.digest)")
                return result
            }
            guard let again = allocator.nextAssignment() else {
                result.mismatch = (decision.sequence, "the allocator now has nothing left to allocate")
                return result
            }
            if again.sequence != decision.sequence {
                result.mismatch = (decision.sequence, "recomputed as decision \(again.sequence)")
                return result
            }
            if again.chosen.map(\.key) != decision.chosenKeys || again.itemKeys != decision.itemKeys {
                result.mismatch = (
                    decision.sequence,
                    "items " + again.itemKeys.joined(separator: ",") + ", logged "
                        + decision.itemKeys.joined(separator: ",")
                )
                return result
            }
            if again.chosen.map(\.score) != decision.scores {
                result.mismatch = (decision.sequence, "scores differ from the logged ones")
                return result
            }
            result.matched += 1
        }
        for input in log.inputs[next...] { Self.apply(input, to: &allocator) }
        result.finalDigest = allocator.digest
        return result
    }
}
