internal import CLibXML2
internal import ExplicableCore
internal import Foundation

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
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in
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
            guard let name = xmlTextReaderConstName(reader), let value = xmlTextReaderConstValue(reader) else {
                continue
            }
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
