public import ExplicableCore
public import Foundation
import GRDB
public import LabelStore

/// A study as stored: its record, spec, class set and items.
public struct Study: Sendable {
    public let record: StudyRecord
    public let spec: StudySpec
    public let classes: ClassSet
    /// Items in creation order (regular items first, then attention checks).
    public let items: [ItemRecord]
    /// The items by key.
    let itemsByKey: [String: ItemRecord]

    init(record: StudyRecord, spec: StudySpec, classes: ClassSet, items: [ItemRecord]) {
        self.record = record
        self.spec = spec
        self.classes = classes
        self.items = items
        itemsByKey = Dictionary(uniqueKeysWithValues: items.map { ($0.key, $0) })
    }

    public var id: Int64 { record.id! }

    /// The items of a spec over a class set, in a fixed order, not yet stored.
    public static func makeItems(_ spec: StudySpec, classes: ClassSet) -> [ItemRecord] {
        var items: [ItemRecord] = []
        let k = spec.ratingsPerItem
        switch spec.design {
        case .classPairLikert:
            for a in 0..<classes.count {
                for b in 0..<classes.count where a != b {
                    items.append(ItemRecord(studyId: 0, key: "pair:\(a):\(b)", kind: .pair, classA: a, classB: b,
                        targetRatings: k))
                }
            }
        case .instanceLabel, .mistakeReview:
            let kind: ItemRecord.Kind = spec.design == .instanceLabel ? .image : .review
            switch spec.images {
            case .cifar10Test(let count):
                for i in 0..<count {
                    items.append(ItemRecord(studyId: 0, key: "image:\(i)", kind: kind, image: "cifar10-test:\(i)",
                        targetRatings: k))
                }
            case .list(let images):
                for (i, image) in images.enumerated() {
                    let predictions = image.predictions.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
                    items.append(ItemRecord(studyId: 0, key: "image:\(i)", kind: kind, image: image.image,
                        trueClass: image.trueClass, predictions: predictions, targetRatings: k))
                }
            case .modelMistakes, nil:
                break  // items arrive with `explicable study review`
            }
        }
        for check in spec.attentionChecks {
            items.append(ItemRecord(studyId: 0, key: "attn:\(check.key)", kind: .attention, image: check.image,
                isAttentionCheck: true, expectedAnswer: check.expected, targetRatings: 0))
        }
        return items
    }

    /// Creates the study in the store with all its items, in one transaction.
    /// - Throws: ``ExplicableError`` when a study of that name exists with a different spec.
    @discardableResult
    public static func create(
        spec: StudySpec, specJSON: String, classes: ClassSet, in store: LabelStore, now: Date = Date()
    ) throws(ExplicableError) -> Study {
        try store.write { db in
            if let existing = try StudyRecord.filter(Column("name") == spec.name).fetchOne(db) {
                guard existing.specJSON == specJSON else {
                    throw ExplicableError(.badInput,
                        "a study named '\(spec.name)' already exists with a different spec; rename the new one")
                }
                return try load(existing, db)
            }
            let classSetId = try LabelStore.insertClassSet(classes, db)
            var record = StudyRecord(name: spec.name, design: spec.design.rawValue, classSetId: classSetId,
                specJSON: specJSON, createdAt: now)
            try record.insert(db)
            for var item in makeItems(spec, classes: classes) {
                item.studyId = record.id!
                try item.insert(db)
            }
            return try load(record, db)
        }
    }

    /// The names of all studies in the store, sorted.
    public static func names(in store: LabelStore) throws(ExplicableError) -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM study ORDER BY name") }
    }

    /// Loads the study named `name`.
    public static func named(_ name: String, in store: LabelStore) throws(ExplicableError) -> Study {
        try store.read { db in
            guard let record = try StudyRecord.filter(Column("name") == name).fetchOne(db) else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM study ORDER BY name")
                throw ExplicableError(.invalidArgument,
                    "no study named '\(name)' in the store"
                        + (known.isEmpty ? " (it has none: run 'explicable study create SPEC')" : " (it has: \(known.joined(separator: ", ")))"))
            }
            return try load(record, db)
        }
    }

    static func load(_ record: StudyRecord, _ db: Database) throws -> Study {
        let spec = try StudySpec.decode(Data(record.specJSON.utf8), file: "study '\(record.name)' in the store")
        let classes = try LabelStore.classSet(id: record.classSetId, db)
        let items = try ItemRecord.filter(Column("studyId") == record.id!).order(Column("id")).fetchAll(db)
        return Study(record: record, spec: spec, classes: classes, items: items)
    }

    /// The item with `key`, if the study has it.
    public func item(key: String) -> ItemRecord? { itemsByKey[key] }
}
