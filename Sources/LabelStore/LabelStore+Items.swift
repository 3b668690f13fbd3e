import ExplicableCore
import GRDB
import GRDBSQLite

extension LabelStore {
    /// The items of a study in id order, read by column position through SQLite's C API.
    ///
    /// A full ImageNet-1k class-pair study has 999,000 items: reading them as GRDB rows by column
    /// name was a third of `study status`'s time.
    static func fetchItems(studyId: Int64, _ db: Database) throws -> [ItemRecord] {
        let sql = """
            SELECT id, studyId, key, kind, classA, classB, image, trueClass, predictions, isAttentionCheck,
                expectedAnswer, targetRatings FROM item WHERE studyId = ? ORDER BY id
            """
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        guard prepared == SQLITE_OK else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: prepared),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        sqlite3_bind_int64(statement, 1, studyId)
        func text(_ column: Int32) -> String? {
            guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_text(statement, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        func int(_ column: Int32) -> Int? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(statement, column))
        }
        var items: [ItemRecord] = []
        // Sized once: growing by doubling copied (and page-faulted) the array's 140 MB again and again.
        items.reserveCapacity(
            try Int.fetchOne(db, sql: "SELECT count(*) FROM item WHERE studyId = ?", arguments: [studyId]) ?? 0)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let kindText = text(3) ?? ""
            guard let kind = ItemRecord.Kind(rawValue: kindText) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "unknown item kind '\(kindText)'")
            }
            items.append(
                ItemRecord(
                    id: sqlite3_column_int64(statement, 0), studyId: sqlite3_column_int64(statement, 1),
                    key: text(2) ?? "", kind: kind, classA: int(4), classB: int(5), image: text(6), trueClass: int(7),
                    predictions: text(8), isAttentionCheck: sqlite3_column_int64(statement, 9) != 0,
                    expectedAnswer: sqlite3_column_type(statement, 10) == SQLITE_NULL
                        ? nil : sqlite3_column_double(statement, 10),
                    targetRatings: int(11) ?? 0))
        }
        return items
    }
}
