import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import TestSupport
import Testing

/// An explicit "not applicable" option, distinct from "cannot tell" (spec `allowNotApplicable`).
struct NotApplicableTests {
    func study(allow: Bool = true) throws -> (LabelStore, Study) {
        try likertStudy(changes: allow ? ["allowNotApplicable": true] : [:])
    }

    func notApplicableCount(_ store: LabelStore) throws -> Int {
        try store.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM response WHERE notApplicable AND value IS NULL")!
        }
    }

    @Test func theLabelNeedsTheOption() throws {
        #expect {
            _ = try StudySpec.decode(likertSpec(["notApplicableLabel": "N/A"]), file: "s.json")
        } throws: {
            ($0 as? ExplicableError)?.description == "s.json: field 'notApplicableLabel' needs allowNotApplicable: true"
        }
    }

    @Test func everyImporterReadsItAndKeepsItApartFromCannotTell() throws {
        let (store, study) = try study()
        let long = try writeFile("annotator,item,value\nw1,pair:0:1,not-applicable\nw1,pair:1:0,N/A\nw1,pair:2:3,2\n")
        #expect(try Importer(study: study, store: store).run(long, options: .init(format: .long)).responsesAdded == 3)
        let payload = try writeFile(
            #"""
            {"study":"cifar10-class-likert","session_id":"s9","responses":[{"item":"pair:0:1","not_applicable":true},{"item":"pair:1:0","value":4}]}
            """#, name: "p.json")
        #expect(
            try Importer(study: study, store: store).run(payload, options: .init(format: .payload)).responsesAdded == 2)
        let jspsych = try writeFile(
            #"[{"item":"pair:0:2","response":"not applicable","subject":"s1"}]"#, name: "j.json")
        #expect(
            try Importer(study: study, store: store).run(jspsych, options: .init(format: .jspsych)).responsesAdded == 1)
        #expect(try notApplicableCount(store) == 4)
        #expect(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM response WHERE cannotTell")! } == 0)
        // Never a rating a matrix is built from: 2 values among the 6 answers.
        _ = try store.write { try $0.execute(sql: "UPDATE submission SET qcStatus = 'accepted'") }
        #expect(try store.acceptedPairRatings(studyId: study.id).map(\.value).sorted() == [2, 4])
        // Importing the same file again finds the same answers stored.
        let again = try Importer(study: study, store: store).run(long, options: .init(format: .long))
        #expect(again.responsesAdded == 0 && again.answersAlreadyStored == 3, "\(again)")
    }

    @Test func refusedWhereTheSpecDoesNotAllowItOrWithAValue() throws {
        let (store, study) = try study(allow: false)
        let long = try writeFile("annotator,item,value\nw1,pair:2:3,2\nw1,pair:0:1,not-applicable\n")
        let before = try dump(store)
        #expect {
            _ = try Importer(study: study, store: store).run(long, options: .init(format: .long))
        } throws: {
            ($0 as? ExplicableError)?.description
                == "\(long.path):3: 'not applicable' is not allowed for item 'pair:0:1'"
        }
        #expect(try dump(store) == before)
        let (allowing, allowed) = try self.study()
        let both = try writeFile(
            #"{"study":"cifar10-class-likert","session_id":"s9","responses":[{"item":"pair:0:1","value":2,"not_applicable":true}]}"#,
            name: "p.json")
        #expect {
            _ = try Importer(study: allowed, store: allowing).run(both, options: .init(format: .payload))
        } throws: {
            ($0 as? ExplicableError)?.message
                == "'not applicable' for item 'pair:0:1' together with a value or 'cannot tell'"
        }
        let check = try #require(allowed.items.first { $0.isAttentionCheck })
        #expect(
            allowed.check(value: nil, cannotTell: false, notApplicable: true, reactionMs: nil, for: check)
                == .failure(.notApplicableNotAllowed))
    }
}
