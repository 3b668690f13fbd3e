import ExplicableCore
import LabelStore
import Studies
import Synchronization

/// The running allocator of an adaptive study, shared by the server's request handlers.
///
/// The store calls ``decide(_:sequence:)`` inside each admission's write transaction, so the
/// allocator sees exactly the answers and releases committed before it. If that transaction
/// fails after the allocator moved on, the store's decision count no longer matches
/// ``syncPoint()`` and the next admission passes the whole log: the state is rebuilt, never guessed.
final class LiveAllocation: ServedAllocation {
    struct State {
        var allocator: AdaptiveAllocator?
        var decisions = 0
        var lastInputID: Int64 = 0
    }

    let allocation: StudyAllocation
    private let state = Mutex(State())
    /// Decisions already read back from the store: item keys in order and their positions.
    private let assignments = Mutex<[Int: (keys: [String], positions: [String: [Int]])]>([:])

    init(_ allocation: StudyAllocation) {
        self.allocation = allocation
    }

    /// Rebuilds the state from the store's whole log (at start).
    func rebuild(from log: AllocationLog) throws(ExplicableError) {
        let allocator = try allocation.rebuild(from: log)
        state.withLock {
            $0 = State(allocator: allocator, decisions: log.decisions.count, lastInputID: log.inputs.last?.id ?? 0)
        }
    }

    func syncPoint() -> (decisions: Int, lastInputID: Int64)? {
        state.withLock { s in s.allocator == nil ? nil : (s.decisions, s.lastInputID) }
    }

    func decide(_ log: AllocationLog, sequence: Int) throws -> AllocationDecisionRecord? {
        try state.withLock { s throws -> AllocationDecisionRecord? in
            if log.isComplete {
                s.allocator = nil
                s.allocator = try allocation.rebuild(from: log)
                s.decisions = log.decisions.count
            } else {
                for input in log.inputs { StudyAllocation.apply(input, to: &s.allocator!) }
            }
            if let last = log.inputs.last { s.lastInputID = last.id }
            guard s.decisions == sequence else {
                s.allocator = nil
                throw ExplicableError(
                    .io,
                    "adaptive allocation: the store holds \(sequence) decisions, the allocator "
                        + "\(s.decisions); rebuilding at the next admission")
            }
            guard let made = s.allocator!.nextAssignment() else { return nil }
            s.decisions += 1
            return AllocationDecisionRecord(
                sequence: made.sequence, itemKeys: made.itemKeys,
                chosenKeys: made.chosen.map(\.key), scores: made.chosen.map(\.score), digest: made.digest)
        }
    }

    /// The decisions made and the rows still open, for the admin status.
    func summary() -> (decisions: Int, openRows: Int, rows: Int, digest: String)? {
        state.withLock { s in
            guard s.allocator != nil else { return nil }
            let widths = s.allocator!.rowHalfWidths()
            let open = widths.filter { $0 >= allocation.study.spec.allocatorParameters!.tolerance }.count
            return (s.decisions, open, widths.count, s.allocator!.digest)
        }
    }

    /// A decision's item keys in the order shown and their positions (read from the store once,
    /// then cached: only committed decisions are read).
    func assignment(_ sequence: Int, in store: LabelStore, studyId: Int64) async throws
        -> (keys: [String], positions: [String: [Int]])?
    {
        if let cached = assignments.withLock({ $0[sequence] }) { return cached }
        guard let keys = try await store.allocatedItemKeys(studyId: studyId, sequence: sequence) else { return nil }
        let entry = (keys: keys, positions: StudyServer.positions(of: keys))
        assignments.withLock { $0[sequence] = entry }
        return entry
    }
}
