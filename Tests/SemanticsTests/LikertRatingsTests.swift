import ExplicableCore
import Semantics
import Testing

let pets = try! ClassSet(name: "pets", labels: ["cat", "dog", "fish"])

struct LikertRatingsTests {
    @Test func refusesDiagonalOffScaleAndOutOfRangeRatings() throws {
        func make(_ a: Int32, _ r: Int32, _ c: Int32, _ v: Double) throws -> LikertRatings {
            try LikertRatings(
                classes: pets, scale: 0...4, annotatorCount: 2, annotators: [a], rows: [r], columns: [c],
                values: [v])
        }
        #expect(try make(1, 0, 1, 3).count == 1)
        #expect(throws: ExplicableError.self) { try make(0, 1, 1, 3) }
        #expect(throws: ExplicableError.self) { try make(0, 0, 1, 5) }
        #expect(throws: ExplicableError.self) { try make(0, 0, 1, .nan) }
        #expect(throws: ExplicableError.self) { try make(2, 0, 1, 3) }
        #expect(throws: ExplicableError.self) { try make(0, 0, 3, 3) }
    }
}
