public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads one file over HTTP(S) into place, atomically, with optional progress reports.
///
/// The body goes to a temporary file beside the destination, which is renamed only after the
/// transfer completed with status 200 and `verify` accepted it; on any failure nothing is left
/// at the destination.
public struct Downloader: Sendable {
    /// Called with bytes received so far and the expected total (if the server sent one).
    public typealias Progress = @Sendable (_ received: Int64, _ expected: Int64?) -> Void

    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 60) { self.timeout = timeout }

    /// Fetches `source` to `destination`.
    /// - Parameters:
    ///   - source: the URL to download (http, https or file).
    ///   - destination: where the file goes; written through a temporary file and renamed.
    ///   - progress: called with bytes received and the expected total, when known.
    ///   - verify: checks the downloaded temporary file before it is moved into place.
    /// - Throws: ``ExplicableError`` of kind `.network` (with the URL) or `.io`.
    public func fetch(
        _ source: URL, to destination: URL, progress: Progress? = nil,
        verify: (URL) throws -> Void = { _ in }
    ) throws(ExplicableError) {
        let folder = destination.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: folder.path)
        }
        let partial = folder.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).part")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: partial.path)
        else { throw ExplicableError(.io, "cannot create a temporary file", file: partial.path) }
        defer { try? FileManager.default.removeItem(at: partial) }

        let delegate = StreamingDelegate(handle: handle, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        session.dataTask(with: source).resume()
        delegate.done.wait()
        session.finishTasksAndInvalidate()
        try? handle.close()

        let outcome = delegate.outcome()
        if let failure = outcome.error {
            throw ExplicableError(.network, "download of \(source.absoluteString) failed: \(failure)")
        }
        guard outcome.status == 200 else {
            throw ExplicableError(
                .network, "download of \(source.absoluteString) failed: HTTP status \(outcome.status)")
        }
        if let expected = outcome.expected, expected != outcome.received {
            throw ExplicableError(
                .network,
                "download of \(source.absoluteString) was cut short: \(outcome.received) of \(expected) bytes")
        }
        do { try verify(partial) } catch let error as ExplicableError {
            throw ExplicableError(
                error.kind, "downloaded file is not usable: \(error.message)", file: source.absoluteString)
        } catch {
            throw ExplicableError(.badInput, "downloaded file is not usable: \(error)", file: source.absoluteString)
        }
        do {
            if FileManager.default.fileExists(atPath: destination.path) {
                _ = try FileManager.default.replaceItemAt(destination, withItemAt: partial)
            } else {
                try FileManager.default.moveItem(at: partial, to: destination)
            }
        } catch {
            throw ExplicableError(
                .io, "cannot move the download into place: \(error.localizedDescription)",
                file: destination.path)
        }
    }
}

/// Receives the body in pieces and appends them to a file.
///
/// `@unchecked Sendable`: URLSession calls the delegate on its own serial queue; the state the
/// caller reads afterwards is guarded by `lock`.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let handle: FileHandle
    let progress: Downloader.Progress?
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var status = 0
    private var expected: Int64?
    private var received: Int64 = 0
    private var failure: String?

    init(handle: FileHandle, progress: Downloader.Progress?) {
        self.handle = handle
        self.progress = progress
    }

    func outcome() -> (status: Int, expected: Int64?, received: Int64, error: String?) {
        lock.lock()
        defer { lock.unlock() }
        return (status, expected, received, failure)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        lock.lock()
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        lock.unlock()
        completionHandler(status == 200 ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do { try handle.write(contentsOf: data) } catch {
            lock.lock()
            failure = "cannot write: \(error.localizedDescription)"
            lock.unlock()
            dataTask.cancel()
            return
        }
        lock.lock()
        received += Int64(data.count)
        let (r, e) = (received, expected)
        lock.unlock()
        progress?(r, e)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        if let error, failure == nil, status == 200 { failure = error.localizedDescription }
        lock.unlock()
        done.signal()
    }
}

/// A one-line progress bar for stderr, drawn only when stderr is a terminal.
public final class ProgressBar: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is behind `lock`.
    private let lock = NSLock()
    private let label: String
    private let isTerminal: Bool
    private var lastDrawn = Date.distantPast
    private var hasDrawn = false

    public init(label: String, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.isTerminal = isTerminal
    }

    /// Redraws the bar at most ten times a second.
    public func update(_ done: Int64, _ total: Int64?) {
        guard isTerminal else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.1 || done == total else { return }
        lastDrawn = now
        hasDrawn = true
        let mib = Double(done) / 1_048_576
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
            line += String(format: "%3.0f%% %.1f/%.1f MiB", fraction * 100, mib, Double(total) / 1_048_576)
        } else {
            line += String(format: "%.1f MiB", mib)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line the bar was drawn on, if it was drawn.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard isTerminal, hasDrawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
