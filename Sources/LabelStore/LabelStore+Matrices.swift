public import ExplicableCore
public import Foundation
import GRDB

/// A matrix as the store holds it.
public struct StoredMatrix: Sendable, Equatable {
    public var name: String
    public var matrix: ClassMatrix
    /// SHA-256 of the class set, kind and values: the same inputs give the same hash.
    public var contentHash: String
    /// Per-cell bootstrap bounds, when computed.
    public var lower: [Double]?
    public var upper: [Double]?
    /// Ratings behind each cell, for human matrices.
    public var counts: [Int]?
    public var createdAt: Date

    public init(
        name: String, matrix: ClassMatrix, lower: [Double]? = nil, upper: [Double]? = nil, counts: [Int]? = nil,
        createdAt: Date = Date()
    ) {
        self.name = name
        self.matrix = matrix
        self.contentHash = Self.contentHash(matrix)
        self.lower = lower
        self.upper = upper
        self.counts = counts
        self.createdAt = createdAt
    }

    /// SHA-256 over the class set (as TSV), the kind and the values' bytes.
    public static func contentHash(_ matrix: ClassMatrix) -> String {
        var data = Data(matrix.classes.tsv().utf8)
        data.append(Data(matrix.kind.rawValue.utf8))
        data.append(doubles(matrix.values))
        return SHA256Digest.hex(of: data)
    }

    static func doubles(_ values: [Double]) -> Data {
        #if _endian(big)
            var data = Data(capacity: values.count * 8)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            return data
        #else
            return values.withUnsafeBytes { Data($0) }  // little-endian already: one copy
        #endif
    }

    static func doubles(_ data: Data?) -> [Double]? {
        guard let data else { return nil }
        let n = data.count / 8
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            data.withUnsafeBytes { raw in
                for i in 0..<n {
                    out[i] = Double(
                        bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                }
            }
            initialized = n
        }
    }
}

/// A line of `matrix list`.
public struct MatrixSummary: Sendable, Equatable {
    public var name: String
    public var classSet: String
    public var classes: Int
    public var kind: ClassMatrix.Kind
    public var source: String
    public var contentHash: String
    public var createdAt: Date
}

extension LabelStore {
    /// Stores `stored` under its name. With `replace`, a matrix of that name is replaced;
    /// without, an existing name is an error.
    public func saveMatrix(_ stored: StoredMatrix, replace: Bool = false) throws(ExplicableError) {
        let matrix = stored.matrix
        guard matrix.values.allSatisfy(\.isFinite) else {
            let bad = matrix.values.firstIndex { !$0.isFinite }!
            throw ExplicableError(
                .badInput,
                "matrix '\(stored.name)': cell (\(matrix.classes.labels[bad / matrix.count]), "
                    + "\(matrix.classes.labels[bad % matrix.count])) is \(matrix.values[bad]); nothing stored")
        }
        let provenance: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            provenance = String(decoding: try encoder.encode(matrix.provenance), as: UTF8.self)
        } catch {
            throw ExplicableError(.invalidArgument, "cannot encode the provenance of '\(stored.name)'")
        }
        try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM matrix WHERE name = ?", arguments: [stored.name]) {
                guard replace else {
                    throw ExplicableError(
                        .invalidArgument,
                        "a matrix named '\(stored.name)' is already stored; choose another name or pass --replace")
                }
                try db.execute(sql: "DELETE FROM matrix WHERE id = ?", arguments: [id])
            }
            let classSetId = try Self.insertClassSet(matrix.classes, db)
            try db.execute(
                sql: """
                    INSERT INTO matrix (name, classSetId, kind, provenanceJSON, contentHash, "values", lower, upper, counts, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    stored.name, classSetId, matrix.kind.rawValue, provenance, stored.contentHash,
                    StoredMatrix.doubles(matrix.values), stored.lower.map(StoredMatrix.doubles),
                    stored.upper.map(StoredMatrix.doubles),
                    stored.counts.map { StoredMatrix.doubles($0.map(Double.init)) },
                    stored.createdAt,
                ])
        }
    }

    /// The matrix stored under `name`.
    /// - Throws: `ExplicableError` naming the stored matrices when there is none of that name.
    public func matrix(named name: String) throws(ExplicableError) -> StoredMatrix {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT classSetId, kind, provenanceJSON, contentHash, "values", lower, upper, counts, createdAt
                        FROM matrix WHERE name = ?
                        """, arguments: [name])
            else {
                let known = try String.fetchAll(db, sql: "SELECT name FROM matrix ORDER BY name")
                throw ExplicableError(
                    .invalidArgument,
                    "no matrix named '\(name)' in the store"
                        + (known.isEmpty
                            ? " (it has none: run 'explicable matrix build' or 'matrix import')"
                            : " (it has: \(known.joined(separator: ", ")))"))
            }
            let classes = try Self.classSet(id: row["classSetId"], db)
            guard let kind = ClassMatrix.Kind(rawValue: row["kind"]),
                let provenance = try? JSONDecoder().decode(
                    ClassMatrix.Provenance.self, from: Data((row["provenanceJSON"] as String).utf8)),
                let values = StoredMatrix.doubles(row["values"] as Data?), values.count == classes.count * classes.count
            else {
                throw ExplicableError(.badInput, "matrix '\(name)' in the store is damaged", file: path)
            }
            let matrix = ClassMatrix(classes: classes, kind: kind, values: values, provenance: provenance)
            var stored = StoredMatrix(
                name: name, matrix: matrix, lower: StoredMatrix.doubles(row["lower"] as Data?),
                upper: StoredMatrix.doubles(row["upper"] as Data?),
                counts: StoredMatrix.doubles(row["counts"] as Data?)?.map { Int($0) }, createdAt: row["createdAt"])
            stored.contentHash = row["contentHash"]
            return stored
        }
    }

    /// All stored matrices, by name.
    public func matrixSummaries() throws(ExplicableError) -> [MatrixSummary] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.name, c.name AS classSet, (SELECT count(*) FROM class WHERE classSetId = c.id) AS classes,
                        m.kind, m.provenanceJSON, m.contentHash, m.createdAt
                    FROM matrix m JOIN classSet c ON c.id = m.classSetId ORDER BY m.name
                    """
            ).map { row in
                let provenance = try? JSONDecoder().decode(
                    ClassMatrix.Provenance.self,
                    from: Data((row["provenanceJSON"] as String).utf8))
                return MatrixSummary(
                    name: row["name"], classSet: row["classSet"], classes: row["classes"],
                    kind: ClassMatrix.Kind(rawValue: row["kind"]) ?? .similarity, source: provenance?.source ?? "?",
                    contentHash: row["contentHash"], createdAt: row["createdAt"])
            }
        }
    }

    // MARK: What matrices are built from

    /// The Likert answers of a study's accepted submissions (real answers only: no attention
    /// checks, no "cannot tell"): annotator id, class pair and value, ordered by annotator.
    public func acceptedPairRatings(studyId: Int64) throws(ExplicableError)
        -> [(annotatorId: Int64, classA: Int, classB: Int, value: Double)]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.annotatorId, i.classA, i.classB, r.value FROM response r
                    JOIN submission s ON s.id = r.submissionId JOIN item i ON i.id = r.itemId
                    WHERE s.studyId = ? AND s.qcStatus = 'accepted' AND NOT i.isAttentionCheck
                        AND i.classA IS NOT NULL AND i.classB IS NOT NULL AND r.value IS NOT NULL
                    ORDER BY s.annotatorId, i.classA, i.classB
                    """, arguments: [studyId]
            ).map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }

    /// How often each class was chosen for each image item of an instance-label study: from
    /// accepted submissions' answers plus imported counts. Keyed by the item's image reference.
    public func instanceChoiceCounts(studyId: Int64) throws(ExplicableError) -> [String: [Int: Int]] {
        try read { db in
            var counts: [String: [Int: Int]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.image, CAST(r.value AS INTEGER), count(*) FROM response r
                    JOIN submission s ON s.id = r.submissionId JOIN item i ON i.id = r.itemId
                    WHERE s.studyId = ? AND s.qcStatus = 'accepted' AND NOT i.isAttentionCheck AND r.value IS NOT NULL
                        AND i.image IS NOT NULL
                    GROUP BY i.image, CAST(r.value AS INTEGER)
                    UNION ALL
                    SELECT i.image, c.classIndex, c.count FROM instanceCount c JOIN item i ON i.id = c.itemId
                    WHERE i.studyId = ? AND i.image IS NOT NULL
                    """, arguments: [studyId, studyId])
            for row in rows {
                counts[row[0], default: [:]][row[1], default: 0] += row[2] as Int
            }
            return counts
        }
    }
}
