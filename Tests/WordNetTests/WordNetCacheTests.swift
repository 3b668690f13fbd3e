import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import WordNet

/// Every public property of the two graphs is equal.
func expectSameGraph(_ a: WordNetGraph, _ b: WordNetGraph, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.lexicons == b.lexicons, sourceLocation: sourceLocation)
    #expect(a.synsetIDs == b.synsetIDs, sourceLocation: sourceLocation)
    #expect(a.synsetPOS == b.synsetPOS, sourceLocation: sourceLocation)
    #expect(a.synsetILI == b.synsetILI, sourceLocation: sourceLocation)
    #expect(a.synsetDefinition == b.synsetDefinition, sourceLocation: sourceLocation)
    #expect(a.synsetLine == b.synsetLine, sourceLocation: sourceLocation)
    #expect(a.synsetLexicon == b.synsetLexicon, sourceLocation: sourceLocation)
    #expect(a.recordedHyponymCount == b.recordedHyponymCount, sourceLocation: sourceLocation)
    #expect(a.synsetIndex == b.synsetIndex, sourceLocation: sourceLocation)
    #expect(a.iliIndex == b.iliIndex, sourceLocation: sourceLocation)
    #expect(a.entryIDs == b.entryIDs, sourceLocation: sourceLocation)
    #expect(a.entryLemma == b.entryLemma, sourceLocation: sourceLocation)
    #expect(a.entryPOS == b.entryPOS, sourceLocation: sourceLocation)
    #expect(a.entryLexicon == b.entryLexicon, sourceLocation: sourceLocation)
    #expect(a.senseIDs == b.senseIDs, sourceLocation: sourceLocation)
    #expect(a.senseEntry == b.senseEntry, sourceLocation: sourceLocation)
    #expect(a.senseSynset == b.senseSynset, sourceLocation: sourceLocation)
    #expect(a.synsetSenseStart == b.synsetSenseStart, sourceLocation: sourceLocation)
    #expect(a.synsetSenses == b.synsetSenses, sourceLocation: sourceLocation)
    #expect(a.lemmaIndex == b.lemmaIndex, sourceLocation: sourceLocation)
    #expect(a.hypernymStart == b.hypernymStart, sourceLocation: sourceLocation)
    #expect(a.hypernymTargets == b.hypernymTargets, sourceLocation: sourceLocation)
    #expect(a.hypernymIsInstance == b.hypernymIsInstance, sourceLocation: sourceLocation)
    #expect(a.hyponymStart == b.hyponymStart, sourceLocation: sourceLocation)
    #expect(a.hyponymTargets == b.hyponymTargets, sourceLocation: sourceLocation)
    #expect(a.relationCounts == b.relationCounts, sourceLocation: sourceLocation)
    #expect(a.synsetRelationCount == b.synsetRelationCount, sourceLocation: sourceLocation)
    #expect(a.senseRelationCount == b.senseRelationCount, sourceLocation: sourceLocation)
    #expect(a.warnings == b.warnings, sourceLocation: sourceLocation)
}

struct WordNetCacheTests {
    /// A copy of `mini.xml` in a fresh folder, and a cache in another.
    func setUp() throws -> (lmf: URL, cache: WordNetCache) {
        let folder = try temporaryFolder()
        let lmf = folder.appendingPathComponent("mini.xml")
        try FileManager.default.copyItem(at: fixture("mini.xml"), to: lmf)
        return (lmf, WordNetCache(.directory(folder.appendingPathComponent("cache"))))
    }

    func isRebuilt(_ outcome: WordNetCache.Outcome) -> Bool {
        if case .rebuilt = outcome { return true }
        return false
    }

    @Test func roundTripEqualsAFreshParse() throws {
        let (lmf, cache) = try setUp()
        let parsed = try LMFReader.read(lmf)
        let first = try cache.load(lmf)
        #expect(isRebuilt(first.outcome))
        let second = try cache.load(lmf)
        #expect(second.outcome == .loaded)
        expectSameGraph(first.graph, parsed)
        expectSameGraph(second.graph, parsed)
        #expect(second.graph.synsets(forLemma: "domestic_dog").map { second.graph.synsetIDs[Int($0)] } == ["mini-D"])
    }

    @Test func roundTripKeepsWarningsSliceStatisticsAndRecordedCounts() throws {
        var graph = try LMFReader.read(fixture("mini.xml"))
        graph.warnings = [ExplicableError(.badInput, "odd – ünïcode", file: "x.xml", line: 3, column: nil)]
        graph.recordedHyponymCount = [0: 5, 3: 1]
        graph.lexicons[0].url = "https://example.org"
        graph.lexicons[0].sliceStatistics = .init(taxonomyDepth: ["n": 19, "v": 12], synsetCount: ["n": 9])
        let key = WordNetSnapshot.SourceKey(size: 1, modificationNanoseconds: 2, contentHash: 3)
        let bytes = WordNetSnapshot.encode(graph, source: key)
        let (source, decoded) = try WordNetSnapshot.decode(MappedFile(copying: bytes))
        #expect(source == key)
        expectSameGraph(decoded, graph)
    }

    @Test func staleSnapshotIsRebuilt() throws {
        let (lmf, cache) = try setUp()
        _ = try cache.load(lmf)
        // Touched: same bytes, new modification time.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: lmf.path)
        #expect(isRebuilt(try cache.load(lmf).outcome))
        #expect(try cache.load(lmf).outcome == .loaded)
        // Changed: a synset more, different size.
        var xml = try String(contentsOf: lmf, encoding: .utf8)
        xml = xml.replacingOccurrences(
            of: "</Lexicon>", with: "<Synset id=\"mini-NEW\" partOfSpeech=\"n\"/>\n</Lexicon>")
        try Data(xml.utf8).write(to: lmf)
        let reloaded = try cache.load(lmf)
        #expect(isRebuilt(reloaded.outcome))
        #expect(reloaded.graph.synsetIndex["mini-NEW"] != nil)
        expectSameGraph(try cache.load(lmf).graph, try LMFReader.read(lmf))
    }

    @Test(arguments: ["truncated", "bit flip", "bad magic", "newer version", "empty", "trailing byte"])
    func damagedSnapshotIsRefusedAndRebuilt(damage: String) throws {
        let (lmf, cache) = try setUp()
        _ = try cache.load(lmf)
        let snapshot = try #require(cache.snapshotURL(for: lmf))
        var bytes = [UInt8](try Data(contentsOf: snapshot))
        switch damage {
        case "truncated": bytes.removeLast(bytes.count / 3)
        case "bit flip": bytes[WordNetSnapshot.headerSize + (bytes.count - WordNetSnapshot.headerSize) / 2] ^= 0x10
        case "bad magic": bytes[0] = UInt8(ascii: "X")
        case "newer version": bytes[8] &+= 1
        case "empty": bytes = []
        default: bytes.append(0)
        }
        try Data(bytes).write(to: snapshot)
        let result = try cache.load(lmf)
        #expect(isRebuilt(result.outcome), "\(result.outcome)")
        expectSameGraph(result.graph, try LMFReader.read(lmf))
        #expect(try cache.load(lmf).outcome == .loaded)
    }

    /// Payloads with a valid checksum but hostile contents: refused with an error, never a crash.
    @Test func hostilePayloadsWithValidChecksumsAreRefused() throws {
        let key = WordNetSnapshot.SourceKey(size: 0, modificationNanoseconds: 0, contentHash: 0)
        func decode(_ payload: [UInt8]) -> Bool {
            let file = WordNetSnapshot.seal(payload: payload, source: key)
            guard let (_, graph) = try? WordNetSnapshot.decode(MappedFile(copying: file)) else { return false }
            // Every string of a graph that decoded can be read.
            for column in [graph.synsetIDs, graph.entryIDs, graph.entryLemma, graph.senseIDs] { _ = Array(column) }
            for column in [graph.synsetILI, graph.synsetDefinition] { _ = Array(column) }
            _ = (graph.synsetIndex, graph.iliIndex, graph.lemmaIndex)
            return true
        }
        // Huge counts where the lexicon count, a string table's count and its blob length go.
        var huge = WordNetSnapshot.Writer()
        huge.u64(UInt64.max)
        #expect(!decode(huge.bytes))
        var hugeStrings = WordNetSnapshot.Writer()
        hugeStrings.int(0)
        hugeStrings.u64(UInt64(Int64.max))
        #expect(!decode(hugeStrings.bytes))
        var hugeBlob = WordNetSnapshot.Writer()
        hugeBlob.int(0)
        hugeBlob.int(1)
        hugeBlob.u32(0)
        hugeBlob.u32(0xFFFF_FFF0)
        hugeBlob.u64(UInt64.max - 3)
        #expect(!decode(hugeBlob.bytes))

        let graph = try LMFReader.read(fixture("mini.xml"))
        let valid = WordNetSnapshot.encodePayload(graph)
        #expect(decode(valid))
        // Truncated at every length, and each byte overwritten, resealed so that only decoding can object.
        for length in stride(from: 0, to: valid.count, by: 7) { #expect(!decode(Array(valid.prefix(length)))) }
        var generator = SystemRandomNumberGenerator()
        for i in 0..<valid.count {
            var bad = valid
            bad[i] = bad[i] == 0xFF ? 0x00 : 0xFF
            _ = decode(bad)  // may or may not decode (a definition byte); must not crash
            bad[i] = UInt8.random(in: 0...255, using: &generator)
            _ = decode(bad)
        }
        // Index arrays pointing outside what they index.
        var outOfRange = graph
        outOfRange.hypernymTargets[0] = Int32(graph.synsetCount)
        #expect(!decode(WordNetSnapshot.encodePayload(outOfRange)))
        var negative = graph
        negative.senseEntry[0] = -1
        #expect(!decode(WordNetSnapshot.encodePayload(negative)))
        var decreasing = graph
        decreasing.hyponymStart[1] = decreasing.hyponymStart[2] + 1
        #expect(!decode(WordNetSnapshot.encodePayload(decreasing)))
    }

    @Test func concurrentFirstWritersLeaveOneValidSnapshot() async throws {
        let (lmf, cache) = try setUp()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try cache.load(lmf) }
            }
            try await group.waitForAll()
        }
        let snapshot = try #require(cache.snapshotURL(for: lmf))
        let folder = try FileManager.default.contentsOfDirectory(atPath: snapshot.deletingLastPathComponent().path)
        #expect(folder == [snapshot.lastPathComponent], "temporary files left: \(folder)")
        let result = try cache.load(lmf)
        #expect(result.outcome == .loaded)
        expectSameGraph(result.graph, try LMFReader.read(lmf))
    }

    @Test func disabledCacheParsesAndWritesNothing() throws {
        let (lmf, _) = try setUp()
        let result = try WordNetCache.disabled.load(lmf)
        #expect(result.outcome == .disabled)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: lmf.deletingLastPathComponent().path) == ["mini.xml"])
        #expect(WordNetCache.disabled.snapshotURL(for: lmf) == nil)
    }

    @Test func automaticLocationIsBesideAWritableFile() throws {
        let (lmf, _) = try setUp()
        #expect(WordNetCache(.automatic).snapshotURL(for: lmf)?.path == lmf.path + ".graph")
        let graph = try WordNetGraph.load(lmf, cache: WordNetCache(.automatic))
        #expect(FileManager.default.fileExists(atPath: lmf.path + ".graph"))
        expectSameGraph(graph, try LMFReader.read(lmf))
    }

    @Test func readOnlyFolderIsNotWrittenEvenByRoot() throws {
        let folder = try temporaryFolder()
        #expect(WordNetCache.isWritableFolder(folder.path))
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path) }
        #expect(!WordNetCache.isWritableFolder(folder.path))
        let urls = WordNetCache(.automatic).snapshotURLs(for: folder.appendingPathComponent("x.xml"))
        #expect(urls.count == 1 && urls[0].path.contains("explicable/wordnet/x.xml-"))
    }

    @Test func parseErrorsAreStillReported() throws {
        let (_, cache) = try setUp()
        let url = try writeXML(
            "<?xml version=\"1.0\"?>\n<LexicalResource>\n  <Lexicon id=\"x\">\n  </Lexicn>\n</LexicalResource>\n")
        #expect(throws: ExplicableError.self) { try cache.load(url) }
        let missing = url.deletingLastPathComponent().appendingPathComponent("missing.xml")
        #expect(throws: ExplicableError.self) { try cache.load(missing) }
    }

    /// The real OEWN 2025: the snapshot gives the graph a parse gives. Fails (never skips) when the file is missing.
    @Test func realWordNetSnapshotEqualsTheParse() throws {
        let url = RealWordNet.url
        try #require(
            FileManager.default.fileExists(atPath: url.path),
            "the real OEWN 2025 release is missing: expected \(url.path) (set EXPLICABLE_DATA)")
        let cache = WordNetCache(.directory(try temporaryFolder()))
        let first = try cache.load(url)
        #expect(isRebuilt(first.outcome), "\(first.outcome)")
        let second = try cache.load(url)
        #expect(second.outcome == .loaded)
        #expect(second.graph.synsetCount > 100_000)
        expectSameGraph(second.graph, first.graph)
    }
}
