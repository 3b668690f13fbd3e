import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Testing

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("explicable-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

struct LabelStoreTests {
    @Test func createsTheSchemaInWALModeWithForeignKeys() throws {
        let path = try temporaryFolder().appendingPathComponent("s.sqlite").path
        let store = try LabelStore(path: path)
        let (mode, foreignKeys, applicationID) = try store.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try Int32.fetchOne(db, sql: "PRAGMA application_id"))
        }
        #expect(mode == "wal" && foreignKeys == 1 && applicationID == LabelStore.applicationID)
        // Reopening is fine.
        _ = try LabelStore(path: path)
    }

    @Test func refusesAForeignSQLiteFile() throws {
        let path = try temporaryFolder().appendingPathComponent("other.sqlite").path
        let other = try DatabaseQueue(path: path)
        try other.write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER)") }
        try other.close()
        #expect {
            _ = try LabelStore(path: path)
        } throws: { error in
            (error as? ExplicableError)?.message.contains("not an explicable label store") == true
        }
        // And leaves it as it was.
        let reopened = try DatabaseQueue(path: path)
        #expect(try reopened.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") } == 0)
    }

    @Test func refusesAStoreFromANewerExplicable() throws {
        let path = try temporaryFolder().appendingPathComponent("new.sqlite").path
        _ = try LabelStore(path: path)
        let raw = try DatabaseQueue(path: path)
        try raw.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        try raw.close()
        #expect {
            _ = try LabelStore(path: path)
        } throws: { error in
            (error as? ExplicableError)?.message.contains("written by a newer explicable (schema v99)") == true
        }
    }

    @Test func classSetsAreStoredOnceAndReadBackInOrder() throws {
        let store = try LabelStore()
        let classes = try ClassSet(name: "pets", labels: ["cat", "dog"], synsets: ["s-cat", nil])
        let (a, b, back) = try store.write { db in
            (try LabelStore.insertClassSet(classes, db), try LabelStore.insertClassSet(classes, db),
             try LabelStore.classSet(id: try LabelStore.insertClassSet(classes, db), db))
        }
        #expect(a == b && back == classes)
    }

    @Test func annotatorHashesAreSaltedPerStore() throws {
        let one = try LabelStore(), two = try LabelStore()
        let s1 = try one.write { try LabelStore.annotatorSalt($0) }
        let s1again = try one.write { try LabelStore.annotatorSalt($0) }
        let s2 = try two.write { try LabelStore.annotatorSalt($0) }
        #expect(s1 == s1again && s1 != s2 && s1.count == 64)
        let h = SHA256Digest.annotatorHash(salt: s1, platform: "mturk", rawID: "A1B2C3")
        #expect(h.count == 64 && !h.contains("A1B2C3"))
        #expect(h != SHA256Digest.annotatorHash(salt: s2, platform: "mturk", rawID: "A1B2C3"))
    }

    @Test func sha256KnownAnswer() {
        #expect(SHA256Digest.hex(of: Data("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aFailedWriteLeavesNothing() throws {
        let store = try LabelStore()
        #expect(throws: ExplicableError.self) {
            try store.write { db in
                _ = try LabelStore.insertClassSet(try ClassSet(name: "x", labels: ["a"]), db)
                throw ExplicableError.badInput("stop")
            }
        }
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM classSet") } == 0)
    }
}
