/// Max pooling over non-overlapping 2×2 windows (stride 2), NCHW; odd last rows/columns are dropped.
///
/// Ties go to the first maximum in row-major window order, as in PyTorch.
public final class MaxPool2x2: Layer {
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    /// For each output element, the flat index of its maximum within the input plane.
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.shape.count == 4, "MaxPool2x2 needs NCHW input, got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        inputShape = input.shape
        output.resize(to: [n, c, ho, wo])
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let x = input.storage, y = output.storage
        argmax.withUnsafeMutableBufferPointer { idx in
            let idx = idx.baseAddress!
            Parallel.forEachChunk(count: n * c, minimumChunk: 16) { _, planes in
                for p in planes {
                    let xp = x + p * h * w, yp = y + p * ho * wo, ip = idx + p * ho * wo
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let i0 = 2 * oy * w + 2 * ox
                            var best = i0
                            if xp[i0 + 1] > xp[best] || xp[i0 + 1].isNaN { best = i0 + 1 }
                            if xp[i0 + w] > xp[best] || xp[i0 + w].isNaN { best = i0 + w }
                            if xp[i0 + w + 1] > xp[best] || xp[i0 + w + 1].isNaN { best = i0 + w + 1 }
                            yp[oy * wo + ox] = xp[best]
                            ip[oy * wo + ox] = Int32(best)
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(gradOutput.shape == output.shape, "MaxPool2x2: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        gradInput.resize(to: inputShape)
        gradInput.fill(0)
        let planeIn = inputShape[2] * inputShape[3], planeOut = output.shape[2] * output.shape[3]
        let gy = gradOutput.storage, gx = gradInput.storage
        argmax.withUnsafeBufferPointer { idx in
            let idx = idx.baseAddress!
            Parallel.forEachChunk(count: inputShape[0] * inputShape[1], minimumChunk: 16) { _, planes in
                for p in planes {
                    for o in 0..<planeOut { gx[p * planeIn + Int(idx[p * planeOut + o])] += gy[p * planeOut + o] }
                }
            }
        }
        return gradInput
    }
}

/// Global average pooling: N×C×H×W to N×C, the mean of each plane.
public final class GlobalAveragePool: Layer {
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var inputShape: [Int] = []

    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.shape.count == 4, "GlobalAveragePool needs NCHW input, got \(input.shape)")
        inputShape = input.shape
        let planes = input.shape[0] * input.shape[1], size = input.shape[2] * input.shape[3]
        output.resize(to: [input.shape[0], input.shape[1]])
        let x = input.storage, y = output.storage
        Parallel.forEachChunk(count: planes, minimumChunk: 64) { _, range in
            for p in range {
                y[p] = Reductions.sum(x + p * size, count: size) / Float(size)
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(gradOutput.shape == output.shape, "GlobalAveragePool: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        gradInput.resize(to: inputShape)
        let planes = inputShape[0] * inputShape[1], size = inputShape[2] * inputShape[3]
        let gy = gradOutput.storage, gx = gradInput.storage
        Parallel.forEachChunk(count: planes, minimumChunk: 64) { _, range in
            for p in range {
                let g = gy[p] / Float(size)
                for i in 0..<size { gx[p * size + i] = g }
            }
        }
        return gradInput
    }
}
