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

    /// The bytes of the current record's fields, back to back; field `i` ends at `ends[i]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    /// The line the current record started on.
    public private(set) var recordLine = 0

    /// The number of fields in the current record.
    public var fieldCount: Int { ends.count }

    /// Moves to the next record without making strings of its fields; `false` at the end of the file.
    /// Blank lines are skipped.
    public mutating func advance() throws(ExplicableError) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var inQuotes = false
        var fieldStart = 0
        var fieldWasQuoted = false
        recordLine = line
        while true {
            if position >= buffer.count {
                if !isAtEnd { try fill() }
                if position >= buffer.count {
                    guard !inQuotes else {
                        throw ExplicableError.badInput("a quoted field is never closed", file: file, line: recordLine)
                    }
                    if ends.isEmpty && bytes.isEmpty { return false }
                    ends.append(bytes.count)
                    return true
                }
            }
            // Copy the run of ordinary bytes up to the next byte that matters in one piece.
            let runEnd = buffer.withUnsafeBufferPointer { buf -> Int in
                var j = position
                if inQuotes {
                    while j < buf.count && buf[j] != 0x22 {
                        if buf[j] == 0x0A { line += 1 }
                        j += 1
                    }
                } else {
                    while j < buf.count {
                        let b = buf[j]
                        if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { break }
                        j += 1
                    }
                }
                return j
            }
            if runEnd > position {
                bytes.append(contentsOf: buffer[position..<runEnd])
                position = runEnd
                continue
            }
            let byte = buffer[position]
            position += 1
            if inQuotes {
                if byte == 0x22 {  // "
                    if position >= buffer.count && !isAtEnd { try fill() }
                    if position < buffer.count && buffer[position] == 0x22 {
                        bytes.append(0x22)
                        position += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    bytes.append(byte)
                }
                continue
            }
            switch byte {
            case 0x22 where bytes.count == fieldStart && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case 0x2C:  // ,
                ends.append(bytes.count)
                fieldStart = bytes.count
                fieldWasQuoted = false
            case 0x0D, 0x0A:  // CR (with an LF after it, or alone) or LF ends the record
                if byte == 0x0D {
                    if position >= buffer.count && !isAtEnd { try fill() }
                    if position < buffer.count && buffer[position] == 0x0A { position += 1 }
                }
                line += 1
                if ends.isEmpty && bytes.isEmpty && !fieldWasQuoted {  // a blank line
                    recordLine = line
                    continue
                }
                ends.append(bytes.count)
                return true
            default:
                bytes.append(byte)
            }
        }
    }

    private func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// Field `i` of the current record as text.
    /// - Throws: when the field is not valid UTF-8.
    public func string(_ i: Int) throws(ExplicableError) -> String {
        guard let text = String(validating: bytes[range(i)], as: UTF8.self) else {
            throw ExplicableError.badInput("field \(i + 1) is not valid UTF-8 text", file: file, line: recordLine)
        }
        return text
    }

    /// Field `i` as an integer (optional sign and ASCII digits only), without making a string.
    public func int(_ i: Int) -> Int? {
        let r = range(i)
        guard !r.isEmpty else { return nil }
        var index = r.lowerBound
        var negative = false
        if bytes[index] == 0x2D { negative = true; index += 1 }
        guard index < r.upperBound, r.upperBound - index <= 18 else { return nil }
        var value = 0
        while index < r.upperBound {
            let digit = Int(bytes[index]) - 0x30
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return negative ? -value : value
    }

    /// Field `i` as a number.
    public func double(_ i: Int) -> Double? {
        if let v = int(i) { return Double(v) }
        let r = range(i)
        guard !r.isEmpty, r.count < 64 else { return nil }
        return Double(String(decoding: bytes[r], as: UTF8.self))
    }

    /// The next record and the line it starts on, or `nil` at the end of the file.
    /// Blank lines are skipped.
    public mutating func next() throws(ExplicableError) -> (fields: [String], line: Int)? {
        guard try advance() else { return nil }
        var fields: [String] = []
        fields.reserveCapacity(ends.count)
        for i in 0..<ends.count { fields.append(try string(i)) }
        return (fields, recordLine)
    }
}
