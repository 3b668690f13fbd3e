import Foundation

/// Row-wise softmax and log-softmax over N×C logits, numerically stable.
///
/// Both subtract each row's maximum before exponentiating, so logits of any magnitude give finite
/// results: `log_softmax(z)_j = z_j − max z − log Σ_k exp(z_k − max z)`.
public enum Softmax {
    /// Writes the row-wise softmax of `logits` (N×C) into `output`, resized to match.
    public static func softmax(_ logits: Tensor, into output: Tensor) {
        apply(logits, into: output, log: false)
    }

    /// Writes the row-wise log-softmax of `logits` (N×C) into `output`, resized to match.
    public static func logSoftmax(_ logits: Tensor, into output: Tensor) {
        apply(logits, into: output, log: true)
    }

    private static func apply(_ logits: Tensor, into output: Tensor, log: Bool) {
        precondition(logits.shape.count == 2, "Softmax needs N×C logits, got \(logits.shape)")
        precondition(logits !== output, "Softmax: output must not be the input")
        let (n, c) = (logits.shape[0], logits.shape[1])
        output.resize(to: logits.shape)
        let z = logits.storage, y = output.storage
        Parallel.forEachChunk(count: n, minimumChunk: 64) { _, rows in
            for r in rows { row(z + r * c, count: c, into: y + r * c, log: log) }
        }
    }

    /// Softmax or log-softmax of one row of `count` logits.
    static func row(_ z: UnsafePointer<Float>, count c: Int, into y: UnsafeMutablePointer<Float>, log: Bool) {
        var top = -Float.infinity
        for j in 0..<c { top = max(top, z[j]) }
        var sum: Float = 0
        for j in 0..<c {
            let e = Foundation.exp(z[j] - top)
            y[j] = e
            sum += e
        }
        if log {
            let logSum = Foundation.log(sum)
            for j in 0..<c { y[j] = z[j] - top - logSum }
        } else {
            let inverse = 1 / sum
            for j in 0..<c { y[j] *= inverse }
        }
    }
}
