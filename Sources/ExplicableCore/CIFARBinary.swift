public import Foundation

/// One file of the CIFAR-10 binary release (`data_batch_1.bin` … `test_batch.bin`): records of
/// one label byte and a 32×32 RGB image stored as three 1,024-byte planes (red, green, blue).
public struct CIFARBinary: Sendable {
    public static let side = 32
    static let recordSize = 1 + 3 * 32 * 32

    public let url: URL
    private let data: Data

    /// Reads the whole batch (30 MB); the size must be a whole number of records.
    public init(url: URL) throws(ExplicableError) {
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ExplicableError(.io, "cannot read CIFAR-10 batch: \(error.localizedDescription)", file: url.path)
        }
        guard !data.isEmpty, data.count % Self.recordSize == 0 else {
            throw ExplicableError.badInput(
                "not a CIFAR-10 binary batch: \(data.count) bytes is not a multiple of \(Self.recordSize)",
                file: url.path)
        }
        // A label byte above 9 would index past the ten classes wherever labels are used.
        let recordSize = Self.recordSize
        let bad = data.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count, by: recordSize).first { raw[$0] > 9 }
        }
        if let bad {
            throw ExplicableError.badInput(
                "record \(bad / recordSize): label byte \(data[data.startIndex + bad]) is out of range 0…9",
                file: url.path)
        }
        self.url = url
    }

    /// The number of images in the batch.
    public var count: Int { data.count / Self.recordSize }

    /// The label of image `i` (0…9).
    public func label(_ i: Int) -> Int {
        precondition((0..<count).contains(i), "image \(i) is outside the batch of \(count)")
        return Int(data[data.startIndex + i * Self.recordSize])
    }

    /// Image `i` as interleaved RGB bytes, row by row (32 × 32 × 3).
    public func rgb(_ i: Int) -> [UInt8] {
        precondition((0..<count).contains(i), "image \(i) is outside the batch of \(count)")
        let plane = Self.side * Self.side
        let record = [UInt8](data[(data.startIndex + i * Self.recordSize + 1)...].prefix(3 * plane))
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for p in 0..<plane {
            for c in 0..<3 { pixels[p * 3 + c] = record[c * plane + p] }
        }
        return pixels
    }
}
