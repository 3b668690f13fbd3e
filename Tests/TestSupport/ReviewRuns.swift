import ExplicableCore
public import Foundation

/// Two fake run folders over the real test set for mistake-review tests (library and CLI): both
/// wrong on images 10, 20 and 30 (the same mistake on 10, different ones on 20 and 30); `resnet`
/// also wrong on 40. Each holds `predictions.npy` and `labels.npy`; returns their paths.
public func writeReviewRuns(in folder: URL, labels: [Int]) throws -> (resnet: String, wlf: String) {
    func write(_ name: String, wrong: [Int: Int]) throws -> String {
        let run = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        var predictions = labels.map(Int64.init)
        for (i, shift) in wrong { predictions[i] = Int64((labels[i] + shift) % 10) }
        try NPYArray(shape: [labels.count], storage: .int64(predictions)).write(
            to: run.appendingPathComponent("predictions.npy"))
        try NPYArray(shape: [labels.count], storage: .uint8(labels.map(UInt8.init)))
            .write(to: run.appendingPathComponent("labels.npy"))
        return run.path
    }
    return (try write("resnet", wrong: [10: 1, 20: 1, 30: 1, 40: 1]), try write("wlf", wrong: [10: 1, 20: 2, 30: 3]))
}
