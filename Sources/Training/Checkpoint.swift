public import ExplicableCore
public import Foundation

/// A training checkpoint: the configuration, the progress (steps done, RNG state), and every
/// tensor needed to continue — weights, batch-norm running statistics and optimiser state.
///
/// The file is `EXPLCKPT`, a little-endian `UInt32` version (1), a `UInt64` header length, the
/// header as JSON (``Header``), then the tensors' Float32 values, little-endian, in the header's
/// order. It is written to a temporary file and renamed into place, so a crash leaves either the
/// previous checkpoint or the new one, never half of one.
public struct Checkpoint: Sendable {
    /// What the JSON header holds.
    public struct Header: Sendable, Codable, Equatable {
        public var configuration: TrainingConfiguration
        /// Optimiser steps completed.
        public var step: Int
        /// The augmentation generator's state after ``step`` steps.
        public var generatorState: UInt64
        /// SGD's momentum or AdamW's step count at ``step`` (one-cycle changes SGD's momentum).
        public var optimizerMomentum: Double
        public var adamSteps: Int
        /// The running sums of the epoch in progress (loss × samples, correct, samples).
        public var epochLoss: Double
        public var epochCorrect: Int
        public var epochSeen: Int
        /// One entry per tensor, in file order: `parameter`, `statistic`, `momentum` (SGD), `adam-m`, `adam-v`.
        public var tensors: [TensorEntry]
    }

    /// The role and shape of one stored tensor.
    public struct TensorEntry: Sendable, Codable, Equatable {
        public var role: String
        public var shape: [Int]
    }

    static let magic = Array("EXPLCKPT".utf8)
    private static let isLittleEndianHost = UInt32(1).littleEndian == 1
    static let version: UInt32 = 1

    public var header: Header
    /// The values of each tensor in ``Header/tensors``.
    public var values: [[Float]]

    /// The tensors with `role`, in order.
    public func tensors(_ role: String) -> [(shape: [Int], values: [Float])] {
        zip(header.tensors, values).filter { $0.0.role == role }.map { ($0.0.shape, $0.1) }
    }

    /// The encoded file.
    public func encoded() throws(ExplicableError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: Data
        do { json = try encoder.encode(header) } catch {
            throw ExplicableError(.io, "cannot encode the checkpoint header: \(error)")
        }
        var data = Data(Self.magic)
        withUnsafeBytes(of: Self.version.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.reserveCapacity(data.count + values.reduce(0) { $0 + $1.count * 4 })
        for v in values {
            if Self.isLittleEndianHost {
                v.withUnsafeBytes { data.append(contentsOf: $0) }
            } else {
                for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    /// Writes the checkpoint atomically (temporary file in the same folder, then rename).
    public func write(to url: URL) throws(ExplicableError) {
        let data = try encoded()
        do { try data.write(to: url, options: .atomic) } catch {
            throw ExplicableError(.io, "cannot write checkpoint: \(error.localizedDescription)", file: url.path)
        }
    }

    /// Reads and checks a checkpoint file.
    /// - Throws: ``ExplicableError`` (`badInput`) naming the file when it is not a checkpoint, is
    ///   truncated, or its header does not describe its contents.
    public static func read(_ url: URL) throws(ExplicableError) -> Checkpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read checkpoint: \(error.localizedDescription)", file: url.path)
        }
        func fail(_ message: String) -> ExplicableError { .badInput("not a valid checkpoint: \(message)", file: url.path) }
        let bytes = [UInt8](data)
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("missing EXPLCKPT magic") }
        func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        let version = load(UInt32.self, at: 8)
        guard version == Self.version else { throw fail("format version \(version), expected \(Self.version)") }
        let length = load(UInt64.self, at: 12)
        guard length <= UInt64(bytes.count - 20) else { throw fail("header runs past the end of the file") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[20..<(20 + Int(length))])) } catch {
            throw fail("header: \(error)")
        }
        var offset = 20 + Int(length)
        let needed = header.tensors.reduce(0) { $0 + $1.shape.reduce(1, *) * 4 }
        guard bytes.count - offset == needed else {
            throw fail("the header describes \(needed) bytes of tensors, the file has \(bytes.count - offset)")
        }
        var values: [[Float]] = []
        for entry in header.tensors {
            let n = entry.shape.reduce(1, *)
            let start = offset
            values.append(
                [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                    bytes.withUnsafeBytes { raw in
                        for i in 0..<n {
                            buffer[i] = Float(
                                bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                        }
                    }
                    initialized = n
                })
            offset += 4 * n
        }
        return Checkpoint(header: header, values: values)
    }
}
