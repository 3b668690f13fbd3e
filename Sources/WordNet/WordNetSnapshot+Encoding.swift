import ExplicableCore
import Foundation

extension WordNetSnapshot {
    // MARK: Encoding

    /// The snapshot file's bytes: header and payload.
    static func encode(_ graph: WordNetGraph, source: SourceKey) -> [UInt8] {
        seal(payload: encodePayload(graph), source: source)
    }

    /// Header + `payload`, with the payload's length and hash filled in.
    static func seal(payload: [UInt8], source: SourceKey) -> [UInt8] {
        var out = Writer()
        out.bytes.reserveCapacity(headerSize + payload.count)
        out.bytes += magic
        out.u32(formatVersion)
        out.u32(UInt32(headerSize))
        out.u64(source.size)
        out.u64(UInt64(bitPattern: source.modificationNanoseconds))
        out.u64(source.contentHash)
        out.u64(UInt64(payload.count))
        out.u64(payload.withUnsafeBytes { hash($0) })
        out.u64(0)
        out.bytes += payload
        return out.bytes
    }

    static func encodePayload(_ g: WordNetGraph) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(1 << 25)
        // Lexicons.
        w.int(g.lexicons.count)
        for lexicon in g.lexicons {
            w.strings([lexicon.id, lexicon.label, lexicon.language, lexicon.version, lexicon.license, lexicon.email])
            w.optionalStrings([lexicon.url, lexicon.citation])
            if let statistics = lexicon.sliceStatistics {
                w.int(1)
                w.characterDictionary(statistics.taxonomyDepth)
                w.characterDictionary(statistics.synsetCount)
            } else {
                w.int(0)
            }
        }
        // Synsets.
        w.strings(g.synsetIDs)
        w.characters(g.synsetPOS)
        w.optionalStrings(g.synsetILI)
        w.optionalStrings(g.synsetDefinition)
        w.int32s(g.synsetLine)
        w.int32s(g.synsetLexicon)
        let recorded = g.recordedHyponymCount.sorted { $0.key < $1.key }
        w.int32s(recorded.map(\.key))
        w.int32s(recorded.map(\.value))
        w.dictionary(g.synsetIndex)
        w.dictionary(g.iliIndex)
        // Entries and senses.
        w.strings(g.entryIDs)
        w.strings(g.entryLemma)
        w.characters(g.entryPOS)
        w.int32s(g.entryLexicon)
        w.strings(g.senseIDs)
        w.int32s(g.senseEntry)
        w.int32s(g.senseSynset)
        w.int32s(g.synsetSenseStart)
        w.int32s(g.synsetSenses)
        // The lemma index as keys + CSR of senses.
        let lemmas = Array(g.lemmaIndex)
        w.strings(lemmas.map(\.key))
        var start: [Int32] = [0]
        start.reserveCapacity(lemmas.count + 1)
        var senses: [Int32] = []
        for (_, list) in lemmas {
            senses += list
            start.append(Int32(truncatingIfNeeded: senses.count))
        }
        w.int32s(start)
        w.int32s(senses)
        // The taxonomy.
        w.int32s(g.hypernymStart)
        w.int32s(g.hypernymTargets)
        w.bytes(g.hypernymIsInstance.map { $0 ? 1 : 0 })
        w.int32s(g.hyponymStart)
        w.int32s(g.hyponymTargets)
        // Relation counts.
        let relations = g.relationCounts.sorted { $0.key < $1.key }
        w.strings(relations.map(\.key))
        w.int(relations.count)
        for (_, n) in relations { w.int(n) }
        w.int(g.synsetRelationCount)
        w.int(g.senseRelationCount)
        // Warnings.
        w.int(g.warnings.count)
        for warning in g.warnings {
            w.strings([warning.kind.rawValue, warning.message])
            w.optionalStrings([warning.file])
            for n in [warning.line, warning.column] {
                w.int(n.map { $0 + 1 } ?? 0)  // 0 = none
            }
        }
        return w.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }

        mutating func int32s(_ values: [Int32]) {
            int(values.count)
            #if _endian(big)
                for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
            #else
                values.withUnsafeBytes { bytes += $0 }
            #endif
        }

        mutating func bytes(_ values: [UInt8]) {
            int(values.count)
            bytes += values
        }

        mutating func strings(_ values: some Collection<String>) {
            int(values.count)
            var blob: [UInt8] = []
            var offsets: [UInt32] = [0]
            offsets.reserveCapacity(values.count + 1)
            for var s in values {
                s.withUTF8 { blob += $0 }
                offsets.append(UInt32(truncatingIfNeeded: blob.count))
            }
            for o in offsets { u32(o) }
            int(blob.count)
            bytes += blob
        }

        mutating func optionalStrings(_ values: some Collection<String?>) {
            strings(values.map { $0 ?? "" })
            bytes(values.map { $0 == nil ? 0 : 1 })
        }

        mutating func characters(_ values: [Character?]) {
            // A palette of the distinct characters (a handful of POS letters), then one code per value.
            var palette: [Character] = []
            var codes: [Int32] = []
            codes.reserveCapacity(values.count)
            for value in values {
                guard let value else {
                    codes.append(0)
                    continue
                }
                if let k = palette.firstIndex(of: value) {
                    codes.append(Int32(k + 1))
                } else {
                    palette.append(value)
                    codes.append(Int32(palette.count))
                }
            }
            strings(palette.map(String.init))
            int32s(codes)
        }

        mutating func dictionary(_ d: [String: Int32]) {
            strings(Array(d.keys))
            int32s(Array(d.values))
        }

        mutating func characterDictionary(_ d: [Character: Int]) {
            let pairs = d.sorted { $0.key < $1.key }
            strings(pairs.map { String($0.key) })
            int(pairs.count)
            for (_, v) in pairs { int(v) }
        }
    }
}
