import ExplicableCore
import Foundation
import LabelStore

/// A CSV file with a header, read row by row. A row with more or fewer fields than the header
/// is a bad row (empty trailing cells excepted: spreadsheets add them), except that rows may stop
/// before the `optionalTrailing` columns (MTurk leaves off the trailing `Approve`/`Reject` cells).
struct CSVTable {
    var reader: CSVReader
    let header: [String]
    let columns: [String: Int]
    /// How many fields a row may have at least.
    let minimumWidth: Int

    init(_ url: URL, maxRecordBytes: Int = ImportOptions.defaultMaxRecordBytes, optionalTrailing: Set<String> = [])
        throws(ExplicableError)
    {
        reader = try CSVReader(url: url)
        reader.maxRecordBytes = maxRecordBytes
        guard let first = try reader.next() else {
            throw ExplicableError.badInput("empty file (no header row)", file: url.path, line: 1)
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columns: [String: Int] = [:]
        for (i, name) in header.enumerated() where columns[name] == nil { columns[name] = i }
        self.columns = columns
        var width = header.count
        while width > 0, optionalTrailing.contains(header[width - 1]) { width -= 1 }
        minimumWidth = width
    }

    func require(_ names: String...) throws(ExplicableError) {
        for name in names where columns[name] == nil {
            throw ExplicableError.badInput("missing column '\(name)'", file: reader.file, line: 1)
        }
    }

    /// The next row as cells in header order, with its line; rows of the wrong width are counted
    /// and rejected through `sink` (which stops the import unless rejects are collected).
    mutating func next(into sink: inout ResponseSink) throws(ExplicableError) -> (cells: [String], line: Int)? {
        while let (first, line) = try reader.next() {
            sink.rowsRead += 1
            var fields = first
            if fields.count > header.count, fields[header.count...].allSatisfy(\.isEmpty) {
                fields.removeLast(fields.count - header.count)
            }
            if fields.count < header.count, fields.count >= minimumWidth {
                fields += Array(repeating: "", count: header.count - fields.count)
            }
            guard fields.count == header.count else {
                try sink.reject(
                    RowError(
                        line: line, reason: "\(first.count) fields, but the header has \(header.count)",
                        fields: first))
                continue
            }
            return (fields, line)
        }
        return nil
    }

    func cell(_ cells: [String], _ name: String) -> String? {
        columns[name].map { Self.trimmed(cells[$0]) }
    }

    /// `text` without leading and trailing whitespace (`CharacterSet.whitespaces`). A cell that
    /// starts and ends with ASCII other than space and tab, as almost all do, is returned as it is:
    /// Foundation's trimming bridges through `NSString` and was a third of a long CSV's import time.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x20 && byte != 0x09 }
        return plain(first) && plain(last) ? text : text.trimmingCharacters(in: .whitespaces)
    }
}
