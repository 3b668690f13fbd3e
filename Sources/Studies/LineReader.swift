public import ExplicableCore
public import Foundation

/// Reads a text file line by line in 1 MiB pieces (memory flat in file size), for JSON lines.
public struct LineReader: ChunkedFileReading {
    let handle: FileHandle
    public let file: String
    var buffer: [UInt8] = []
    var position = 0
    var isAtEnd = false
    /// The number of the line last returned (1-based).
    public private(set) var line = 0
    /// The longest line read, in bytes: a longer one is an error naming it.
    public var maxLineBytes = 1 << 20

    public init(url: URL) throws(ExplicableError) {
        handle = try Self.open(url)
        file = url.path
    }

    /// The next line without its line end (LF or CRLF), or `nil` at the end of the file.
    /// - Throws: when the line is not UTF-8 text.
    public mutating func next() throws(ExplicableError) -> String? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                if newline - position > maxLineBytes {
                    throw ExplicableError.badInput(
                        "a line longer than \(maxLineBytes) bytes (the limit for one record)",
                        file: file, line: line + 1)
                }
                var end = newline
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                let bytes = buffer[position..<end]
                position = newline + 1
                return try text(bytes)
            }
            if buffer.count - position > maxLineBytes {
                throw ExplicableError.badInput(
                    "a line longer than \(maxLineBytes) bytes (the limit for one record)",
                    file: file, line: line + 1)
            }
            if isAtEnd {
                guard position < buffer.count else { return nil }
                let bytes = buffer[position...]
                position = buffer.count
                return try text(bytes)
            }
            try fill()
        }
    }

    private mutating func text(_ bytes: ArraySlice<UInt8>) throws(ExplicableError) -> String {
        line += 1
        var bytes = bytes
        if line == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ExplicableError.badInput("line is not valid UTF-8 text", file: file, line: line)
        }
        return text
    }
}
