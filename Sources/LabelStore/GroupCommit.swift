import Foundation
import Synchronization

/// One answer of a served session, waiting to be committed.
struct ServedAnswer: Sendable {
    var studyId: Int64
    var token: String
    var itemId: Int64
    /// 1 for the first showing, 2, 3 … for repeats (table `responseRepeat`).
    var showing = 1
    var value: Double?
    var text: String?
    var cannotTell: Bool
    var notApplicable = false
    var reactionMs: Double?
    var position: Int
    /// Whether the answer is also logged for the adaptive allocator.
    var logsAllocation = false
    var now: Date
}

/// Group commit: requests that arrive while a batch is being committed wait and are committed
/// together in the next batch. A request returns only after the batch that holds it is committed,
/// so acknowledging it keeps the store's durability; under load one commit (one fsync) serves
/// many requests, and with no load a request is committed at once, alone.
final class GroupCommit<Request: Sendable, Outcome: Sendable>: Sendable {
    typealias Commit = @Sendable ([Request]) async throws -> [Result<Outcome, any Error>]

    private struct Waiting {
        var request: Request
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let state = Mutex(State())

    private let largest = Atomic<Int>(0)

    /// What commits a batch: one outcome per request, in order.
    private let commit: Commit

    /// A group commit whose batches `commit` writes.
    init(commit: @escaping Commit) { self.commit = commit }

    /// The largest number of requests committed in one batch so far (for tests and diagnostics).
    var largestBatch: Int { largest.load(ordering: .relaxed) }

    /// Queues `request` and returns its outcome once the batch holding it is committed.
    func submit(_ request: Request) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let leads = state.withLock { state in
                state.waiting.append(Waiting(request: request, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if leads { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.committing = false }
                return batch
            }
            if batch.isEmpty { return }
            largest.max(batch.count, ordering: .relaxed)
            do {
                let outcomes = try await commit(batch.map(\.request))
                precondition(outcomes.count == batch.count, "a group commit must return one outcome per request")
                for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(with: outcome) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
