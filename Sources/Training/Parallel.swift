import Dispatch
import ExplicableCore
import Foundation

/// Splits data-parallel CPU work into chunks that run on all cores.
///
/// The chunking depends only on the item count and ``workerCount``, so a kernel whose chunks each
/// write their own slice gives the same result on every run with the same worker count.
public enum Parallel {
    /// How many chunks work is split into at most: `EXPLICABLE_THREADS` if it is set to a positive
    /// number, else the number of active processors. Read once per process.
    public static var workerCount: Int { ParallelWork.workerCount }

    /// The number of chunks ``forEachChunk(count:minimumChunk:_:)`` uses for `count` items.
    static func chunkCount(count: Int, minimumChunk: Int) -> Int {
        max(1, min(workerCount, count / max(1, minimumChunk)))
    }

    /// Calls `body` once per chunk with the chunk's index and item range, chunks in parallel on the
    /// ``WorkerPool`` (or on Dispatch's threads when the pool is busy).
    ///
    /// - Parameters:
    ///   - count: the number of items, split into contiguous ranges.
    ///   - minimumChunk: below this many items per chunk, fewer chunks are used (small work stays on
    ///     one thread, where the dispatch would cost more than it saves).
    ///   - body: must write only memory that belongs to its own range (or its own chunk index).
    static func forEachChunk(count: Int, minimumChunk: Int = 1, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkCount(count: count, minimumChunk: minimumChunk)
        if chunks == 1 {
            body(0, 0..<count)
            return
        }
        // A local function, not a closure value, so that no context is allocated for it.
        func run(_ chunk: Int) { body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
        if WorkerPool.shared.run(chunks: chunks, run) { return }
        // The pool is busy (another thread's kernel, or a nested call): let Dispatch run it.
        withoutActuallyEscaping(run) { run in
            // Safe to share: concurrentPerform returns only after every chunk has run, and each chunk
            // writes only its own slice, as the caller promises.
            nonisolated(unsafe) let shared = run
            DispatchQueue.concurrentPerform(iterations: chunks) { shared($0) }
        }
    }
}

/// Long-lived threads that run the chunks of one ``Parallel/forEachChunk(count:minimumChunk:_:)``
/// call at a time: cheaper to wake than `DispatchQueue.concurrentPerform`, which also allocates a
/// few blocks per call.
///
/// `@unchecked Sendable`: `job` is written only by the thread holding `busy`, before it signals
/// the workers' semaphores, and cleared after every worker has signalled `done`; the semaphores
/// order those accesses.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(threads: Parallel.workerCount - 1)

    private let busy = NSLock()
    private let starts: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?

    private init(threads: Int) {
        starts = (0..<max(0, threads)).map { _ in DispatchSemaphore(value: 0) }
        for (index, start) in starts.enumerated() {
            let thread = Thread { [unowned self] in
                while true {
                    start.wait()
                    job!(index + 1)
                    done.signal()
                }
            }
            thread.name = "explicable-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `job(0)` on the calling thread and `job(1..<chunks)` on pool threads, and returns `true`
    /// when all have finished; returns `false` at once, running nothing, if the pool is in use or
    /// too small.
    func run(chunks: Int, _ job: (Int) -> Void) -> Bool {
        guard chunks - 1 <= starts.count, busy.try() else { return false }
        defer { busy.unlock() }
        // One small allocation per call remains: making the closure escapable boxes its context.
        withoutActuallyEscaping(job) { job in
            self.job = job
            for worker in 0..<(chunks - 1) { starts[worker].signal() }
            job(0)
            for _ in 0..<(chunks - 1) { done.wait() }
            self.job = nil
        }
        return true
    }
}
