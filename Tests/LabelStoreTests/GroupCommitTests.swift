import Foundation
@testable import LabelStore
import Synchronization
import Testing

struct GroupCommitTests {
    struct Refused: Error {}

    @Test func requestsArrivingDuringACommitShareTheNextOne() async throws {
        let batches = Mutex<[[Int]]>([])
        let commits = GroupCommit<Int, Int> { batch in
            batches.withLock { $0.append(batch) }
            try await Task.sleep(for: .milliseconds(20))
            return batch.map { .success($0 * 10) }
        }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for n in 0..<64 { group.addTask { (n, try await commits.submit(n)) } }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 64 && results.allSatisfy { $0.value == $0.key * 10 })
        let seen = batches.withLock { $0 }
        #expect(seen.flatMap { $0 }.sorted() == Array(0..<64))
        #expect(seen.count < 64 && commits.largestBatch > 1)
    }

    @Test func aFailedRequestOrCommitFailsOnlyItsOwnCallers() async throws {
        // Requests 3 fails on its own; a batch holding 4 fails as a whole.
        let commits = GroupCommit<Int, Int> { batch in
            if batch.contains(4) { throw Refused() }
            return batch.map { $0 == 3 ? .failure(Refused()) : .success($0) }
        }
        #expect(try await commits.submit(2) == 2)
        await #expect(throws: Refused.self) { try await commits.submit(3) }
        await #expect(throws: Refused.self) { try await commits.submit(4) }
        // The queue is not left stuck behind a failed commit.
        #expect(try await commits.submit(5) == 5)
    }
}
