public import ExplicableCore
import LabelStore

/// How a study's items are dealt out to assignments (MTurk HITs, Prolific sessions).
///
/// Balanced: every regular item appears in exactly `ratingsPerItem` assignments, never twice in
/// one; each assignment holds `itemsPerAssignment` items (the last may hold fewer when the
/// total does not divide evenly), in a shuffled order, with `attentionChecksPerAssignment`
/// checks at random positions. Everything follows from the spec's `seed`. With `repeats`, some
/// items of an assignment are shown again later in it (test–retest); with `selfPairChecks`, self-pairs
/// join the attention checks.
///
/// A `class-neighbours` study is dealt by screen instead (``Study/screens``): every screen appears
/// in `ratingsPerItem` assignments, `itemsPerAssignment` screens to an assignment, screens in a
/// shuffled order with their candidates and decoys shuffled within the screen; the screen's
/// items stay together (pages group them by their screen).
public struct TaskPlan: Sendable, Equatable {
    /// One assignment: item keys in the order shown.
    public struct Assignment: Sendable, Equatable, Codable {
        public var index: Int
        public var itemKeys: [String]
    }

    public let assignments: [Assignment]

    /// Deals the items of `study` out.
    /// - Throws: `ExplicableError` when the study has no items yet or assignments would repeat an item.
    public init(study: Study) throws(ExplicableError) {
        let spec = study.spec
        // The units dealt out: single items, or whole screens for class-neighbours.
        let regular: [[String]]
        let checks: [ItemRecord]
        if spec.design == .classNeighbours {
            regular = study.screens.map(\.keys)
            checks = []
        } else {
            regular = study.items.filter { !$0.isAttentionCheck }.map { [$0.key] }
            checks = study.items.filter { $0.isAttentionCheck && !$0.key.hasPrefix("self:") }
        }
        let selfPairs = study.items.filter { $0.key.hasPrefix("self:") }
        let selfPerAssignment = spec.selfPairChecks?.perAssignment ?? 0
        guard selfPerAssignment <= selfPairs.count else {
            throw ExplicableError(
                .badInput,
                "selfPairChecks.perAssignment is \(selfPerAssignment) but the study has only \(selfPairs.count) classes"
            )
        }
        let what = spec.design == .classNeighbours ? "screens" : "items"
        guard !regular.isEmpty else {
            throw ExplicableError(
                .invalidArgument,
                "study '\(spec.name)' has no items yet (a mistake-review study gets them from 'explicable study review')"
            )
        }
        let perAssignment = spec.itemsPerAssignment
        guard perAssignment <= regular.count else {
            throw ExplicableError(
                .badInput,
                "itemsPerAssignment is \(perAssignment) but the study has only \(regular.count) \(what)")
        }
        var random = SeededGenerator(seed: spec.seed)
        // Buckets of item positions by ratings still needed; always draw from the fullest
        // buckets, at random within a bucket. Taking the items that need the most first keeps
        // the deal feasible to the end without repeating an item within an assignment.
        let k = spec.ratingsPerItem
        var buckets = [[Int]](repeating: [], count: k + 1)
        buckets[k] = Array(regular.indices)
        var remaining = regular.count * k
        var assignments: [Assignment] = []
        while remaining > 0 {
            var chosen: [Int] = []
            var level = k
            var drawn: [(Int, Int)] = []  // (item, its level) to put back one lower
            while chosen.count < perAssignment && level > 0 {
                if buckets[level].isEmpty {
                    level -= 1
                    continue
                }
                let pick = Int.random(in: 0..<buckets[level].count, using: &random)
                buckets[level].swapAt(pick, buckets[level].count - 1)
                let item = buckets[level].removeLast()
                chosen.append(item)
                drawn.append((item, level))
            }
            for (item, level) in drawn where level > 1 { buckets[level - 1].append(item) }
            remaining -= chosen.count
            var units = chosen.map { regular[$0] }
            units.shuffle(using: &random)
            var keys: [String] = []
            for var unit in units {
                if unit.count > 1 { unit.shuffle(using: &random) }
                keys += unit
            }
            let picked = checks.shuffled(using: &random).prefix(spec.attentionChecksPerAssignment)
            for check in picked {
                keys.insert(check.key, at: Int.random(in: 0...keys.count, using: &random))
            }
            if selfPerAssignment > 0 {
                for check in selfPairs.shuffled(using: &random).prefix(selfPerAssignment) {
                    keys.insert(check.key, at: Int.random(in: 0...keys.count, using: &random))
                }
            }
            if let repeats = spec.repeats {
                Self.addRepeats(repeats, of: chosen.map { regular[$0][0] }, to: &keys, using: &random)
            }
            assignments.append(Assignment(index: assignments.count, itemKeys: keys))
        }
        self.assignments = assignments
    }

    /// Shows `repeats.perAssignment` of an assignment's regular items (`candidates`) again:
    /// each later showing at a random place at least `minGap` items after the one before. Items are
    /// drawn among those shown early enough for the gap (among all when too few are; a showing that
    /// cannot keep its gap goes last). Inserting never shrinks a gap already made.
    static func addRepeats(
        _ repeats: StudySpec.Repeats, of candidates: [String], to keys: inout [String],
        using random: inout SeededGenerator
    ) {
        let gap = repeats.effectiveMinGap * (repeats.effectiveShowings - 1)
        let early = candidates.filter { keys.firstIndex(of: $0)! + 1 + gap <= keys.count }
        let pool = early.count >= repeats.perAssignment ? early : candidates
        let chosen = pool.shuffled(using: &random).prefix(repeats.perAssignment)
        for key in chosen {
            for _ in 1..<repeats.effectiveShowings {
                let last = keys.lastIndex(of: key)!
                let earliest = min(last + 1 + repeats.effectiveMinGap, keys.count)
                keys.insert(key, at: Int.random(in: earliest...keys.count, using: &random))
            }
        }
    }
}
