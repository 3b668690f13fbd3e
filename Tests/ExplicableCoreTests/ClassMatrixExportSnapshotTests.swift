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

    /// ``ClassMatrix/json()`` writes the values itself: its bytes are JSONEncoder's for the whole document.
    @Test func jsonEqualsTheEncoders() throws {
        var generator = SplitMix(seed: 18)
        let edge: [Double] = [
            0, -0.0, 1, -1, 100, 1e15, 1e16, 1e17, 1e21, 1e22, 1.5e300, 1e-4, 1e-5, 1e-7, .leastNonzeroMagnitude,
            0.1 + 0.2, 1.0 / 3,
            4.0, 123_456_789, .greatestFiniteMagnitude, .infinity, -.infinity, .nan,
        ]
        let n = 7
        let values = (0..<(n * n)).map { i in
            i < edge.count
                ? edge[i]
                : Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) * (i.isMultiple(of: 2) ? 1 : -1)
        }
        let classes = try ClassSet(
            name: "seven", labels: (0..<n).map { "c\($0) \"q\"/s" }, synsets: Array(repeating: nil, count: n))
        for matrix in [
            ClassMatrix(
                classes: classes, kind: .distance, values: values, provenance: .init(source: "test", parameters: [:])),
            try self.matrix(),
        ] {
            struct Document: Encodable {
                var classSet: String
                var kind: ClassMatrix.Kind
                var labels: [String]
                var synsets: [String?]
                var values: [[Double]]
                var provenance: ClassMatrix.Provenance
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            let expected = try encoder.encode(
                Document(
                    classSet: matrix.classes.name, kind: matrix.kind, labels: matrix.classes.labels,
                    synsets: matrix.classes.synsets, values: (0..<matrix.count).map { Array(matrix.row($0)) },
                    provenance: matrix.provenance))
            #expect(String(decoding: matrix.json(), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}

extension ClassMatrixExportSnapshotTests {
    /// ``ClassMatrix/table(digits:)`` formats with C's printf and pads by bytes: the same text as
    /// `String(format:)` and padding by characters, for every digit count and awkward values.
    @Test(arguments: [0, 1, 3, 6])
    func tableEqualsFoundationFormatting(digits: Int) throws {
        var generator = SplitMix(seed: UInt64(digits) + 1)
        let edge: [Double] = [
            0, -0.0, 0.0005, -0.0005, 0.00049999, 1.0005, 2.5, -2.5, 1e20, -1e300, 1e-300, .infinity, -.infinity,
            .nan, 123_456.789_5, 0.125,
        ]
        let n = 5
        let values = (0..<(n * n)).map { i in
            i < edge.count ? edge[i] : Double(Int64(bitPattern: generator.next()) % 10_000_000) / 997
        }
        let classes = try ClassSet(
            name: "t", labels: ["a", "crème brûlée", "x", "long label here", "é"],
            synsets: Array(repeating: nil, count: n))
        let matrix = ClassMatrix(
            classes: classes, kind: .similarity, values: values, provenance: .init(source: "test", parameters: [:]))
        // The implementation before the fast path, kept here as the reference.
        func format(_ v: Double) -> String {
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            return String(format: "%.\(digits)f", v)
        }
        let cells = values.map(format)
        let labels = classes.labels
        let width = max(cells.map(\.count).max() ?? 1, labels.map(\.count).max() ?? 1)
        let rowWidth = labels.map(\.count).max() ?? 1
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var expected = String(repeating: " ", count: rowWidth)
        for label in labels { expected += "  " + pad(label, width) }
        expected += "\n"
        for i in 0..<n {
            expected += labels[i] + String(repeating: " ", count: rowWidth - labels[i].count)
            for j in 0..<n { expected += "  " + pad(cells[i * n + j], width) }
            expected += "\n"
        }
        #expect(matrix.table(digits: digits) == expected)
    }
}

/// A seeded 64-bit generator (SplitMix64), for reproducible test values.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
