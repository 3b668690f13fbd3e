public import ExplicableCore
public import LabelStore

extension LikertRatings {
    /// The ratings of a class-pair study's accepted submissions.
    ///
    /// - Parameters:
    ///   - studyId: the study's id in `store`.
    ///   - name: the study's name, for the error message.
    ///   - classes: the study's class set (its items' class indices refer to it).
    ///   - scale: the study's scale, lowest to highest point.
    ///   - store: the label store holding the study.
    /// - Throws: `ExplicableError` when the study has no accepted ratings (QC not run yet?).
    public static func load(
        studyId: Int64, study name: String, classes: ClassSet, scale: ClosedRange<Double>,
        from store: LabelStore
    ) throws(ExplicableError) -> LikertRatings {
        guard let ratings = try loadIfAny(studyId: studyId, classes: classes, scale: scale, from: store) else {
            throw ExplicableError(
                .badInput,
                "study '\(name)' has no accepted class-pair ratings (import responses, then run 'explicable study qc \(name)')"
            )
        }
        return ratings
    }

    /// The ratings of a class-pair study's accepted submissions, or `nil` when it has none yet.
    public static func loadIfAny(studyId: Int64, classes: ClassSet, scale: ClosedRange<Double>, from store: LabelStore)
        throws(ExplicableError) -> LikertRatings?
    {
        let answers = try store.acceptedPairRatings(studyId: studyId)
        guard !answers.isEmpty else { return nil }
        var index: [Int64: Int32] = [:]
        var annotators: [Int32] = [], rows: [Int32] = [], columns: [Int32] = [], values: [Double] = []
        annotators.reserveCapacity(answers.count)
        rows.reserveCapacity(answers.count)
        columns.reserveCapacity(answers.count)
        values.reserveCapacity(answers.count)
        for answer in answers {
            let a: Int32
            if let known = index[answer.annotatorId] {
                a = known
            } else {
                a = Int32(index.count)
                index[answer.annotatorId] = a
            }
            annotators.append(a)
            rows.append(Int32(answer.classA))
            columns.append(Int32(answer.classB))
            values.append(answer.value)
        }
        return try LikertRatings(
            classes: classes, scale: scale, annotatorCount: index.count, annotators: annotators,
            rows: rows, columns: columns, values: values)
    }
}
