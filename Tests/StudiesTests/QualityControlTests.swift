import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import Testing

struct QualityControlTests {
    /// A long CSV where w1…w4 agree, `lazy` straight-lines, `contrarian` reverses everyone,
    /// `careless` fails an attention check.
    func studyWithAnswers(qc: [String: Any] = [:]) throws -> (LabelStore, Study) {
        var rules: [String: Any] = [
            "maxFailedAttentionChecks": 0, "maxSameAnswerShare": 0.9, "minAgreement": 0.0,
            "maxAssignmentsPerWorker": 6,
        ]
        for (k, v) in qc { rules[k] = v }
        let (store, study) = try likertStudy(changes: ["qc": rules])
        var lines = ["annotator,item,value,assignment"]
        let pairs = ["pair:0:1", "pair:0:2", "pair:1:9", "pair:3:5", "pair:4:7", "pair:8:0"]
        let consensus = [2, 1, 4, 4, 3, 3]
        func add(_ who: String, _ values: [Int], checks: (Int, Int) = (0, 4), assignment: String? = nil) {
            for (p, v) in zip(pairs, values) { lines.append("\(who),\(p),\(v),\(assignment ?? who)") }
            lines.append("\(who),attn:circle-triangle,\(checks.0),\(assignment ?? who)")
            lines.append("\(who),attn:circle-circle,\(checks.1),\(assignment ?? who)")
        }
        add("w1", consensus)
        add("w2", [2, 0, 4, 3, 3, 4])
        add("w3", [1, 1, 3, 4, 2, 3])
        add("w4", [3, 1, 4, 4, 3, 2])
        add("lazy", [2, 2, 2, 2, 2, 2])
        add("contrarian", consensus.map { 4 - $0 })
        add("careless", consensus, checks: (3, 4))
        _ = try Importer(study: study, store: store).run(
            try writeFile(lines.joined(separator: "\n") + "\n"), options: .init(format: .long))
        return (store, study)
    }

    @Test func eachRuleRejectsItsCaseAndAcceptsTheRest() throws {
        let (store, study) = try studyWithAnswers()
        let rows = try QualityControl(study: study, store: store).run()
        let decision = Dictionary(uniqueKeysWithValues: rows.map { ($0.assignmentID, ($0.status, $0.reason ?? "")) })
        for good in ["w1", "w2", "w3", "w4"] { #expect(decision[good]?.0 == .accepted, "\(good): \(decision[good]!)") }
        #expect(decision["lazy"]?.1.hasPrefix("straight-lining: the same answer on 100% of items") == true)
        #expect(decision["careless"]?.1 == "failed 1 attention check")
        #expect(decision["contrarian"]?.1.hasPrefix("low agreement: Spearman -") == true)
        // Stored, and the MTurk upload says the same.
        let stored = try store.read { try String.fetchAll($0, sql: "SELECT qcStatus FROM submission ORDER BY id") }
        #expect(stored == ["accepted", "accepted", "accepted", "accepted", "rejected", "rejected", "rejected"])
        let csv = QualityControl.mturkDecisions(rows)
        #expect(csv.hasPrefix("AssignmentId,Approve,Reject\nw1,x,\n"))
        #expect(csv.contains("\ncareless,,failed 1 attention check\n"))
    }

    @Test func overridesAreKeptAndNothingIsDeleted() throws {
        let (store, study) = try studyWithAnswers()
        let qc = QualityControl(study: study, store: store)
        try qc.override(assignmentID: "lazy", accept: true, reason: "checked by hand")
        let rows = try qc.run()
        let lazy = try #require(rows.first { $0.assignmentID == "lazy" })
        #expect(lazy.status == .accepted && lazy.isOverridden && lazy.reason == "checked by hand")
        #expect(try count(store, "response") == 56)
        #expect(throws: ExplicableError.self) { try qc.override(assignmentID: "nobody", accept: false, reason: nil) }
    }

    @Test func tooFastAndTooManyAssignments() throws {
        let (store, study) = try likertStudy(changes: ["qc": ["minSecondsPerItem": 2.0, "maxAssignmentsPerWorker": 1]])
        let payload = { (session: String, end: String) in
            #"{"study":"cifar10-class-likert","prolific_pid":"P1","session_id":"\#(session)","started_at":"2026-11-29T07:00:00Z","submitted_at":"\#(end)","responses":[{"item":"pair:0:1","value":1},{"item":"pair:0:2","value":3}]}"#
        }
        let file = try writeFile(
            payload("s1", "2026-11-29T07:00:10Z") + "\n" + payload("s2", "2026-11-29T07:01:00Z") + "\n",
            name: "p.jsonl")
        _ = try Importer(study: study, store: store).run(file, options: .init(format: .payload))
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.map(\.status) == [.accepted, .rejected])
        #expect(rows[1].reason == "worker's submission number 2, above the limit of 1")
        #expect(rows[0].secondsPerItem == 5)
    }

    @Test func spearmanHandlesTies() {
        // QC's agreement rule uses the shared Statistics (ExplicableCore): NaN, not a number, for a constant side.
        #expect(Statistics.averageRanks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(Statistics.spearman([1, 2, 3], [10, 20, 30]) == 1)
        #expect(Statistics.spearman([1, 2, 3], [3, 2, 1]) == -1)
        #expect(Statistics.spearman([1, 1, 1], [1, 2, 3]).isNaN)
    }
}

struct StudyStatusTests {
    @Test func countsAcceptedRatingsAgainstTheTargetAndPricesTheRest() throws {
        let (store, study) = try likertStudy(k: 2, perAssignment: 15)
        _ = try Importer(study: study, store: store).run(
            try writeFile(
                """
                annotator,item,value
                w1,pair:0:1,2
                w1,pair:0:2,2
                w2,pair:0:1,3
                w3,pair:0:1,4

                """), options: .init(format: .long))
        let status = try StudyStatus.of(study, in: store)
        #expect(status.items == 90 && status.targetRatings == 180)
        #expect(status.ratingsCollected == 3 && status.itemsComplete == 1)  // pair:0:1 capped at 2
        #expect(status.submissionsPending == 3)
        #expect(status.assignmentsRemaining == 12)  // 177 ratings / 15 per assignment
        #expect(status.remainingCost == 5.76 && status.currency == "USD")  // 12 × 0.40 × 1.2
    }
}
