public import ExplicableCore
public import Foundation
import Synchronization

/// PNGs of the CIFAR-10 images studies show (`cifar10-test:N`, `cifar10-train:N`), read from the
/// data folder's `cifar-10-batches-bin/` and enlarged ``scale`` times by nearest neighbour.
/// Batch files are read once and kept.
public final class StudyImages: Sendable {
    public let data: DataFolder
    public let scale: Int
    private let batches = Mutex<[String: CIFARBinary]>([:])

    public init(data: DataFolder, scale: Int) {
        self.data = data
        self.scale = max(1, scale)
    }

    /// Whether `reference` names a CIFAR-10 image this type can render.
    public static func isCIFAR(_ reference: String) -> Bool { reference.hasPrefix("cifar10-") }

    /// The file name of a reference's PNG: `cifar10-test:42` → `cifar10-test-42.png`.
    public static func fileName(_ reference: String) -> String {
        reference.replacingOccurrences(of: ":", with: "-") + ".png"
    }

    /// The PNG of `reference`.
    /// - Throws: `ExplicableError` when the reference is malformed or the batch file is missing.
    public func png(_ reference: String) throws(ExplicableError) -> Data {
        let parts = reference.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]), n >= 0 else {
            throw ExplicableError(.badInput, "image reference '\(reference)' is not cifar10-test:N or cifar10-train:N")
        }
        let file: String, index: Int
        switch parts[0] {
        case "cifar10-test": (file, index) = ("test_batch.bin", n)
        case "cifar10-train": (file, index) = ("data_batch_\(n / 10_000 + 1).bin", n % 10_000)
        default: throw ExplicableError(.badInput, "image reference '\(reference)' names an unknown data set")
        }
        let batch: CIFARBinary
        if let cached = batches.withLock({ $0[file] }) {
            batch = cached
        } else {
            let url = try data.locate(
                ["cifar-10-batches-bin/\(file)"], what: "CIFAR-10 (binary version) \(file)",
                fetchHint: "put the CIFAR-10 binary release in the data folder")
            batch = try CIFARBinary(url: url)
            batches.withLock { $0[file] = batch }
        }
        guard index < batch.count else {
            throw ExplicableError(.badInput, "image reference '\(reference)': \(file) holds \(batch.count) images")
        }
        let side = CIFARBinary.side
        return PNGEncoder.encode(
            rgb: PNGEncoder.upscale(rgb: batch.rgb(index), width: side, height: side, factor: scale),
            width: side * scale, height: side * scale)
    }
}
