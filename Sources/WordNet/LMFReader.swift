internal import CLibXML2
internal import CExplicableZlib
public import ExplicableCore
public import Foundation

/// Reads Global WordNet LMF files (WN-LMF 1.0–1.4, `.xml` or `.xml.gz`) into a ``WordNetGraph``.
///
/// The file is streamed through libxml2's `xmlTextReader`; no DOM is built. Unknown elements and
/// attributes are skipped. The reader never touches the network (`XML_PARSE_NONET`), never loads
/// the DTD and never substitutes entities (no `XML_PARSE_NOENT`). WN-LMF files need no entities
/// of their own, so a DOCTYPE that declares any (general or parameter, internal or external) is
/// refused as soon as the DOCTYPE has been read, before any element: no entity is ever expanded,
/// in content or in attribute values, and no external entity is followed.
///
/// Bad input, decided per case:
/// | problem | outcome |
/// |---|---|
/// | malformed XML | error `FILE:LINE:COL: message` from libxml2, on one line |
/// | DOCTYPE declaring an entity | error at the `<!ENTITY` declaration |
/// | bytes after the end of the gzip stream | error (see ``GzipStream``) |
/// | duplicate synset, entry or sense id | error at the second occurrence, naming the first line |
/// | `Sense` whose `synset` does not exist | error |
/// | `SynsetRelation` whose `target` does not exist | error (the taxonomy would be silently wrong) |
/// | cycle in the hypernym graph | error naming a synset on the cycle |
/// | `Synset` without `partOfSpeech` | warning; the part of speech is taken from its senses' entries, when they agree |
/// | `Sense` without `synset`, `Synset`/`LexicalEntry`/`Sense` without `id`, `SynsetRelation` without `relType` or `target` | error |
/// | `SenseRelation` whose target does not exist | warning, relation counted but ignored (senses play no part in the measures) |
public enum LMFReader {
    /// Reads `url` and builds the graph.
    ///
    /// Three threads share the work: one decompresses (``GzipStream``; plain `.xml` passes
    /// through), one drives libxml2 and turns elements into ``LMFEvent``s, and the caller's
    /// thread builds the graph from them as they arrive.
    /// - Throws: `ExplicableError` (`.badInput` with file, line and column; `.io` when unreadable).
    public static func read(_ url: URL) throws(ExplicableError) -> WordNetGraph {
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ExplicableError(.io, "cannot read WordNet LMF file: no such readable file", file: path)
        }
        xmlInitParser()  // once per process, before any thread parses
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOBLANKS.rawValue)
        guard let stream = GzipStream(path: path) else {
            throw ExplicableError(.io, "cannot open WordNet LMF file", file: path)
        }
        // The reader pulls decompressed bytes from the stream's thread; the context holds one
        // reference to the stream, released by the close callback when the reader is freed.
        let context = Unmanaged.passRetained(stream).toOpaque()
        guard let reader = xmlReaderForIO({ context, buffer, length in
            guard let context, let buffer else { return -1 }
            return Unmanaged<GzipStream>.fromOpaque(context).takeUnretainedValue().read(into: buffer, count: Int(length))
        }, { context in
            guard let context else { return 0 }
            let stream = Unmanaged<GzipStream>.fromOpaque(context).takeRetainedValue()
            stream.cancel()
            return 0
        }, context, path, nil, options) else {
            Unmanaged<GzipStream>.fromOpaque(context).release()
            stream.cancel()
            throw ExplicableError(.io, "cannot open WordNet LMF file", file: path)
        }
        let source = EventSource(reader: reader, file: path)
        let channel = EventChannel()
        let producer = Thread {
            source.produce(into: channel)
            channel.finish()
        }
        producer.stackSize = 1 << 20
        producer.start()
        // Size the id dictionaries up front (about one synset, sense or entry per 500 bytes of XML;
        // a gzip file is about an eighth of that), so they are not rehashed as the file streams in.
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let isCompressed = (try? FileHandle(forReadingFrom: url).read(upToCount: 2)) == Data([0x1F, 0x8B])
        var builder = GraphBuilder(file: path, expectedElements: min(1 << 22, (isCompressed ? 8 : 1) * bytes / 500))
        var failure: ExplicableError?
        while failure == nil, let chunk = channel.next() {
            do throws(ExplicableError) {
                for event in chunk { try builder.apply(event) }
            } catch {
                failure = error
                channel.cancel()
            }
        }
        channel.waitUntilProducerFinished()
        // The producer is done with the reader now.
        let xmlError = source.errors.first
        let status = source.status
        let lastLine = source.lastLine
        xmlFreeTextReader(reader)
        // A damaged gzip file explains whatever the parser made of its last bytes: report it first.
        if let gzipError = stream.error { throw .badInput(gzipError, file: path) }
        if let entity = source.declaredEntity {
            let (line, column) = Self.entityDeclarationPosition(path) ?? (lastLine, nil)
            throw .badInput(
                "the DOCTYPE declares entity '\(entity)'; WN-LMF files need no entity declarations, and they are refused",
                file: path, line: line, column: column)
        }
        if let failure { throw failure }
        if let xmlError { throw xmlError }
        if status != 0 { throw .badInput("XML parse error", file: path, line: lastLine) }
        return try builder.finish()
    }

    /// The line and column (1-based, in bytes) of the first `<!ENTITY` in the first 64 MiB of the
    /// decompressed file, for the error message of a refused DOCTYPE; read only on that path.
    static func entityDeclarationPosition(_ path: String) -> (line: Int, column: Int)? {
        guard let file = gzopen(path, "rb") else { return nil }
        defer { gzclose(file) }
        let needle = Array("<!ENTITY".utf8)
        var line = 1, column = 1, matched = 0, total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while total < 64 << 20 {
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            guard n > 0 else { return nil }
            total += Int(n)
            for byte in buffer[0..<Int(n)] {
                matched = byte == needle[matched] ? matched + 1 : (byte == needle[0] ? 1 : 0)
                if matched == needle.count { return (line, column - needle.count + 1) }
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
        }
        return nil
    }
}

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

/// Drives libxml2's `xmlTextReader` and turns the elements explicable needs into events.
///
/// `@unchecked Sendable`: the reader handle and the results are used by the producer thread
/// only until it calls `EventChannel.finish()`, and by the caller only after that.
final class EventSource: @unchecked Sendable {
    let reader: xmlTextReaderPtr
    let errors: ErrorSink
    private(set) var status: Int32 = 0
    private(set) var lastLine = 0
    /// The first entity the DOCTYPE declares, if it declares any (reading stops there).
    private(set) var declaredEntity: String?

    init(reader: xmlTextReaderPtr, file: String) {
        self.reader = reader
        errors = ErrorSink(file: file)
        let sink = Unmanaged.passUnretained(errors).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue().record(error)
        }, sink)
    }

    /// The value of attribute `name` of the current element.
    private func attribute(_ name: String) -> String? {
        guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
        defer { CLibXML2_free(value) }
        return String(cString: value)
    }

    /// Calls `body` with the qualified name and value of each attribute of the current element,
    /// without copies through libxml2's allocator; the pointers are valid during the call only.
    @inline(__always)
    private func forEachAttribute(_ body: (UnsafePointer<CChar>, UnsafePointer<xmlChar>) -> Void) {
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            guard let name = xmlTextReaderConstName(reader), let value = xmlTextReaderConstValue(reader) else { continue }
            body(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), value)
        }
        xmlTextReaderMoveToElement(reader)
    }

    // The attribute reads below are written out per element on purpose: a shared two-name helper
    // measured about 10% slower on the full OEWN parse, which is this reader's hot loop.
    func produce(into channel: EventChannel) {
        var chunk: [LMFEvent] = []
        chunk.reserveCapacity(4096)
        var inSynset = false
        var isSlice = false
        defer { lastLine = Int(xmlTextReaderGetParserLineNumber(reader)) }
        // Errors libxml2 raises outside the parser (buffers, memory) go to this thread's handler,
        // not to stderr.
        let sink = Unmanaged.passUnretained(errors).toOpaque()
        xmlSetStructuredErrorFunc(sink) { context, error in
            guard let context, let error else { return }
            Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue().record(error)
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        while true {
            status = xmlTextReaderRead(reader)
            guard status == 1, errors.first == nil else { break }
            let type = xmlTextReaderNodeType(reader)
            guard type == 1 || type == 15, let rawName = xmlTextReaderConstLocalName(reader) else {
                // The DOCTYPE comes before any element, so refusing its entities here costs the
                // element loop nothing and stops before any reference could be expanded.
                if type == 10, let entity = CLibXML2_firstEntityDeclaration(xmlTextReaderCurrentNode(reader)) {
                    declaredEntity = String(cString: entity)
                    break
                }
                continue
            }
            let name = UnsafeRawPointer(rawName).assumingMemoryBound(to: CChar.self)
            if type == 15 {  // end element
                if strcmp(name, "Synset") == 0 {
                    inSynset = false
                    chunk.append(.endSynset)
                } else if strcmp(name, "LexicalEntry") == 0 {
                    chunk.append(.endEntry)
                }
                continue
            }
            let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
            // The parser reads ahead; the node knows the line it started on.
            let line = Int32(truncatingIfNeeded: xmlGetLineNo(xmlTextReaderCurrentNode(reader)))
            switch name.pointee {
            case 0x53:  // S
                if strcmp(name, "Sense") == 0 {
                    var id: String?, synset: String?
                    forEachAttribute { n, v in
                        if strcmp(n, "id") == 0 {
                            id = String(cString: v)
                        } else if strcmp(n, "synset") == 0 {
                            synset = String(cString: v)
                        }
                    }
                    chunk.append(.sense(id: id, synset: synset, line: line))
                } else if strcmp(name, "Synset") == 0 {
                    var id: String?, pos: Character?, ili: String?, note: String?
                    forEachAttribute { n, v in
                        if strcmp(n, "id") == 0 {
                            id = String(cString: v)
                        } else if strcmp(n, "partOfSpeech") == 0 {
                            pos = String(cString: v).first
                        } else if strcmp(n, "ili") == 0 {
                            ili = String(cString: v)
                        } else if isSlice, strcmp(n, "note") == 0 {  // only slices carry synset notes that matter
                            note = String(cString: v)
                        }
                    }
                    chunk.append(.synset(id: id, partOfSpeech: pos, ili: ili, note: note, isEmpty: isEmpty, line: line))
                    inSynset = !isEmpty
                } else if strcmp(name, "SynsetRelation") == 0 {
                    var relType: String?, target: String?
                    forEachAttribute { n, v in
                        if strcmp(n, "relType") == 0 {
                            relType = String(cString: v)
                        } else if strcmp(n, "target") == 0 {
                            target = String(cString: v)
                        }
                    }
                    chunk.append(.synsetRelation(relType: relType, target: target, line: line))
                } else if strcmp(name, "SenseRelation") == 0 {
                    var relType: String?, target: String?
                    forEachAttribute { n, v in
                        if strcmp(n, "relType") == 0 {
                            relType = String(cString: v)
                        } else if strcmp(n, "target") == 0 {
                            target = String(cString: v)
                        }
                    }
                    chunk.append(.senseRelation(relType: relType, target: target, line: line))
                }
            case 0x4C:  // L
                if strcmp(name, "LexicalEntry") == 0 {
                    var id: String?
                    forEachAttribute { n, v in if strcmp(n, "id") == 0 { id = String(cString: v) } }
                    chunk.append(.entry(id: id, isEmpty: isEmpty, line: line))
                } else if strcmp(name, "Lemma") == 0 {
                    var form: String?, pos: Character?
                    forEachAttribute { n, v in
                        if strcmp(n, "writtenForm") == 0 {
                            form = String(cString: v)
                        } else if strcmp(n, "partOfSpeech") == 0 {
                            pos = String(cString: v).first
                        }
                    }
                    chunk.append(.lemma(writtenForm: form, partOfSpeech: pos, line: line))
                } else if strcmp(name, "Lexicon") == 0 {
                    let lexicon = WordNetGraph.Lexicon(
                        id: attribute("id") ?? "", label: attribute("label") ?? "",
                        language: attribute("language") ?? "", version: attribute("version") ?? "",
                        license: attribute("license") ?? "", email: attribute("email") ?? "",
                        url: attribute("url"), citation: attribute("citation"))
                    let note = attribute("note")
                    if note?.hasPrefix(SliceWriter.lexiconNotePrefix) == true { isSlice = true }
                    chunk.append(.lexicon(lexicon, note: note, line: line))
                }
            case 0x44:  // D
                if inSynset, !isEmpty, strcmp(name, "Definition") == 0, let text = xmlTextReaderReadString(reader) {
                    chunk.append(.definition(String(cString: text)))
                    CLibXML2_free(text)
                }
            default:
                break
            }
            if chunk.count >= 4096 {
                guard channel.send(chunk) else { return }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { _ = channel.send(chunk) }
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
        let text = e.message.map { String(cString: $0) } ?? "XML error \(e.code)"
        // Some libxml2 messages span lines ("Input is not proper UTF-8 …\nBytes: …"): one line here.
        let message = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
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

    init(file: String, expectedElements: Int = 0) {
        self.file = file
        graph.synsetIndex.reserveCapacity(expectedElements)
        graph.iliIndex.reserveCapacity(expectedElements)
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
            if let first = graph.synsetIndex.updateValue(index, forKey: id) {
                throw fail("duplicate synset id '\(id)' (first at line \(graph.synsetLine[Int(first)]))", line: line)
            }
            graph.synsetIDs.append(id)
            graph.synsetPOS.append(pos)
            // "in" marks a proposed new ILI concept: no ILI yet.
            let ili = rawILI.flatMap { $0.isEmpty || $0 == "in" ? nil : $0 }
            graph.synsetILI.append(ili)
            if let ili, graph.iliIndex[ili] == nil { graph.iliIndex[ili] = index }
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
