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
/// | bytes after the end of the gzip stream | error (see `GzipStream`) |
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
    /// Three threads share the work: one decompresses (`GzipStream`; plain `.xml` passes
    /// through), one drives libxml2 and turns elements into `LMFEvent`s, and the caller's
    /// thread builds the graph from them as they arrive.
    /// - Throws: `ExplicableError` (`.badInput` with file, line and column; `.io` when unreadable).
    public static func read(_ url: URL) throws(ExplicableError) -> WordNetGraph {
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ExplicableError(.io, "cannot read WordNet LMF file: no such readable file", file: path)
        }
        xmlInitParser()  // once per process, before any thread parses
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOBLANKS.rawValue)
        guard let stream = GzipStream(path: path) else {
            throw ExplicableError(.io, "cannot open WordNet LMF file", file: path)
        }
        // The reader pulls decompressed bytes from the stream's thread; the context holds one
        // reference to the stream, released by the close callback when the reader is freed.
        let context = Unmanaged.passRetained(stream).toOpaque()
        guard
            let reader = xmlReaderForIO(
                { context, buffer, length in
                    guard let context, let buffer else { return -1 }
                    return Unmanaged<GzipStream>.fromOpaque(context).takeUnretainedValue().read(
                        into: buffer, count: Int(length))
                },
                { context in
                    guard let context else { return 0 }
                    let stream = Unmanaged<GzipStream>.fromOpaque(context).takeRetainedValue()
                    stream.cancel()
                    return 0
                }, context, path, nil, options)
        else {
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
