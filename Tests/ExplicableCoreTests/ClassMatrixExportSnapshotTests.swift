import ExplicableCore
import Foundation
import TestSupport
import Testing

/// The exported CSV and JSON of a small matrix, against golden files (`RECORD_SNAPSHOTS=1` re-records).
struct ClassMatrixExportSnapshotTests {
    /// Labels that need quoting, values that need the shortest round-tripping form, and infinities.
    func matrix() throws -> ClassMatrix {
        let classes = try ClassSet(
            name: "awkward", labels: ["cat", "dog, large", "say \"cheese\""],
            synsets: ["oewn-02124272-n", nil, nil])
        return ClassMatrix(
            classes: classes, kind: .similarity,
            values: [.infinity, 0.1, 1.0 / 3, 2.5, .infinity, -0.0, 1e-7, 12_345.678, -.infinity],
            provenance: .init(source: "hand-made", parameters: ["measure": "jcn", "note": "golden"]))
    }

    @Test func csv() throws {
        assertGolden(try matrix().csv(), as: "csv")
    }

    @Test func json() throws {
        assertGolden(String(decoding: try matrix().json(), as: UTF8.self), as: "json")
    }
}
