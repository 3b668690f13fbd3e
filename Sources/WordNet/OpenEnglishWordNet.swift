public import ExplicableCore
public import Foundation

/// Where the Open English WordNet release lives: in the data folder, and upstream.
public enum OpenEnglishWordNet {
    /// The release explicable is tested against.
    public static let edition = "2025"
    /// The file name of the release, as published.
    public static let fileName = "english-wordnet-2025.xml.gz"
    /// The official download (GitHub release of globalwordnet/english-wordnet).
    public static let downloadURL = URL(
        string:
            "https://github.com/globalwordnet/english-wordnet/releases/download/2025-edition/english-wordnet-2025.xml.gz"
    )!
    /// Path of the release inside a data folder.
    public static let relativePath = "wordnet/english-wordnet-2025.xml.gz"

    /// The LMF file to read: `lmf` when given, else the release in the data folder.
    public static func locate(lmf: String?, data: DataFolder) throws(ExplicableError) -> URL {
        if let lmf { return URL(fileURLWithPath: lmf) }
        return try data.locate(
            [relativePath, "wordnet/english-wordnet-2025.xml"],
            what: "Open English WordNet \(edition) (\(fileName))", fetchHint: "explicable data fetch wordnet")
    }

    /// Like ``locate(lmf:data:)``, but a release missing from the data folder is downloaded
    /// first when `allowDownload` is set (public data is fetched on first use).
    ///
    /// - Parameters:
    ///   - lmf: an LMF file given by the user; when set, it is returned as it is.
    ///   - data: the data folder to look in and download into.
    ///   - allowDownload: download the release when it is missing (else throw what
    ///     ``locate(lmf:data:)`` throws).
    ///   - source: where to download from (a mirror of ``downloadURL``).
    ///   - notice: receives one line saying that a download starts.
    ///   - progress: called with the bytes downloaded so far and the total, if known.
    public static func locateOrFetch(
        lmf: String?, data: DataFolder, allowDownload: Bool, source: URL = downloadURL,
        notice: (String) -> Void = { _ in }, progress: Downloader.Progress? = nil
    ) throws(ExplicableError) -> URL {
        do {
            return try locate(lmf: lmf, data: data)
        } catch  where error.kind == .missingData && allowDownload {
            notice("Open English WordNet \(edition) is not in \(data.url.path); downloading \(source.absoluteString)")
            return try fetch(into: data, from: source, progress: progress)
        }
    }

    /// Downloads the release into the data folder, checking that it parses before it is kept.
    /// - Returns: where the file was put.
    public static func fetch(
        into data: DataFolder, from source: URL = downloadURL, progress: Downloader.Progress? = nil
    ) throws(ExplicableError) -> URL {
        let destination = data.file(relativePath)
        do {
            try Downloader().fetch(source, to: destination, progress: progress) { file in
                // libxml2 picks the decompressor from the content, so a temporary name is fine.
                let graph = try LMFReader.read(file)
                guard graph.synsetCount > 0 else {
                    throw ExplicableError.badInput("the file holds no synsets")
                }
            }
        } catch  where error.kind == .network {
            throw ExplicableError(
                .network,
                "\(error.message). Offline? Download \(downloadURL.absoluteString) by other means and put it at "
                    + destination.path)
        }
        return destination
    }
}
