import Foundation
@testable import LabelStore
import Studies
import Testing

/// Served answers are committed in groups (see `GroupCommit`); these check the store's side.
@Suite("Served answers, group commit") struct GroupCommitStoreTests {
    @Test func anAnswerThatFailsInABatchLeavesTheOthersStored() async throws {
        let (_, store, study) = try makeStudy(classes: 3, k: 1, perAssignment: 6)
        guard
            case .started(let session) = try await store.admitServedParticipant(
                studyId: study.id, platform: "prolific",
                idHash: "h1", assignmentCount: 1, maxAssignmentsPerWorker: 1, timeout: 3600, token: "t1")
        else {
            Issue.record("not admitted")
            return
        }
        let items = study.items.map { $0.id! }
        func answer(_ item: Int64, _ value: Double) -> ServedAnswer {
            ServedAnswer(
                studyId: study.id, token: session.token, itemId: item, value: value, cannotTell: false,
                reactionMs: 900, position: 0, now: Date())
        }
        // The middle answer names an item that does not exist: the foreign key refuses it.
        let outcomes = try await LabelStore.commitServedAnswers(
            [answer(items[0], 1), answer(999_999, 2), answer(items[1], 3)], in: store.queue)
        #expect(try outcomes[0].get() == .saved(answered: 1))
        #expect(throws: (any Error).self) { try outcomes[1].get() }
        #expect(try outcomes[2].get() == .saved(answered: 2))
        let stored = try await store.servedSession(studyId: study.id, token: "t1")
        #expect(stored?.answers.count == 2)
    }

    @Test func concurrentAnswersAreBatchedAndEachIsAcknowledgedWithItsOwnOutcome() async throws {
        // 5 classes: 20 items, 4 ratings each, 10 per assignment = 8 assignments.
        let (_, store, study) = try makeStudy(classes: 5, k: 4, perAssignment: 10)
        let plan = try TaskPlan(study: study)
        var tokens: [(String, [Int64])] = []
        for n in 0..<plan.assignments.count {
            let arrival = try await store.admitServedParticipant(
                studyId: study.id, platform: "prolific", idHash: "h\(n)",
                assignmentCount: plan.assignments.count, maxAssignmentsPerWorker: 1, timeout: 3600, token: "t\(n)")
            guard case .started(let session) = arrival else {
                Issue.record("participant \(n): \(arrival)")
                return
            }
            let keys = plan.assignments[session.assignmentIndex].itemKeys
            tokens.append((session.token, keys.map { study.item(key: $0)!.id! }))
        }
        let outcomes = try await withThrowingTaskGroup(of: (String, ServedAnswerOutcome).self) { group in
            for (token, items) in tokens {
                for (position, item) in items.enumerated() {
                    group.addTask {
                        (
                            token,
                            try await store.saveServedAnswer(
                                studyId: study.id, token: token, itemId: item, value: 2,
                                cannotTell: false, reactionMs: nil, position: position)
                        )
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let total = tokens.reduce(0) { $0 + $1.1.count }
        #expect(outcomes.count == total)
        // Each session's acknowledged counts are 1…n, once each: every answer saw its own insert.
        for (token, items) in tokens {
            let counts = outcomes.filter { $0.0 == token }.map { outcome -> Int in
                if case .saved(let answered) = outcome.1 { answered } else { -1 }
            }
            #expect(counts.sorted() == Array(1...items.count))
            let session = try await store.servedSession(studyId: study.id, token: token)
            #expect(session?.answers.count == items.count)
        }
        #expect(store.answerCommits.largestBatch > 1)
        // A retry of a committed answer is a duplicate, a different value a conflict.
        let (token, items) = tokens[0]
        #expect(
            try await store.saveServedAnswer(
                studyId: study.id, token: token, itemId: items[0], value: 2,
                cannotTell: false, reactionMs: nil, position: 0) == .duplicate(answered: items.count))
        #expect(
            try await store.saveServedAnswer(
                studyId: study.id, token: token, itemId: items[0], value: 3,
                cannotTell: false, reactionMs: nil, position: 0) == .conflict)
    }
}
