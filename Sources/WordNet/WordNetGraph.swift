public import ExplicableCore
import Foundation

/// A wordnet held in memory as flat arrays indexed by compact integer ids.
///
/// Synsets, entries and senses are numbered in file order. The hypernym taxonomy (`hypernym`
/// and `instance_hypernym` relations) and its inverse are stored in compressed sparse rows:
/// the hypernyms of synset `s` are `hypernymTargets[hypernymStart[s]..<hypernymStart[s+1]]`.
/// No object per synset; lookups go through the dictionaries `synsetIndex`, `iliIndex` and
/// the case-insensitive lemma index. A graph loaded from a snapshot builds those dictionaries
/// only when first asked (most commands look up a few classes, and hashing ~330,000 keys is most
/// of a snapshot's decoding time), and its string columns (``StringColumn``) stay in the mapped
/// snapshot, each string made when it is read.
public struct WordNetGraph: Sendable {
    /// One `<Lexicon>` of the resource.
    public struct Lexicon: Sendable, Equatable {
        public var id: String
        public var label: String
        public var language: String
        public var version: String
        public var license: String
        public var email: String
        public var url: String?
        public var citation: String?
        /// Statistics a slice carries over from the full taxonomy (see ``SliceStatistics``).
        public var sliceStatistics: SliceStatistics?
    }

    /// Taxonomy statistics of the full wordnet, stored in a slice so that measures computed on
    /// the slice equal those on the full file: per part of speech, the taxonomy depth and the
    /// number of synsets, and per synset its number of hyponyms (all descendants).
    public struct SliceStatistics: Sendable, Equatable {
        public var taxonomyDepth: [Character: Int]
        public var synsetCount: [Character: Int]
    }

    public internal(set) var lexicons: [Lexicon] = []

    // Synsets.
    public internal(set) var synsetIDs = StringColumn()
    /// Part of speech as its LMF letter (`n`, `v`, `a`, `r`, `s`, …), or `nil` when the file gave none.
    public internal(set) var synsetPOS: [Character?] = []
    public internal(set) var synsetILI = OptionalStringColumn()
    public internal(set) var synsetDefinition = OptionalStringColumn()
    /// The source line each synset starts on (for messages).
    public internal(set) var synsetLine: [Int32] = []
    /// Index into `lexicons` of the lexicon each synset belongs to.
    public internal(set) var synsetLexicon: [Int32] = []
    /// Hyponym counts a slice recorded for its synsets (full-wordnet values), else empty.
    public internal(set) var recordedHyponymCount: [Int32: Int32] = [:]
    /// Synset index by id (`oewn-02084071-n`).
    public var synsetIndex: [String: Int32] { lookups.synset }
    /// Synset index by ILI (`i46360`); the first synset carrying it.
    public var iliIndex: [String: Int32] { lookups.ili }

    // Entries and senses.
    public internal(set) var entryIDs = StringColumn()
    public internal(set) var entryLemma = StringColumn()
    public internal(set) var entryPOS: [Character?] = []
    /// Index into `lexicons` of the lexicon each entry belongs to.
    public internal(set) var entryLexicon: [Int32] = []
    public internal(set) var senseIDs = StringColumn()
    public internal(set) var senseEntry: [Int32] = []
    public internal(set) var senseSynset: [Int32] = []
    /// Senses of each synset in file order (CSR over `synsetSenses`).
    public internal(set) var synsetSenseStart: [Int32] = []
    public internal(set) var synsetSenses: [Int32] = []
    /// Lower-cased written form (spaces and underscores both as space) → senses in file order.
    public var lemmaIndex: [String: [Int32]] { lookups.lemma }
    /// The three lookup dictionaries, built when first used (see ``Lookups``).
    var lookups = Lookups()

    // The taxonomy.
    public internal(set) var hypernymStart: [Int32] = [0]
    public internal(set) var hypernymTargets: [Int32] = []
    /// Parallel to `hypernymTargets`: whether the edge is an `instance_hypernym`.
    public internal(set) var hypernymIsInstance: [Bool] = []
    public internal(set) var hyponymStart: [Int32] = [0]
    public internal(set) var hyponymTargets: [Int32] = []

    /// Number of relations of every `relType`, synset and sense relations together.
    public internal(set) var relationCounts: [String: Int] = [:]
    public internal(set) var synsetRelationCount = 0
    public internal(set) var senseRelationCount = 0

    /// Problems that were reported and skipped while reading (see the README's bad-input table).
    public internal(set) var warnings: [ExplicableError] = []

    public init() {}

    /// The number of synsets.
    public var synsetCount: Int { synsetIDs.count }

    /// The hypernyms (and instance hypernyms) of synset `s`.
    public func hypernyms(of s: Int32) -> ArraySlice<Int32> {
        hypernymTargets[Int(hypernymStart[Int(s)])..<Int(hypernymStart[Int(s) + 1])]
    }

    /// The hyponyms (and instances) of synset `s`.
    public func hyponyms(of s: Int32) -> ArraySlice<Int32> {
        hyponymTargets[Int(hyponymStart[Int(s)])..<Int(hyponymStart[Int(s) + 1])]
    }

    /// The senses of synset `s`, in file order.
    public func senses(of s: Int32) -> ArraySlice<Int32> {
        synsetSenses[Int(synsetSenseStart[Int(s)])..<Int(synsetSenseStart[Int(s) + 1])]
    }

    /// The lemmas (written forms) of synset `s`, in sense order.
    public func lemmas(of s: Int32) -> [String] {
        senses(of: s).map { entryLemma[Int(senseEntry[Int($0)])] }
    }

    /// The key the lemma index uses for `word`: lower-cased, `_` as space, spaces collapsed.
    public static func lemmaKey(_ word: String) -> String {
        // Most lemmas are ASCII: map bytes directly, which is many times faster than Foundation.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.utf8.count)
        var pendingSpace = false
        for byte in word.utf8 {
            guard byte < 0x80 else { return slowLemmaKey(word) }
            if byte == 0x20 || byte == 0x5F || byte == 0x09 {
                pendingSpace = !bytes.isEmpty
                continue
            }
            if pendingSpace {
                bytes.append(0x20)
                pendingSpace = false
            }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func slowLemmaKey(_ word: String) -> String {
        word.lowercased().replacingOccurrences(of: "_", with: " ")
            .split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Synsets having `word` as a lemma, in the order of the word's senses in the file,
    /// optionally restricted to one part of speech (`a` also matches `s`).
    public func synsets(forLemma word: String, pos: Character? = nil) -> [Int32] {
        var result: [Int32] = []
        for sense in lemmaIndex[Self.lemmaKey(word)] ?? [] {
            let s = senseSynset[Int(sense)]
            if let pos, !Self.samePOS(synsetPOS[Int(s)], pos) { continue }
            if !result.contains(s) { result.append(s) }
        }
        return result
    }

    /// A synset by id (`oewn-02694015-n`), ILI (`i49901`) or WordNet 3.0/3.1-style offset id
    /// prefixed by the lexicon (`02694015-n` is tried as `<lexicon>-02694015-n`).
    public func synset(forID id: String) -> Int32? {
        if let s = synsetIndex[id] { return s }
        if let s = iliIndex[id] { return s }
        for lexicon in lexicons {
            if let s = synsetIndex["\(lexicon.id)-\(id)"] { return s }
        }
        return nil
    }

    /// Whether two parts of speech match, treating adjective satellites (`s`) as adjectives (`a`), as `wn` does.
    public static func samePOS(_ p: Character?, _ q: Character?) -> Bool {
        func normal(_ c: Character?) -> Character? { c == "s" ? "a" : c }
        return normal(p) == normal(q)
    }

    /// A short human name for synset `s`: its first lemma, or its id.
    public func displayName(_ s: Int32) -> String { lemmas(of: s).first ?? synsetIDs[Int(s)] }
}
