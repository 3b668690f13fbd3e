public import ExplicableCore
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where compiled ``WordNetGraph`` snapshots are kept, so that only the first command to read an
/// LMF file parses it and later ones load the snapshot in milliseconds.
///
/// A snapshot is keyed by the LMF file's size, modification time and a hash of its bytes
/// (`WordNetSnapshot`); a stale, truncated, corrupt or hostile snapshot is refused, the LMF file
/// is parsed and the snapshot rewritten (to a temporary file, then renamed over the old one, so
/// concurrent first runs never leave a half-written file). Failing to write a snapshot is not an
/// error: the graph was parsed, the next command parses again.
public struct WordNetCache: Sendable {
    /// Where snapshots go.
    public enum Location: Sendable, Equatable {
        /// Beside the LMF file (`NAME.graph`) when its folder is writable (mode bits and `access`),
        /// else, or when writing there fails, `~/.cache/explicable/wordnet/NAME-HASH.graph`
        /// (`$XDG_CACHE_HOME` when set).
        case automatic
        /// In this folder, as `NAME-HASH.graph` (HASH: of the LMF file's absolute path).
        case directory(URL)
        /// No cache: every load parses.
        case disabled
    }

    /// What ``load(_:)`` did.
    public enum Outcome: Sendable, Equatable {
        /// The snapshot was valid and loaded.
        case loaded
        /// There was no usable snapshot (the reason); the file was parsed and the snapshot written.
        case rebuilt(reason: String)
        /// Parsed, but the snapshot could not be written (the reason).
        case notWritten(reason: String)
        /// The cache is disabled; the file was parsed.
        case disabled
    }

    /// The environment variable that turns the cache off (`off`, `0`, `no` or `false`) or names a folder for it.
    public static let environmentVariable = "EXPLICABLE_WORDNET_CACHE"

    public var location: Location

    public init(_ location: Location) { self.location = location }

    /// ``Location/automatic``, unless `EXPLICABLE_WORDNET_CACHE` says `off` or names a folder.
    public static var `default`: WordNetCache {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else {
            return WordNetCache(.automatic)
        }
        if ["off", "0", "no", "false"].contains(value.lowercased()) { return WordNetCache(.disabled) }
        return WordNetCache(.directory(URL(fileURLWithPath: value, isDirectory: true)))
    }

    /// No cache.
    public static let disabled = WordNetCache(.disabled)

    /// The snapshot file for the LMF file `source`, or `nil` when the cache is disabled.
    public func snapshotURL(for source: URL) -> URL? { snapshotURLs(for: source).first }

    /// Where a snapshot of `source` may be, in the order they are tried: for ``Location/automatic``
    /// beside the file when its folder is writable, then in the user's cache folder.
    func snapshotURLs(for source: URL) -> [URL] {
        let source = source.standardizedFileURL
        let name = source.lastPathComponent
        let tagged = { (folder: URL) -> URL in
            let pathHash = Array(source.path.utf8).withUnsafeBytes { WordNetSnapshot.hash($0) }
            return folder.appendingPathComponent("\(name)-\(String(pathHash, radix: 16)).graph")
        }
        switch location {
        case .disabled:
            return []
        case .directory(let folder):
            return [tagged(folder)]
        case .automatic:
            let folder = source.deletingLastPathComponent()
            let env = ProcessInfo.processInfo.environment
            let base =
                env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
            let userCache = tagged(base.appendingPathComponent("explicable/wordnet"))
            return Self.isWritableFolder(folder.path)
                ? [folder.appendingPathComponent(name + ".graph"), userCache] : [userCache]
        }
    }

    /// Whether `path` is a folder we may write to. Write bits are required as well as `access`, so that
    /// root does not write into a folder marked read-only (such as a shared data folder).
    static func isWritableFolder(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, (info.st_mode & 0o222) != 0 else {
            return false
        }
        return access(path, W_OK) == 0
    }

    /// Loads the graph of the LMF file `url` from its snapshot, or parses it and writes the snapshot.
    /// - Throws: what ``LMFReader/read(_:)`` throws; never an error about the cache.
    public func load(_ url: URL) throws(ExplicableError) -> (graph: WordNetGraph, outcome: Outcome) {
        let snapshots = snapshotURLs(for: url)
        guard !snapshots.isEmpty else { return (try LMFReader.read(url), .disabled) }
        // The key of the LMF file as it is now; unreadable → let the reader report it.
        guard let before = Self.sourceKey(of: url) else { return (try LMFReader.read(url), .disabled) }
        var reason = ""
        for snapshot in snapshots {
            do throws(WordNetSnapshot.Invalid) {
                return (try Self.read(snapshot, expecting: before), .loaded)
            } catch {
                if reason.isEmpty { reason = error.description }
            }
        }
        let graph = try LMFReader.read(url)
        // Don't record a key for bytes that changed while they were parsed.
        guard Self.sourceKey(of: url) == before else {
            return (graph, .notWritten(reason: "the LMF file changed while it was read"))
        }
        let bytes = WordNetSnapshot.encode(graph, source: before)
        var failures: [String] = []
        for snapshot in snapshots {
            do {
                try Self.write(bytes, to: snapshot)
                return (graph, .rebuilt(reason: reason))
            } catch {
                failures.append("writing \(snapshot.path) failed: \(error)")
            }
        }
        return (graph, .notWritten(reason: ([reason] + failures).joined(separator: "; ")))
    }

    // MARK: Files

    /// Reads, checks and decodes a snapshot.
    static func read(_ snapshot: URL, expecting source: WordNetSnapshot.SourceKey) throws(WordNetSnapshot.Invalid)
        -> WordNetGraph
    {
        guard let file = MappedFile(snapshot.path) else {
            throw WordNetSnapshot.Invalid("no snapshot at \(snapshot.path)")
        }
        let (recorded, payload) = try WordNetSnapshot.open(file.bytes)
        guard recorded == source else {
            throw WordNetSnapshot.Invalid("stale: the LMF file changed since the snapshot")
        }
        return try WordNetSnapshot.decodePayload(payload, owner: file)
    }

    /// Size, modification time and content hash of the file at `url`, or `nil` when it can't be read.
    static func sourceKey(of url: URL) -> WordNetSnapshot.SourceKey? {
        guard let file = MappedFile(url.path) else { return nil }
        return WordNetSnapshot.SourceKey(
            size: UInt64(file.bytes.count), modificationNanoseconds: file.modificationNanoseconds,
            contentHash: WordNetSnapshot.hash(file.bytes))
    }

    /// Writes `bytes` to a temporary file beside `destination`, then renames it into place.
    static func write(_ bytes: [UInt8], to destination: URL) throws {
        let folder = destination.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(
            ".\(destination.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, destination.path) == 0 else {
                throw ExplicableError(.io, "cannot rename: \(String(cString: strerror(errno)))", file: destination.path)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

/// A read-only memory map of a whole file (an empty buffer for an empty file), or a private copy of bytes.
///
/// A graph decoded from a snapshot reads its strings from the map, and keeps it alive. The cache
/// only ever replaces a snapshot by renaming a new file over it, which leaves a mapped old file
/// intact; a snapshot truncated in place by someone else while a command has it mapped would make
/// that command fault (SIGBUS), as with any mapped file.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer
    let modificationNanoseconds: Int64
    private let address: UnsafeMutableRawPointer?
    private let isCopy: Bool

    /// A private copy of `source` (tests, and snapshots held in memory).
    init(copying source: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, source.count), alignment: 16)
        source.withUnsafeBytes { memory.copyMemory(from: $0) }
        address = memory.baseAddress
        bytes = UnsafeRawBufferPointer(start: memory.baseAddress, count: source.count)
        modificationNanoseconds = 0
        isCopy = true
    }

    init?(_ path: String) {
        isCopy = false
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size >= 0 else { return nil }
        #if canImport(Darwin)
            modificationNanoseconds = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
            modificationNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        let size = Int(info.st_size)
        guard size > 0 else {
            address = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        address = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit {
        guard let address else { return }
        if isCopy { address.deallocate() } else { munmap(address, bytes.count) }
    }
}

extension WordNetGraph {
    /// The graph of the LMF file `url`: from its compiled snapshot in `cache` when that is valid,
    /// else parsed with ``LMFReader/read(_:)`` (and the snapshot written for next time).
    /// - Throws: what ``LMFReader/read(_:)`` throws.
    public static func load(_ url: URL, cache: WordNetCache = .default) throws(ExplicableError) -> WordNetGraph {
        try cache.load(url).graph
    }
}
