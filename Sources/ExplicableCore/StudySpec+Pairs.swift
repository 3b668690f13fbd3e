import Foundation

extension StudySpec {
    /// The pairs a class-pair study asks about, as written in the spec's `pairs` field.
    ///
    /// `"all"` (the default), `{"neighbours": K, "prior": SOURCE, "extra": N}` (each class's `K`
    /// nearest classes under the prior matrix `SOURCE`, in `matrix build`'s grammar such as
    /// `wordnet:path`, plus `N` other pairs drawn at random with the spec's seed; a number between 0
    /// and 1 is a share of the remaining pairs) or `{"file": "pairs.tsv"}` (a pair list, relative to
    /// the spec: one `a<TAB>b` line per directed pair, class labels or indices, `#` comments).
    public enum PairSelection: Codable, Sendable, Equatable {
        case all
        case neighbours(k: Int, prior: String, extra: ExtraPairs)
        case file(String)

        /// How many pairs beyond the neighbours: a count, or a share of the pairs left.
        public enum ExtraPairs: Sendable, Equatable {
            case count(Int)
            case share(Double)

            /// The count for `remaining` pairs not yet chosen (a share rounds to the nearest).
            public func count(of remaining: Int) -> Int {
                switch self {
                case .count(let n): min(n, remaining)
                case .share(let s): Int((s * Double(remaining)).rounded())
                }
            }
        }

        enum CodingKeys: String, CodingKey { case neighbours, prior, extra, file }

        public init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                guard text == "all" else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: decoder.codingPath,
                            debugDescription:
                                "expected \"all\", {\"neighbours\": K, \"prior\": SOURCE} or {\"file\": PATH}"))
                }
                self = .all
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let file = try c.decodeIfPresent(String.self, forKey: .file) {
                self = .file(file)
                return
            }
            let k = try c.decode(Int.self, forKey: .neighbours)
            let prior = try c.decode(String.self, forKey: .prior)
            let extra = try c.decodeIfPresent(Double.self, forKey: .extra) ?? 0
            guard extra.isFinite, extra >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .extra, in: c,
                    debugDescription: "must be a count (0, 1, 2 …) or a share between 0 and 1")
            }
            if extra == extra.rounded() {
                guard extra <= 1e9 else {
                    throw DecodingError.dataCorruptedError(forKey: .extra, in: c, debugDescription: "is too large")
                }
                self = .neighbours(k: k, prior: prior, extra: .count(Int(extra)))
            } else {
                guard extra < 1 else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .extra, in: c,
                        debugDescription: "must be a whole count or a share between 0 and 1")
                }
                self = .neighbours(k: k, prior: prior, extra: .share(extra))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .all:
                var c = encoder.singleValueContainer()
                try c.encode("all")
            case .neighbours(let k, let prior, let extra):
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(k, forKey: .neighbours)
                try c.encode(prior, forKey: .prior)
                switch extra {
                case .count(let n): try c.encode(n, forKey: .extra)
                case .share(let s): try c.encode(s, forKey: .extra)
                }
            case .file(let path):
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(path, forKey: .file)
            }
        }

        /// The prior matrix's source, when the selection has one.
        public var prior: String? {
            if case .neighbours(_, let prior, _) = self { return prior }
            return nil
        }
    }

    /// How a `class-neighbours` study builds its screens; every field has a default.
    public struct NeighbourScreen: Codable, Sendable, Equatable {
        /// Most candidate pairs on one screen, decoys not counted (default 10); a class with more
        /// pairs gets more screens.
        public var candidates: Int?
        /// Decoys per screen (default 2): classes far from the shown one under the prior, which an
        /// attentive annotator leaves unticked. They are the design's attention checks.
        public var decoys: Int?
        /// Decoys are drawn from this share of each class's ranking, the farthest end (default 0.25).
        public var decoyPool: Double?
        /// A decoy rated above this fails (default: the scale's midpoint point, 2 on 0–4).
        public var decoyPassMax: Double?
        /// Example images of the shown class per screen, when the spec's `images` has them (default 3).
        public var examples: Int?

        public init(
            candidates: Int? = nil, decoys: Int? = nil, decoyPool: Double? = nil, decoyPassMax: Double? = nil,
            examples: Int? = nil
        ) {
            self.candidates = candidates
            self.decoys = decoys
            self.decoyPool = decoyPool
            self.decoyPassMax = decoyPassMax
            self.examples = examples
        }
    }
}
