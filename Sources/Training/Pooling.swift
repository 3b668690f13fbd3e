internal import CConvKernels

/// Max pooling over non-overlapping 2×2 windows (stride 2), NCHW; odd last rows/columns are dropped.
///
/// A NaN in a window gives NaN, and the gradient goes to the first maximum in row-major window
/// order (the last NaN, if any), as in PyTorch. A training forward pass records each window's winner for the backward
/// pass; an evaluation pass only takes maxima (a backward pass after it finds the winners again
/// from the input). Both run on AVX2 kernels where the 3×3 convolutions' direct kernels run
/// (`CConvKernels`, eight windows at a time; the same values and winners as the loops here).
public final class MaxPool2x2: Layer {
    /// Whether the forward pass runs on the AVX2 kernel (default: where ``Conv2d``'s direct
    /// kernels run, see ``Conv2d/usesDirectKernels``). Tests set it to compare the two paths.
    public var usesVectorKernel = Conv2d.directKernelsAvailable && Conv2d.directKernelsOptimized
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var input: Tensor?
    /// For each output element after a training pass, the flat index of its winner in the input plane.
    private var argmax: [Int32] = []
    private var hasArgmax = false

    /// Creates the layer; it has no parameters.
    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.shape.count == 4, "MaxPool2x2 needs NCHW input, got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        self.input = input
        output.resize(n, c, ho, wo)
        let x = input.storage, y = output.storage
        hasArgmax = training
        let vector = usesVectorKernel && Conv2d.directKernelsAvailable
        if training {
            if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
            argmax.withUnsafeMutableBufferPointer { idx in
                let idx = idx.baseAddress!
                Parallel.forEachChunk(count: n * c, minimumChunk: 16) { _, planes in
                    for p in planes {
                        if vector {
                            ck_maxpool2x2(x + p * h * w, Int32(h), Int32(w), y + p * ho * wo, idx + p * ho * wo)
                        } else {
                            Self.forwardPlane(
                                x + p * h * w, height: h, width: w, into: y + p * ho * wo, argmax: idx + p * ho * wo)
                        }
                    }
                }
            }
            return output
        }
        if vector {
            Parallel.forEachChunk(count: n * c, minimumChunk: 16) { _, planes in
                for p in planes { ck_maxpool2x2(x + p * h * w, Int32(h), Int32(w), y + p * ho * wo, nil) }
            }
            return output
        }
        Parallel.forEachChunk(count: n * c, minimumChunk: 16) { _, planes in
            for p in planes {
                let xp = x + p * h * w, yp = y + p * ho * wo
                for oy in 0..<ho {
                    let r0 = xp + 2 * oy * w, r1 = r0 + w, yr = yp + oy * wo
                    for ox in 0..<wo {
                        yr[ox] = Self.maximum(
                            Self.maximum(r0[2 * ox], r0[2 * ox + 1]), Self.maximum(r1[2 * ox], r1[2 * ox + 1]))
                    }
                }
            }
        }
        return output
    }

    /// Maxima and winners of one plane's windows.
    private static func forwardPlane(
        _ xp: UnsafePointer<Float>, height h: Int, width w: Int, into yp: UnsafeMutablePointer<Float>,
        argmax ip: UnsafeMutablePointer<Int32>
    ) {
        let (ho, wo) = (h / 2, w / 2)
        for oy in 0..<ho {
            let r0 = xp + 2 * oy * w, r1 = r0 + w, yr = yp + oy * wo, ir = ip + oy * wo
            for ox in 0..<wo {
                let (best, at) = winner(r0[2 * ox], r0[2 * ox + 1], r1[2 * ox], r1[2 * ox + 1])
                yr[ox] = best
                ir[ox] = Int32(truncatingIfNeeded: 2 * oy * w + 2 * ox + (at & 1) + (at >> 1) * w)
            }
        }
    }

    /// Routes one plane's gradient to the first maximum of each window (or its NaN).
    private static func backwardPlane(
        input xp: UnsafePointer<Float>, gradOutput gyp: UnsafePointer<Float>,
        gradInput gp: UnsafeMutablePointer<Float>, height h: Int, width w: Int
    ) {
        let (ho, wo) = (h / 2, w / 2)
        // Every pixel of a window is written below; only a dropped odd row or column needs zeroing.
        if h % 2 != 0 || w % 2 != 0 { gp.update(repeating: 0, count: h * w) }
        for oy in 0..<ho {
            for ox in 0..<wo {
                let g = gyp[oy * wo + ox], i0 = 2 * oy * w + 2 * ox
                let at = winner(xp[i0], xp[i0 + 1], xp[i0 + w], xp[i0 + w + 1]).at
                let (ta, tb, tc, td) = (at == 0, at == 1, at == 2, at == 3)
                gp[i0] = ta ? g : 0
                gp[i0 + 1] = tb ? g : 0
                gp[i0 + w] = tc ? g : 0
                gp[i0 + w + 1] = td ? g : 0
            }
        }
    }

    /// The maximum of a window `a b / c d` and its position 0…3, by PyTorch's rule: scanning in
    /// row-major order, a value replaces the best so far when it is larger or NaN (so the last NaN
    /// wins). Selects rather than branches: which element wins is data-dependent.
    @inline(__always)
    private static func winner(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (best: Float, at: Int) {
        var best = a, at = 0
        var take = b > best || b.isNaN
        best = take ? b : best
        at = take ? 1 : at
        take = c > best || c.isNaN
        best = take ? c : best
        at = take ? 2 : at
        take = d > best || d.isNaN
        best = take ? d : best
        at = take ? 3 : at
        return (best, at)
    }

    /// The larger of two values, NaN if either is NaN; written as a select, not a branch. (Only the
    /// value matters here, so which NaN doesn't.)
    @inline(__always)
    private static func maximum(_ a: Float, _ b: Float) -> Float { a > b || a.isNaN ? a : b }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("MaxPool2x2.backward before forward") }
        precondition(
            gradOutput.shape == output.shape, "MaxPool2x2: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        gradInput.resize(to: input.shape)
        let (h, w) = (input.shape[2], input.shape[3])
        let (ho, wo) = (output.shape[2], output.shape[3])
        let x = input.storage, gy = gradOutput.storage, gx = gradInput.storage
        if hasArgmax {
            let planeIn = h * w, planeOut = ho * wo
            argmax.withUnsafeBufferPointer { idx in
                let idx = idx.baseAddress!
                Parallel.forEachChunk(count: input.shape[0] * input.shape[1], minimumChunk: 16) { _, planes in
                    for p in planes {
                        let gp = gx + p * planeIn, ip = idx + p * planeOut, gyp = gy + p * planeOut
                        gp.update(repeating: 0, count: planeIn)
                        for o in 0..<planeOut { gp[Int(ip[o])] = gyp[o] }
                    }
                }
            }
            return gradInput
        }
        Parallel.forEachChunk(count: input.shape[0] * input.shape[1], minimumChunk: 16) { _, planes in
            for p in planes {
                Self.backwardPlane(
                    input: x + p * h * w, gradOutput: gy + p * ho * wo,
                    gradInput: gx + p * h * w, height: h, width: w)
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

    /// Creates the layer; it has no parameters.
    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.shape.count == 4, "GlobalAveragePool needs NCHW input, got \(input.shape)")
        inputShape = input.shape
        let planes = input.shape[0] * input.shape[1], size = input.shape[2] * input.shape[3]
        output.resize(input.shape[0], input.shape[1])
        let x = input.storage, y = output.storage
        Parallel.forEachChunk(count: planes, minimumChunk: 64) { _, range in
            for p in range {
                y[p] = Reductions.sum(x + p * size, count: size) / Float(size)
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(
            gradOutput.shape == output.shape, "GlobalAveragePool: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
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
