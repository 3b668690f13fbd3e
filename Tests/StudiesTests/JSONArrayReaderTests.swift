import ExplicableCore
import Foundation
import Studies
import Testing
import TestSupport

struct JSONArrayReaderTests {
    func elements(_ text: String) throws -> [(String, Int)] {
        let url = try temporaryFolder().appendingPathComponent("a.json")
        try Data(text.utf8).write(to: url)
        var reader = try JSONArrayReader(url: url)
        var out: [(String, Int)] = []
        while let (bytes, line) = try reader.next() { out.append((String(decoding: bytes, as: UTF8.self), line)) }
        return out
    }

    func failure(_ text: String) throws -> ExplicableError? {
        do { _ = try elements(text) } catch let error as ExplicableError { return error }
        return nil
    }

    @Test func splitsElementsWithStringsEscapesNestingAndScalars() throws {
        let r = try elements(
            "\u{FEFF} [\n {\"a\": \"x}],\\\"y\", \"b\": [1, {\"c\": null}]},\n\n 42 , \"s]\", true,\n[[]], null\n]\n")
        #expect(r.map(\.0) == [#"{"a": "x}],\"y", "b": [1, {"c": null}]}"#, "42", #""s]""#, "true", "[[]]", "null"])
        #expect(r.map(\.1) == [2, 4, 4, 4, 5, 5])
        for (text, _) in r {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil)
        }
        #expect(try elements("[]").isEmpty && elements(" [ \n ] \n").isEmpty)
    }

    @Test func malformedArraysNameTheirLine() throws {
        #expect(try failure("{\"a\": 1}")?.message.contains("expected a JSON array") == true)
        #expect(try failure("[\n{\"a\": 1},\n{\"b\": \"open")?.line == 3)
        #expect(try failure("[1, 2")?.message.contains("never closed") == true)
        #expect(try failure("[1 2]")?.message.contains("expected ',' or ']'") == true)
        let trailing = try failure("[1]\n\nx")
        #expect(trailing?.line == 3 && trailing?.message.contains("after the closing ']'") == true)
    }

    @Test func elementsAcrossReadPiecesStayWhole() throws {
        // 3 MiB of trials: elements cross the 1 MiB read pieces.
        let trial = #"{"item": "pair:0:1", "response": 2, "pad": "\#(String(repeating: "é\\\"", count: 300))"}"#
        let count = 3 * (1 << 20) / trial.utf8.count + 1
        let r = try elements("[" + Array(repeating: trial, count: count).joined(separator: ",\n") + "]")
        #expect(r.count == count && r.allSatisfy { $0.0 == trial })
        #expect(r.last?.1 == count)
    }
}
