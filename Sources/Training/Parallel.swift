import Dispatch
import Foundation

/// Splits data-parallel CPU work into chunks that run on all cores.
///
/// The chunking depends only on the item count and ``workerCount``, so a kernel whose chunks each
/// write their own slice gives the same result on every run with the same worker count.
public enum Parallel {
    /// How many chunks work is split into at most: `EXPLICABLE_THREADS` if it is set to a positive
    /// number, else the number of active processors. Read once per process.
    public static let workerCount: Int = {
        if let text = ProcessInfo.processInfo.environment["EXPLICABLE_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The number of chunks ``forEachChunk(count:minimumChunk:_:)`` uses for `count` items.
    static func chunkCount(count: Int, minimumChunk: Int) -> Int {
        max(1, min(workerCount, count / max(1, minimumChunk)))
    }

    /// Calls `body` once per chunk with the chunk's index and item range, chunks in parallel.
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
        withoutActuallyEscaping(body) { body in
            // Safe to share: concurrentPerform returns only after every chunk has run, and each chunk
            // writes only its own slice, as the caller promises.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }
}
