internal import ExplicableCore
internal import Foundation

/// One element of an LMF file that matters to the graph, with its attributes still unchecked.
enum LMFEvent: Sendable {
    case lexicon(WordNetGraph.Lexicon, note: String?, line: Int32)
    case entry(id: String?, isEmpty: Bool, line: Int32)
    case endEntry
    case lemma(writtenForm: String?, partOfSpeech: Character?, line: Int32)
    case sense(id: String?, synset: String?, line: Int32)
    case synset(id: String?, partOfSpeech: Character?, ili: String?, note: String?, isEmpty: Bool, line: Int32)
    case endSynset
    case definition(String)
    case synsetRelation(relType: String?, target: String?, line: Int32)
    case senseRelation(relType: String?, target: String?, line: Int32)
}

/// Hands chunks of events from the producer thread to the builder, holding at most a few at a time.
///
/// `@unchecked Sendable`: every field is guarded by `condition`.
final class EventChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[LMFEvent]] = []
    private var isFinished = false
    private var isCancelled = false
    private let capacity = 8

    /// Called by the producer; blocks while the builder is behind. Returns false once cancelled.
    func send(_ chunk: [LMFEvent]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !isCancelled { condition.wait() }
        guard !isCancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    /// Called by the builder; `nil` when the producer has finished and everything was taken.
    func next() -> [LMFEvent]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !isFinished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }

    var cancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isCancelled
    }

    func finish() {
        condition.lock()
        isFinished = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        isCancelled = true
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilProducerFinished() {
        condition.lock()
        while !isFinished { condition.wait() }
        condition.unlock()
    }
}
