import GRDB

/// The store's schema, as GRDB migrations. Never edit a shipped migration: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "classSet") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("contentHash", .text).notNull().unique()
            }
            try db.create(table: "class") { t in
                t.belongsTo("classSet", onDelete: .cascade).notNull()
                t.column("index", .integer).notNull()
                t.column("label", .text).notNull()
                t.column("synset", .text)
                t.column("ili", .text)
                t.column("wordnet30", .text)
                t.primaryKey(["classSetId", "index"])
                t.uniqueKey(["classSetId", "label"])
            }
            try db.create(table: "study") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("design", .text).notNull()
                t.belongsTo("classSet").notNull()
                t.column("specJSON", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "item") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade).notNull()
                t.column("key", .text).notNull()
                t.column("kind", .text).notNull()  // pair | image | review | attention
                t.column("classA", .integer)
                t.column("classB", .integer)
                t.column("image", .text)
                t.column("trueClass", .integer)
                t.column("predictions", .text)  // JSON array of class indices (mistake review)
                t.column("isAttentionCheck", .boolean).notNull().defaults(to: false)
                t.column("expectedAnswer", .double)
                t.column("targetRatings", .integer).notNull()
                t.uniqueKey(["studyId", "key"])
            }
            try db.create(table: "annotator") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("platform", .text).notNull()
                t.column("idHash", .text).notNull()
                t.column("rawID", .text)
                t.uniqueKey(["platform", "idHash"])
            }
            try db.create(table: "import") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade).notNull()
                t.column("fileName", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("format", .text).notNull()
                t.column("importedAt", .datetime).notNull()
                t.column("rowsRead", .integer).notNull()
                t.column("rowsAccepted", .integer).notNull()
                t.column("rowsRejected", .integer).notNull()
                t.uniqueKey(["studyId", "sha256"])
            }
            try db.create(table: "submission") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade).notNull()
                t.belongsTo("annotator").notNull()
                t.belongsTo("import")
                t.column("assignmentID", .text).notNull()
                t.column("platformStatus", .text)
                t.column("startedAt", .datetime)
                t.column("submittedAt", .datetime)
                t.column("workSeconds", .double)
                t.column("qcStatus", .text).notNull().defaults(to: "pending")  // pending | accepted | rejected
                t.column("qcReason", .text)
                t.column("qcOverridden", .boolean).notNull().defaults(to: false)
                t.uniqueKey(["studyId", "assignmentID"])
            }
            // One row per answer, keyed by (submission, item) without a rowid: one b-tree per
            // insert, which is what bulk imports of hundreds of thousands of answers pay for.
            try db.create(table: "response", options: .withoutRowID) { t in
                t.belongsTo("submission", onDelete: .cascade, indexed: false).notNull()  // the key's first column
                t.belongsTo("item", indexed: false).notNull()
                t.column("value", .double)  // Likert point or chosen class index; NULL with cannotTell
                t.column("cannotTell", .boolean).notNull().defaults(to: false)
                t.column("reactionMs", .double)
                t.column("position", .integer)
                t.primaryKey(["submissionId", "itemId"])
            }
            try db.create(table: "instanceCount") { t in
                t.belongsTo("item", onDelete: .cascade).notNull()
                t.column("classIndex", .integer).notNull()
                t.column("count", .integer).notNull()
                t.belongsTo("import", onDelete: .cascade).notNull()
                t.primaryKey(["itemId", "classIndex"])
            }
        }
        migrator.registerMigration("v2-matrices") { db in
            // M^h matrices with their provenance. Values are float64 little-endian, row-major.
            try db.create(table: "matrix") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.belongsTo("classSet").notNull()
                t.column("kind", .text).notNull()  // similarity | distance
                t.column("provenanceJSON", .text).notNull()
                t.column("contentHash", .text).notNull()
                t.column("values", .blob).notNull()
                t.column("lower", .blob)  // bootstrap confidence bounds, when computed
                t.column("upper", .blob)
                t.column("counts", .blob)  // ratings per cell (int64), for human matrices
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3-review-models") { db in
            // Which trained model (run) made the prediction a mistake-review item shows; one row
            // per (item, model), so an item that two models share names both.
            try db.create(table: "reviewModel") { t in
                t.belongsTo("item", onDelete: .cascade).notNull()
                t.column("model", .text).notNull()
                t.primaryKey(["itemId", "model"])
            }
        }
        migrator.registerMigration("v4-served-sessions") { db in
            // Participants of `explicable study serve`: one row per session, tied to the submission
            // its answers go into. `token` is the participant's capability (random, never derived
            // from the platform id); released sessions (abandoned past the timeout) give their
            // assignment back to the pool.
            try db.create(table: "servedSession") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade).notNull()
                t.column("token", .text).notNull().unique()
                t.belongsTo("annotator").notNull()
                t.belongsTo("submission", onDelete: .cascade, indexed: false).notNull().unique()
                t.column("assignmentIndex", .integer).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("lastSeenAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("releasedAt", .datetime)
            }
            try db.create(
                index: "servedSession_assignment", on: "servedSession", columns: ["studyId", "assignmentIndex"])
        }
        migrator.registerMigration("v5-served-submit-to") { db in
            // MTurk external questions: where the finished page posts the assignment back
            // (`turkSubmitTo`, one of MTurk's two origins; NULL elsewhere).
            try db.alter(table: "servedSession") { t in t.add(column: "submitTo", .text) }
        }
        migrator.registerMigration("v6-import-per-answer") { db in
            // Imports are idempotent per (assignment, item), no longer per file: the same file may
            // be imported again and add what it did not add before (a Prolific export joined with
            // more payloads, a rejected row fixed). `import` loses its unique (study, SHA-256) key;
            // the table is rebuilt because SQLite cannot drop a constraint (GRDB defers foreign-key
            // checks to the end of the migration).
            try db.create(table: "import_v6") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade, indexed: false).notNull()
                t.column("fileName", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("format", .text).notNull()
                t.column("importedAt", .datetime).notNull()
                t.column("rowsRead", .integer).notNull()
                t.column("rowsAccepted", .integer).notNull()
                t.column("rowsRejected", .integer).notNull()
            }
            try db.execute(
                sql: """
                    INSERT INTO import_v6 (id, studyId, fileName, sha256, format, importedAt, rowsRead, rowsAccepted, rowsRejected)
                    SELECT id, studyId, fileName, sha256, format, importedAt, rowsRead, rowsAccepted, rowsRejected FROM import
                    """)
            try db.drop(table: "import")
            try db.rename(table: "import_v6", to: "import")
            try db.create(index: "import_study_sha256", on: "import", columns: ["studyId", "sha256"])
            // What platforms say of a submission besides its status: MTurk's RequesterFeedback.
            try db.alter(table: "submission") { t in t.add(column: "platformFeedback", .text) }
        }
        migrator.registerMigration("v7-response-not-applicable") { db in
            // An explicit "not applicable" answer (spec allowNotApplicable), distinct from "cannot
            // tell": no value, counted as a judgment, never part of a matrix.
            try db.alter(table: "response") { t in
                t.add(column: "notApplicable", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("v8-allocation-log") { db in
            // Adaptive allocation (`allocation: adaptive`): every decision `study serve` made, in
            // order, with what it saw, so a study can be replayed, audited and resumed. A decision's
            // number is the assignment index of the session it was made for.
            try db.create(table: "allocationDecision") { t in
                t.belongsTo("study", onDelete: .cascade, indexed: false).notNull()
                t.column("sequence", .integer).notNull()
                t.belongsTo("servedSession", onDelete: .setNull)
                t.column("itemKeys", .text).notNull()  // JSON array, in the order shown (checks included)
                t.column("chosen", .text).notNull()  // JSON array of {key, score}, in the order chosen
                t.column("digest", .text).notNull()  // the allocator's state digest before the decision
                t.column("inputsSeen", .integer).notNull()  // the last allocationInput id applied before it
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["studyId", "sequence"])
            }
            // What the allocator learns between decisions, in commit order: answers of adaptive
            // sessions and releases of timed-out ones.
            try db.create(table: "allocationInput") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("study", onDelete: .cascade, indexed: false).notNull()
                t.column("kind", .text).notNull()  // answer | release
                t.column("assignment", .integer).notNull()  // the decision (assignment index) it belongs to
                t.belongsTo("item", onDelete: .cascade, indexed: false)  // answers only
                t.column("value", .double)  // NULL for cannot-tell and releases
            }
            try db.create(index: "allocationInput_study", on: "allocationInput", columns: ["studyId", "id"])
        }
        migrator.registerMigration("v9-response-repeats") { db in
            // Test–retest (spec `repeats`): the second and later showings of an item to the same
            // participant within one submission. The first showing stays in `response`, so every
            // matrix, count and agreement reads one answer per (submission, item); these rows feed
            // test–retest reliability only.
            try db.create(table: "responseRepeat", options: .withoutRowID) { t in
                t.belongsTo("submission", onDelete: .cascade, indexed: false).notNull()
                t.belongsTo("item", indexed: false).notNull()
                t.column("showing", .integer).notNull().check { $0 >= 2 }  // 2, 3, … in the order shown
                t.column("value", .double)
                t.column("cannotTell", .boolean).notNull().defaults(to: false)
                t.column("notApplicable", .boolean).notNull().defaults(to: false)
                t.column("reactionMs", .double)
                t.column("position", .integer)
                t.primaryKey(["submissionId", "itemId", "showing"])
            }
        }
        migrator.registerMigration("v10-response-text") { db in
            // Free-text attention checks (an attention check's `pattern`): the answer's text, as given.
            try db.alter(table: "response") { t in t.add(column: "text", .text) }
            try db.alter(table: "responseRepeat") { t in t.add(column: "text", .text) }
        }
        return migrator
    }
}
