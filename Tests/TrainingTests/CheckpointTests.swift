import ExplicableCore
import Foundation
import Testing
@testable import Training

/// Checkpoint files: the checksum, version 1 files, and crafted headers that must be refused
/// with one error instead of a trap or an allocation of terabytes.
struct CheckpointTests {
    /// A small mlp checkpoint over the feature fixtures (3 classes, hidden width 256).
    func checkpoint() throws -> Checkpoint {
        let (train, _) = try featureData()
        let config = TrainingConfiguration(
            architecture: .mlp, loss: .crossEntropy(classCount: 3), epochs: 1, batchSize: 10, training: train)
        return try Trainer(configuration: config, training: train).checkpoint()
    }

    func refusal(_ data: Data) -> String? {
        do {
            _ = try Checkpoint.decode(data, file: "c.ckpt")
            return nil
        } catch {
            #expect(error.kind == .badInput && error.description.hasPrefix("c.ckpt: not a valid checkpoint: "))
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    @Test func roundTripsAndDetectsDamage() throws {
        let saved = try checkpoint()
        let data = try saved.encoded()
        let back = try Checkpoint.decode(data, file: "c.ckpt")
        #expect(back.header == saved.header && back.values == saved.values)
        var flipped = data
        flipped[data.count - 5] ^= 0x01  // one bit of the last weight
        let message = try #require(refusal(flipped))
        #expect(message.contains("checksum mismatch"), "\(message)")
    }

    @Test func readsVersion1Files() throws {
        let saved = try checkpoint()
        var data = try saved.encoded()
        data.removeSubrange(20..<24)  // version 1 had no CRC-32
        data.replaceSubrange(8..<12, with: [1, 0, 0, 0])
        let back = try Checkpoint.decode(data, file: "c.ckpt")
        #expect(back.header == saved.header && back.values == saved.values)
    }

    /// Each edit makes a header that once trapped (negative or overflowing sizes) or asked for
    /// terabytes (a huge layer width), or holds values no run can use.
    @Test(arguments: [
        ("negative dimension", "which the file cannot hold"),
        ("overflowing shape", "which the file cannot hold"),
        ("huge shape", "which the file cannot hold"),
        ("negative step", "'step' is -1"),
        ("terabyte width", "hiddenWidths"),
        ("overflowing width", "too large to build"),
        ("zero std", "'normalization.std' holds 0.0"),
        ("negative std", "'normalization.std' holds -1.0"),
        ("zero batch size", "'batchSize' is 0"),
        ("nan weight", "element 3 is nan"),
        ("unknown architecture", "unknown architecture 'vgg'"),
        ("loss targets", "'lossTargets' must hold 3×3"),
    ])
    func refusesCraftedHeaders(edit: String, expected: String) throws {
        var c = try checkpoint()
        switch edit {
        case "negative dimension": c.header.tensors[0].shape = [-1, 5]
        case "overflowing shape": c.header.tensors[0].shape = [1 << 62, 1 << 62]
        case "huge shape": c.header.tensors[0].shape = [1 << 40, 4]
        case "negative step": c.header.step = -1
        case "terabyte width": c.header.configuration.hiddenWidths = [1 << 40]
        case "overflowing width": c.header.configuration.hiddenWidths = [1 << 62, 1 << 62]
        case "zero std": c.header.configuration.normalization.std = [0]
        case "negative std": c.header.configuration.normalization.std = [-1]
        case "zero batch size": c.header.configuration.batchSize = 0
        case "nan weight": c.values[0][3] = .nan
        case "unknown architecture": c.header.configuration.architecture = "vgg"
        case "loss targets": c.header.configuration.lossTargets = [1]
        default: Issue.record("unknown edit \(edit)")
        }
        let message = try #require(refusal(try c.encoded()))
        #expect(message.contains(expected), "\(message)")
    }

    /// Every single-byte change to the fixed prefix and a sweep of truncations give an error, never a trap.
    @Test func arbitraryPrefixesNeverTrap() throws {
        let data = try checkpoint().encoded()
        for position in 0..<24 {
            for value: UInt8 in [0, 1, 2, 0x7F, 0x80, 0xFF] {
                var bytes = data
                bytes[position] = value
                _ = try? Checkpoint.decode(bytes, file: "c.ckpt")
            }
        }
        for length in stride(from: 0, to: 400, by: 7) {
            _ = try? Checkpoint.decode(data.prefix(length), file: "c.ckpt")
        }
    }
}
