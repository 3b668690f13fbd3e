public import ExplicableCore
public import Foundation

/// Reads a file holding one top-level JSON array element by element, in 1 MiB pieces, so that
/// memory stays flat in file size (jsPsych's `data.json()` and arrays of page payloads can hold
/// hundreds of thousands of trials).
///
/// It only finds where each element starts and ends (tracking strings, escapes and nesting);
/// each element's bytes are then decoded on their own, and an element that is not valid JSON is
/// reported with the line it starts on. A UTF-8 byte-order mark is skipped.
public struct JSONArrayReader: ChunkedFileReading {
    let handle: FileHandle
    public let file: String
    var buffer: [UInt8] = []
    var position = 0
    var isAtEnd = false
    private var line = 1
    /// The largest element read, in bytes: a larger one is an error naming the line it starts on.
    public var maxElementBytes = 1 << 20
    private var started = false
    private var finished = false

    public init(url: URL) throws(ExplicableError) {
        handle = try Self.open(url)
        file = url.path
        try fill()
        skipByteOrderMark()
    }

    /// The next byte that is not JSON white space (consumed), or `nil` at the end of the file.
    private mutating func nextSignificantByte() throws(ExplicableError) -> UInt8? {
        while true {
            if position >= buffer.count {
                if isAtEnd { return nil }
                try fill()
                continue
            }
            let byte = buffer[position]
            position += 1
            switch byte {
            case 0x0A: line += 1
            case 0x20, 0x09, 0x0D: continue
            default: return byte
            }
        }
    }

    /// The next element's bytes and the line it starts on, or `nil` after the closing `]`.
    /// - Throws: `ExplicableError` naming the line when the file is not a JSON array, an element
    ///   is cut off, or something other than white space follows the array.
    public mutating func next() throws(ExplicableError) -> (bytes: Data, line: Int)? {
        if finished { return nil }
        if !started {
            guard try nextSignificantByte() == UInt8(ascii: "[") else {
                throw ExplicableError.badInput("expected a JSON array ('[')", file: file, line: line)
            }
            started = true
            // An empty array.
            if try peekSignificantByte() == UInt8(ascii: "]") {
                position += 1
                return try end()
            }
        } else {
            switch try nextSignificantByte() {
            case UInt8(ascii: ","): break
            case UInt8(ascii: "]"): return try end()
            case nil: throw ExplicableError.badInput("the JSON array is never closed (']')", file: file, line: line)
            case let byte?:
                throw ExplicableError.badInput(
                    "expected ',' or ']' between array elements, found '\(Character(Unicode.Scalar(byte)))'",
                    file: file, line: line)
            }
        }
        guard let first = try nextSignificantByte() else {
            throw ExplicableError.badInput("the JSON array is never closed (']')", file: file, line: line)
        }
        let startLine = line
        var element: [UInt8] = [first]
        var depth = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? 1 : 0
        var inString = first == UInt8(ascii: "\"")
        var escaped = false
        // A scalar (number, true, false, null) ends at the next delimiter; a string at its closing
        // quote; an object or array when its nesting closes.
        let isScalar = depth == 0 && !inString
        while true {
            if position >= buffer.count {
                if isAtEnd {
                    if isScalar { break }
                    throw ExplicableError.badInput(
                        "the array element that starts here is cut off", file: file, line: startLine)
                }
                try fill()
                continue
            }
            let byte = buffer[position]
            if isScalar {
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x0A
                    || byte == 0x0D
                    || byte == 0x09
                {
                    break
                }
                element.append(byte)
                position += 1
                continue
            }
            position += 1
            element.append(byte)
            if byte == 0x0A { line += 1 }
            if element.count > maxElementBytes {
                throw ExplicableError.badInput(
                    "an array element longer than \(maxElementBytes) bytes (the limit for one record)",
                    file: file, line: startLine)
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { break }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return (Data(element), startLine) }
            default: break
            }
        }
        return (Data(element), startLine)
    }

    private mutating func peekSignificantByte() throws(ExplicableError) -> UInt8? {
        guard let byte = try nextSignificantByte() else { return nil }
        position -= 1
        return byte
    }

    private mutating func end() throws(ExplicableError) -> (bytes: Data, line: Int)? {
        finished = true
        if let trailing = try nextSignificantByte() {
            throw ExplicableError.badInput(
                "unexpected '\(Character(Unicode.Scalar(trailing)))' after the closing ']' of the JSON array",
                file: file, line: line)
        }
        return nil
    }
}
