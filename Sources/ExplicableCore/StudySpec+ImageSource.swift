import Foundation

extension StudySpec {
    /// The images a design shows.
    public enum ImageSource: Codable, Sendable, Equatable {
        /// The CIFAR-10 test set in its binary layout: `cifar10-test:0` … `cifar10-test:9999`.
        case cifar10Test(count: Int)
        /// Explicit references (file paths or URLs), with the true class index of each.
        case list([LabelledImage])
        /// Images a trained model gets wrong, chosen later by `explicable study review`.
        case modelMistakes(count: Int)

        public struct LabelledImage: Codable, Sendable, Equatable {
            public var image: String
            public var trueClass: Int
            /// Model predictions to rate (`mistake-review`), class indices.
            public var predictions: [Int]?

            public init(image: String, trueClass: Int, predictions: [Int]? = nil) {
                self.image = image
                self.trueClass = trueClass
                self.predictions = predictions
            }
        }

        enum CodingKeys: String, CodingKey { case source, count, list }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .source) {
            case "cifar10-test": self = .cifar10Test(count: try c.decodeIfPresent(Int.self, forKey: .count) ?? 10_000)
            case "list": self = .list(try c.decode([LabelledImage].self, forKey: .list))
            case "model-mistakes": self = .modelMistakes(count: try c.decode(Int.self, forKey: .count))
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .source, in: c,
                    debugDescription: "unknown image source '\(other)' (expected cifar10-test, list or model-mistakes)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .cifar10Test(let count):
                try c.encode("cifar10-test", forKey: .source)
                try c.encode(count, forKey: .count)
            case .list(let images):
                try c.encode("list", forKey: .source)
                try c.encode(images, forKey: .list)
            case .modelMistakes(let count):
                try c.encode("model-mistakes", forKey: .source)
                try c.encode(count, forKey: .count)
            }
        }
    }
}
