public import ExplicableCore
public import Foundation
public import LabelStore

/// A study as stored: its record, spec, class set and items.
///
/// ```swift
/// let store = try LabelStore(path: "explicable.sqlite")
/// let (spec, json) = try StudySpec.load(URL(fileURLWithPath: "studies/cifar10-class-likert.json"))
/// let study = try Study.create(spec: spec, specJSON: json, classes: try ClassSetCatalog.load("cifar10"),
///                              in: store)
/// let again = try Study.named("cifar10-class-likert", in: store)   // the same study, from the store
/// ```
public struct Study: Sendable {
    public let record: StudyRecord
    public let spec: StudySpec
    public let classes: ClassSet
    /// Items in creation order (regular items first, then attention checks).
    public let items: [ItemRecord]
    /// The items' positions by key, built on first use (`study status` of a 999,000-item study needs none).
    private let keyIndex: ItemKeyIndex
    /// The screens of a `class-neighbours` study (see ``screens``), and each item's screen by key.
    public let screens: [ClassScreen]
    let screenIndex: [String: Int]

    init(record: StudyRecord, spec: StudySpec, classes: ClassSet, items: [ItemRecord]) {
        self.record = record
        self.spec = spec
        self.classes = classes
        self.items = items
        keyIndex = ItemKeyIndex(items)
        screens = Self.screens(spec: spec, items: items)
        var index: [String: Int] = [:]
        for (i, screen) in screens.enumerated() { for key in screen.keys { index[key] = i } }
        screenIndex = index
    }

    public var id: Int64 { record.id! }

    /// The items of a spec over a class set, in a fixed order, not yet stored.
    ///
    /// Class-pair designs get one `pair:a:b` item per pair of ``selectPairs(_:classes:inputs:)``;
    /// `class-neighbours` also gets its decoys (see ``screens``).
    /// - Throws: `ExplicableError` when the spec's pairs need a prior or a pair file that is missing or bad.
    public static func makeItems(_ spec: StudySpec, classes: ClassSet, inputs: PairDesignInputs = .init())
        throws(ExplicableError) -> [ItemRecord]
    {
        var items: [ItemRecord] = []
        let k = spec.ratingsPerItem
        switch spec.design {
        case .classPairLikert:
            let pairs = try selectPairs(spec, classes: classes, inputs: inputs)
            items.reserveCapacity(pairs.count + spec.attentionChecks.count)
            for p in pairs {
                items.append(
                    ItemRecord(
                        studyId: 0, key: "pair:\(p.a):\(p.b)", kind: .pair, classA: p.a, classB: p.b,
                        targetRatings: k))
            }
        case .classNeighbours:
            items = try neighbourItems(spec, classes: classes, inputs: inputs)
        case .instanceLabel, .mistakeReview:
            let kind: ItemRecord.Kind = spec.design == .instanceLabel ? .image : .review
            switch spec.images {
            case .cifar10Test(let count):
                for i in 0..<count {
                    items.append(
                        ItemRecord(
                            studyId: 0, key: "image:\(i)", kind: kind, image: "cifar10-test:\(i)",
                            targetRatings: k))
                }
            case .list(let images):
                for (i, image) in images.enumerated() {
                    let predictions = image.predictions.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
                    items.append(
                        ItemRecord(
                            studyId: 0, key: "image:\(i)", kind: kind, image: image.image,
                            trueClass: image.trueClass, predictions: predictions, targetRatings: k))
                }
            case .modelMistakes, nil:
                break  // items arrive with `explicable study review`
            }
        }
        if spec.selfPairChecks != nil, spec.design == .classPairLikert {
            // Self-pairs (a, a): the top of the scale is the attentive answer; never part of a matrix.
            for a in 0..<classes.count {
                items.append(
                    ItemRecord(
                        studyId: 0, key: "self:\(a)", kind: .attention, classA: a, classB: a,
                        isAttentionCheck: true, expectedAnswer: spec.scaleRange.upperBound, targetRatings: 0))
            }
        }
        for check in spec.attentionChecks {
            items.append(
                ItemRecord(
                    studyId: 0, key: "attn:\(check.key)", kind: .attention, image: check.image,
                    isAttentionCheck: true, expectedAnswer: check.expected, targetRatings: 0))
        }
        return items
    }

    /// Creates the study in the store with all its items, in one transaction.
    ///
    /// - Parameters:
    ///   - spec: the parsed spec.
    ///   - specJSON: the spec's text, stored as it is (a study of the same name must have the same).
    ///   - classes: the study's class set, in the spec's order.
    ///   - store: the label store to create it in.
    ///   - inputs: the prior matrix and spec folder a sparse class-pair design needs.
    ///   - reviewModels: for mistake-review studies, the models whose prediction each item shows,
    ///     by item key (see ``MistakeReview``).
    ///   - now: the creation time stored with the study.
    /// - Throws: `ExplicableError` when a study of that name exists with a different spec or models.
    @discardableResult
    public static func create(
        spec: StudySpec, specJSON: String, classes: ClassSet, in store: LabelStore,
        inputs: PairDesignInputs = .init(), reviewModels: [String: [String]] = [:], now: Date = Date()
    ) throws(ExplicableError) -> Study {
        let record = StudyRecord(
            name: spec.name, design: spec.design.rawValue, classSetId: 0, specJSON: specJSON,
            createdAt: now)
        return try load(
            store.createStudy(
                record, classes: classes,
                items: makeItems(spec, classes: classes, inputs: inputs), reviewModels: reviewModels))
    }

    /// The names of all studies in the store, sorted.
    public static func names(in store: LabelStore) throws(ExplicableError) -> [String] {
        try store.studyNames()
    }

    /// Loads the study named `name`.
    public static func named(_ name: String, in store: LabelStore) throws(ExplicableError) -> Study {
        try load(store.study(named: name))
    }

    static func load(_ stored: StoredStudy) throws(ExplicableError) -> Study {
        let spec = try StudySpec.decode(
            Data(stored.record.specJSON.utf8), file: "study '\(stored.record.name)' in the store")
        return Study(record: stored.record, spec: spec, classes: stored.classes, items: stored.items)
    }

    /// The item with `key`, if the study has it.
    public func item(key: String) -> ItemRecord? { keyIndex.position(of: key).map { items[$0] } }
}

/// A study's item positions by key, built the first time one is looked up.
///
/// `@unchecked Sendable`: `positions` is only read or written under `lock`.
final class ItemKeyIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ItemRecord]?
    private var positions: [String: Int] = [:]

    init(_ items: [ItemRecord]) { self.items = items }

    func position(of key: String) -> Int? {
        lock.withLock {
            if let items {
                positions.reserveCapacity(items.count)
                for (i, item) in items.enumerated() { positions[item.key] = positions[item.key] ?? i }
                self.items = nil
            }
            return positions[key]
        }
    }
}
