internal import ExplicableCore
internal import Foundation

/// Accumulates what the reader sees, then resolves ids and builds the flat arrays.
struct GraphBuilder {
    let file: String
    var graph = WordNetGraph()

    private var synsetIndex: [String: Int32] = [:]
    private var iliIndex: [String: Int32] = [:]
    private var entryIndex: [String: Int32] = [:]
    private var entryLine: [Int32] = []
    private var senseIndex: [String: Int32] = [:]
    private var senseSynsetID: [String] = []
    private var senseLine: [Int32] = []
    private var relationSource: [Int32] = []
    private var relationTarget: [String] = []
    private var relationIsTaxonomic: [UInt8] = []  // 0 other, 1 hypernym, 2 instance_hypernym
    private var relationLine: [Int32] = []
    private var senseRelationTargets: [(target: String, line: Int32)] = []
    private var hyponymNotes: [(synset: Int32, note: String, line: Int32)] = []

    init(file: String, expectedElements: Int = 0) {
        self.file = file
        synsetIndex.reserveCapacity(expectedElements)
        iliIndex.reserveCapacity(expectedElements)
        senseIndex.reserveCapacity(expectedElements * 2)
        entryIndex.reserveCapacity(expectedElements)
    }

    private func fail(_ message: String, line: Int32) -> ExplicableError {
        .badInput(message, file: file, line: Int(line))
    }

    private var currentEntry: Int32 = -1
    private var currentSynset: Int32 = -1
    private var sawLexicon = false

    /// Adds one event to the graph, checking what only the whole file can tell later in ``finish()``.
    mutating func apply(_ event: LMFEvent) throws(ExplicableError) {
        switch event {
        case .lexicon(var lexicon, let note, let line):
            guard !lexicon.id.isEmpty else { throw fail("<Lexicon> has no 'id' attribute", line: line) }
            if let note, note.hasPrefix(SliceWriter.lexiconNotePrefix) {
                lexicon.sliceStatistics = try SliceWriter.parseLexiconNote(note, file: file, line: line)
            }
            graph.lexicons.append(lexicon)
            sawLexicon = true
        case .entry(let id, let isEmpty, let line):
            guard let id else { throw fail("<LexicalEntry> has no 'id' attribute", line: line) }
            let index = Int32(graph.entryIDs.count)
            if let first = entryIndex.updateValue(index, forKey: id) {
                throw fail("duplicate entry id '\(id)' (first at line \(entryLine[Int(first)]))", line: line)
            }
            graph.entryIDs.append(id)
            graph.entryLemma.append("")
            graph.entryPOS.append(nil)
            graph.entryLexicon.append(Int32(max(0, graph.lexicons.count - 1)))
            entryLine.append(line)
            currentEntry = isEmpty ? -1 : index
        case .endEntry:
            currentEntry = -1
        case .lemma(let writtenForm, let pos, let line):
            guard currentEntry >= 0 else { return }
            guard let writtenForm else { throw fail("<Lemma> has no 'writtenForm' attribute", line: line) }
            graph.entryLemma[Int(currentEntry)] = writtenForm
            graph.entryPOS[Int(currentEntry)] = pos
        case .sense(let id, let synset, let line):
            guard let id else { throw fail("<Sense> has no 'id' attribute", line: line) }
            guard let synset else { throw fail("<Sense id=\"\(id)\"> has no 'synset' attribute", line: line) }
            guard currentEntry >= 0 else { throw fail("<Sense id=\"\(id)\"> outside a <LexicalEntry>", line: line) }
            let index = Int32(graph.senseIDs.count)
            if let first = senseIndex.updateValue(index, forKey: id) {
                throw fail("duplicate sense id '\(id)' (first at line \(senseLine[Int(first)]))", line: line)
            }
            graph.senseIDs.append(id)
            graph.senseEntry.append(currentEntry)
            senseSynsetID.append(synset)
            senseLine.append(line)
        case .synset(let id, let pos, let rawILI, let note, let isEmpty, let line):
            guard let id else { throw fail("<Synset> has no 'id' attribute", line: line) }
            let index = Int32(graph.synsetIDs.count)
            if let first = synsetIndex.updateValue(index, forKey: id) {
                throw fail("duplicate synset id '\(id)' (first at line \(graph.synsetLine[Int(first)]))", line: line)
            }
            graph.synsetIDs.append(id)
            graph.synsetPOS.append(pos)
            // "in" marks a proposed new ILI concept: no ILI yet.
            let ili = rawILI.flatMap { $0.isEmpty || $0 == "in" ? nil : $0 }
            graph.synsetILI.append(ili)
            if let ili, iliIndex[ili] == nil { iliIndex[ili] = index }
            graph.synsetDefinition.append(nil)
            graph.synsetLine.append(line)
            graph.synsetLexicon.append(Int32(max(0, graph.lexicons.count - 1)))
            if let note, note.hasPrefix(SliceWriter.hyponymNotePrefix) { hyponymNotes.append((index, note, line)) }
            currentSynset = isEmpty ? -1 : index
        case .endSynset:
            currentSynset = -1
        case .definition(let text):
            if currentSynset >= 0, graph.synsetDefinition[Int(currentSynset)] == nil {
                graph.synsetDefinition[Int(currentSynset)] = text
            }
        case .synsetRelation(let relType, let target, let line):
            guard let relType else { throw fail("<SynsetRelation> has no 'relType' attribute", line: line) }
            guard let target else {
                throw fail("<SynsetRelation relType=\"\(relType)\"> has no 'target' attribute", line: line)
            }
            guard currentSynset >= 0 else { throw fail("<SynsetRelation> outside a <Synset>", line: line) }
            graph.relationCounts[relType, default: 0] += 1
            graph.synsetRelationCount += 1
            relationSource.append(currentSynset)
            relationTarget.append(target)
            relationIsTaxonomic.append(relType == "hypernym" ? 1 : relType == "instance_hypernym" ? 2 : 0)
            relationLine.append(line)
        case .senseRelation(let relType, let target, let line):
            graph.senseRelationCount += 1
            if let relType { graph.relationCounts[relType, default: 0] += 1 }
            if let target { senseRelationTargets.append((target, line)) }
        }
    }

    mutating func finish() throws(ExplicableError) -> WordNetGraph {
        guard sawLexicon else { throw .badInput("no <Lexicon> element: not a WordNet LMF file", file: file) }
        let n = graph.synsetIDs.count
        // Senses → synsets.
        graph.senseSynset.reserveCapacity(senseSynsetID.count)
        var sensesPerSynset = [Int32](repeating: 0, count: n + 1)
        for (i, id) in senseSynsetID.enumerated() {
            guard let s = synsetIndex[id] else {
                throw fail(
                    "sense '\(graph.senseIDs[i])' refers to synset '\(id)', which does not exist",
                    line: senseLine[i])
            }
            graph.senseSynset.append(s)
            sensesPerSynset[Int(s) + 1] += 1
        }
        for i in 0..<n { sensesPerSynset[i + 1] += sensesPerSynset[i] }
        graph.synsetSenseStart = sensesPerSynset
        var fill = sensesPerSynset
        graph.synsetSenses = [Int32](repeating: 0, count: graph.senseSynset.count)
        for (sense, s) in graph.senseSynset.enumerated() {
            graph.synsetSenses[Int(fill[Int(s)])] = Int32(sense)
            fill[Int(s)] += 1
        }
        let entryKeys = graph.entryLemma.map(WordNetGraph.lemmaKey)
        var lemmaIndex: [String: [Int32]] = [:]
        lemmaIndex.reserveCapacity(entryKeys.count)
        for (sense, entry) in graph.senseEntry.enumerated() {
            lemmaIndex[entryKeys[Int(entry)], default: []].append(Int32(sense))
        }
        graph.lookups = Lookups(synset: synsetIndex, ili: iliIndex, lemma: lemmaIndex)
        // Synsets without a part of speech take the one their entries agree on.
        for s in 0..<n where graph.synsetPOS[s] == nil {
            let candidates = Set(
                graph.senses(of: Int32(s)).compactMap { graph.entryPOS[Int(graph.senseEntry[Int($0)])] })
            let inferred = candidates.count == 1 ? candidates.first : nil
            graph.synsetPOS[s] = inferred
            let outcome =
                inferred.map { "using '\($0)' from its lexical entries" }
                ?? "no part of speech could be inferred; it is left out of part-of-speech statistics"
            graph.warnings.append(
                .badInput(
                    "synset '\(graph.synsetIDs[s])' has no partOfSpeech; \(outcome)",
                    file: file, line: Int(graph.synsetLine[s])))
        }
        // Relations: resolve every target, keep the taxonomy.
        var up: [(Int32, Int32, Bool)] = []
        for i in relationSource.indices {
            guard let target = synsetIndex[relationTarget[i]] else {
                throw fail(
                    "relation target '\(relationTarget[i])' of synset '\(graph.synsetIDs[Int(relationSource[i])])'"
                        + " does not exist", line: relationLine[i])
            }
            if relationIsTaxonomic[i] != 0 { up.append((relationSource[i], target, relationIsTaxonomic[i] == 2)) }
        }
        for (target, line) in senseRelationTargets where senseIndex[target] == nil && synsetIndex[target] == nil {
            graph.warnings.append(
                .badInput(
                    "sense relation target '\(target)' does not exist; relation ignored",
                    file: file, line: Int(line)))
        }
        up.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var deduplicated: [(Int32, Int32, Bool)] = []
        deduplicated.reserveCapacity(up.count)
        for edge in up where deduplicated.last.map({ $0.0 != edge.0 || $0.1 != edge.1 }) ?? true {
            deduplicated.append(edge)
        }
        var hyperStart = [Int32](repeating: 0, count: n + 1)
        var hypoStart = [Int32](repeating: 0, count: n + 1)
        for (child, parent, _) in deduplicated {
            hyperStart[Int(child) + 1] += 1
            hypoStart[Int(parent) + 1] += 1
        }
        for i in 0..<n {
            hyperStart[i + 1] += hyperStart[i]
            hypoStart[i + 1] += hypoStart[i]
        }
        graph.hypernymStart = hyperStart
        graph.hypernymTargets = deduplicated.map(\.1)
        graph.hypernymIsInstance = deduplicated.map(\.2)
        graph.hyponymStart = hypoStart
        var hypoFill = hypoStart
        graph.hyponymTargets = [Int32](repeating: 0, count: deduplicated.count)
        for (child, parent, _) in deduplicated {
            graph.hyponymTargets[Int(hypoFill[Int(parent)])] = child
            hypoFill[Int(parent)] += 1
        }
        try checkAcyclic()
        for (s, note, line) in hyponymNotes {
            guard let count = Int32(note.dropFirst(SliceWriter.hyponymNotePrefix.count)) else {
                throw fail("synset note '\(note)' is not '\(SliceWriter.hyponymNotePrefix)<count>'", line: line)
            }
            graph.recordedHyponymCount[s] = count
        }
        return graph
    }

    /// Depth-first search over hypernym edges; a back edge is a cycle.
    private func checkAcyclic() throws(ExplicableError) {
        let n = graph.synsetCount
        var state = [UInt8](repeating: 0, count: n)  // 0 new, 1 on stack, 2 done
        var stack: [(node: Int32, next: Int32)] = []
        for root in 0..<n where state[root] == 0 {
            stack.append((Int32(root), graph.hypernymStart[root]))
            state[root] = 1
            while let top = stack.last {
                let end = graph.hypernymStart[Int(top.node) + 1]
                if top.next == end {
                    state[Int(top.node)] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let parent = graph.hypernymTargets[Int(top.next)]
                switch state[Int(parent)] {
                case 0:
                    state[Int(parent)] = 1
                    stack.append((parent, graph.hypernymStart[Int(parent)]))
                case 1:
                    throw fail(
                        "hypernym cycle through synset '\(graph.synsetIDs[Int(parent)])'",
                        line: graph.synsetLine[Int(parent)])
                default:
                    break
                }
            }
        }
    }
}
