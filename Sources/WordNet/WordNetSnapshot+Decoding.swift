import ExplicableCore
import Foundation

extension WordNetSnapshot {
    // MARK: Decoding

    /// Checks the header of `file` and returns the source key it records and its payload.
    static func open(_ file: UnsafeRawBufferPointer) throws(Invalid) -> (
        source: SourceKey, payload: UnsafeRawBufferPointer
    ) {
        guard file.count >= headerSize else { throw Invalid("shorter than its header (\(file.count) bytes)") }
        guard Array(file[0..<8]) == magic else { throw Invalid("not a WordNet graph snapshot (bad magic)") }
        var header = Reader(file[8..<headerSize])
        let version = try header.u32()
        guard version == formatVersion else { throw Invalid("format version \(version), expected \(formatVersion)") }
        guard try header.u32() == UInt32(headerSize) else { throw Invalid("bad header size") }
        let source = SourceKey(
            size: try header.u64(), modificationNanoseconds: Int64(bitPattern: try header.u64()),
            contentHash: try header.u64())
        let length = try header.u64()
        let payloadHash = try header.u64()
        guard length == UInt64(file.count - headerSize) else {
            throw Invalid("payload is \(file.count - headerSize) bytes, header says \(length) (truncated?)")
        }
        let payload = UnsafeRawBufferPointer(rebasing: file[headerSize...])
        guard hash(payload) == payloadHash else { throw Invalid("payload checksum mismatch") }
        return (source, payload)
    }

    /// Checks and decodes a whole snapshot file held by `file`.
    static func decode(_ file: MappedFile) throws(Invalid) -> (source: SourceKey, graph: WordNetGraph) {
        let (source, payload) = try open(file.bytes)
        return (source, try decodePayload(payload, owner: file))
    }

    /// Rebuilds the graph from a payload, validating it. The graph's string columns point into
    /// `payload` and keep `owner`, which must keep those bytes alive and unchanged, alive.
    static func decodePayload(_ payload: UnsafeRawBufferPointer, owner: AnyObject) throws(Invalid) -> WordNetGraph {
        var r = Reader(payload[...], owner: owner)
        var g = WordNetGraph()
        // Lexicons.
        let lexiconCount = try r.count(minimumBytesEach: 8)
        for _ in 0..<lexiconCount {
            let s = try r.stringArray()
            let o = try r.optionalStringArray()
            guard s.count == 6, o.count == 2 else { throw Invalid("bad lexicon record") }
            var lexicon = WordNetGraph.Lexicon(
                id: s[0], label: s[1], language: s[2], version: s[3], license: s[4], email: s[5], url: o[0],
                citation: o[1], sliceStatistics: nil)
            switch try r.int() {
            case 0: break
            case 1:
                lexicon.sliceStatistics = WordNetGraph.SliceStatistics(
                    taxonomyDepth: try r.characterDictionary(), synsetCount: try r.characterDictionary())
            default: throw Invalid("bad slice statistics flag")
            }
            g.lexicons.append(lexicon)
        }
        // Synsets.
        g.synsetIDs = try r.strings()
        let synsets = g.synsetIDs.count
        g.synsetPOS = try r.characters()
        g.synsetILI = try r.optionalStrings()
        g.synsetDefinition = try r.optionalStrings()
        g.synsetLine = try r.int32s()
        g.synsetLexicon = try r.int32s()
        let recordedKeys = try r.int32s(), recordedValues = try r.int32s()
        guard recordedKeys.count == recordedValues.count else { throw Invalid("bad recorded hyponym counts") }
        g.recordedHyponymCount.reserveCapacity(recordedKeys.count)
        for (k, v) in zip(recordedKeys, recordedValues) { g.recordedHyponymCount[k] = v }
        // The three big dictionaries are read here and built when first used (``Lookups``).
        let synsetIndex = try r.keysAndValues(valuesBelow: synsets)
        let iliIndex = try r.keysAndValues(valuesBelow: synsets)
        try check(
            [
                g.synsetPOS.count, g.synsetILI.count, g.synsetDefinition.count, g.synsetLine.count,
                g.synsetLexicon.count,
            ], equal: synsets, "synset arrays")
        try checkIndexes(g.synsetLexicon, below: g.lexicons.count, "synset lexicons")
        // Entries and senses.
        g.entryIDs = try r.strings()
        g.entryLemma = try r.strings()
        g.entryPOS = try r.characters()
        g.entryLexicon = try r.int32s()
        try check(
            [g.entryLemma.count, g.entryPOS.count, g.entryLexicon.count], equal: g.entryIDs.count, "entry arrays")
        try checkIndexes(g.entryLexicon, below: g.lexicons.count, "entry lexicons")
        g.senseIDs = try r.strings()
        g.senseEntry = try r.int32s()
        g.senseSynset = try r.int32s()
        try check([g.senseEntry.count, g.senseSynset.count], equal: g.senseIDs.count, "sense arrays")
        try checkIndexes(g.senseEntry, below: g.entryIDs.count, "sense entries")
        try checkIndexes(g.senseSynset, below: synsets, "sense synsets")
        g.synsetSenseStart = try r.int32s()
        g.synsetSenses = try r.int32s()
        try checkCSR(
            g.synsetSenseStart, rows: synsets, targets: g.synsetSenses, below: g.senseIDs.count, "synset senses")
        // The lemma index.
        let lemmaKeys = try r.packedStrings()
        let lemmaStart = try r.int32s(), lemmaSenses = try r.int32s()
        try checkCSR(lemmaStart, rows: lemmaKeys.count, targets: lemmaSenses, below: g.senseIDs.count, "lemma index")
        // The taxonomy.
        g.hypernymStart = try r.int32s()
        g.hypernymTargets = try r.int32s()
        g.hypernymIsInstance = try r.bytes().map { $0 != 0 }
        g.hyponymStart = try r.int32s()
        g.hyponymTargets = try r.int32s()
        try checkCSR(g.hypernymStart, rows: synsets, targets: g.hypernymTargets, below: synsets, "hypernyms")
        try checkCSR(g.hyponymStart, rows: synsets, targets: g.hyponymTargets, below: synsets, "hyponyms")
        try check([g.hypernymIsInstance.count], equal: g.hypernymTargets.count, "instance flags")
        // Relation counts.
        let relationKeys = try r.stringArray()
        guard try r.int() == relationKeys.count else { throw Invalid("bad relation counts") }
        g.relationCounts.reserveCapacity(relationKeys.count)
        for key in relationKeys { g.relationCounts[key] = try r.int() }
        g.synsetRelationCount = try r.int()
        g.senseRelationCount = try r.int()
        // Warnings.
        let warningCount = try r.count(minimumBytesEach: 8)
        for _ in 0..<warningCount {
            let s = try r.stringArray(), file = try r.optionalStringArray()
            guard s.count == 2, file.count == 1, let kind = ExplicableError.Kind(rawValue: s[0]) else {
                throw Invalid("bad warning record")
            }
            let line = try r.int(), column = try r.int()
            guard line >= 0, column >= 0 else { throw Invalid("bad warning position") }
            g.warnings.append(
                ExplicableError(
                    kind, s[1], file: file[0], line: line == 0 ? nil : line - 1,
                    column: column == 0 ? nil : column - 1))
        }
        guard r.isAtEnd else { throw Invalid("\(r.remaining) bytes left after the graph") }
        g.lookups = Lookups(
            synset: { dictionary(synsetIndex) }, ili: { dictionary(iliIndex) },
            lemma: {
                var index: [String: [Int32]] = [:]
                index.reserveCapacity(lemmaKeys.count)
                for i in 0..<lemmaKeys.count {
                    index[lemmaKeys[i], default: []] += lemmaSenses[Int(lemmaStart[i])..<Int(lemmaStart[i + 1])]
                }
                return index
            })
        return g
    }

    /// A dictionary of the keys and values of a snapshot table. A key that repeats (which only a
    /// forged snapshot with a valid checksum could hold: explicable writes distinct keys) keeps
    /// its first value.
    private static func dictionary(_ table: (keys: PackedStrings, values: [Int32])) -> [String: Int32] {
        var d: [String: Int32] = [:]
        d.reserveCapacity(table.keys.count)
        for i in 0..<table.keys.count where d[table.keys[i]] == nil { d[table.keys[i]] = table.values[i] }
        return d
    }

    private static func check(_ counts: [Int], equal expected: Int, _ what: String) throws(Invalid) {
        guard counts.allSatisfy({ $0 == expected }) else {
            throw Invalid("\(what): lengths \(counts), expected \(expected)")
        }
    }

    private static func checkIndexes(_ values: [Int32], below bound: Int, _ what: String) throws(Invalid) {
        for v in values where v < 0 || Int(v) >= bound { throw Invalid("\(what): index \(v) out of 0..<\(bound)") }
    }

    /// A compressed sparse row: `rows + 1` non-decreasing starts from 0 to `targets.count`, targets below `bound`.
    private static func checkCSR(_ start: [Int32], rows: Int, targets: [Int32], below bound: Int, _ what: String)
        throws(Invalid)
    {
        guard start.count == rows + 1, start.first == 0, Int(start[rows]) == targets.count else {
            throw Invalid("\(what): bad row starts")
        }
        for i in 0..<rows where start[i] > start[i + 1] { throw Invalid("\(what): row starts decrease") }
        try checkIndexes(targets, below: bound, what)
    }

    /// A bounds-checked cursor over untrusted bytes.
    struct Reader {
        private let buffer: UnsafeRawBufferPointer
        /// What keeps `buffer` alive for the string columns that point into it (none for the header).
        private let owner: AnyObject?
        private var offset = 0

        init(_ slice: Slice<UnsafeRawBufferPointer>, owner: AnyObject? = nil) {
            buffer = UnsafeRawBufferPointer(rebasing: slice)
            self.owner = owner
        }

        var remaining: Int { buffer.count - offset }
        var isAtEnd: Bool { offset == buffer.count }

        private mutating func take(_ n: Int) throws(Invalid) -> UnsafeRawBufferPointer {
            guard n >= 0, n <= remaining else { throw Invalid("truncated: \(n) bytes wanted, \(remaining) left") }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n])
        }

        mutating func u32() throws(Invalid) -> UInt32 {
            UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))
        }

        mutating func u64() throws(Invalid) -> UInt64 {
            UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self))
        }

        mutating func int() throws(Invalid) -> Int {
            let v = Int64(bitPattern: try u64())
            guard let n = Int(exactly: v) else { throw Invalid("integer out of range") }
            return n
        }

        /// A count of items that take at least `minimumBytesEach` bytes each: refused when the bytes
        /// left cannot hold them, so a hostile count never drives a huge allocation.
        mutating func count(minimumBytesEach: Int) throws(Invalid) -> Int {
            let n = try u64()
            guard n <= UInt64(remaining / max(1, minimumBytesEach)) else {
                throw Invalid("count \(n) exceeds the \(remaining) bytes left")
            }
            return Int(n)
        }

        mutating func int32s() throws(Invalid) -> [Int32] {
            let n = try count(minimumBytesEach: 4)
            let raw = try take(n * 4)
            return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                #if _endian(big)
                    for i in 0..<n {
                        out[i] = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                    }
                #else
                    if n > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: raw) }
                #endif
                initialized = n
            }
        }

        mutating func bytes() throws(Invalid) -> [UInt8] { Array(try rawBytes()) }

        private mutating func rawBytes() throws(Invalid) -> UnsafeRawBufferPointer {
            try take(try count(minimumBytesEach: 1))
        }

        /// A string table, left where it lies: strings are made when read.
        mutating func strings() throws(Invalid) -> StringColumn { StringColumn(.packed(try packedStrings())) }

        /// A (short) string table as an array.
        mutating func stringArray() throws(Invalid) -> [String] { Array(try strings()) }

        /// A string table with its offsets checked, read in place.
        mutating func packedStrings() throws(Invalid) -> PackedStrings {
            let n = try count(minimumBytesEach: 4)
            let offsets = try take((n + 1) * 4)
            let blobLength = try int()
            let blob = try take(blobLength)
            // From 0, non-decreasing, within the blob: then every string's range is valid.
            var previous: UInt32 = 0
            for i in 0...n {
                let end = UInt32(littleEndian: offsets.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                guard i > 0 || end == 0 else { throw Invalid("string table does not start at 0") }
                guard end >= previous, Int(end) <= blobLength else {
                    throw Invalid("string offset \(end) out of bounds")
                }
                previous = end
            }
            guard let owner else { preconditionFailure("a string table read without an owner of its bytes") }
            return PackedStrings(owner: owner, checkedOffsets: offsets.baseAddress!, count: n, blob: blob.baseAddress)
        }

        mutating func optionalStrings() throws(Invalid) -> OptionalStringColumn {
            let values = try packedStrings()
            let present = try rawBytes()
            guard present.count == values.count else { throw Invalid("optional strings: flag count mismatch") }
            return OptionalStringColumn(.packed(values, present: PackedBytes(owner: values.owner, present)))
        }

        mutating func optionalStringArray() throws(Invalid) -> [String?] { Array(try optionalStrings()) }

        mutating func characters() throws(Invalid) -> [Character?] {
            let palette = try stringArray()
            var characters: [Character?] = [nil]
            for s in palette {
                guard s.count == 1, let c = s.first else { throw Invalid("palette entry is not one character") }
                characters.append(c)
            }
            let codes = try int32s()
            var result: [Character?] = []
            result.reserveCapacity(codes.count)
            for code in codes {
                guard code >= 0, Int(code) < characters.count else { throw Invalid("character code out of range") }
                result.append(characters[Int(code)])
            }
            return result
        }

        /// A dictionary's keys and values, checked for length and range; ``WordNetSnapshot/dictionary(_:)`` builds it.
        mutating func keysAndValues(valuesBelow bound: Int) throws(Invalid) -> (keys: PackedStrings, values: [Int32]) {
            let keys = try packedStrings()
            let values = try int32s()
            guard keys.count == values.count else {
                throw Invalid("dictionary: \(keys.count) keys, \(values.count) values")
            }
            try WordNetSnapshot.checkIndexes(values, below: bound, "dictionary")
            return (keys, values)
        }

        mutating func characterDictionary() throws(Invalid) -> [Character: Int] {
            let keys = try stringArray()
            guard try int() == keys.count else { throw Invalid("bad character dictionary") }
            var d: [Character: Int] = [:]
            for key in keys {
                guard key.count == 1, let c = key.first else { throw Invalid("key is not one character") }
                d[c] = try int()
            }
            guard d.count == keys.count else { throw Invalid("character dictionary: duplicate key") }
            return d
        }
    }
}
