import ExplicableCore
import Foundation
import LabelStore

/// A counts matrix: row i = image i of the study, column c = how many people chose class c.
enum CountsFormat {
    static func read(_ url: URL, into sink: inout ResponseSink) throws {
        let array = try NPYArray.read(url)
        let classes = sink.study.classes.count
        guard array.shape.count == 2, array.shape[1] == classes else {
            throw ExplicableError.badInput(
                "counts must have shape (images, \(classes)), found \(array.shape)", file: url.path)
        }
        let values = array.doubles
        for i in 0..<array.shape[0] {
            sink.rowsRead += 1
            guard let itemId = sink.itemIds["image:\(i)"] else {
                try sink.reject(RowError(line: i + 1, reason: "row \(i): the study has no image \(i)", fields: []))
                continue
            }
            for c in 0..<classes {
                let v = values[i * classes + c]
                // Compared as a double: 1e300 must not reach Int(_:), which would trap.
                guard v >= 0, v == v.rounded(), v.isFinite, v <= 1e9 else {
                    throw ExplicableError.badInput(
                        "row \(i), class \(c): count \(v) is not a whole number 0…1000000000",
                        file: url.path)
                }
                if v > 0 {
                    try sink.session.setInstanceCount(itemId: itemId, classIndex: c, count: Int(v))
                    sink.countsAdded += 1
                }
            }
            sink.rowsAccepted += 1
        }
    }
}
