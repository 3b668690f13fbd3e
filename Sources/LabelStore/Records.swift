public import Foundation
public import GRDB

/// A study: its name, design and the spec JSON exactly as it was loaded.
public struct StudyRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "study"
    public var id: Int64?
    public var name: String
    public var design: String
    public var classSetId: Int64
    public var specJSON: String
    public var createdAt: Date

    public init(id: Int64? = nil, name: String, design: String, classSetId: Int64, specJSON: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.design = design
        self.classSetId = classSetId
        self.specJSON = specJSON
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One thing annotators judge: a directed class pair, an image, or a model's mistake on an image.
public struct ItemRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "item"

    /// What an item shows.
    public enum Kind: String, Codable, Sendable {
        /// A directed class pair a → b ("how reasonable is it to mistake a for b?").
        case pair
        /// An image to label with a class.
        case image
        /// An image with its true class and model predictions to rate.
        case review
        /// An attention check with an expected answer.
        case attention
    }

    public var id: Int64?
    public var studyId: Int64
    /// The item's id within its study, stable across runs (`pair:3:5`, `image:42`, `attn:circle:1`).
    public var key: String
    public var kind: Kind
    public var classA: Int?
    public var classB: Int?
    public var image: String?
    public var trueClass: Int?
    /// JSON array of predicted class indices (mistake review).
    public var predictions: String?
    public var isAttentionCheck: Bool
    public var expectedAnswer: Double?
    /// How many ratings the design wants for this item.
    public var targetRatings: Int

    public init(
        id: Int64? = nil, studyId: Int64, key: String, kind: Kind, classA: Int? = nil, classB: Int? = nil,
        image: String? = nil, trueClass: Int? = nil, predictions: String? = nil, isAttentionCheck: Bool = false,
        expectedAnswer: Double? = nil, targetRatings: Int
    ) {
        self.id = id
        self.studyId = studyId
        self.key = key
        self.kind = kind
        self.classA = classA
        self.classB = classB
        self.image = image
        self.trueClass = trueClass
        self.predictions = predictions
        self.isAttentionCheck = isAttentionCheck
        self.expectedAnswer = expectedAnswer
        self.targetRatings = targetRatings
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Reads a row by column name, without `Decodable` (a full ImageNet-1k study loads 999,000 items).
    public init(row: Row) throws {
        id = row["id"]
        studyId = row["studyId"]
        key = row["key"]
        guard let kind = Kind(rawValue: row["kind"]) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "unknown item kind '\(row["kind"] as String)'")
        }
        self.kind = kind
        classA = row["classA"]
        classB = row["classB"]
        image = row["image"]
        trueClass = row["trueClass"]
        predictions = row["predictions"]
        isAttentionCheck = row["isAttentionCheck"]
        expectedAnswer = row["expectedAnswer"]
        targetRatings = row["targetRatings"]
    }
}

/// A person who answered, known only by a salted hash of their platform id (unless raw ids were asked for).
public struct AnnotatorRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotator"
    public var id: Int64?
    public var platform: String
    public var idHash: String
    public var rawID: String?

    public init(id: Int64? = nil, platform: String, idHash: String, rawID: String? = nil) {
        self.id = id
        self.platform = platform
        self.idHash = idHash
        self.rawID = rawID
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One imported file.
public struct ImportRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "import"
    public var id: Int64?
    public var studyId: Int64
    public var fileName: String
    public var sha256: String
    public var format: String
    public var importedAt: Date
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int

    public init(
        id: Int64? = nil, studyId: Int64, fileName: String, sha256: String, format: String, importedAt: Date,
        rowsRead: Int, rowsAccepted: Int, rowsRejected: Int
    ) {
        self.id = id
        self.studyId = studyId
        self.fileName = fileName
        self.sha256 = sha256
        self.format = format
        self.importedAt = importedAt
        self.rowsRead = rowsRead
        self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One annotator's assignment (an MTurk assignment, a Prolific session, a jsPsych run).
public struct SubmissionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "submission"

    /// The quality-control decision.
    public enum QCStatus: String, Codable, Sendable {
        case pending, accepted, rejected
    }

    public var id: Int64?
    public var studyId: Int64
    public var annotatorId: Int64
    public var importId: Int64?
    public var assignmentID: String
    /// The platform's own status (`Approved`, `Rejected`, `RETURNED`, `TIMED-OUT` …), as given.
    public var platformStatus: String?
    public var startedAt: Date?
    public var submittedAt: Date?
    public var workSeconds: Double?
    public var qcStatus: QCStatus
    public var qcReason: String?
    public var qcOverridden: Bool
    /// What the platform's export says to the worker besides the status (MTurk `RequesterFeedback`).
    public var platformFeedback: String?

    public init(
        id: Int64? = nil, studyId: Int64, annotatorId: Int64, importId: Int64?, assignmentID: String,
        platformStatus: String? = nil, startedAt: Date? = nil, submittedAt: Date? = nil, workSeconds: Double? = nil,
        qcStatus: QCStatus = .pending, qcReason: String? = nil, qcOverridden: Bool = false,
        platformFeedback: String? = nil
    ) {
        self.platformFeedback = platformFeedback
        self.id = id
        self.studyId = studyId
        self.annotatorId = annotatorId
        self.importId = importId
        self.assignmentID = assignmentID
        self.platformStatus = platformStatus
        self.startedAt = startedAt
        self.submittedAt = submittedAt
        self.workSeconds = workSeconds
        self.qcStatus = qcStatus
        self.qcReason = qcReason
        self.qcOverridden = qcOverridden
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One answer to one item within a submission (the table's key is the pair).
public struct ResponseRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "response"
    public var submissionId: Int64
    public var itemId: Int64
    /// The Likert point, or the chosen class index; `nil` with `cannotTell`.
    public var value: Double?
    public var cannotTell: Bool
    public var reactionMs: Double?
    public var position: Int?

    public init(
        submissionId: Int64, itemId: Int64, value: Double?, cannotTell: Bool = false, reactionMs: Double? = nil,
        position: Int? = nil
    ) {
        self.submissionId = submissionId
        self.itemId = itemId
        self.value = value
        self.cannotTell = cannotTell
        self.reactionMs = reactionMs
        self.position = position
    }
}

/// How many people chose a class for an image, when only counts are known (e.g. CIFAR-10H's counts matrix).
public struct InstanceCountRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "instanceCount"
    public var itemId: Int64
    public var classIndex: Int
    public var count: Int
    public var importId: Int64

    public init(itemId: Int64, classIndex: Int, count: Int, importId: Int64) {
        self.itemId = itemId
        self.classIndex = classIndex
        self.count = count
        self.importId = importId
    }
}
