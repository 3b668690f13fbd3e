internal import CExplicableZlib
public import ExplicableCore
public import Foundation

/// A training checkpoint: the configuration, the progress (steps done, RNG state), and every
/// tensor needed to continue — weights, batch-norm running statistics and optimiser state.
///
/// The file is `EXPLCKPT`, a little-endian `UInt32` version (2), a `UInt64` header length, a
/// `UInt32` CRC-32 (zlib's) of everything after it, the header as JSON (``Header``), then the
/// tensors' Float32 values, little-endian, in the header's order. Version 1 files (the same
/// without the CRC-32) are still read. It is written to a temporary file and renamed into place,
/// so a crash leaves either the previous checkpoint or the new one, never half of one.
///
/// Reading checks everything before anything is allocated from it: sizes and counts with
/// overflow-safe arithmetic against the file's own size, the checksum, a configuration that
/// describes a model the file holds the weights of, finite values, and positive, finite
/// normalisation statistics.
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
    static let version: UInt32 = 2
    /// Bytes before the JSON header: magic, version, header length and (from version 2) the CRC-32.
    static let prefixLength = 24

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
        data.append(contentsOf: [0, 0, 0, 0])  // the CRC-32, filled in below
        data.append(json)
        data.reserveCapacity(data.count + values.reduce(0) { $0 + $1.count * 4 })
        for v in values {
            if Self.isLittleEndianHost {
                v.withUnsafeBytes { data.append(contentsOf: $0) }
            } else {
                for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        let checksum = Self.crc32(data, from: Self.prefixLength)
        withUnsafeBytes(of: checksum.littleEndian) { data.replaceSubrange(20..<24, with: $0) }
        return data
    }

    /// zlib's CRC-32 of `bytes[start...]`.
    static func crc32<C: ContiguousBytes>(_ bytes: C, from start: Int) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            let tail = UnsafeRawBufferPointer(rebasing: raw[start...])
            return UInt32(crc32_z(0, tail.baseAddress?.assumingMemoryBound(to: Bytef.self), tail.count))
        }
    }

    /// Writes the checkpoint atomically (temporary file in the same folder, then rename).
    public func write(to url: URL) throws(ExplicableError) {
        let data = try encoded()
        do { try data.write(to: url, options: .atomic) } catch {
            throw ExplicableError(.io, "cannot write checkpoint: \(error.localizedDescription)", file: url.path)
        }
    }

    /// Reads and checks a checkpoint file.
    /// - Throws: `ExplicableError` (`badInput`) naming the file and the field at fault when it is
    ///   not a checkpoint, is truncated or damaged (checksum), or its header does not describe its
    ///   contents or a model that can be built (see ``TrainingConfiguration/problem(parameterCount:)``).
    public static func read(_ url: URL) throws(ExplicableError) -> Checkpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read checkpoint: \(error.localizedDescription)", file: url.path)
        }
        return try decode(data, file: url.path)
    }

    /// Decodes and checks checkpoint bytes; `file` is used in error messages only.
    public static func decode(_ data: Data, file: String) throws(ExplicableError) -> Checkpoint {
        func fail(_ message: String) -> ExplicableError { .badInput("not a valid checkpoint: \(message)", file: file) }
        let bytes = [UInt8](data)
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("missing EXPLCKPT magic") }
        func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        let version = load(UInt32.self, at: 8)
        guard version == 1 || version == Self.version else {
            throw fail("format version \(version), expected 1 or \(Self.version)")
        }
        let prefix = version == 1 ? 20 : prefixLength
        guard bytes.count >= prefix else { throw fail("header runs past the end of the file") }
        let length = load(UInt64.self, at: 12)
        guard length <= UInt64(bytes.count - prefix) else { throw fail("header runs past the end of the file") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[prefix..<(prefix + Int(length))])) } catch
        {
            throw fail("header: \(error)")
        }
        // Every size below is bounded by the file's own size before anything is allocated from it.
        var offset = prefix + Int(length)
        var needed = 0
        for (i, entry) in header.tensors.enumerated() {
            guard let count = elementCount(entry.shape), count <= (bytes.count - offset) / 4 else {
                throw fail("tensor \(i) ('\(entry.role)') has shape \(entry.shape), which the file cannot hold")
            }
            needed += count * 4  // at most the file's size: no overflow
            guard needed <= bytes.count - offset else {
                throw fail("the header describes more than the \(bytes.count - offset) bytes of tensors the file has")
            }
        }
        guard bytes.count - offset == needed else {
            throw fail("the header describes \(needed) bytes of tensors, the file has \(bytes.count - offset)")
        }
        if version >= 2 {
            let stored = load(UInt32.self, at: 20), actual = crc32(bytes, from: prefix)
            guard stored == actual else {
                throw fail(
                    String(
                        format: "checksum mismatch (CRC-32 %08x stored, %08x computed): the file is damaged",
                        stored, actual))
            }
        }
        if let problem = header.problem() { throw fail(problem) }
        var values: [[Float]] = []
        values.reserveCapacity(header.tensors.count)
        for (index, entry) in header.tensors.enumerated() {
            let n = entry.shape.reduce(1, *)
            let start = offset
            let tensor = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<n {
                        buffer[i] = Float(
                            bitPattern: UInt32(
                                littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    }
                }
                initialized = n
            }
            if let bad = tensor.firstIndex(where: { !$0.isFinite }) {
                throw fail(
                    "tensor \(index) ('\(entry.role)', shape \(entry.shape)) element \(bad) is \(tensor[bad]); "
                        + "values must be finite")
            }
            values.append(tensor)
            offset += 4 * n
        }
        return Checkpoint(header: header, values: values)
    }

    /// The product of `shape`, or `nil` when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            count = p
        }
        return count
    }
}

extension Checkpoint.Header {
    /// The tensor roles a checkpoint holds.
    static let roles: Set<String> = ["parameter", "statistic", "momentum", "adam-m", "adam-v"]

    /// What makes this header unusable, as one line naming the field; `nil` when it is usable.
    /// Called once its tensors are known to fit the file, so their sizes bound the model's.
    func problem() -> String? {
        for (name, value) in [
            ("step", step), ("adamSteps", adamSteps), ("epochCorrect", epochCorrect),
            ("epochSeen", epochSeen),
        ] where value < 0 {
            return "header field '\(name)' is \(value); it must not be negative"
        }
        guard epochCorrect <= epochSeen else {
            return "header field 'epochCorrect' (\(epochCorrect)) exceeds 'epochSeen' (\(epochSeen))"
        }
        for (name, value) in [("epochLoss", epochLoss), ("optimizerMomentum", optimizerMomentum)] where !value.isFinite
        {
            return "header field '\(name)' is \(value); it must be finite"
        }
        if let entry = tensors.first(where: { !Self.roles.contains($0.role) }) {
            return
                "tensor role '\(entry.role)' is unknown (expected one of: \(Self.roles.sorted().joined(separator: ", ")))"
        }
        // The file holds the weights, so their total bounds the model the configuration builds.
        let parameterCount = tensors.filter { $0.role == "parameter" }.reduce(0) { $0 + $1.shape.reduce(1, *) }
        return configuration.problem(parameterCount: parameterCount).map { "configuration: \($0)" }
    }
}

extension TrainingConfiguration {
    /// The largest batch size a configuration may ask for.
    public static let maxBatchSize = 1 << 20
    /// The most epochs (and warm-up or step-schedule epochs) a configuration may ask for.
    public static let maxEpochs = 1_000_000

    /// What makes this configuration (read from a file) unusable, as one line naming the field;
    /// `nil` when a model can be built from it.
    ///
    /// - Parameter parameterCount: the number of weights stored with the configuration; the
    ///   model it describes must have exactly these, so no width can ask for more memory than
    ///   the file's own size.
    public func problem(parameterCount: Int) -> String? {
        guard let architecture = Architecture(rawValue: architecture) else {
            return "unknown architecture '\(self.architecture)'"
        }
        let c = classes.count
        guard c > 0 else { return "'classes' is empty" }
        guard lossTargets.count == c * c, lossTargets.allSatisfy(\.isFinite) else {
            return "'lossTargets' must hold \(c)×\(c) finite values, it has \(lossTargets.count)"
        }
        for (name, value) in [
            ("learningRate", learningRate), ("momentum", momentum), ("weightDecay", weightDecay),
            ("lossParameter", lossParameter),
        ] where !value.isFinite {
            return "'\(name)' is \(value); it must be finite"
        }
        guard (2...Self.maxBatchSize).contains(batchSize) else {
            return "'batchSize' is \(batchSize), expected 2…\(Self.maxBatchSize)"
        }
        // The command line checks only --epochs; the schedule treats other values gracefully, but
        // their products with the steps per epoch must not overflow.
        for (name, value, low) in [
            ("epochs", epochs, 0), ("warmupEpochs", warmupEpochs, -Self.maxEpochs),
            ("stepEpochs", stepEpochs, -Self.maxEpochs),
        ]
        where !(low...Self.maxEpochs).contains(value) {
            return "'\(name)' is \(value), expected \(low)…\(Self.maxEpochs)"
        }
        if let subset, subset < 2 { return "'subset' is \(subset), expected at least 2" }
        let channels = architecture.takesImages ? 3 : 1
        guard normalization.mean.count == channels, normalization.std.count == channels else {
            return
                "'normalization' must hold \(channels) mean\(channels == 1 ? "" : "s") and std\(channels == 1 ? "" : "s")"
        }
        if let bad = normalization.mean.first(where: { !$0.isFinite }) {
            return "'normalization.mean' holds \(bad); it must be finite"
        }
        if let bad = normalization.std.first(where: { !($0.isFinite && $0 > 0) }) {
            return "'normalization.std' holds \(bad); it must be positive and finite"
        }
        if architecture.takesImages {
            guard sampleShape == [3, 32, 32] else { return "'sampleShape' is \(sampleShape), expected [3, 32, 32]" }
        } else {
            guard sampleShape.count == 1, sampleShape[0] > 0 else {
                return "'sampleShape' is \(sampleShape), expected [D] with D > 0"
            }
            guard hiddenWidths.allSatisfy({ $0 > 0 }) else { return "'hiddenWidths' \(hiddenWidths) must be positive" }
            // Linear layers D → w1 → … → C: weights and biases, counted without overflow.
            var total = 0, width = sampleShape[0]
            for next in hiddenWidths + [c] {
                let (weights, o1) = width.multipliedReportingOverflow(by: next)
                let (layer, o2) = weights.addingReportingOverflow(next)
                let (sum, o3) = total.addingReportingOverflow(layer)
                guard !(o1 || o2 || o3) else {
                    return "'hiddenWidths' \(hiddenWidths) describe a model too large to build"
                }
                (total, width) = (sum, next)
            }
            guard total == parameterCount else {
                return "'hiddenWidths' \(hiddenWidths) over \(sampleShape[0]) features and \(c) classes make an mlp "
                    + "of \(total) weights; the file holds \(parameterCount)"
            }
        }
        return nil
    }
}
