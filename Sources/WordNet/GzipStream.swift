internal import CZlib
import ExplicableCore
import Foundation

/// Decompresses a file (gzip, or plain text passed through as zlib's `gzread` does) on its own
/// thread, a few MiB ahead of the XML parser, so inflating the Open English WordNet (about a
/// quarter of libxml2's own reading time) does not sit on the parser's thread.
///
/// `@unchecked Sendable`: the queue, flags and error are guarded by `condition`; the `gzFile`
/// is used by the decompression thread only.
final class GzipStream: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var current: [UInt8] = []
    private var offset = 0
    private var isFinished = false
    private var isCancelled = false
    private(set) var failure: String?
    private let capacity = 4

    /// The zlib handle, handed to the decompression thread, which alone uses it.
    private struct Handle: @unchecked Sendable {
        let file: gzFile
    }

    /// Opens `path` and starts decompressing; `nil` when the file cannot be opened.
    init?(path: String) {
        guard let opened = gzopen(path, "rb") else { return nil }
        gzbuffer(opened, 1 << 17)
        let handle = Handle(file: opened)
        let thread = Thread { [self] in
            let file = handle.file
            defer { gzclose(file) }
            while true {
                var piece = [UInt8](repeating: 0, count: 1 << 20)
                let n = piece.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
                if n < 0 {
                    var code: Int32 = 0
                    let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                    finish(failure: "cannot decompress: \(message)")
                    return
                }
                if n == 0 {
                    // zlib reports a gzip stream that stops early as end of file plus an error code.
                    var code: Int32 = 0
                    let message = gzerror(file, &code).map { String(cString: $0) }
                    finish(failure: code == Z_OK ? nil : "cannot decompress: \(message ?? "unexpected end of file")")
                    return
                }
                piece.removeLast(piece.count - Int(n))
                guard push(piece) else {
                    finish(failure: nil)
                    return
                }
            }
        }
        thread.start()
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
