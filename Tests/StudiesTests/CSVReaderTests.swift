import ExplicableCore
import Foundation
import Studies
import Testing
import TestSupport

struct CSVReaderTests {
    func records(_ bytes: [UInt8]) throws -> [([String], Int)] {
        let url = try temporaryFolder().appendingPathComponent("x.csv")
        try Data(bytes).write(to: url)
        var reader = try CSVReader(url: url)
        var out: [([String], Int)] = []
        while let r = try reader.next() { out.append((r.fields, r.line)) }
        return out
    }

    func records(_ text: String) throws -> [([String], Int)] { try records(Array(text.utf8)) }

    @Test func handlesBOMCRLFQuotesAndEmbeddedNewlines() throws {
        let r = try records(
            "\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n2,\"line one\nline two\r\nline three\",4\r\n5,,\n")
        #expect(
            r.map(\.0) == [
                ["a", "b", "c"], ["1", "x, \"y\"", "3"], ["2", "line one\nline two\r\nline three", "4"],
                ["5", "", ""],
            ])
        #expect(r.map(\.1) == [1, 2, 4, 7])
    }

    @Test func unquotedAndQuotedRecordsMixWithBlankLinesAndLoneCR() throws {
        let r = try records("a,b\n\n1,2\r\n\"q\",x\r3,,\n,\n\n")
        #expect(r.map(\.0) == [["a", "b"], ["1", "2"], ["q", "x"], ["3", "", ""], ["", ""]])
        #expect(r.map(\.1) == [1, 3, 4, 5, 6])
    }

    @Test func numbersWithoutStringsMatchTheStandardParser() throws {
        var generator = SeededGenerator(seed: 7)
        var texts = [
            "0", "-0", "1.", ".5", "-.25", "007", "916.8", "123456789012345", "1234567890123456", "0.1", "1e3",
            "-", ".", "+2", "1.2.3", "12a", "NaN", "inf", "4.35", "0.000000000000001", "999999999999999.9",
        ]
        for _ in 0..<2000 {
            let digits = Int.random(in: 1...17, using: &generator)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            let point = Int.random(in: 0...digits, using: &generator)
            if point < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            texts.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        let url = try temporaryFolder().appendingPathComponent("n.csv")
        try Data(texts.joined(separator: "\n").utf8).write(to: url)
        var reader = try CSVReader(url: url)
        for text in texts {
            #expect(try reader.advance())
            let parsed = reader.double(0)
            #expect(
                parsed?.bitPattern == Double(text)?.bitPattern || (parsed == nil && Double(text) == nil)
                    || (parsed?.isNaN == true && Double(text)?.isNaN == true), "\(text)")
        }
    }

    @Test func lastLineWithoutNewlineAndNonASCII() throws {
        let r = try records("name,value\nCaña,é")
        #expect(r.map(\.0) == [["name", "value"], ["Caña", "é"]])
    }

    @Test func nonUTF8IsAnErrorWithItsLine() throws {
        do {
            _ = try records(Array("a,b\n1,2\n3,".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
            Issue.record("accepted non-UTF-8")
        } catch let error as ExplicableError {
            #expect(error.line == 3 && error.message.contains("not valid UTF-8"))
        }
    }

    @Test func unterminatedQuoteIsAnError() throws {
        do {
            _ = try records("a,b\n1,\"open\n")
            Issue.record("accepted an unterminated quote")
        } catch let error as ExplicableError {
            #expect(error.line == 2 && error.message == "a quoted field is never closed")
        }
    }
}
