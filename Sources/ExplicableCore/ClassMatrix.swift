import Foundation

/// A square matrix over a class set, holding similarities or distances.
///
/// Row `i`, column `j` relates `classes.labels[i]` to `classes.labels[j]`; a matrix may be
/// asymmetric (directed human judgments are). Values are stored row-major in one flat array.
///
/// ```swift
/// let pets = try ClassSet(name: "pets", labels: ["cat", "dog", "fish"])
/// let s = ClassMatrix(classes: pets, kind: .similarity,
///                     values: [4, 3, 0,
///                              3, 4, 0,
///                              0, 0, 4],
///                     provenance: .init(source: "hand-made"))
/// s[0, 1]                              // 3: a cat is often taken for a dog
/// let d = try s.distances()             // 4 − s, kind .distance
/// let targets = try s.rowSoftmax(scale: 1)  // the WLF targets of each true class
/// try s.write(to: URL(fileURLWithPath: "pets.npy"))
/// ```
public struct ClassMatrix: Sendable, Equatable {
    /// Whether larger values mean "more alike" or "further apart".
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case similarity
        case distance
    }

    /// Where a matrix came from: the source and every parameter that shaped it.
    public struct Provenance: Sendable, Equatable, Codable {
        /// What produced the matrix, e.g. `wordnet:oewn:2025`.
        public var source: String
        /// Parameters in a stable order (keys sorted when encoded).
        public var parameters: [String: String]

        public init(source: String, parameters: [String: String] = [:]) {
            self.source = source
            self.parameters = parameters
        }
    }

    public let classes: ClassSet
    public var kind: Kind
    public var provenance: Provenance
    /// Row-major, `classes.count²` entries.
    public private(set) var values: [Double]

    /// Creates a matrix; `values` must hold `classes.count²` entries, row-major.
    public init(classes: ClassSet, kind: Kind, values: [Double], provenance: Provenance) {
        precondition(
            values.count == classes.count * classes.count,
            "a \(classes.count)-class matrix needs \(classes.count * classes.count) values, got \(values.count)")
        self.classes = classes
        self.kind = kind
        self.values = values
        self.provenance = provenance
    }

    /// The number of classes (rows and columns).
    public var count: Int { classes.count }

    /// The value relating class `row` to class `column`.
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * count + column] }
        set { values[row * count + column] = newValue }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> ArraySlice<Double> { values[(i * count)..<((i + 1) * count)] }

    /// Calls `body` with the row-major storage; the pointer must not escape.
    public func withUnsafeValues<R, E: Error>(_ body: (UnsafeBufferPointer<Double>) throws(E) -> R) throws(E) -> R {
        try values.withUnsafeBufferPointer { (buffer) throws(E) -> R in try body(buffer) }
    }
}
