import ExplicableCore
import Foundation
import LabelStore
import Studies
import StudyServer
import Testing
import TestSupport

/// Answers imported with `study import` count in an adaptive study's allocation, whether they
/// come before the server starts or while it runs, and the log still replays.
@Suite("StudyServer adaptive allocation with imported answers") struct AdaptiveImportTests {
    /// Platform raters `w0…`: each rates cat→dog and dog→cat (the pairs the prior puts first).
    static func platformRows(_ raters: Range<Int>) -> [(String, String, Int)] {
        raters.flatMap { n in ["pair:0:1", "pair:1:0"].map { ("w\(n)", $0, adaptiveRating($0, n)) } }
    }

    /// Stores `rows` (annotator, item, value) as one import, with or without the importer's own
    /// allocation logging (`logged: false` is an import made by a tool that did not log them).
    static func importRows(_ rows: [(String, String, Int)], into study: Study, store: LabelStore, logged: Bool)
        throws
    {
        if logged {
            let file = try temporaryFolder().appendingPathComponent("answers.csv")
            let text = "annotator,item,value\n" + rows.map { "\($0.0),\($0.1),\($0.2)\n" }.joined()
            try Data(text.utf8).write(to: file)
            _ = try Importer(study: study, store: store).run(file, options: ImportOptions(format: .long))
            return
        }
        let ids = Dictionary(uniqueKeysWithValues: study.items.map { ($0.key, $0.id!) })
        _ = try store.importFile(
            studyId: study.id, fileName: "old", sha256: "0", format: "long", importedAt: Date()
        ) { session in
            for (rater, item, value) in rows {
                let annotator = try session.annotatorID(platform: "prolific", idHash: rater, rawID: nil)
                let submission = try session.insertSubmission(
                    annotatorId: annotator, assignmentID: "\(rater):\(item)", platformStatus: nil,
                    startedAt: nil, submittedAt: nil, workSeconds: nil)
                _ = try session.insertResponse(
                    submissionId: submission, itemId: ids[item]!, value: Double(value), cannotTell: false,
                    reactionMs: nil, position: nil)
            }
            return 0
        }
    }

    @Test func answersImportedBeforeTheServerStartsSeedItsAllocator() async throws {
        let (_, store, study) = try makeAdaptiveStudy()
        // Four platform raters already gave cat→dog and dog→cat their cap of 4 ratings; an older
        // import left them out of the allocation log: the server logs them when it starts.
        try Self.importRows(Self.platformRows(0..<4), into: study, store: store, logged: false)
        #expect(try store.allocationLog(studyId: study.id).inputs.isEmpty)
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: adaptivePrior(study))
        let start = try store.allocationLog(studyId: study.id)
        #expect(start.inputs.count == 8 && start.inputs.allSatisfy { $0.kind == .imported && $0.value != nil })
        #expect(try store.logImportedAnswers(studyId: study.id) == 0)  // idempotent
        // Without them the first participant gets exactly those two (AdaptiveServingTests); with
        // them neither is dealt again.
        let seen = try await runParticipants(server, 0..<3)
        #expect(seen.allSatisfy { !$0.contains("pair:0:1") && !$0.contains("pair:1:0") }, "\(seen)")
        let log = try store.allocationLog(studyId: study.id)
        let allocation = try StudyAllocation(study: study, prior: adaptivePrior(study))
        let verified = try allocation.verify(log)
        #expect(verified.matched == 3 && verified.mismatch == nil)
        let state = try allocation.rebuild(from: log)
        #expect(state.counts(of: "pair:0:1")?.answered == 4 && state.ratingCount(row: 1, column: 0) == 4)
    }

    @Test func answersImportedWhileTheServerRunsCountFromTheNextDecision() async throws {
        let (_, store, study) = try makeAdaptiveStudy(cap: 3)
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(),
            prior: adaptivePrior(study))
        try await withServer(server) { port in
            _ = try await runParticipants(port: port, 0..<1)
            // `study import` logs the answers itself; the running server applies them at its next admission.
            try Self.importRows(Self.platformRows(0..<3), into: study, store: store, logged: true)
            _ = try await runParticipants(port: port, 1..<3)
        }
        let log = try store.allocationLog(studyId: study.id)
        let imported = log.inputs.filter { $0.kind == .imported }
        #expect(imported.count == 6 && log.inputs.filter { $0.kind == .answer }.count == 6)
        #expect(log.decisions[1].inputsSeen >= imported.last!.id)
        // Participant 0 had cat→dog and dog→cat; with the imports both are past their cap of 3.
        #expect(log.decisions[0].itemKeys.sorted() == ["pair:0:1", "pair:1:0"])
        #expect(log.decisions.dropFirst().allSatisfy { !$0.itemKeys.contains("pair:0:1") })
        let verified = try StudyAllocation(study: study, prior: adaptivePrior(study)).verify(log)
        #expect(verified.matched == 3 && verified.mismatch == nil)
    }
}
