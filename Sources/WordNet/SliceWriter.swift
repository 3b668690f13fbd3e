public import ExplicableCore
public import Foundation

/// Writes a small, valid WN-LMF 1.3 file holding the synsets on the hypernym paths of a class set.
///
/// The slice keeps every ancestor of every class (through `hypernym` and `instance_hypernym`),
/// their definitions, ILIs and taxonomy relations (with their `hyponym`/`instance_hyponym`
/// reverses among kept synsets), and the lexical entries with senses in them.
/// Measures on a slice equal those on the full wordnet: paths are complete, and the figures
/// that depend on the rest of the wordnet travel in LMF `note` attributes — the taxonomy depth
/// and synset count per part of speech on `<Lexicon>`, each synset's hyponym count on `<Synset>`.
public enum SliceWriter {
    static let lexiconNotePrefix = "explicable-slice"
    static let hyponymNotePrefix = "explicable-hyponyms:"

    /// The LMF text of the slice of `taxonomy` around `synsets`.
    public static func slice(_ taxonomy: Taxonomy, around synsets: [Int32]) -> String {
        let graph = taxonomy.graph
        var keep = [Bool](repeating: false, count: graph.synsetCount)
        var stack = synsets
        while let s = stack.popLast() {
            if keep[Int(s)] { continue }
            keep[Int(s)] = true
            stack.append(contentsOf: graph.hypernyms(of: s))
        }
        let hyponymCounts = taxonomy.hyponymCounts()
        var statistics: [String] = []
        for (pos, depth) in taxonomy.taxonomyDepth.sorted(by: { $0.key < $1.key }) {
            statistics.append("depth.\(pos)=\(depth)")
        }
        for (pos, count) in taxonomy.synsetCount.sorted(by: { $0.key < $1.key }) {
            statistics.append("count.\(pos)=\(count)")
        }
        let note = lexiconNotePrefix + " " + statistics.joined(separator: " ")

        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE LexicalResource SYSTEM "http://globalwordnet.github.io/schemas/WN-LMF-1.3.dtd">
            <LexicalResource xmlns:dc="https://globalwordnet.github.io/schemas/dc/">

            """
        for (l, lexicon) in graph.lexicons.enumerated() {
            out += "  <Lexicon id=\"\(escape(lexicon.id))\" label=\"\(escape(lexicon.label))\""
            out += " language=\"\(escape(lexicon.language))\" email=\"\(escape(lexicon.email))\""
            out += " license=\"\(escape(lexicon.license))\" version=\"\(escape(lexicon.version))\""
            if let url = lexicon.url { out += " url=\"\(escape(url))\"" }
            if let citation = lexicon.citation { out += " citation=\"\(escape(citation))\"" }
            out += " note=\"\(escape(note))\">\n"
            // Senses grouped by entry, in file order.
            var sensesOfEntry: [Int32: [Int32]] = [:]
            for (sense, s) in graph.senseSynset.enumerated() where keep[Int(s)] {
                let entry = graph.senseEntry[sense]
                if graph.entryLexicon[Int(entry)] == l { sensesOfEntry[entry, default: []].append(Int32(sense)) }
            }
            for entry in sensesOfEntry.keys.sorted() {
                out += "    <LexicalEntry id=\"\(escape(graph.entryIDs[Int(entry)]))\">\n"
                out += "      <Lemma writtenForm=\"\(escape(graph.entryLemma[Int(entry)]))\""
                if let pos = graph.entryPOS[Int(entry)] { out += " partOfSpeech=\"\(pos)\"" }
                out += "/>\n"
                for sense in sensesOfEntry[entry]! {
                    out += "      <Sense id=\"\(escape(graph.senseIDs[Int(sense)]))\""
                    out += " synset=\"\(escape(graph.synsetIDs[Int(graph.senseSynset[Int(sense)])]))\"/>\n"
                }
                out += "    </LexicalEntry>\n"
            }
            for s in keep.indices where keep[s] && graph.synsetLexicon[s] == l {
                out += "    <Synset id=\"\(escape(graph.synsetIDs[s]))\""
                if let ili = graph.synsetILI[s] { out += " ili=\"\(escape(ili))\"" }
                if let pos = graph.synsetPOS[s] { out += " partOfSpeech=\"\(pos)\"" }
                out += " note=\"\(hyponymNotePrefix)\(hyponymCounts[s])\">\n"
                if let definition = graph.synsetDefinition[s] {
                    out += "      <Definition>\(escape(definition))</Definition>\n"
                }
                let start = Int(graph.hypernymStart[s]), end = Int(graph.hypernymStart[s + 1])
                for edge in start..<end {
                    let relType = graph.hypernymIsInstance[edge] ? "instance_hypernym" : "hypernym"
                    out += "      <SynsetRelation relType=\"\(relType)\""
                    out += " target=\"\(escape(graph.synsetIDs[Int(graph.hypernymTargets[edge])]))\"/>\n"
                }
                // The reverse relations among kept synsets, so that validators find every pair.
                for child in graph.hyponyms(of: Int32(s)) where keep[Int(child)] {
                    let c = Int(child)
                    let edge = (Int(graph.hypernymStart[c])..<Int(graph.hypernymStart[c + 1])).first {
                        graph.hypernymTargets[$0] == Int32(s)
                    }!
                    let relType = graph.hypernymIsInstance[edge] ? "instance_hyponym" : "hyponym"
                    out += "      <SynsetRelation relType=\"\(relType)\" target=\"\(escape(graph.synsetIDs[c]))\"/>\n"
                }
                out += "    </Synset>\n"
            }
            out += "  </Lexicon>\n"
        }
        out += "</LexicalResource>\n"
        return out
    }

    /// Writes the slice to `url` atomically.
    public static func write(_ taxonomy: Taxonomy, around synsets: [Int32], to url: URL) throws(ExplicableError) {
        do { try Data(slice(taxonomy, around: synsets).utf8).write(to: url, options: .atomic) } catch {
            throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
        }
    }

    static func escape(_ s: String) -> String { escapeXML(s) }

    static func parseLexiconNote(_ note: String, file: String, line: Int32) throws(ExplicableError)
        -> WordNetGraph.SliceStatistics
    {
        var statistics = WordNetGraph.SliceStatistics(taxonomyDepth: [:], synsetCount: [:])
        for field in note.dropFirst(lexiconNotePrefix.count).split(separator: " ") {
            let parts = field.split(separator: "=")
            let key = parts.first?.split(separator: ".") ?? []
            guard parts.count == 2, key.count == 2, key[1].count == 1, let value = Int(parts[1]), value >= 0 else {
                throw .badInput("malformed slice statistics '\(field)' in <Lexicon note>", file: file, line: Int(line))
            }
            let pos = key[1].first!
            switch key[0] {
            case "depth": statistics.taxonomyDepth[pos] = value
            case "count": statistics.synsetCount[pos] = value
            default:
                throw .badInput("unknown slice statistic '\(key[0])' in <Lexicon note>", file: file, line: Int(line))
            }
        }
        return statistics
    }
}
