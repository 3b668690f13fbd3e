internal import CExplicableZlib
import ExplicableCore
import Foundation

/// Decompresses a file (gzip, or plain text passed through) on its own thread, a few MiB ahead
/// of the XML parser, so inflating the Open English WordNet (about a quarter of libxml2's own
/// reading time) does not sit on the parser's thread.
///
/// A gzip file is one or more gzip members (RFC 1952 allows several, as `cat a.gz b.gz` makes);
/// anything else after the last member — zeros, garbage, a truncated member — is an error, not
/// silently ignored as zlib's `gzread` does.
///
/// `@unchecked Sendable`: the queue, flags and error are guarded by `condition`; the file and
/// the zlib stream are used by the decompression thread only.
final class GzipStream: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var current: [UInt8] = []
    private var offset = 0
    private var isFinished = false
    private var isCancelled = false
    private(set) var failure: String?
    private let capacity = 4

    /// The open file, handed to the decompression thread, which alone uses it.
    private struct Handle: @unchecked Sendable {
        let file: UnsafeMutablePointer<FILE>
    }

    /// Opens `path` and starts decompressing; `nil` when the file cannot be opened.
    init?(path: String) {
        guard let opened = fopen(path, "rb") else { return nil }
        let handle = Handle(file: opened)
        let thread = Thread { [self] in
            defer { fclose(handle.file) }
            finish(failure: decompress(handle.file))
        }
        thread.start()
    }

    /// Reads `file` to its end, pushing decompressed (or, for a file that is not gzip, plain)
    /// pieces of up to 1 MiB; returns the error, if any. Stops quietly once cancelled.
    private func decompress(_ file: UnsafeMutablePointer<FILE>) -> String? {
        let pieceSize = 1 << 20
        var input = [UInt8](repeating: 0, count: 1 << 17)
        var start = 0, end = 0  // the unread input is input[start..<end]
        var consumed = 0  // compressed bytes before input[start]
        var atEndOfFile = false
        /// Reads more input after what is left; false at the end of the file or on a read error.
        func refill() -> Bool {
            if start > 0 {
                input.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
                }
                consumed += start
                (start, end) = (0, end - start)
            }
            guard !atEndOfFile, end < input.count else { return false }
            let n = input.withUnsafeMutableBytes { fread($0.baseAddress! + end, 1, $0.count - end, file) }
            if n == 0 { atEndOfFile = true }
            end += n
            return n > 0
        }
        _ = refill()
        if ferror(file) != 0 { return "cannot read the file" }
        guard end - start >= 2, input[0] == 0x1F, input[1] == 0x8B else {
            // Not gzip: pass the bytes through, in pieces of up to 1 MiB.
            guard end == 0 || push(Array(input[0..<end])) else { return nil }
            while end > 0 {
                var piece = [UInt8](repeating: 0, count: pieceSize)
                end = piece.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
                piece.removeLast(pieceSize - end)
                guard end == 0 || push(piece) else { return nil }
            }
            return ferror(file) != 0 ? "cannot read the file" : nil
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return "cannot decompress: zlib could not start"
        }
        defer { inflateEnd(&stream) }
        var piece = [UInt8](repeating: 0, count: pieceSize)
        var filled = 0
        while true {
            if start == end && !refill() {
                if ferror(file) != 0 { return "cannot decompress: read error" }
                return "cannot decompress: unexpected end of file"
            }
            let status = input.withUnsafeMutableBufferPointer { inBuffer in
                piece.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = inBuffer.baseAddress! + start
                    stream.avail_in = uInt(end - start)
                    stream.next_out = outBuffer.baseAddress! + filled
                    stream.avail_out = uInt(pieceSize - filled)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    start = end - Int(stream.avail_in)
                    filled = pieceSize - Int(stream.avail_out)
                    return status
                }
            }
            if filled == pieceSize || (status == Z_STREAM_END && filled > 0) {
                guard push(Array(piece[0..<filled])) else { return nil }
                filled = 0
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // Another member may follow; anything else after the stream is an error.
                if end - start < 2 { _ = refill() }
                if start == end { return ferror(file) != 0 ? "cannot decompress: read error" : nil }
                guard end - start >= 2, input[start] == 0x1F, input[start + 1] == 0x8B else {
                    let position = consumed + start
                    let size = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1
                    let trailing =
                        size > position ? "\(size - position) byte\(size - position == 1 ? "" : "s")" : "bytes"
                    return "cannot decompress: \(trailing) after the end of the gzip stream at byte \(position) "
                        + "(a damaged or padded file)"
                }
                inflateReset(&stream)
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                return "cannot decompress: \(message) (near compressed byte \(consumed + start))"
            }
        }
    }

    private func push(_ piece: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !isCancelled { condition.wait() }
        guard !isCancelled else { return false }
        chunks.append(piece)
        condition.broadcast()
        return true
    }

    private func finish(failure: String?) {
        condition.lock()
        if self.failure == nil { self.failure = failure }
        isFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Copies up to `count` decompressed bytes to `buffer`; 0 at the end, -1 on an error.
    func read(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int32 {
        if offset >= current.count {
            condition.lock()
            while chunks.isEmpty && !isFinished { condition.wait() }
            if chunks.isEmpty {
                let failed = failure != nil
                condition.unlock()
                return failed ? -1 : 0
            }
            current = chunks.removeFirst()
            offset = 0
            condition.broadcast()
            condition.unlock()
        }
        let n = min(count, current.count - offset)
        current.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return Int32(n)
    }

    /// Stops the decompression thread (the reader is done with the stream).
    func cancel() {
        condition.lock()
        isCancelled = true
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// The decompression error, if one happened, once the decompression thread has stopped
    /// (it stops at the end of the file, on an error, or soon after ``cancel()``).
    var error: String? {
        condition.lock()
        defer { condition.unlock() }
        while !isFinished { condition.wait() }
        return failure
    }
}
