import ExplicableCore
import Foundation
import Training

/// Seeds made with the libraries' own encoders, so they follow format changes; `run.sh` adds them
/// to the fixture files and the hand-made seeds under `Fuzz/seeds/TARGET/`.
enum Seeds {
    static func generated(for target: FuzzTarget) throws -> [(String, Data)] {
        switch target {
        case .npy, .importCounts:
            return [
                ("f4-2x3.npy", NPYArray(shape: [2, 3], storage: .float32([0, 1, 2, 3, 4, 5])).encoded()),
                ("f8-2x2.npy", NPYArray(shape: [2, 2], storage: .float64([1, 0.5, 0.5, 1])).encoded()),
                ("i8-3.npy", NPYArray(shape: [3], storage: .int64([0, 9, 3])).encoded()),
                ("u1-2x10.npy", NPYArray(shape: [2, 10], storage: .uint8((0..<20).map { UInt8($0 % 3) })).encoded()),
            ]
        case .cifar:
            // One and two records of CIFAR-10 (1 label byte) and CIFAR-100 (2 label bytes), in range.
            func records(_ labels: [[UInt8]]) -> Data {
                Data(labels.flatMap { $0 + [UInt8](repeating: 0x80, count: 3 * 32 * 32) })
            }
            return [
                ("cifar10-1.bin", records([[3]])), ("cifar10-2.bin", records([[0], [9]])),
                ("cifar100-1.bin", records([[1, 42]])), ("cifar100-2.bin", records([[19, 99], [0, 0]])),
            ]
        case .checkpoint:
            // A seed the reader refuses would only teach the fuzzer the first check: make sure it reads.
            let seed = try checkpoint()
            let url = Scratch.folder.appendingPathComponent("seed.ckpt")
            try seed.write(to: url)
            _ = try Checkpoint.read(url)
            return [("mlp.ckpt", seed)]
        case .npyHeader:
            // The `.npy` seeds unframed: version 1.0 headers start at byte 10.
            return try generated(for: .npy).map { name, data in
                (name, Framing.unframe(data, headerStart: 10, lengthBytes: 2))
            }
        case .checkpointHeader:
            return [("mlp.ckpt", Framing.unframe(try checkpoint(), headerStart: 20, lengthBytes: 8))]
        default:
            return []
        }
    }

    /// A small checkpoint in `Checkpoint`'s file layout: an MLP over 2-D features with two tensors.
    ///
    /// `Checkpoint.Header` has no public initialiser, so the header JSON is put together from a
    /// real ``TrainingConfiguration`` encoded with `JSONEncoder`.
    static func checkpoint() throws -> Data {
        let classes = try ClassSet(name: "two", labels: ["a", "b"])
        let training = Dataset(
            source: "seed", samples: .features([0, 1, 1, 0], dimension: 2), labels: [0, 1],
            classes: classes)
        let configuration = TrainingConfiguration(
            architecture: .mlp, hiddenWidths: [2],
            loss: .crossEntropy(classCount: 2), epochs: 1, training: training)
        let configurationJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration))
        let header: [String: Any] = [
            "configuration": configurationJSON, "step": 3, "generatorState": 12345, "optimizerMomentum": 0.9,
            "adamSteps": 0, "epochLoss": 1.5, "epochCorrect": 1, "epochSeen": 2,
            "tensors": [["role": "parameter", "shape": [2, 2]], ["role": "statistic", "shape": [2]]],
        ]
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var data = Data("EXPLCKPT".utf8)
        withUnsafeBytes(of: UInt32(1).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for value: Float in [0.5, -0.25, 1, 2, 0, 1] {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }
}

/// The header-and-data inputs of the `npy-header` and `checkpoint-header` targets: header text, a
/// zero byte, then the data bytes.
enum Framing {
    static func split(_ input: Data) -> (header: Data, body: Data) {
        guard let zero = input.firstIndex(of: 0) else { return (input, Data()) }
        return (input[..<zero], input[(zero + 1)...])
    }

    /// A `.npy` file, format 1.0 (2-byte header length) or 2.0 when the header does not fit.
    static func npy(_ input: Data) -> Data {
        let (header, body) = split(input)
        var data = Data([0x93] + Array("NUMPY".utf8))
        if header.count <= 0xFFFF {
            data.append(contentsOf: [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)])
        } else {
            data.append(contentsOf: [2, 0])
            withUnsafeBytes(of: UInt32(header.count).littleEndian) { data.append(contentsOf: $0) }
        }
        return data + header + body
    }

    /// A checkpoint file: magic, version 1, the header's length, header, data.
    static func checkpoint(_ input: Data) -> Data {
        let (header, body) = split(input)
        var data = Data("EXPLCKPT".utf8)
        withUnsafeBytes(of: UInt32(1).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        return data + header + body
    }

    /// The inverse, for seeds: the header after `headerStart`, a zero byte, the rest.
    static func unframe(_ file: Data, headerStart: Int, lengthBytes: Int) -> Data {
        let bytes = [UInt8](file)
        let length = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[headerStart - lengthBytes + $1]) << (8 * $1) }
        return Data(bytes[headerStart..<(headerStart + length)]) + Data([0]) + Data(bytes[(headerStart + length)...])
    }
}
