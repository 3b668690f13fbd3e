import ExplicableCore
public import LabelStore

/// What a `class-neighbours` screen shows about its class besides the name: a definition and
/// example images.
///
/// The caller fills it (the CLI looks definitions up in Open English WordNet by each class's
/// synset, and takes examples from the CIFAR-10 test set); both are optional per class.
public struct ClassDetails: Sendable, Equatable {
    /// A definition per class index (`nil` where none is known); empty for none at all.
    public var definitions: [String?]
    /// Image references per class index (`cifar10-test:N`, file paths or URLs); empty for none.
    public var examples: [[String]]

    public init(definitions: [String?] = [], examples: [[String]] = []) {
        self.definitions = definitions
        self.examples = examples
    }

    /// The definition of class `index`, if known.
    public func definition(_ index: Int) -> String? {
        definitions.indices.contains(index) ? definitions[index] : nil
    }

    /// The example images of class `index`.
    public func examples(_ index: Int) -> [String] {
        examples.indices.contains(index) ? examples[index] : []
    }

    /// `perClass` CIFAR-10 test images of each class, chosen at random with `seed` (as
    /// `cifar10-test:N` references, in test-set order).
    ///
    /// - Parameters:
    ///   - labels: the test set's labels, one per image, each in `0..<classes`.
    ///   - classes: the number of classes.
    ///   - perClass: how many images each class gets (fewer when it has fewer).
    ///   - seed: the same seed chooses the same images.
    public static func cifar10Examples(labels: [Int], classes: Int, perClass: Int, seed: UInt64) -> [[String]] {
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, label) in labels.enumerated() where (0..<classes).contains(label) { byClass[label].append(i) }
        var random = SeededGenerator(seed: seed)
        return byClass.map { images in
            images.shuffled(using: &random).prefix(perClass).sorted().map { "cifar10-test:\($0)" }
        }
    }
}

/// The screen of a `class-neighbours` candidate as a page shows it (embedded in the page JSON).
public struct ScreenView: Encodable, Equatable, Sendable {
    /// The screen's position in ``Study/screens``; consecutive items with the same `id` form one screen.
    public var id: Int
    /// The class shown, by index.
    public var shown: Int
    /// The spec's question with `{{a}}` filled in.
    public var question: String
    public var definition: String?
    /// Image URLs or paths the page loads.
    public var examples: [String]
}

extension Study {
    /// The screen view of a candidate or decoy item of a `class-neighbours` study, else `nil`.
    ///
    /// - Parameters:
    ///   - item: a candidate (`pair`) or decoy item of this study.
    ///   - details: the classes' definitions and example images.
    ///   - imagePath: maps an example's reference to what the page loads.
    public func screenView(of item: ItemRecord, details: ClassDetails, imagePath: (String) -> String?) -> ScreenView? {
        guard spec.design == .classNeighbours, let a = item.classA, let id = screenIndex[item.key] else { return nil }
        return ScreenView(
            id: id, shown: a, question: screenQuestion(shown: a), definition: details.definition(a),
            examples: details.examples(a).prefix(spec.effectiveScreen.examples!).compactMap(imagePath))
    }
}
