import ExplicableCore
import Foundation
import Studies
import Testing

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
        let r = try records("\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n2,\"line one\nline two\r\nline three\",4\r\n5,,\n")
        #expect(r.map(\.0) == [["a", "b", "c"], ["1", "x, \"y\"", "3"], ["2", "line one\nline two\r\nline three", "4"],
            ["5", "", ""]])
        #expect(r.map(\.1) == [1, 2, 4, 7])
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
