internal import CLibXML2
public import ExplicableCore
public import Foundation

/// Reads Global WordNet LMF files (WN-LMF 1.0–1.4, `.xml` or `.xml.gz`) into a ``WordNetGraph``.
///
/// The file is streamed through libxml2's `xmlTextReader`; no DOM is built. Unknown elements and
/// attributes are skipped. The reader never touches the network (`XML_PARSE_NONET`), never loads
/// the DTD and never substitutes entities (no `XML_PARSE_NOENT`), so external entities are not
/// followed and libxml2's built-in limits refuse entity-expansion bombs.
///
/// Bad input, decided per case:
/// | problem | outcome |
/// |---|---|
/// | malformed XML | error `FILE:LINE:COL: message` from libxml2 |
/// | duplicate synset, entry or sense id | error at the second occurrence, naming the first line |
/// | `Sense` whose `synset` does not exist | error |
/// | `SynsetRelation` whose `target` does not exist | error (the taxonomy would be silently wrong) |
/// | cycle in the hypernym graph | error naming a synset on the cycle |
/// | `Synset` without `partOfSpeech` | warning; the part of speech is taken from its senses' entries, when they agree |
/// | `Sense` without `synset`, `Synset`/`LexicalEntry`/`Sense` without `id`, `SynsetRelation` without `relType` or `target` | error |
/// | `SenseRelation` whose target does not exist | warning, relation counted but ignored (senses play no part in the measures) |
public enum LMFReader {
    /// Reads `url` and builds the graph.
    /// - Throws: ``ExplicableError`` (`.badInput` with file, line and column; `.io` when unreadable).
    public static func read(_ url: URL) throws(ExplicableError) -> WordNetGraph {
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ExplicableError(.io, "cannot read WordNet LMF file: no such readable file", file: path)
        }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue)
        guard let reader = xmlReaderForFile(path, nil, options) else {
            throw ExplicableError(.io, "cannot open WordNet LMF file", file: path)
        }
        defer { xmlFreeTextReader(reader) }
        let errors = ErrorSink(file: path)
        let sink = Unmanaged.passUnretained(errors).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue().record(error)
        }, sink)
        var builder = GraphBuilder(file: path)
        try withExtendedLifetime(errors) { () throws(ExplicableError) in
            try builder.consume(reader, errors: errors)
        }
        return try builder.finish()
    }
}

/// Collects the first error libxml2 reports.
///
/// Used from the reading thread only, through the structured-error callback.
final class ErrorSink {
    let file: String
    private(set) var first: ExplicableError?

    init(file: String) { self.file = file }

    func record(_ error: xmlErrorPtr) {
        let e = error.pointee
        guard first == nil, e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = e.message.map { String(cString: $0) } ?? "XML error \(e.code)"
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        first = .badInput(message, file: file, line: Int(e.line), column: e.int2 > 0 ? Int(e.int2) : nil)
    }
}

/// Accumulates what the reader sees, then resolves ids and builds the flat arrays.
struct GraphBuilder {
    let file: String
    var graph = WordNetGraph()

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

    init(file: String) { self.file = file }

    private func fail(_ message: String, line: Int32) -> ExplicableError {
        .badInput(message, file: file, line: Int(line))
    }

    mutating func consume(_ reader: xmlTextReaderPtr, errors: ErrorSink) throws(ExplicableError) {
        var currentEntry: Int32 = -1
        var currentSynset: Int32 = -1
        var status: Int32
        func attribute(_ name: String) -> String? {
            guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
            defer { CLibXML2_free(value) }
            return String(cString: value)
        }
        repeat {
            status = xmlTextReaderRead(reader)
            guard status == 1 else { break }
            let type = xmlTextReaderNodeType(reader)
            guard let rawName = xmlTextReaderConstLocalName(reader) else { continue }
            let name = UnsafeRawPointer(rawName).assumingMemoryBound(to: CChar.self)
            if type == 15 {  // end element
                if strcmp(name, "Synset") == 0 { currentSynset = -1 }
                if strcmp(name, "LexicalEntry") == 0 { currentEntry = -1 }
                continue
            }
            guard type == 1 else { continue }  // element start
            let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
            // The parser reads ahead; the node knows the line it started on.
            let line = Int32(truncatingIfNeeded: xmlGetLineNo(xmlTextReaderCurrentNode(reader)))
            switch name.pointee {
            case 0x53:  // S
                if strcmp(name, "Sense") == 0 {
                    guard let id = attribute("id") else { throw fail("<Sense> has no 'id' attribute", line: line) }
                    guard let synset = attribute("synset") else {
                        throw fail("<Sense id=\"\(id)\"> has no 'synset' attribute", line: line)
                    }
                    guard currentEntry >= 0 else { throw fail("<Sense id=\"\(id)\"> outside a <LexicalEntry>", line: line) }
                    let index = Int32(graph.senseIDs.count)
                    if let first = senseIndex.updateValue(index, forKey: id) {
                        throw fail("duplicate sense id '\(id)' (first at line \(senseLine[Int(first)]))", line: line)
                    }
                    graph.senseIDs.append(id)
                    graph.senseEntry.append(currentEntry)
                    senseSynsetID.append(synset)
                    senseLine.append(line)
                } else if strcmp(name, "Synset") == 0 {
                    guard let id = attribute("id") else { throw fail("<Synset> has no 'id' attribute", line: line) }
                    let index = Int32(graph.synsetIDs.count)
                    if let first = graph.synsetIndex.updateValue(index, forKey: id) {
                        throw fail("duplicate synset id '\(id)' (first at line \(graph.synsetLine[Int(first)]))",
                            line: line)
                    }
                    graph.synsetIDs.append(id)
                    graph.synsetPOS.append(attribute("partOfSpeech").flatMap(\.first))
                    let ili = attribute("ili").flatMap { $0.isEmpty || $0 == "in" ? nil : $0 }
                    graph.synsetILI.append(ili)
                    if let ili, graph.iliIndex[ili] == nil { graph.iliIndex[ili] = index }
                    graph.synsetDefinition.append(nil)
                    graph.synsetLine.append(line)
                    graph.synsetLexicon.append(Int32(max(0, graph.lexicons.count - 1)))
                    if let note = attribute("note"), note.hasPrefix(SliceWriter.hyponymNotePrefix) {
                        hyponymNotes.append((index, note, line))
                    }
                    currentSynset = isEmpty ? -1 : index
                } else if strcmp(name, "SynsetRelation") == 0 {
                    guard let relType = attribute("relType") else {
                        throw fail("<SynsetRelation> has no 'relType' attribute", line: line)
                    }
                    guard let target = attribute("target") else {
                        throw fail("<SynsetRelation relType=\"\(relType)\"> has no 'target' attribute", line: line)
                    }
                    guard currentSynset >= 0 else {
                        throw fail("<SynsetRelation> outside a <Synset>", line: line)
                    }
                    graph.relationCounts[relType, default: 0] += 1
                    graph.synsetRelationCount += 1
                    relationSource.append(currentSynset)
                    relationTarget.append(target)
                    relationIsTaxonomic.append(relType == "hypernym" ? 1 : relType == "instance_hypernym" ? 2 : 0)
                    relationLine.append(line)
                } else if strcmp(name, "SenseRelation") == 0 {
                    graph.senseRelationCount += 1
                    if let relType = attribute("relType") { graph.relationCounts[relType, default: 0] += 1 }
                    if let target = attribute("target") { senseRelationTargets.append((target, line)) }
                }
            case 0x4C:  // L
                if strcmp(name, "LexicalEntry") == 0 {
                    guard let id = attribute("id") else { throw fail("<LexicalEntry> has no 'id' attribute", line: line) }
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
                } else if strcmp(name, "Lemma") == 0, currentEntry >= 0 {
                    guard let form = attribute("writtenForm") else {
                        throw fail("<Lemma> has no 'writtenForm' attribute", line: line)
                    }
                    graph.entryLemma[Int(currentEntry)] = form
                    graph.entryPOS[Int(currentEntry)] = attribute("partOfSpeech").flatMap(\.first)
                } else if strcmp(name, "Lexicon") == 0 {
                    var lexicon = WordNetGraph.Lexicon(
                        id: attribute("id") ?? "", label: attribute("label") ?? "",
                        language: attribute("language") ?? "", version: attribute("version") ?? "",
                        license: attribute("license") ?? "", email: attribute("email") ?? "",
                        url: attribute("url"), citation: attribute("citation"))
                    if let note = attribute("note"), note.hasPrefix(SliceWriter.lexiconNotePrefix) {
                        lexicon.sliceStatistics = try SliceWriter.parseLexiconNote(note, file: file, line: line)
                    }
                    guard !lexicon.id.isEmpty else { throw fail("<Lexicon> has no 'id' attribute", line: line) }
                    graph.lexicons.append(lexicon)
                }
            case 0x44:  // D
                if strcmp(name, "Definition") == 0, currentSynset >= 0, !isEmpty,
                    graph.synsetDefinition[Int(currentSynset)] == nil,
                    let text = xmlTextReaderReadString(reader)
                {
                    graph.synsetDefinition[Int(currentSynset)] = String(cString: text)
                    CLibXML2_free(text)
                }
            default:
                break
            }
        } while true
        if let error = errors.first { throw error }
        if status != 0 {
            throw .badInput("XML parse error", file: file, line: Int(xmlTextReaderGetParserLineNumber(reader)))
        }
        guard !graph.lexicons.isEmpty else {
            throw .badInput("no <Lexicon> element: not a WordNet LMF file", file: file)
        }
    }

    mutating func finish() throws(ExplicableError) -> WordNetGraph {
        let n = graph.synsetIDs.count
        // Senses → synsets.
        graph.senseSynset.reserveCapacity(senseSynsetID.count)
        var sensesPerSynset = [Int32](repeating: 0, count: n + 1)
        for (i, id) in senseSynsetID.enumerated() {
            guard let s = graph.synsetIndex[id] else {
                throw fail("sense '\(graph.senseIDs[i])' refers to synset '\(id)', which does not exist",
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
        graph.lemmaIndex.reserveCapacity(entryKeys.count)
        for (sense, entry) in graph.senseEntry.enumerated() {
            graph.lemmaIndex[entryKeys[Int(entry)], default: []].append(Int32(sense))
        }
        // Synsets without a part of speech take the one their entries agree on.
        for s in 0..<n where graph.synsetPOS[s] == nil {
            let candidates = Set(graph.senses(of: Int32(s)).compactMap { graph.entryPOS[Int(graph.senseEntry[Int($0)])] })
            let inferred = candidates.count == 1 ? candidates.first : nil
            graph.synsetPOS[s] = inferred
            let outcome = inferred.map { "using '\($0)' from its lexical entries" }
                ?? "no part of speech could be inferred; it is left out of part-of-speech statistics"
            graph.warnings.append(.badInput("synset '\(graph.synsetIDs[s])' has no partOfSpeech; \(outcome)",
                file: file, line: Int(graph.synsetLine[s])))
        }
        // Relations: resolve every target, keep the taxonomy.
        var up: [(Int32, Int32, Bool)] = []
        for i in relationSource.indices {
            guard let target = graph.synsetIndex[relationTarget[i]] else {
                throw fail("relation target '\(relationTarget[i])' of synset '\(graph.synsetIDs[Int(relationSource[i])])'"
                    + " does not exist", line: relationLine[i])
            }
            if relationIsTaxonomic[i] != 0 { up.append((relationSource[i], target, relationIsTaxonomic[i] == 2)) }
        }
        for (target, line) in senseRelationTargets where senseIndex[target] == nil && graph.synsetIndex[target] == nil {
            graph.warnings.append(.badInput("sense relation target '\(target)' does not exist; relation ignored",
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
                    throw fail("hypernym cycle through synset '\(graph.synsetIDs[Int(parent)])'",
                        line: graph.synsetLine[Int(parent)])
                default:
                    break
                }
            }
        }
    }
}
