public import ExplicableCore

/// Likert ratings of directed class pairs: one entry per answer, in parallel arrays.
///
/// Rating `r` says how reasonable annotator `annotators[r]` found mistaking class `rows[r]`
/// (the true class) for class `columns[r]` (the predicted class), as `values[r]` on `scale`.
/// Designs are sparse: each annotator rates some of the pairs, each pair is rated by some of
/// the annotators. Only accepted submissions and real answers (no attention checks, no
/// "cannot tell") belong here.
public struct LikertRatings: Sendable, Equatable {
    public let classes: ClassSet
    /// The scale's lowest and highest points, e.g. 0…4 for the paper's CHL study.
    public let scale: ClosedRange<Double>
    /// The number of distinct annotators; `annotators` holds indices `0..<annotatorCount`.
    public let annotatorCount: Int
    public private(set) var annotators: [Int32]
    public private(set) var rows: [Int32]
    public private(set) var columns: [Int32]
    public private(set) var values: [Double]

    /// - Throws: `ExplicableError` (`badInput`) when the arrays differ in length, an index is
    ///   out of range, a pair is a diagonal cell, or a value is not finite or off the scale.
    public init(
        classes: ClassSet, scale: ClosedRange<Double>, annotatorCount: Int, annotators: [Int32], rows: [Int32],
        columns: [Int32], values: [Double]
    ) throws(ExplicableError) {
        guard annotators.count == rows.count, rows.count == columns.count, columns.count == values.count else {
            throw ExplicableError.badInput("Likert ratings: annotator, row, column and value arrays differ in length")
        }
        let n = Int32(classes.count)
        for r in values.indices {
            guard annotators[r] >= 0, Int(annotators[r]) < annotatorCount else {
                throw ExplicableError.badInput(
                    "Likert rating \(r): annotator index \(annotators[r]) is not below \(annotatorCount)")
            }
            guard rows[r] >= 0, rows[r] < n, columns[r] >= 0, columns[r] < n, rows[r] != columns[r] else {
                throw ExplicableError.badInput(
                    "Likert rating \(r): pair (\(rows[r]), \(columns[r])) is not an off-diagonal cell of a \(n)-class matrix"
                )
            }
            guard values[r].isFinite, scale.contains(values[r]) else {
                throw ExplicableError.badInput(
                    "Likert rating \(r): value \(values[r]) is off the scale \(scale.lowerBound)…\(scale.upperBound)")
            }
        }
        self.classes = classes
        self.scale = scale
        self.annotatorCount = annotatorCount
        self.annotators = annotators
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The number of ratings.
    public var count: Int { values.count }
}
