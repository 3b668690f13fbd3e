public import ExplicableCore
public import Foundation
import LabelStore

/// The published inputs M^h is built from, found in the data folder or downloaded from their
/// official sources and checked by SHA-256 before they are used.
public enum PublishedData: String, Sendable, CaseIterable {
    /// CIFAR-10H's per-image human label counts (Peterson et al., ICCV 2019; CC BY-NC-SA 4.0).
    case cifar10hCounts = "cifar10h"
    /// The paper's class-level human matrix for CIFAR-10 (Olmo et al., arXiv 2006.14841).
    case paperCHL = "paper-chl"

    /// Where the file lives inside the data folder.
    public var relativePath: String {
        switch self {
        case .cifar10hCounts: "cifar10h/cifar10h-counts.npy"
        case .paperCHL: "paper/cifar10_CHL_cmat.npy"
        }
    }

    /// The official copy, at a fixed commit.
    public var downloadURL: URL {
        switch self {
        case .cifar10hCounts:
            URL(
                string:
                    "https://github.com/jcpeterson/cifar-10h/raw/48da312b193b82e6939ec20f23d1f09cbdd849c8/data/cifar10h-counts.npy"
            )!
        case .paperCHL:
            URL(
                string:
                    "https://github.com/aOlmo/weighted-misclassifications/raw/9388844e76db2ea8bc20118b7a848bf1626ac12d/confusion_matrices/cifar10_CHL_cmat.npy"
            )!
        }
    }

    public var sha256: String {
        switch self {
        case .cifar10hCounts: "9b36b4550349af56c79083356312eb4af856cc5fd3caf1f669d40b9d0bbb69ff"
        case .paperCHL: "ce1a69b8beec354cbb81c8b44a9c6e066b908cffded59dabc2782ed556cb3a3d"
        }
    }

    /// The file in `data`, downloaded first when it is missing and `allowDownload` is set.
    public func locateOrFetch(
        data: DataFolder, allowDownload: Bool, source: URL? = nil, progress: Downloader.Progress? = nil
    )
        throws(ExplicableError) -> URL
    {
        let destination = data.file(relativePath)
        if FileManager.default.isReadableFile(atPath: destination.path) { return destination }
        guard allowDownload else {
            throw ExplicableError(
                .missingData,
                "\(relativePath) not found in \(data.url.path) (download \(downloadURL.absoluteString) there, "
                    + "or pass --data DIR / set EXPLICABLE_DATA to a folder that has it)")
        }
        do {
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ExplicableError(
                .io, "cannot create the folder: \(error.localizedDescription)", file: destination.path)
        }
        let expected = sha256
        try Downloader().fetch(source ?? downloadURL, to: destination, progress: progress) { file in
            let digest = SHA256Digest.hex(of: try Data(contentsOf: file))
            guard digest == expected else {
                throw ExplicableError.badInput("SHA-256 is \(digest), expected \(expected)")
            }
        }
        return destination
    }
}
