import ExplicableCore
import Foundation
import GRDB
import LabelStore
import Studies
import Testing
import TestSupport

struct JsPsychImportTests {
    @Test func jsonTrialsWithNumberObjectAndMissingResponses() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            [
              {"trial_type": "instructions", "trial_index": 0, "time_elapsed": 3000, "rt": 2900, "subject": "s1"},
              {"trial_type": "html-button-response", "trial_index": 1, "time_elapsed": 5000, "rt": 1500, "response": 3,
               "item": "pair:0:1", "subject": "s1", "study": "cifar10-class-likert"},
              {"trial_type": "survey-likert", "trial_index": 2, "time_elapsed": 8000, "rt": 2500, "response": {"Q0": 1},
               "item": "pair:0:2", "subject": "s1"},
              {"trial_type": "html-button-response", "trial_index": 3, "time_elapsed": 18000, "rt": null, "response": null,
               "item": "pair:1:2", "subject": "s1"},
              {"trial_type": "html-button-response", "trial_index": 4, "time_elapsed": 20000, "rt": 900, "response": "4",
               "item": "attn:circle-circle", "subject": "s1"}
            ]
            """, name: "data.json")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
        #expect(report.rowsRead == 5 && report.responsesAdded == 3 && report.rowsRejected == 0, "\(report)")
        let values = try store.read { try Double.fetchAll($0, sql: "SELECT value FROM response ORDER BY position") }
        #expect(values == [3, 1, 4])
        #expect(try store.read { try Double.fetchOne($0, sql: "SELECT workSeconds FROM submission") } == 20)
    }

    @Test func csvTrialsWithJSONResponses() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            trial_index,rt,response,item,PROLIFIC_PID,SESSION_ID,time_elapsed
            1,1200,2,pair:3:5,P9,S9,1500
            2,800,"{""Q0"":0}",pair:5:3,P9,S9,2600

            """)
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
        #expect(report.responsesAdded == 2)
        #expect(try store.read { try String.fetchOne($0, sql: "SELECT platform FROM annotator") } == "prolific")
        #expect(try store.read { try String.fetchOne($0, sql: "SELECT assignmentID FROM submission") } == "S9")
    }

    @Test func aBrokenTrialInAJSONArrayIsRefusedWithItsLine() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            "[\n{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"s\"},\n{\"item\": ,}\n]",
            name: "d.json")
        do {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
            Issue.record("accepted a broken trial")
        } catch {
            #expect(error.line == 3 && error.message.contains("not valid JSON"), "\(error)")
        }
        #expect(try count(store, "response") == 0)
    }

    @Test func aTrialOfAnotherStudyIsRefused() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            #"[{"item": "pair:0:1", "response": 2, "subject": "s", "study": "other"}]"#, name: "d.json")
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .jspsych))
        } throws: { ($0 as? ExplicableError)?.message.contains("trial is for study 'other'") == true }
    }
}

struct JATOSImportTests {
    @Test func jsonLinesOfTrialArraysAndPayloads() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            [{"item": "pair:0:1", "response": 2, "subject": "j1", "trial_index": 0}, {"item": "pair:0:2", "response": 1, "subject": "j1", "trial_index": 1}]
            {"study": "cifar10-class-likert", "session_id": "j2-session", "responses": [{"item": "pair:0:1", "value": 4}]}

            """, name: "results.txt")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .jatos))
        #expect(report.submissionsAdded == 2 && report.responsesAdded == 3, "\(report)")
    }

    @Test func aLineThatIsNotJSONIsNamed() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            "[{\"item\": \"pair:0:1\", \"response\": 2, \"subject\": \"j1\"}]\n{oops\n", name: "r.txt")
        #expect {
            _ = try Importer(study: study, store: store).run(file, options: .init(format: .jatos))
        } throws: { ($0 as? ExplicableError)?.line == 2 }
    }
}

struct ProlificImportTests {
    @Test func exportJoinedWithPayloadsKeepsStatusesAndSkipsRevokedConsent() throws {
        let (store, study) = try likertStudy()
        func payload(_ pid: String, _ session: String) -> String {
            #"{"study":"cifar10-class-likert","prolific_pid":"\#(pid)","session_id":"\#(session)","responses":[{"item":"pair:0:1","value":2},{"item":"pair:0:2","value":3}]}"#
        }
        let payloads = try writeFile(
            [payload("P1", "S1"), payload("P2", "S2"), payload("P3", "S3"), payload("P4", "S4")]
                .joined(separator: "\n") + "\n", name: "payloads.jsonl")
        let export = try writeFile(
            """
            Submission id,Participant id,Status,Started at,Completed at,Time taken,Age,Sex
            S1,P1,APPROVED,2026-11-29T07:00:00Z,2026-11-29T07:03:00Z,180,34,Female
            S2,P2,RETURNED,2026-11-29T07:00:00Z,,95,29,Male
            S3,P3,AWAITING REVIEW,2026-11-29T07:00:00Z,2026-11-29T07:02:00Z,120,CONSENT_REVOKED,CONSENT_REVOKED
            S5,P5,TIMED-OUT,2026-11-29T07:00:00Z,,3600,41,Female

            """, name: "export.csv")
        let report = try Importer(study: study, store: store).run(
            export, options: .init(format: .prolific, payloads: payloads))
        #expect(report.rowsRead == 4 && report.submissionsAdded == 2 && report.responsesAdded == 4, "\(report)")
        let rows = try store.read {
            try Row.fetchAll(
                $0, sql: "SELECT assignmentID, platformStatus, workSeconds FROM submission ORDER BY assignmentID")
        }
        #expect(rows.map { $0["assignmentID"] as String } == ["S1", "S2"])
        #expect(rows.map { $0["platformStatus"] as String } == ["APPROVED", "RETURNED"])
        #expect(rows.map { $0["workSeconds"] as Double } == [180, 95])
        let qc = try QualityControl(study: study, store: store).run()
        // Ordered by submission time: S2 (RETURNED) has no Completed at.
        let byAssignment = Dictionary(uniqueKeysWithValues: qc.map { ($0.assignmentID, $0) })
        #expect(byAssignment["S1"]?.status == .accepted)
        #expect(byAssignment["S2"]?.status == .rejected && byAssignment["S2"]?.reason == "RETURNED on the platform")
    }

    @Test func prolificNeedsPayloads() throws {
        let (store, study) = try likertStudy()
        let export = try writeFile("Submission id,Participant id,Status\nS1,P1,APPROVED\n")
        #expect(throws: ExplicableError.self) {
            _ = try Importer(study: study, store: store).run(export, options: .init(format: .prolific))
        }
    }
}

struct ImportEncodingTests {
    @Test func nonUTF8IsRefusedWithItsLine() throws {
        let (store, study) = try likertStudy()
        let url = try temporaryFolder().appendingPathComponent("latin1.csv")
        try
            (Data("annotator,class_a,class_b,value\nw1,cat,dog,2\nw\u{0}".utf8).dropLast() + Data([0xE9])
            + Data(",cat,dog,3\n".utf8))
            .write(to: url)
        #expect {
            _ = try Importer(study: study, store: store).run(url, options: .init(format: .long))
        } throws: { error in
            let e = error as? ExplicableError
            return e?.line == 3 && e?.message.contains("not valid UTF-8") == true
        }
        #expect(try count(store, "response") == 0)
    }

    @Test func aPrettyPrintedPayloadObjectIsOneDocument() throws {
        let (store, study) = try likertStudy()
        let file = try writeFile(
            """
            {
              "study": "cifar10-class-likert",
              "session_id": "pretty",
              "responses": [{"item": "pair:0:1", "value": 1}, {"item": "pair:1:0", "value": 2}]
            }
            """, name: "one.json")
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .payload))
        #expect(report.responsesAdded == 2 && report.submissionsAdded == 1)
    }
}
