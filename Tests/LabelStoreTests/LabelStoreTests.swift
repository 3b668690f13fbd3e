import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Testing
import TestSupport

struct LabelStoreTests {
    @Test func createsTheSchemaInWALModeWithForeignKeys() throws {
        let path = try temporaryFolder().appendingPathComponent("s.sqlite").path
        let store = try LabelStore(path: path)
        let (mode, foreignKeys, applicationID) = try store.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try Int32.fetchOne(db, sql: "PRAGMA application_id")
            )
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

    @Test func aStoreFromBeforeRepeatsAndTextAnswersMigratesWithItsAnswers() throws {
        // A v8 store: made now, then the v9 and v10 migrations undone by hand.
        let path = try temporaryFolder().appendingPathComponent("v8.sqlite").path
        _ = try LabelStore(path: path)
        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            try db.execute(sql: "DROP TABLE responseRepeat")
            try db.execute(sql: "ALTER TABLE response DROP COLUMN text")
            try db.execute(
                sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v9-response-repeats', 'v10-response-text')")
            try db.execute(sql: "INSERT INTO classSet (id, name, contentHash) VALUES (1, 'c', 'h')")
            try db.execute(
                sql:
                    "INSERT INTO study (id, name, design, classSetId, specJSON, createdAt) VALUES (1, 's', 'd', 1, '{}', 0)"
            )
            try db.execute(
                sql: "INSERT INTO item (id, studyId, key, kind, targetRatings) VALUES (1, 1, 'pair:0:1', 'pair', 3)")
            try db.execute(sql: "INSERT INTO annotator (id, platform, idHash) VALUES (1, 'long', 'x')")
            try db.execute(sql: "INSERT INTO submission (id, studyId, annotatorId, assignmentID) VALUES (1, 1, 1, 'a')")
            try db.execute(sql: "INSERT INTO response (submissionId, itemId, value) VALUES (1, 1, 3)")
        }
        try raw.close()
        let store = try LabelStore(path: path)
        let (migrations, value, text, repeats) = try store.read { db in
            (
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid").suffix(2),
                try Double.fetchOne(db, sql: "SELECT value FROM response"),
                try Row.fetchOne(db, sql: "SELECT text FROM response")?[0] as String?,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM responseRepeat")
            )
        }
        #expect(Array(migrations) == ["v9-response-repeats", "v10-response-text"])
        #expect(value == 3 && text == nil && repeats == 0)
        // A later showing needs a showing number of 2 or more.
        #expect(throws: (any Error).self) {
            try store.write {
                try $0.execute(
                    sql: "INSERT INTO responseRepeat (submissionId, itemId, showing, value) VALUES (1, 1, 1, 2)")
            }
        }
    }

    @Test func classSetsAreStoredOnceAndReadBackInOrder() throws {
        let store = try LabelStore()
        let classes = try ClassSet(name: "pets", labels: ["cat", "dog"], synsets: ["s-cat", nil])
        let (a, b, back) = try store.write { db in
            (
                try LabelStore.insertClassSet(classes, db), try LabelStore.insertClassSet(classes, db),
                try LabelStore.classSet(id: try LabelStore.insertClassSet(classes, db), db)
            )
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
        #expect(
            SHA256Digest.hex(of: Data("abc".utf8))
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

    /// A store with one two-item study, for the import tests.
    func storeWithStudy() throws -> (LabelStore, StoredStudy) {
        let store = try LabelStore()
        let classes = try ClassSet(name: "pets", labels: ["cat", "dog"])
        let items = [
            ItemRecord(studyId: 0, key: "pair:0:1", kind: .pair, classA: 0, classB: 1, targetRatings: 2),
            ItemRecord(studyId: 0, key: "pair:1:0", kind: .pair, classA: 1, classB: 0, targetRatings: 2),
        ]
        let record = StudyRecord(
            name: "s", design: "class-pair-likert", classSetId: 0, specJSON: "{}", createdAt: Date())
        return (store, try store.createStudy(record, classes: classes, items: items))
    }

    @Test func createStudyIsIdempotentAndRefusesAnotherSpecUnderTheSameName() throws {
        let (store, study) = try storeWithStudy()
        let again = try store.createStudy(study.record, classes: study.classes, items: [])
        #expect(again.record.id == study.record.id && again.items.map(\.key) == ["pair:0:1", "pair:1:0"])
        var other = study.record
        other.specJSON = "{\"changed\": true}"
        #expect(throws: ExplicableError.self) { try store.createStudy(other, classes: study.classes, items: []) }
        #expect(try store.studyNames() == ["s"])
        #expect(throws: ExplicableError.self) { try store.study(named: "nope") }
    }

    @Test func importFileWritesOnceAndRestoresForeignKeys() throws {
        let (store, study) = try storeWithStudy()
        let studyId = study.record.id!, items = study.items.map { $0.id! }
        func load() throws -> Int? {
            try store.importFile(studyId: studyId, fileName: "f.csv", sha256: "abc", format: "long", importedAt: Date())
            {
                session in
                let annotator = try session.annotatorID(platform: "long", idHash: "h1", rawID: nil)
                let submission = try session.insertSubmission(
                    annotatorId: annotator, assignmentID: "a1",
                    platformStatus: nil, startedAt: nil, submittedAt: nil, workSeconds: nil)
                #expect(try session.hasSubmission(assignmentID: "a1"))
                #expect(
                    try session.insertResponse(
                        submissionId: submission, itemId: items[0], value: 3, cannotTell: false,
                        reactionMs: 812.5, position: 0))
                // The same item again in the same submission is refused, not an error.
                #expect(
                    try !session.insertResponse(
                        submissionId: submission, itemId: items[0], value: 1,
                        cannotTell: false, reactionMs: nil, position: nil))
                #expect(
                    try session.insertResponse(
                        submissionId: submission, itemId: items[1], value: nil, cannotTell: true,
                        reactionMs: nil, position: nil))
                try session.setWorkSecondsIfMissing(id: submission, seconds: 42)
                session.rowsRead = 3
                session.rowsAccepted = 2
                session.rowsRejected = 1
                return 7
            }
        }
        #expect(try load() == 7)
        #expect(try load() == nil)  // the same SHA-256: nothing happens
        let (responses, rows, foreignKeys, seconds) = try store.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT itemId, value, cannotTell, reactionMs FROM response ORDER BY itemId"),
                try Row.fetchOne(db, sql: "SELECT rowsRead, rowsAccepted, rowsRejected FROM import")!,
                try Bool.fetchOne(db, sql: "PRAGMA foreign_keys")!,
                try Double.fetchOne(db, sql: "SELECT workSeconds FROM submission")
            )
        }
        #expect(responses.count == 2)
        #expect(responses[0]["value"] as Double? == 3 && responses[0]["reactionMs"] as Double? == 812.5)
        #expect(responses[1]["value"] as Double? == nil && responses[1]["cannotTell"] as Bool == true)
        #expect(rows[0] as Int == 3 && rows[1] as Int == 2 && rows[2] as Int == 1)
        #expect(foreignKeys && seconds == 42)
        let (byItem, byStatus) = try store.collectionCounts(studyId: studyId)
        #expect(byItem == [items[0]: 1, items[1]: 1] && byStatus == [.pending: 1])
    }

    @Test func importAnswersRecordsAFileAgainOnlyWhenItKeepsSomething() throws {
        let (store, study) = try storeWithStudy()
        func load(keep: Bool) throws -> Bool {
            try store.importAnswers(
                studyId: study.record.id!, fileName: "f.csv", sha256: "abc", format: "long",
                importedAt: Date()
            ) { session in (session.fileSeenBefore, keep) }
        }
        #expect(try load(keep: true) == false)
        #expect(try load(keep: false) == true)  // seen, nothing kept: not recorded
        #expect(try load(keep: true) == true)  // the same SHA-256 again, keeping something: a second record
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM import") } == 2)
    }

    @Test func aFailedImportLeavesNothingAndForeignKeysOn() throws {
        let (store, study) = try storeWithStudy()
        #expect(throws: ExplicableError.self) {
            try store.importFile(
                studyId: study.record.id!, fileName: "f.csv", sha256: "abc", format: "long",
                importedAt: Date()
            ) { session in
                _ = try session.annotatorID(platform: "long", idHash: "h1", rawID: nil)
                throw ExplicableError.badInput("stop", file: "f.csv", line: 2)
            }
        }
        let (imports, annotators, foreignKeys) = try store.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM import")!,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM annotator")!,
                try Bool.fetchOne(db, sql: "PRAGMA foreign_keys")!
            )
        }
        #expect(imports == 0 && annotators == 0 && foreignKeys)
    }

    @Test func decisionsKeepOverrides() throws {
        let (store, study) = try storeWithStudy()
        let studyId = study.record.id!
        let ids = try store.importFile(studyId: studyId, fileName: "f", sha256: "x", format: "long", importedAt: Date())
        {
            session in
            let annotator = try session.annotatorID(platform: "p", idHash: "h", rawID: "raw")
            return try ["a1", "a2"].map {
                try session.insertSubmission(
                    annotatorId: annotator, assignmentID: $0, platformStatus: nil, startedAt: nil,
                    submittedAt: nil, workSeconds: nil)
            }
        }!
        try store.overrideDecision(studyId: studyId, studyName: "s", assignmentID: "a2", accept: true, reason: nil)
        #expect(throws: ExplicableError.self) {
            try store.overrideDecision(studyId: studyId, studyName: "s", assignmentID: "zz", accept: true, reason: nil)
        }
        try store.storeDecisions(ids.map { QCDecision(submissionId: $0, status: .rejected, reason: "too fast") })
        let submissions = try store.submissionsWithAnswers(studyId: studyId).submissions
        #expect(submissions.map(\.qcStatus) == [.rejected, .accepted])
        #expect(submissions.map(\.qcReason) == ["too fast", "decided by hand"])
    }
}
