public import ExplicableCore
import Foundation
public import GRDB

/// The SQLite file that holds a project's studies, their items, annotators, submissions and
/// responses (one file per project, default `explicable.sqlite`).
///
/// Opened in WAL mode with foreign keys on. The schema is built by GRDB migrations; a file
/// written by a newer explicable (a migration this binary does not know) or a SQLite file that
/// is not an explicable store is refused with a clear message, never changed.
///
/// ```swift
/// let store = try LabelStore(path: "explicable.sqlite")   // created and migrated if needed
/// try store.saveMatrix(StoredMatrix(name: "chl", matrix: chl), replace: true)
/// let study = try store.study(named: "cifar10-class-likert")
/// print(study.classes.labels, study.items.count)
/// let stored = try store.matrix(named: "chl").matrix
/// ```
public final class LabelStore: Sendable {
    /// `PRAGMA application_id` of explicable stores: "EXPL" in ASCII.
    public static let applicationID: Int32 = 0x4558_504C

    public let queue: DatabaseQueue
    public let path: String
    /// Served answers waiting for their commit (see ``saveServedAnswer(studyId:token:itemId:value:cannotTell:reactionMs:position:logsAllocation:now:)``).
    let answerCommits: GroupCommit<ServedAnswer, ServedAnswerOutcome>

    /// Opens (creating if needed) the store at `path`.
    /// - Throws: `ExplicableError` when the file is not an explicable store or is newer than this binary.
    public init(path: String) throws(ExplicableError) {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Large imports run in one transaction; a 64 MiB page cache keeps them off the disk until commit.
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ExplicableError(.io, "cannot open the label store: \(Self.describe(error))", file: path)
        }
        answerCommits = Self.answerCommits(queue)
        try Self.prepare(queue, path: path)
    }

    /// An in-memory store, for tests.
    public init() throws(ExplicableError) {
        path = ":memory:"
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        do { queue = try DatabaseQueue(configuration: configuration) } catch {
            throw ExplicableError(.io, "cannot create an in-memory store: \(Self.describe(error))")
        }
        answerCommits = Self.answerCommits(queue)
        try Self.prepare(queue, path: path)
    }

    /// The group commit of served answers over `queue`.
    private static func answerCommits(_ queue: DatabaseQueue) -> GroupCommit<ServedAnswer, ServedAnswerOutcome> {
        GroupCommit { batch in try await commitServedAnswers(batch, in: queue) }
    }

    private static func prepare(_ queue: DatabaseQueue, path: String) throws(ExplicableError) {
        let migrator = Schema.migrator
        do {
            try queue.writeWithoutTransaction { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                let isOurs = applicationID == Self.applicationID
                let isBlank = applicationID == 0 && tables == 0
                guard isOurs || isBlank else {
                    throw ExplicableError(
                        .badInput,
                        "not an explicable label store (a SQLite file of another program); choose another --db",
                        file: path)
                }
                if applicationID != Self.applicationID {
                    try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
                }
                if path != ":memory:" { try db.execute(sql: "PRAGMA journal_mode = WAL") }
                if try migrator.hasBeenSuperseded(db) {
                    let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                    throw ExplicableError(
                        .badInput,
                        "the label store was written by a newer explicable (schema \(unknown.joined(separator: ", "))); "
                            + "upgrade explicable to open it", file: path)
                }
            }
            try migrator.migrate(queue)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "cannot prepare the label store: \(describe(error))", file: path)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return "\(error)"
    }

    /// Runs `body` in one write transaction; any error rolls everything back.
    /// Errors other than `ExplicableError` are reported as I/O errors on the store.
    public func write<T>(_ body: (Database) throws -> T) throws(ExplicableError) -> T {
        do {
            return try queue.write(body)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }

    /// Runs `body` in a read transaction.
    public func read<T>(_ body: (Database) throws -> T) throws(ExplicableError) -> T {
        do {
            return try queue.read(body)
        } catch let error as ExplicableError {
            throw error
        } catch {
            throw ExplicableError(.io, "label store: \(Self.describe(error))", file: path)
        }
    }
}
