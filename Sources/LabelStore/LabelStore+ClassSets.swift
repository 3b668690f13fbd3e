public import ExplicableCore
import Foundation
public import GRDB

extension LabelStore {
    /// Stores `classes` (once per distinct content) and returns its id.
    public static func insertClassSet(_ classes: ClassSet, _ db: Database) throws -> Int64 {
        let hash = SHA256Digest.hex(of: Data(classes.tsv().utf8))
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM classSet WHERE contentHash = ?", arguments: [hash]) {
            return id
        }
        try db.execute(sql: "INSERT INTO classSet (name, contentHash) VALUES (?, ?)", arguments: [classes.name, hash])
        let id = db.lastInsertedRowID
        for i in 0..<classes.count {
            try db.execute(
                sql:
                    "INSERT INTO class (classSetId, \"index\", label, synset, ili, wordnet30) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, i, classes.labels[i], classes.synsets[i], classes.ilis[i], classes.wordnet30[i]])
        }
        return id
    }

    /// The class set stored under `id`.
    public static func classSet(id: Int64, _ db: Database) throws -> ClassSet {
        guard let name = try String.fetchOne(db, sql: "SELECT name FROM classSet WHERE id = ?", arguments: [id]) else {
            throw ExplicableError(.badInput, "no class set with id \(id) in the label store")
        }
        let rows = try Row.fetchAll(
            db, sql: "SELECT label, synset, ili, wordnet30 FROM class WHERE classSetId = ? ORDER BY \"index\"",
            arguments: [id])
        return try ClassSet(
            name: name, labels: rows.map { $0["label"] }, synsets: rows.map { $0["synset"] },
            ilis: rows.map { $0["ili"] }, wordnet30: rows.map { $0["wordnet30"] })
    }

    /// The per-store salt for annotator id hashes, made on first use.
    public static func annotatorSalt(_ db: Database) throws -> String {
        if let salt = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'annotatorSalt'") {
            return salt
        }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('annotatorSalt', ?)", arguments: [salt])
        return salt
    }
}
