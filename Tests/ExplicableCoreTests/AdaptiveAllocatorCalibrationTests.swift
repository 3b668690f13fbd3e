import ExplicableCore
import Foundation
import Testing

/// Imported answers and the prior's calibration (`calibratesPrior`).
struct AdaptiveAllocatorCalibrationTests {
    /// An 8-class prior whose off-diagonal cells all differ (`i · 8 + j` scaled), so each has its own bin.
    static func gradedPrior() throws -> ClassMatrix {
        let c = 8
        let classes = try ClassSet(name: "g8", labels: (0..<c).map { "class\($0)" })
        var values = [Double](repeating: 0, count: c * c)
        for i in 0..<c { for j in 0..<c { values[i * c + j] = i == j ? 100 : Double((i * 7 + j * 3) % 64) } }
        return ClassMatrix(classes: classes, kind: .similarity, values: values, provenance: .init(source: "graded"))
    }

    static func make(calibrates: Bool, seed: UInt64 = 3) throws -> AdaptiveAllocator {
        try AdaptiveAllocator(
            prior: gradedPrior(), items: pairItems(8),
            parameters: .init(
                tolerance: 0.001, maxRatingsPerItem: 20, itemsPerAssignment: 5, calibratesPrior: calibrates),
            seed: seed)
    }

    /// Every rating is 1, whatever the prior says; `rounds` assignments answered in turn.
    static func run(_ allocator: inout AdaptiveAllocator, rounds: Int) -> [AdaptiveAllocator.Assignment] {
        var made: [AdaptiveAllocator.Assignment] = []
        for _ in 0..<rounds {
            guard let a = allocator.nextAssignment() else { break }
            for key in a.itemKeys { allocator.record(assignment: a.sequence, itemKey: key, value: 1) }
            made.append(a)
        }
        return made
    }

    @Test func importedAnswersCountWithoutADecision() throws {
        var allocator = try Self.make(calibrates: false)
        let before = allocator.digest
        let first = allocator.recordImported(itemKey: "pair:0:1", values: [3])
        #expect(first)
        #expect(allocator.counts(of: "pair:0:1")! == (1, 0) && allocator.ratingCount(row: 0, column: 1) == 1)
        #expect(allocator.digest != before && allocator.liveAssignments.isEmpty && allocator.decisionsMade == 0)
        let unknown = allocator.recordImported(itemKey: "nope", values: [3])
        let mismatched = allocator.recordImported(itemKey: "pair:0:2", values: [3, 1])
        #expect(!unknown && !mismatched)
        #expect(allocator.counts(of: "pair:0:2")! == (0, 0))
        // Cannot-tell uses the item's place but adds no rating.
        let cannotTell = allocator.recordImported(itemKey: "pair:0:2", values: [nil])
        #expect(cannotTell)
        #expect(allocator.counts(of: "pair:0:2")! == (1, 0) && allocator.ratingCount(row: 0, column: 2) == 0)
    }

    @Test func theCalibratedPriorFollowsTheRatings() throws {
        var plain = try Self.make(calibrates: false), calibrated = try Self.make(calibrates: true)
        _ = Self.run(&plain, rounds: 6)
        _ = Self.run(&calibrated, rounds: 6)
        // The cells nobody rated: min–max scaled, the prior spans 0…4; calibrated, it sits near the ratings (1).
        var unrated: [(prior: Double, plain: Double, calibrated: Double)] = []
        let prior = try Self.gradedPrior()
        for i in 0..<8 {
            for j in 0..<8 where i != j && calibrated.ratingCount(row: i, column: j) == 0 {
                unrated.append((prior[i, j], plain.mean(row: i, column: j), calibrated.mean(row: i, column: j)))
            }
        }
        #expect(unrated.count > 10)
        #expect(unrated.contains { $0.plain > 2.2 } && unrated.contains { $0.plain < 0.5 }, "\(unrated.map(\.plain))")
        #expect(unrated.allSatisfy { abs($0.calibrated - 1) < 1 }, "\(unrated.map(\.calibrated))")
        // Monotone in the prior.
        let ordered = unrated.sorted { $0.prior < $1.prior }.map(\.calibrated)
        #expect(zip(ordered, ordered.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
    }

    @Test func calibratedDecisionsReplayFromTheirEvents() throws {
        var live = try Self.make(calibrates: true)
        let made = Self.run(&live, rounds: 12)
        #expect(made.count == 12)
        var replayed = try Self.make(calibrates: true)
        for a in made {
            #expect(replayed.digest == a.digest)
            try replayed.apply(sequence: a.sequence, itemKeys: a.itemKeys)
            for key in a.itemKeys { replayed.record(assignment: a.sequence, itemKey: key, value: 1) }
        }
        #expect(replayed.digest == live.digest)
        let next = live.nextAssignment(), again = replayed.nextAssignment()
        #expect(next != nil && next == again)
        // Calibration changes the decisions (and the digest of the same events).
        var plain = try Self.make(calibrates: false)
        let plainMade = Self.run(&plain, rounds: 12)
        #expect(plainMade.map(\.chosen) != made.map(\.chosen))
        #expect(plainMade[0].digest != made[0].digest)
    }
}
