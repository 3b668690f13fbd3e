import Foundation

/// Counts that describe a loaded wordnet (`explicable wordnet info`).
public struct WordNetSummary: Sendable, Codable, Equatable {
    public struct LexiconSummary: Sendable, Codable, Equatable {
        public var id, label, language, version, license: String
    }

    public var lexicons: [LexiconSummary]
    public var entries: Int
    public var senses: Int
    public var synsets: Int
    /// Synsets per part of speech letter.
    public var synsetsByPartOfSpeech: [String: Int]
    public var synsetRelations: Int
    public var senseRelations: Int
    /// `hypernym` plus `instance_hypernym` edges after removing duplicates.
    public var taxonomyEdges: Int
    /// Longest hypernym path per part of speech, in edges (`wn.taxonomy.taxonomy_depth`).
    public var taxonomyDepth: [String: Int]
    public var warnings: Int
}

extension Taxonomy {
    /// The summary of the wordnet.
    public func summary() -> WordNetSummary {
        // Counted per letter first: a String per synset was most of the summary's time.
        var letters: [Character?] = [], totals: [Int] = []
        var last = -1
        for pos in graph.synsetPOS {
            if last < 0 || letters[last] != pos {
                last = letters.firstIndex(of: pos) ?? letters.count
                if last == letters.count {
                    letters.append(pos)
                    totals.append(0)
                }
            }
            totals[last] += 1
        }
        var byPOS: [String: Int] = [:]
        for (pos, n) in zip(letters, totals) { byPOS[pos.map(String.init) ?? "?", default: 0] += n }
        return WordNetSummary(
            lexicons: graph.lexicons.map {
                .init(id: $0.id, label: $0.label, language: $0.language, version: $0.version, license: $0.license)
            },
            entries: graph.entryIDs.count, senses: graph.senseIDs.count, synsets: graph.synsetCount,
            synsetsByPartOfSpeech: byPOS, synsetRelations: graph.synsetRelationCount,
            senseRelations: graph.senseRelationCount, taxonomyEdges: graph.hypernymTargets.count,
            taxonomyDepth: Dictionary(uniqueKeysWithValues: taxonomyDepth.map { (String($0.key), $0.value) }),
            warnings: graph.warnings.count)
    }

    /// The hypernym chain of `s` up to a root, following the first hypernym at each step.
    public func hypernymChain(of s: Int32) -> [Int32] {
        var chain: [Int32] = []
        var node = s
        while let parent = graph.hypernyms(of: node).first, !chain.contains(parent) {
            chain.append(parent)
            node = parent
        }
        return chain
    }
}
