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
            return [("mlp.ckpt", try checkpoint())]
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
        let training = Dataset(source: "seed", samples: .features([0, 1, 1, 0], dimension: 2), labels: [0, 1],
            classes: classes)
        let configuration = TrainingConfiguration(architecture: .mlp, hiddenWidths: [2],
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
