import ExplicableCore
import Foundation
import Testing

/// A C-class similarity prior where classes 0 and 1 are alike (0.9) and every other pair is far (0.1).
func twinPrior(_ c: Int) throws -> ClassMatrix {
    let classes = try ClassSet(name: "t\(c)", labels: (0..<c).map { "class\($0)" })
    var values = [Double](repeating: 0.1, count: c * c)
    for i in 0..<c { values[i * c + i] = 1 }
    values[0 * c + 1] = 0.9
    values[1 * c + 0] = 0.9
    return ClassMatrix(classes: classes, kind: .similarity, values: values, provenance: .init(source: "test"))
}

/// Every directed pair as a one-cell item keyed like a class-pair study's (`pair:a:b`).
func pairItems(_ c: Int) -> [AdaptiveAllocator.Item] {
    (0..<c).flatMap { a in (0..<c).filter { $0 != a }.map { b in .init(key: "pair:\(a):\(b)", cells: [.init(a, b)]) } }
}

/// Deterministic ratings for a pair: 4 for the twins, 0 otherwise, with a little spread by rater.
func rating(_ key: String, rater: Int) -> Double {
    let parts = key.split(separator: ":").compactMap { Int($0) }
    let twins = Set(parts) == [0, 1]
    return twins ? Double(3 + rater % 2) : Double(rater % 2)
}

struct AdaptiveAllocatorTests {
    func make(
        c: Int = 6, seed: UInt64 = 7, per: Int = 4, checks: [String] = [], tolerance: Double = 0.05,
        maxRatings: Int = 50
    ) throws -> AdaptiveAllocator {
        try AdaptiveAllocator(
            prior: twinPrior(c), items: pairItems(c), attentionChecks: checks,
            parameters: .init(
                tolerance: tolerance, maxRatingsPerItem: maxRatings, itemsPerAssignment: per,
                attentionChecksPerAssignment: checks.count),
            seed: seed)
    }

    /// Runs `rounds` assignments, answering each fully before the next, and returns them.
    func run(_ allocator: inout AdaptiveAllocator, rounds: Int) -> [AdaptiveAllocator.Assignment] {
        var made: [AdaptiveAllocator.Assignment] = []
        for r in 0..<rounds {
            guard let next = allocator.nextAssignment() else { break }
            made.append(next)
            for key in next.itemKeys where key.hasPrefix("pair:") {
                let counted = allocator.record(assignment: next.sequence, itemKey: key, value: rating(key, rater: r))
                #expect(counted)
            }
        }
        return made
    }

    @Test func sameSeedAndEventsGiveTheSameDecisions() throws {
        var a = try make(checks: ["attn:x", "attn:y"]), b = try make(checks: ["attn:x", "attn:y"])
        let first = run(&a, rounds: 12), second = run(&b, rounds: 12)
        #expect(first.count == 12)
        #expect(first == second)
        #expect(a.digest == b.digest)
    }

    @Test func assignmentsNeverRepeatAnItemAndCarryTheirChecks() throws {
        var allocator = try make(per: 5, checks: ["attn:x", "attn:y"])
        for assignment in run(&allocator, rounds: 10) {
            #expect(Set(assignment.itemKeys).count == assignment.itemKeys.count)
            #expect(assignment.itemKeys.count == 7)
            #expect(assignment.chosen.count == 5)
            #expect(assignment.itemKeys.filter { $0.hasPrefix("attn:") }.count == 2)
            #expect(zip(assignment.chosen, assignment.chosen.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
    }

    @Test func plausibleConfusionsComeFirst() throws {
        var allocator = try make(c: 10, per: 2)
        let next = allocator.nextAssignment()
        let first = try #require(next)
        // Under the prior only 0→1 and 1→0 carry weight in their rows' targets.
        #expect(Set(first.chosen.map(\.key)) == ["pair:0:1", "pair:1:0"])
    }

    @Test func pendingItemsSpreadConcurrentAssignments() throws {
        var allocator = try make(c: 10, per: 2)
        let (one, two) = (allocator.nextAssignment(), allocator.nextAssignment())
        let first = try #require(one), second = try #require(two)
        #expect(first.sequence == 0 && second.sequence == 1)
        #expect(first.chosen[0].score > second.chosen[0].score)
        #expect(allocator.counts(of: "pair:0:1")!.pending >= 1)
        #expect(allocator.liveAssignments == [0, 1])
        let (released, again) = (allocator.release(assignment: 0), allocator.release(assignment: 0))
        #expect(released && !again)
        #expect(allocator.liveAssignments == [1])
    }

    @Test func answersOutsideALiveAssignmentAreNotCounted() throws {
        var allocator = try make()
        let next = allocator.nextAssignment()
        let key = try #require(next).chosen[0].key
        let before = allocator.digest
        let wrongAssignment = allocator.record(assignment: 5, itemKey: key, value: 2)
        let unknownKey = allocator.record(assignment: 0, itemKey: "pair:nope", value: 2)
        #expect(!wrongAssignment && !unknownKey)
        #expect(allocator.digest == before)
        let counted = allocator.record(assignment: 0, itemKey: key, value: 2)
        let repeated = allocator.record(assignment: 0, itemKey: key, value: 2)
        #expect(counted && !repeated)
        #expect(
            allocator.ratingCount(row: Int(key.split(separator: ":")[1])!, column: Int(key.split(separator: ":")[2])!)
                == 1)
    }

    @Test func aRowStopsOnceItsTargetsAreWithinTheTolerance() throws {
        var allocator = try make(c: 4, per: 3, tolerance: 0.12, maxRatings: 1000)
        let openAtFirst = allocator.isOpen(row: 0)
        #expect(openAtFirst)
        let made = run(&allocator, rounds: 400)
        let widths = allocator.rowHalfWidths()
        #expect(widths.allSatisfy { $0 < 0.12 })
        var open = 0
        for row in 0..<4 where allocator.isOpen(row: row) { open += 1 }
        #expect(open == 0)
        #expect(made.count < 400)  // it ran out of open rows, not of rounds
        let after = allocator.nextAssignment()
        #expect(after == nil)
    }

    @Test func aClosedRowGetsNoMoreRaters() throws {
        var allocator = try make(c: 4, per: 2, tolerance: 0.12, maxRatings: 1000)
        var closedAt: Int?
        for r in 0..<400 {
            guard let next = allocator.nextAssignment() else { break }
            if closedAt != nil { #expect(!next.chosen.contains { $0.key.hasPrefix("pair:0:") }) }
            for key in next.chosen.map(\.key) {
                allocator.record(assignment: next.sequence, itemKey: key, value: rating(key, rater: r))
            }
            if closedAt == nil, !allocator.isOpen(row: 0) { closedAt = r }
        }
        let row0 = try #require(closedAt)
        #expect(row0 > 0)
        let open = allocator.isOpen(row: 0)
        #expect(!open)
    }

    @Test func anItemStopsAtItsRatingCap() throws {
        var allocator = try make(c: 3, per: 2, tolerance: 1e-9, maxRatings: 2)
        let made = run(&allocator, rounds: 100)
        #expect(made.flatMap(\.chosen).count == 6 * 2)
        #expect(pairItems(3).allSatisfy { allocator.counts(of: $0.key)!.answered == 2 })
    }

    @Test func applyingTheLoggedDecisionsRebuildsTheState() throws {
        var live = try make(checks: ["attn:x"])
        var events: [(decision: AdaptiveAllocator.Assignment?, answer: (Int, String, Double)?)] = []
        for r in 0..<8 {
            let made = live.nextAssignment()
            let next = try #require(made)
            events.append((next, nil))
            // Answer all but the last item; release every third assignment.
            for key in next.chosen.dropLast().map(\.key) {
                live.record(assignment: next.sequence, itemKey: key, value: rating(key, rater: r))
                events.append((nil, (next.sequence, key, rating(key, rater: r))))
            }
            if r % 3 == 2 {
                live.release(assignment: next.sequence)
                events.append((nil, (next.sequence, "", .nan)))
            }
        }
        var rebuilt = try make(checks: ["attn:x"])
        var replayed = try make(checks: ["attn:x"])
        for event in events {
            if let decision = event.decision {
                try rebuilt.apply(sequence: decision.sequence, itemKeys: decision.itemKeys)
                #expect(replayed.digest == decision.digest)
                let again = replayed.nextAssignment()
                #expect(again == decision)
            } else if let (sequence, key, value) = event.answer {
                if key.isEmpty {
                    rebuilt.release(assignment: sequence)
                    replayed.release(assignment: sequence)
                } else {
                    rebuilt.record(assignment: sequence, itemKey: key, value: value)
                    replayed.record(assignment: sequence, itemKey: key, value: value)
                }
            }
        }
        #expect(rebuilt.digest == live.digest)
        #expect(replayed.digest == live.digest)
        let (fromRebuilt, fromLive) = (rebuilt.nextAssignment(), live.nextAssignment())
        #expect(fromRebuilt == fromLive && fromLive != nil)
        #expect(throws: ExplicableError.self) { try rebuilt.apply(sequence: 3, itemKeys: []) }
    }

    @Test func itemsMayInformSeveralCells() throws {
        let c = 5
        let items = (0..<c).map { a in
            AdaptiveAllocator.Item(key: "row:\(a)", cells: (0..<c).filter { $0 != a }.map { .init(a, $0) })
        }
        var allocator = try AdaptiveAllocator(
            prior: twinPrior(c), items: items,
            parameters: .init(maxRatingsPerItem: 10, itemsPerAssignment: 2), seed: 1)
        let next = allocator.nextAssignment()
        #expect(Set(try #require(next).chosen.map(\.key)) == ["row:0", "row:1"])
        let counted = allocator.record(assignment: 0, itemKey: "row:0", values: [4, 0, nil, 0])
        #expect(counted)
        #expect(allocator.ratingCount(row: 0, column: 1) == 1 && allocator.ratingCount(row: 0, column: 3) == 0)
        #expect(allocator.mean(row: 0, column: 1) > allocator.mean(row: 0, column: 2))
    }

    @Test func badParametersAndItemsAreRefused() throws {
        let prior = try twinPrior(3)
        func attempt(_ items: [AdaptiveAllocator.Item], _ p: AdaptiveAllocator.Parameters, checks: [String] = [])
            -> Bool
        {
            (try? AdaptiveAllocator(prior: prior, items: items, attentionChecks: checks, parameters: p, seed: 0)) == nil
        }
        let good = AdaptiveAllocator.Parameters(maxRatingsPerItem: 3, itemsPerAssignment: 2)
        #expect(!attempt(pairItems(3), good))
        var p = good
        p.tolerance = 0
        #expect(attempt(pairItems(3), p))
        p = good
        p.scales = []
        #expect(attempt(pairItems(3), p))
        p = good
        p.attentionChecksPerAssignment = 2
        #expect(attempt(pairItems(3), p, checks: ["a"]))
        #expect(attempt([.init(key: "x", cells: [.init(1, 1)])], good))
        #expect(attempt([.init(key: "x", cells: [.init(0, 3)])], good))
        #expect(attempt([.init(key: "x", cells: [.init(0, 1)]), .init(key: "x", cells: [.init(0, 2)])], good))
    }
}
