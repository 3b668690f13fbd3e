import Dispatch
public import Foundation

/// Data-parallel CPU work, the one way explicable's libraries spread a loop over cores.
///
/// Every parallel loop outside the training engine's hot kernels (bootstrap replicates,
/// reliability curves, WordNet matrices, image corruptions) runs through ``forEachChunk(count:chunksPerWorker:_:)``,
/// and the training engine's worker pool sizes itself from ``workerCount``, so `EXPLICABLE_THREADS`
/// is honoured everywhere. Results never depend on the chunking: each loop draws its random
/// numbers per item, not per chunk.
///
/// ```swift
/// var out = [Double](repeating: 0, count: n)
/// out.withUnsafeMutableBufferPointer { buffer in
///     let shared = SharedMutableBuffer(buffer)
///     ParallelWork.forEachChunk(count: n) { _, range in
///         for i in range { shared[i] = f(i) }   // each chunk writes only its own range
///     }
/// }
/// ```
public enum ParallelWork {
    /// How many threads CPU work uses: `EXPLICABLE_THREADS` if it is set to a positive number, else
    /// the number of active processors. Read once per process.
    public static let workerCount: Int = workerCount(environment: ProcessInfo.processInfo.environment)

    /// ``workerCount`` for an explicit environment (for tests).
    public static func workerCount(environment: [String: String]) -> Int {
        if let text = environment["EXPLICABLE_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Calls `body` once per chunk with the chunk's index and its contiguous range of `0..<count`,
    /// chunks in parallel; returns when every chunk is done.
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - chunksPerWorker: chunks per worker thread, for load balance when items differ in cost
    ///     (at most `count` chunks in all; one chunk runs on the calling thread).
    ///   - body: must write only memory that belongs to its own range.
    public static func forEachChunk(
        count: Int, chunksPerWorker: Int = 4, _ body: @Sendable (_ chunk: Int, _ range: Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let chunks = max(1, min(count, workerCount * max(1, chunksPerWorker)))
        if workerCount == 1 || chunks == 1 {
            for chunk in 0..<chunks { body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}

/// A mutable buffer that the chunks of ``ParallelWork/forEachChunk(count:chunksPerWorker:_:)``
/// write disjoint parts of.
///
/// `@unchecked Sendable`: the owner keeps the memory alive until the loop returns, each chunk
/// writes only its own indices, and the owner reads only after the loop returned.
public struct SharedMutableBuffer<Element>: @unchecked Sendable {
    public let buffer: UnsafeMutableBufferPointer<Element>

    public init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }

    public subscript(index: Int) -> Element {
        get { buffer[index] }
        nonmutating set { buffer[index] = newValue }
    }
}

/// A read-only buffer shared by the chunks of ``ParallelWork/forEachChunk(count:chunksPerWorker:_:)``.
///
/// `@unchecked Sendable`: the owner keeps the memory alive and unchanged until the loop returns.
public struct SharedBuffer<Element>: @unchecked Sendable {
    public let buffer: UnsafeBufferPointer<Element>

    public init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}
