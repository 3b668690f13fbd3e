public import Foundation

/// The folder that holds large inputs (WordNet LMF, CIFAR batches).
///
/// Resolved in this order: an explicit `--data DIR`, else `$EXPLICABLE_DATA`, else
/// `~/.cache/explicable`. Files inside it keep the layout of the public releases, for example
/// `wordnet/english-wordnet-2025.xml.gz`.
///
/// ```swift
/// let data = DataFolder.resolve(nil)   // --data, else $EXPLICABLE_DATA, else ~/.cache/explicable
/// let batches = try data.locate(["cifar-10-batches-bin"], what: "CIFAR-10 (binary version)",
///                               fetchHint: "explicable data fetch cifar10")
/// ```
public struct DataFolder: Sendable, Equatable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The data folder for an optional `--data` argument and the process environment.
    public static func resolve(
        _ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataFolder {
        if let explicit, !explicit.isEmpty { return DataFolder(url: URL(fileURLWithPath: explicit)) }
        if let fromEnvironment = environment["EXPLICABLE_DATA"], !fromEnvironment.isEmpty {
            return DataFolder(url: URL(fileURLWithPath: fromEnvironment))
        }
        let home =
            environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return DataFolder(url: home.appendingPathComponent(".cache/explicable"))
    }

    /// Whether missing public data may be downloaded: `false` when `EXPLICABLE_OFFLINE=1`.
    ///
    /// Every command that fetches data asks here, so the variable is read in one place.
    public static func allowsDownload(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        environment["EXPLICABLE_OFFLINE"] != "1"
    }

    /// The URL of `relativePath` inside the folder.
    public func file(_ relativePath: String) -> URL { url.appendingPathComponent(relativePath) }

    /// The first of `candidates` (relative paths) that exists, or an error saying where to put it.
    ///
    /// - Parameters:
    ///   - candidates: paths relative to the folder, most preferred first.
    ///   - what: the file's name in the message (`"CIFAR-10 test batch"`).
    ///   - fetchHint: the command that downloads the file, e.g. `explicable data fetch wordnet`.
    public func locate(_ candidates: [String], what: String, fetchHint: String) throws(ExplicableError) -> URL {
        for candidate in candidates {
            let u = file(candidate)
            if FileManager.default.isReadableFile(atPath: u.path) { return u }
        }
        throw ExplicableError(
            .missingData,
            "\(what) not found: expected \(file(candidates[0]).path) (run '\(fetchHint)', "
                + "or pass --data DIR / set EXPLICABLE_DATA to a folder that has it)")
    }
}
