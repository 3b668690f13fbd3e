public import ExplicableCore
public import Foundation

/// A streaming RFC 4180 CSV reader that knows the line each record starts on.
///
/// Accepts what spreadsheet programs and crowdsourcing platforms write: a UTF-8 byte-order mark,
/// CRLF or LF line ends (mixed too, e.g. a bare LF inside a quoted field of a CRLF file), quoted
/// fields with embedded commas, quotes (`""`) and newlines. Memory stays flat: the file is read
/// in 1 MiB pieces. Non-UTF-8 bytes and an unterminated quote are errors naming the line.
public struct CSVReader {
    private let handle: FileHandle
    public let file: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var isAtEnd = false
    /// The line the next record starts on (1-based).
    public private(set) var line = 1

    public init(url: URL) throws(ExplicableError) {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        self.handle = handle
        file = url.path
        try fill()
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    private mutating func fill() throws(ExplicableError) {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let piece: Data?
        do { piece = try handle.read(upToCount: 1 << 20) } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: file)
        }
        if let piece, !piece.isEmpty { buffer.append(contentsOf: piece) } else { isAtEnd = true }
    }

    /// The next record and the line it starts on, or `nil` at the end of the file.
    /// Blank lines are skipped.
    public mutating func next() throws(ExplicableError) -> (fields: [String], line: Int)? {
        while true {
            if position >= buffer.count {
                if isAtEnd { return nil }
                try fill()
                continue
            }
            var startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var inQuotes = false
            var fieldWasQuoted = false
            func finishField() throws(ExplicableError) {
                guard let text = String(validating: field, as: UTF8.self) else {
                    throw ExplicableError.badInput("field \(fields.count + 1) is not valid UTF-8 text", file: file, line: startLine)
                }
                fields.append(text)
                field.removeAll(keepingCapacity: true)
                fieldWasQuoted = false
            }
            while true {
                if position >= buffer.count {
                    if !isAtEnd { try fill() }
                    if position >= buffer.count {
                        guard !inQuotes else {
                            throw ExplicableError.badInput("a quoted field is never closed", file: file, line: startLine)
                        }
                        try finishField()
                        return fields == [""] ? nil : (fields, startLine)
                    }
                }
                let byte = buffer[position]
                position += 1
                if inQuotes {
                    if byte == 0x22 {  // "
                        if position >= buffer.count && !isAtEnd { try fill() }
                        if position < buffer.count && buffer[position] == 0x22 {
                            field.append(0x22)
                            position += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if byte == 0x0A { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case 0x22 where field.isEmpty && !fieldWasQuoted:
                    inQuotes = true
                    fieldWasQuoted = true
                case 0x2C:  // ,
                    try finishField()
                case 0x0D:  // CR: ends the record when an LF follows (or at the end)
                    if position >= buffer.count && !isAtEnd { try fill() }
                    if position < buffer.count && buffer[position] == 0x0A { position += 1 }
                    line += 1
                    try finishField()
                    if fields == [""] { break }
                    return (fields, startLine)
                case 0x0A:
                    line += 1
                    try finishField()
                    if fields == [""] { break }
                    return (fields, startLine)
                default:
                    field.append(byte)
                }
                if fields == [""] && field.isEmpty && (byte == 0x0A || byte == 0x0D) {
                    fields.removeAll()  // a blank line: start over on the next one
                    startLine = line
                }
            }
        }
    }
}
