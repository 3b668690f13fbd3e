import Foundation

/// A ``WordNetGraph``'s lookup dictionaries (synset id, ILI, lemma key), built on first use.
///
/// A parsed graph has them from the start. A graph decoded from a snapshot gets closures that
/// build them from the snapshot's tables the first time each is asked for: a command that maps
/// ten class names to synsets pays for the three dictionaries (~330,000 hashed keys) only once it
/// looks something up, and a command that uses only the taxonomy never does. Copies of a graph
/// share one instance; the graph's fields are only ever set by the WordNet module while it
/// builds a graph, before anyone can look anything up.
///
/// `@unchecked Sendable`: every field is guarded by `lock`.
final class Lookups: @unchecked Sendable {
    typealias Build<Value> = @Sendable () -> Value

    private let lock = NSLock()
    private var synsetValue: [String: Int32]?
    private var iliValue: [String: Int32]?
    private var lemmaValue: [String: [Int32]]?
    private var buildSynset: Build<[String: Int32]>?
    private var buildILI: Build<[String: Int32]>?
    private var buildLemma: Build<[String: [Int32]]>?

    /// Empty dictionaries (an empty graph).
    convenience init() { self.init(synset: [:], ili: [:], lemma: [:]) }

    /// Dictionaries already built (a parsed graph).
    init(synset: [String: Int32], ili: [String: Int32], lemma: [String: [Int32]]) {
        (synsetValue, iliValue, lemmaValue) = (synset, ili, lemma)
    }

    /// Dictionaries each built by its closure the first time it is asked for.
    init(
        synset: @escaping Build<[String: Int32]>, ili: @escaping Build<[String: Int32]>,
        lemma: @escaping Build<[String: [Int32]]>
    ) {
        (buildSynset, buildILI, buildLemma) = (synset, ili, lemma)
    }

    var synset: [String: Int32] {
        lock.withLock {
            if synsetValue == nil {
                synsetValue = buildSynset?() ?? [:]
                buildSynset = nil
            }
            return synsetValue!
        }
    }

    var ili: [String: Int32] {
        lock.withLock {
            if iliValue == nil {
                iliValue = buildILI?() ?? [:]
                buildILI = nil
            }
            return iliValue!
        }
    }

    var lemma: [String: [Int32]] {
        lock.withLock {
            if lemmaValue == nil {
                lemmaValue = buildLemma?() ?? [:]
                buildLemma = nil
            }
            return lemmaValue!
        }
    }
}
