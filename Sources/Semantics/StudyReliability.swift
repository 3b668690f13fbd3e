import ExplicableCore

/// The trust statistics of one class-pair study, as `matrix reliability` and the cost audit use them.
public struct StudyReliability: Sendable {
    public var splitHalf: SplitHalfReliability
    public var alphaInterval: Double
    public var alphaOrdinal: Double
    public var curve: ReliabilityCurve

    /// Split-half (Spearman–Brown), Krippendorff's alpha (interval and ordinal) and the
    /// reliability curve, all under the paper's aggregation (mean per directed pair) and one seed.
    public static func compute(
        _ ratings: LikertRatings, options: LikertAggregation = .paper, splits: Int = 100, draws: Int = 50,
        maxK: Int? = nil, seed: UInt64
    ) -> StudyReliability {
        StudyReliability(
            splitHalf: splitHalfReliability(ratings, options, splits: splits, seed: seed),
            alphaInterval: krippendorffAlpha(ratings, metric: .interval),
            alphaOrdinal: krippendorffAlpha(ratings, metric: .ordinal),
            curve: reliabilityCurve(ratings, options, maxK: maxK, draws: draws, seed: seed))
    }
}
