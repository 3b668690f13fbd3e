import ExplicableCore
import Foundation
import Glibc
import Testing
import TestSupport
@testable import WordNet

struct LMFReaderTests {
    @Test(arguments: ["mini.xml", "mini.xml.gz"])
    func readsTheMiniWordNet(name: String) throws {
        let graph = try LMFReader.read(fixture(name))
        #expect(graph.lexicons.map(\.id) == ["mini"])
        #expect(graph.lexicons[0].version == "1.0" && graph.lexicons[0].email == "test@example.org")
        #expect(graph.synsetCount == 11 && graph.entryIDs.count == 13 && graph.senseIDs.count == 14)
        #expect(graph.synsetRelationCount == 11 && graph.senseRelationCount == 1)
        #expect(graph.relationCounts["hypernym"] == 8 && graph.relationCounts["instance_hypernym"] == 1)
        #expect(graph.warnings.isEmpty)
        let dog = try #require(graph.synsetIndex["mini-D"])
        #expect(graph.hypernyms(of: dog).map { graph.synsetIDs[Int($0)] } == ["mini-N", "mini-T"])
        #expect(graph.hyponyms(of: dog).map { graph.synsetIDs[Int($0)] } == ["mini-R"])
        #expect(graph.synsetDefinition[Int(dog)] == "a domesticated canid")
        #expect(graph.synsetDefinition[Int(graph.synsetIndex["mini-T"]!)] == "someone you spend time with & like")
        #expect(graph.lemmas(of: dog) == ["dog", "Domestic Dog", "doggy"])
        #expect(graph.iliIndex["i7"] == dog && graph.synsetILI[Int(graph.synsetIndex["mini-X"]!)] == nil)
        let rex = graph.synsetIndex["mini-R"]!
        let edge = Int(graph.hypernymStart[Int(rex)])
        #expect(graph.hypernymIsInstance[edge])
    }

    @Test func lemmaIndexIgnoresCaseAndUnderscores() throws {
        let graph = try LMFReader.read(fixture("mini.xml"))
        let ids = { (word: String) in graph.synsets(forLemma: word).map { graph.synsetIDs[Int($0)] } }
        #expect(ids("DOG") == ["mini-D", "mini-C"])
        #expect(ids("domestic_dog") == ["mini-D"])
        #expect(ids("  Domestic   dog ") == ["mini-D"])
        #expect(graph.synsets(forLemma: "run", pos: "n").isEmpty && ids("run") == ["mini-V"])
        #expect(graph.synset(forID: "i9") == graph.synsetIndex["mini-R"])
    }

    // MARK: Bad input, one test per documented case

    func expectError(_ xml: String, _ expected: String, line: Int?) throws {
        let url = try writeXML(xml)
        do {
            _ = try LMFReader.read(url)
            Issue.record("expected an error containing '\(expected)'")
        } catch {
            #expect(error.kind == .badInput)
            #expect(error.file == url.path)
            #expect(error.message.contains(expected), "\(error)")
            if let line { #expect(error.line == line, "\(error)") }
        }
    }

    @Test func malformedXMLGivesFileLineColumn() throws {
        let url = try writeXML(
            "<?xml version=\"1.0\"?>\n<LexicalResource>\n  <Lexicon id=\"x\">\n  </Lexicn>\n</LexicalResource>\n")
        do {
            _ = try LMFReader.read(url)
            Issue.record("malformed XML was accepted")
        } catch {
            #expect(error.kind == .badInput && error.line == 4 && error.column != nil)
            #expect(error.description.hasPrefix("\(url.path):4:"))
            #expect(error.message.contains("Opening and ending tag mismatch"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func truncatedFileIsAnError() throws {
        try expectError(
            "<?xml version=\"1.0\"?>\n<LexicalResource><Lexicon id=\"x\">", "Extra content at the end of the document",
            line: 2)  // libxml2's streaming wording
    }

    @Test func duplicateSynsetIDIsAnErrorAtTheSecondOccurrence() throws {
        try expectError(
            lmf(
                """
                <Synset id="t-1" partOfSpeech="n"/>
                <Synset id="t-1" partOfSpeech="n"/>
                """), "duplicate synset id 't-1' (first at line 4)", line: 5)
    }

    @Test func duplicateSenseAndEntryIDsAreErrors() throws {
        try expectError(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/><Sense id="s" synset="t-1"/><Sense id="s" synset="t-1"/></LexicalEntry>
                <Synset id="t-1" partOfSpeech="n"/>
                """), "duplicate sense id 's'", line: 4)
        try expectError(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/></LexicalEntry>
                <LexicalEntry id="e"><Lemma writtenForm="b" partOfSpeech="n"/></LexicalEntry>
                """), "duplicate entry id 'e' (first at line 4)", line: 5)
    }

    @Test func relationToAMissingSynsetIsAnError() throws {
        try expectError(
            lmf(
                """
                <Synset id="t-1" partOfSpeech="n">
                  <SynsetRelation relType="hypernym" target="t-404"/>
                </Synset>
                """), "relation target 't-404' of synset 't-1' does not exist", line: 5)
    }

    @Test func senseOfAMissingSynsetIsAnError() throws {
        try expectError(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/>
                <Sense id="s" synset="t-404"/></LexicalEntry>
                """), "sense 's' refers to synset 't-404', which does not exist", line: 5)
    }

    @Test func hypernymCycleIsAnError() throws {
        try expectError(
            lmf(
                """
                <Synset id="t-1" partOfSpeech="n"><SynsetRelation relType="hypernym" target="t-2"/></Synset>
                <Synset id="t-2" partOfSpeech="n"><SynsetRelation relType="hypernym" target="t-1"/></Synset>
                """), "hypernym cycle", line: nil)
    }

    @Test func missingRequiredAttributesAreErrors() throws {
        try expectError(lmf("<Synset partOfSpeech=\"n\"/>"), "<Synset> has no 'id' attribute", line: 4)
        try expectError(
            lmf(
                """
                <Synset id="t-1" partOfSpeech="n"><SynsetRelation target="t-1"/></Synset>
                """), "<SynsetRelation> has no 'relType' attribute", line: 4)
        try expectError(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/><Sense id="s"/></LexicalEntry>
                """), "<Sense id=\"s\"> has no 'synset' attribute", line: 4)
    }

    @Test func fileWithoutLexiconIsRejected() throws {
        try expectError("<?xml version=\"1.0\"?>\n<html><body/></html>\n", "no <Lexicon> element", line: nil)
    }

    @Test func synsetWithoutPartOfSpeechIsAWarningAndInferred() throws {
        let url = try writeXML(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/><Sense id="s" synset="t-1"/></LexicalEntry>
                <Synset id="t-1"/>
                <Synset id="t-2"/>
                """))
        let graph = try LMFReader.read(url)
        #expect(graph.synsetPOS == ["n", nil])
        #expect(graph.warnings.count == 2)
        #expect(graph.warnings[0].line == 5 && graph.warnings[0].message.contains("using 'n'"))
        #expect(
            graph.warnings[1].line == 6 && graph.warnings[1].message.contains("no part of speech could be inferred"))
    }

    @Test func senseRelationToAMissingTargetIsAWarning() throws {
        let url = try writeXML(
            lmf(
                """
                <LexicalEntry id="e"><Lemma writtenForm="a" partOfSpeech="n"/>
                <Sense id="s" synset="t-1"><SenseRelation relType="antonym" target="nowhere"/></Sense></LexicalEntry>
                <Synset id="t-1" partOfSpeech="n"/>
                """))
        let graph = try LMFReader.read(url)
        #expect(graph.warnings.count == 1 && graph.warnings[0].line == 5)
        #expect(graph.warnings[0].message.contains("sense relation target 'nowhere' does not exist"))
    }

    @Test func truncatedGzipIsAnError() throws {
        let whole = try Data(contentsOf: fixture("mini.xml.gz"))
        let url = try temporaryFolder().appendingPathComponent("cut.xml.gz")
        try whole.prefix(whole.count / 2).write(to: url)
        do {
            _ = try LMFReader.read(url)
            Issue.record("a truncated gzip file was accepted")
        } catch {
            #expect(error.kind == .badInput && error.file == url.path, "\(error)")
            #expect(error.message.hasPrefix("cannot decompress"), "\(error)")
        }
    }

    @Test func missingFileIsAnIOError() {
        #expect {
            _ = try LMFReader.read(URL(fileURLWithPath: "/nonexistent/wn.xml"))
        } throws: { ($0 as? ExplicableError)?.kind == .io }
    }

    // MARK: Security

    @Test func externalEntitiesAreNeverRead() throws {
        let secret = try writeXML("TOP-SECRET-CONTENT", name: "secret.txt")
        let url = try writeXML(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [ <!ENTITY xxe SYSTEM "file://\(secret.path)"> ]>
            <LexicalResource><Lexicon id="t" label="T" language="en" email="e" license="l" version="1">
            <Synset id="t-1" partOfSpeech="n"><Definition>leak: &xxe;</Definition></Synset>
            </Lexicon></LexicalResource>
            """)
        let result: Result<WordNetGraph, ExplicableError>
        do throws(ExplicableError) { result = .success(try LMFReader.read(url)) } catch { result = .failure(error) }
        switch result {
        case .success(let graph):
            #expect(graph.synsetCount == 1)
            #expect(!(graph.synsetDefinition[0] ?? "").contains("TOP-SECRET"))
        case .failure(let error):
            #expect(error.kind == .badInput && !error.message.contains("TOP-SECRET"))
        }
    }

    /// A DOCTYPE naming a DTD on the network is read without fetching it (and without failing
    /// for it); an external entity naming the network is refused without fetching it. A real
    /// listener on 127.0.0.1 sees no connection either way.
    @Test func networkDTDAndEntitiesAreNotFetched() throws {
        let listener = try LoopbackListener()
        let dtd = try writeXML(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource SYSTEM "http://127.0.0.1:\(listener.port)/WN-LMF-1.3.dtd">
            <LexicalResource><Lexicon id="t" label="T" language="en" email="e" license="l" version="1">
            <Synset id="t-1" partOfSpeech="n"/></Lexicon></LexicalResource>
            """)
        #expect(try LMFReader.read(dtd).synsetCount == 1)
        let entity = try writeXML(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [ <!ENTITY probe SYSTEM "http://127.0.0.1:\(listener.port)/entity"> ]>
            <LexicalResource><Lexicon id="t" label="&probe;" language="en" email="e" license="l" version="1">
            <Synset id="t-1" partOfSpeech="n"><Definition>&probe;</Definition></Synset></Lexicon></LexicalResource>
            """)
        #expect(throws: ExplicableError.self) { try LMFReader.read(entity) }
        #expect(listener.connectionArrived(within: 0.3) == false, "the reader connected to 127.0.0.1")
    }

    /// One 50 KB internal entity referenced 20,000 times in one attribute once took minutes and
    /// gigabytes; the DOCTYPE's entity declaration is refused at once, at its line.
    @Test func attributeEntityExpansionIsRefusedAtOnce() throws {
        let url = try writeXML(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [
            <!ENTITY e "\(String(repeating: "A", count: 50_000))">
            ]>
            <LexicalResource><Lexicon id="t" label="\(String(repeating: "&e;", count: 20_000))" language="en" email="e"
            license="l" version="1"><Synset id="t-1" partOfSpeech="n"/></Lexicon></LexicalResource>
            """)
        let start = Date()
        let error = try #require(throws: ExplicableError.self) { try LMFReader.read(url) }
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(
            error.description == "\(url.path):3:1: the DOCTYPE declares entity 'e'; WN-LMF files need no entity "
                + "declarations, and they are refused")
    }

    /// Parameter entities are declarations too.
    @Test func parameterEntityDeclarationIsRefused() throws {
        try expectError(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [ <!ENTITY % p "x"> ]>
            <LexicalResource><Lexicon id="t" label="T" language="en" email="e" license="l" version="1"/></LexicalResource>
            """, "declares entity 'p'", line: 2)
    }

    /// libxml2's two-line messages ("… indicate encoding !" then "Bytes: …") become one line.
    @Test func libxml2ErrorsAreOneLine() throws {
        var bytes = Data(lmf("<Synset id=\"t-1\" partOfSpeech=\"n\"><Definition>X</Definition></Synset>").utf8)
        let x = try #require(bytes.firstIndex(of: UInt8(ascii: "X")))
        bytes[x] = 0xFF
        let url = try temporaryFolder().appendingPathComponent("bad-utf8.xml")
        try bytes.write(to: url)
        let error = try #require(throws: ExplicableError.self) { try LMFReader.read(url) }
        #expect(error.kind == .badInput && error.line == 4, "\(error)")
        #expect(!error.description.contains("\n") && error.message.contains("Bytes:"), "\(error)")
    }

    /// Bytes after the gzip stream are refused; several gzip members (`cat a.gz b.gz`) are one stream.
    @Test func gzipTrailingBytesAreRefusedAndMembersAreRead() throws {
        let folder = try temporaryFolder()
        let whole = try Data(contentsOf: fixture("mini.xml.gz"))
        for tail in [Data("garbage".utf8), Data(count: 512), Data([0x1F])] {
            let url = folder.appendingPathComponent("tail.xml.gz")
            try (whole + tail).write(to: url)
            let error = try #require(throws: ExplicableError.self) { try LMFReader.read(url) }
            #expect(error.kind == .badInput && error.message.hasPrefix("cannot decompress"), "\(error)")
            #expect(
                tail.count < 2 || error.message.contains("\(tail.count) bytes after the end of the gzip stream"),
                "\(error)")
        }
        let text = try Data(contentsOf: fixture("mini.xml"))
        let half = text.count / 2
        let members = folder.appendingPathComponent("members.xml.gz")
        try (gzip(text.prefix(half)) + gzip(text.suffix(from: half))).write(to: members)
        #expect(try LMFReader.read(members).synsetCount == 11)
    }

    func gzip(_ data: Data) throws -> Data {
        let process = Process(), input = Pipe(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c"]
        (process.standardInput, process.standardOutput) = (input, output)
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return compressed
    }

    @Test func entityExpansionBombIsRefused() throws {
        var entities = "<!ENTITY a0 \"ha\">\n"
        for i in 1...12 {
            let previous = String(repeating: "&a\(i - 1);", count: 10)
            entities += "<!ENTITY a\(i) \"\(previous)\">\n"
        }
        let url = try writeXML(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [ \(entities) ]>
            <LexicalResource><Lexicon id="t" label="T" language="en" email="e" license="l" version="1">
            <Synset id="t-1" partOfSpeech="n"><Definition>&a12;</Definition></Synset>
            </Lexicon></LexicalResource>
            """)
        let start = Date()
        do {
            let graph = try LMFReader.read(url)
            // Not expanded: the definition holds no 10^12 copies.
            #expect((graph.synsetDefinition[0] ?? "").utf8.count < 1_000_000)
        } catch {
            #expect(error.kind == .badInput)
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }
}

/// A TCP listener on 127.0.0.1 (any free port) that accepts nothing: it only tells whether a
/// connection is waiting.
final class LoopbackListener {
    let socket: Int32
    let port: Int

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socket, raw, length) == 0 && listen(socket, 16) == 0 && getsockname(socket, raw, &length) == 0
            }
        }
        guard socket >= 0, bound else { throw ExplicableError(.io, "cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection is waiting to be accepted, or arrives within `seconds`.
    func connectionArrived(within seconds: Double) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, Int32(seconds * 1000)) > 0
    }

    deinit { close(socket) }
}
