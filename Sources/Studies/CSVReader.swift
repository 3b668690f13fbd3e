public import ExplicableCore
public import Foundation

/// A streaming RFC 4180 CSV reader that knows the line each record starts on.
///
/// Accepts what spreadsheet programs and crowdsourcing platforms write: a UTF-8 byte-order mark,
/// CRLF or LF line ends (mixed too, e.g. a bare LF inside a quoted field of a CRLF file), quoted
/// fields with embedded commas, quotes (`""`) and newlines. Memory stays flat: the file is read
/// in 1 MiB pieces. Non-UTF-8 bytes and an unterminated quote are errors naming the line.
public struct CSVReader: ChunkedFileReading {
    let handle: FileHandle
    public let file: String
    var buffer: [UInt8] = []
    var position = 0
    var isAtEnd = false
    /// The line the next record starts on (1-based).
    public private(set) var line = 1
    /// The largest record read, in bytes: a longer one is an error naming its line, not a
    /// memory blow-up (a record costs several times its size once split into strings).
    public var maxRecordBytes = 1 << 20

    public init(url: URL) throws(ExplicableError) {
        handle = try Self.open(url)
        file = url.path
        try fill()
        skipByteOrderMark()
    }

    /// The bytes of the current record; field `i` is `bytes[starts[i]..<ends[i]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// The line the current record started on.
    public private(set) var recordLine = 0

    /// The number of fields in the current record.
    public var fieldCount: Int { ends.count }

    /// Moves to the next record without making strings of its fields; `false` at the end of the file.
    /// Blank lines are skipped.
    public mutating func advance() throws(ExplicableError) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        if advanceUnquoted() { return true }
        starts.append(0)
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
                if bytes.count > maxRecordBytes { throw tooLong() }
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
                starts.append(bytes.count)
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

    /// The common case in one pass: a record with no quotes whose line end is already in the
    /// buffer is copied at once and split at its commas. Returns `false`, having consumed
    /// nothing, when the record needs the general path. Skips blank lines.
    private mutating func advanceUnquoted() -> Bool {
        while true {
            let found = buffer.withUnsafeBufferPointer { buf -> (end: Int, next: Int)? in
                var j = position
                while j < buf.count {
                    let b = buf[j]
                    if b == 0x22 { return nil }
                    if b == 0x0A { return (j, j + 1) }
                    if b == 0x0D {
                        guard j + 1 < buf.count else { return nil }  // is an LF next? Only a refill can tell
                        return (j, buf[j + 1] == 0x0A ? j + 2 : j + 1)
                    }
                    j += 1
                }
                return nil
            }
            guard let (end, next) = found, end - position <= maxRecordBytes else { return false }
            recordLine = line
            line += 1
            if end == position {  // a blank line
                position = next
                continue
            }
            bytes.append(contentsOf: buffer[position..<end])
            position = next
            bytes.withUnsafeBufferPointer { record in
                starts.append(0)
                for k in 0..<record.count where record[k] == 0x2C {
                    ends.append(k)
                    starts.append(k + 1)
                }
                ends.append(record.count)
            }
            return true
        }
    }

    private func tooLong() -> ExplicableError {
        ExplicableError.badInput(
            "a record longer than \(maxRecordBytes) bytes (the limit for one record)", file: file,
            line: recordLine)
    }

    private func range(_ i: Int) -> Range<Int> { starts[i]..<ends[i] }

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
        if bytes[index] == 0x2D {
            negative = true
            index += 1
        }
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

    /// Whether field `i` is empty.
    public func isEmpty(_ i: Int) -> Bool { range(i).isEmpty }

    /// Whether field `i` holds exactly `other`'s bytes, without making a string.
    public func field(_ i: Int, equals other: [UInt8]) -> Bool { bytes[range(i)].elementsEqual(other) }

    /// Field `i` as a number.
    ///
    /// Plain decimals (`-916.8`: at most 15 significant digits, no exponent) are converted
    /// without a string, as an integer divided by a power of ten: both are exact doubles, so the
    /// one division rounds correctly (Clinger's fast path). Anything else goes through `Double(_:)`.
    public func double(_ i: Int) -> Double? {
        let r = range(i)
        guard !r.isEmpty else { return nil }
        var index = r.lowerBound
        let negative = bytes[index] == 0x2D
        if negative { index += 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        var plain = index < r.upperBound
        while index < r.upperBound {
            let byte = bytes[index]
            if byte == 0x2E, !seenPoint {
                seenPoint = true
            } else if byte >= 0x30, byte <= 0x39 {
                mantissa = mantissa &* 10 &+ Int64(byte - 0x30)
                digits += 1
                if seenPoint { fraction += 1 }
            } else {
                plain = false
                break
            }
            index += 1
        }
        if plain, digits > 0, digits <= 15 {
            let value = Double(mantissa) / Self.powersOfTen[fraction]
            return negative ? -value : value
        }
        guard r.count < 64 else { return nil }
        return Double(String(decoding: bytes[r], as: UTF8.self))
    }

    /// 10⁰…10¹⁵, each exact.
    private static let powersOfTen: [Double] = (0...15).reduce(into: []) { table, k in
        table.append(k == 0 ? 1 : table[k - 1] * 10)
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
