import ExplicableCore
import Testing

/// Pair selection for sparse class-pair studies.
struct PairDesignTests {
    /// Five classes; row i's similarity to j is hand-made so each row's ranking is known.
    func prior(kind: ClassMatrix.Kind = .similarity) throws -> ClassMatrix {
        let classes = try ClassSet(name: "five", labels: ["a", "b", "c", "d", "e"])
        let s: [Double] = [
            1, 0.9, 0.1, 0.5, 0.5,
            0.9, 1, 0.8, 0.2, 0.1,
            0.1, 0.8, 1, .nan, 0.3,
            0.5, 0.2, 0.7, 1, 0.6,
            0.5, 0.1, 0.3, 0.6, 1,
        ]
        let values = kind == .similarity ? s : s.map { 1 - $0 }
        return ClassMatrix(classes: classes, kind: kind, values: values, provenance: .init(source: "hand-made"))
    }

    @Test func rankingIsNearestFirstWithTiesByIndexAndNaNLast() throws {
        let m = try prior()
        #expect(PairDesign.ranking(m, row: 0) == [1, 3, 4, 2])  // 0.5 tie: 3 before 4
        #expect(PairDesign.ranking(m, row: 2) == [1, 4, 0, 3])  // NaN last
        let d = try prior(kind: .distance)
        #expect(PairDesign.ranking(d, row: 0) == [1, 3, 4, 2])
        #expect(PairDesign.ranking(d, row: 3) == [2, 4, 0, 1])
    }

    @Test func neighboursWithoutExtraAreEachRowsTopK() throws {
        let pairs = PairDesign.neighbours(prior: try prior(), k: 2, extra: 0, seed: 1)
        #expect(
            pairs
                == [
                    .init(0, 1), .init(0, 3), .init(1, 0), .init(1, 2), .init(2, 1), .init(2, 4),
                    .init(3, 2), .init(3, 4), .init(4, 3), .init(4, 0),
                ].sorted())
    }

    @Test func extraPairsAreNewDistinctOffDiagonalAndDeterministicForASeed() throws {
        let m = try prior()
        let neighbours = Set(PairDesign.neighbours(prior: m, k: 1, extra: 0, seed: 9))
        let a = PairDesign.neighbours(prior: m, k: 1, extra: 6, seed: 9)
        let b = PairDesign.neighbours(prior: m, k: 1, extra: 6, seed: 9)
        #expect(a == b)
        #expect(a.count == 5 + 6)
        #expect(Set(a).count == a.count)
        #expect(a == a.sorted())
        #expect(a.allSatisfy { $0.a != $0.b })
        #expect(neighbours.isSubset(of: Set(a)))
        // Another seed draws another sample (for this prior and size, seeds 9 and 10 differ).
        #expect(PairDesign.neighbours(prior: m, k: 1, extra: 6, seed: 10) != a)
    }

    @Test func sizesClampToThePairsThereAre() throws {
        let m = try prior()
        #expect(PairDesign.neighbours(prior: m, k: 10, extra: 0, seed: 1).count == 20)
        #expect(PairDesign.neighbours(prior: m, k: 2, extra: 100, seed: 1).count == 20)
        #expect(PairDesign.neighbours(prior: m, k: 0, extra: 3, seed: 1).count == 3)
        let one = ClassMatrix(
            classes: try ClassSet(name: "one", labels: ["x"]), kind: .similarity, values: [1],
            provenance: .init(source: "hand-made"))
        #expect(PairDesign.neighbours(prior: one, k: 3, extra: 3, seed: 1).isEmpty)
    }

    @Test func extraSampleIsRoughlyUniform() throws {
        // Over many seeds every non-neighbour pair is drawn about equally often.
        let m = try prior()
        var counts: [ClassPair: Int] = [:]
        for seed in 0..<2_000 as Range<UInt64> {
            for p in PairDesign.neighbours(prior: m, k: 1, extra: 3, seed: seed) { counts[p, default: 0] += 1 }
        }
        let neighbours = Set(PairDesign.neighbours(prior: m, k: 1, extra: 0, seed: 0))
        let drawn = counts.filter { !neighbours.contains($0.key) }.map(\.value)
        #expect(drawn.count == 15)
        // Expected 2,000 × 3/15 = 400 per pair.
        #expect(drawn.allSatisfy { (320...480).contains($0) })
    }
}
