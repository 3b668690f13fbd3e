import Foundation

extension StudySpec {
    /// How `study serve` deals items out.
    public enum Allocation: String, Codable, Sendable, CaseIterable {
        case uniform, adaptive
    }

    /// The settings of adaptive allocation (see ``AdaptiveAllocator``).
    public struct AdaptiveSettings: Codable, Sendable, Equatable {
        /// The prior similarity matrix, a matrix name as `matrix build --prior` takes it (`wordnet:path`, a file, a stored matrix).
        public var prior: String
        /// A class row stops receiving raters once its WLF targets' half-width (total variation) is under this (default 0.05).
        public var tolerance: Double?
        /// The WLF scales whose targets count (default `[1, 2]`, the paper's).
        public var scales: [Double]?
        /// How many ratings the prior counts as (default 2).
        public var priorWeight: Double?
        /// The assumed standard deviation of one rating, in scale points (default 1).
        public var ratingSD: Double?
        /// Whether the prior is calibrated on the ratings as they come (monotone in the prior,
        /// with empirical-Bayes weights; default false: the prior min–max scaled, as it is).
        public var calibratePrior: Bool?
    }
}
