import ExplicableCore
import Foundation

/// What the streaming readers (CSV, JSON lines, JSON arrays) share: a file read in 1 MiB pieces
/// into `buffer`, consumed from `position`, so memory stays flat in file size.
protocol ChunkedFileReading {
    var handle: FileHandle { get }
    var file: String { get }
    var buffer: [UInt8] { get set }
    var position: Int { get set }
    var isAtEnd: Bool { get set }
}

extension ChunkedFileReading {
    /// Opens `url` for reading.
    static func open(_ url: URL) throws(ExplicableError) -> FileHandle {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        return handle
    }

    /// Drops the consumed bytes and appends the next piece, or sets `isAtEnd`.
    mutating func fill() throws(ExplicableError) {
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

    /// Skips a UTF-8 byte-order mark at the start of the buffer.
    mutating func skipByteOrderMark() {
        if position == 0, buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }
}
