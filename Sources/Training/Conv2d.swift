internal import CConvKernels

/// A 2-D convolution over NCHW tensors with a square kernel, stride and zero padding.
///
/// Weights are `out × in × k × k` and the bias has `out` entries, as in PyTorch's `Conv2d`.
/// Each image is unfolded (im2col) into a `(in·k·k) × (Ho·Wo)` matrix and multiplied by the weight
/// matrix in one `cblas_sgemm`, writing straight into that image's NCHW output; images are split
/// among the cores, with OpenBLAS at one thread per call (``BLAS/useOneThreadPerCall()``). The
/// backward pass unfolds again and gets the weight gradient from one sgemm per image (summed per
/// core, then over cores in a fixed order). With stride 1 the input gradient is the convolution
/// of the output gradient with the flipped kernel (one unfold and one sgemm per image); otherwise
/// it is one sgemm and a fold (col2im).
///
/// 3×3 convolutions with padding 1 (all of cnn-s's and ResNet-20's) instead run forward on direct
/// kernels (`CConvKernels`, AVX2 + FMA) when the CPU has them, and so do their weight gradients
/// (summed per core in registers, then over cores in a fixed order) and, with stride 1, their
/// input gradients; at evaluation time ``Sequential`` folds a following batch norm, ReLU and
/// residual addition into them (``forwardFolding(_:batchNorm:adding:relu:)``).
public final class Conv2d: Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output (filters).
    public let outChannels: Int
    /// The side of the square kernel.
    public let kernelSize: Int
    /// The step between kernel positions, in pixels.
    public let stride: Int
    /// Zeros added on every side of the input, in pixels.
    public let padding: Int
    /// `outChannels × inChannels × kernelSize × kernelSize`.
    public let weight: Parameter
    /// `outChannels` entries, or `nil` for a convolution without bias.
    public let bias: Parameter?
    /// Whether ``backward(_:)`` computes the input gradient. A network's first layer doesn't need
    /// it (nothing learns below it); when `false`, backward only sets the parameter gradients and
    /// returns an empty tensor.
    public var computesInputGradient = true
    /// Whether 3×3, padding-1 convolutions use the direct kernels (default: when the CPU
    /// runs them and they were compiled optimised, see ``directKernelsOptimized``; setting it has
    /// no effect on a CPU that doesn't run them). Tests and benchmarks set it to compare the two
    /// paths.
    public var usesDirectKernels = Conv2d.directKernelsAvailable && Conv2d.directKernelsOptimized
    /// Whether this CPU runs the direct 3×3 kernels (AVX2 and FMA).
    public static let directKernelsAvailable = ck_conv3x3_available()
    /// Whether the direct kernels were compiled with optimisation. SwiftPM compiles C at -O2 in
    /// release builds and at -O0 in debug builds, where the kernels are about 40 times slower
    /// than im2col + OpenBLAS would be; so a debug build trains on im2col by default. (Forcing
    /// -O2 would take `unsafeFlags`, which SwiftPM refuses in packages depended on by version.)
    public static let directKernelsOptimized = ck_conv3x3_optimized()

    let output = Tensor(shape: [0])
    let gradInput = Tensor(shape: [0])
    var input: Tensor?
    /// One unfolded image per chunk of work.
    var columns: [Tensor] = []
    /// One weight-gradient (and bias-gradient) partial sum per chunk of work.
    var weightPartials: [Tensor] = []
    var biasPartials: [Tensor] = []
    /// The kernel flipped in space, `in × (out·k·k)`, for the stride-1 input gradient.
    let flippedWeight = Tensor(shape: [0])
    /// The weights packed for the direct kernels: forward, and the input gradient's adjoint.
    let packedWeight = Tensor(shape: [0]), packedAdjoint = Tensor(shape: [0])
    /// Per output channel, the scale and shift of an evaluation-mode batch norm folded into the output.
    let foldedScale = Tensor(shape: [0]), foldedShift = Tensor(shape: [0])
    /// The storage of the scratch tensors above, refreshed when they change.
    var columnPointers: [UnsafeMutablePointer<Float>] = []
    var weightPointers: [UnsafeMutablePointer<Float>] = []
    var biasPointers: [UnsafeMutablePointer<Float>] = []

    /// Creates a convolution with zero weights; see ``Initialization`` for PyTorch's defaults.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
            "Conv2d: bad geometry")
        BLAS.useOneThreadPerCall()
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "weight", shape: [outChannels, inChannels, kernelSize, kernelSize])
        self.bias = bias ? Parameter(name: "bias", shape: [outChannels]) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The output height or width for an input height or width.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// Whether the direct 3×3 kernels compute this convolution (and the adjoint for its input gradient).
    var isDirect: Bool {
        usesDirectKernels && Conv2d.directKernelsAvailable && kernelSize == 3 && padding == 1
    }

    /// How many floats an unfolded band may hold: 256 KiB, so that it stays in a core's L2 cache
    /// while sgemm packs it. Tests lower it to exercise several bands.
    public var columnBudget = 1 << 16

    /// Output rows per unfolded band when one output row unfolds to `rowLength` floats: as few
    /// bands as the budget allows, of even height (a thin last band would make a slow sgemm).
    func bandRows(rowLength: Int, rows: Int) -> Int {
        let most = max(1, min(rows, columnBudget / max(1, rowLength)))
        let bands = (rows + most - 1) / most
        return (rows + bands - 1) / bands
    }

    /// The im2col geometry of one input image.
    func unfolding(height: Int, width: Int) -> Unfolding {
        Unfolding(
            channels: inChannels, height: height, width: width, kernel: kernelSize, stride: stride, padding: padding)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(
            input.shape.count == 4 && input.shape[1] == inChannels,
            "Conv2d(\(inChannels)→\(outChannels)): input shape \(input.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = (outputSize(h), outputSize(w))
        precondition(ho > 0 && wo > 0, "Conv2d: input \(h)×\(w) smaller than the kernel")
        self.input = input
        output.resize(n, outChannels, ho, wo)
        let k = inChannels * kernelSize * kernelSize, plane = ho * wo
        let chunks = Parallel.chunkCount(count: n, minimumChunk: 1)
        let x = input.storage, y = output.storage, wt = weight.value.storage
        let b = bias?.value.storage
        if isDirect {
            directForward(input, scale: nil, shift: b, adding: nil, relu: false)
            return output
        }
        let bandRows = bandRows(rowLength: k * wo, rows: ho)
        prepareScratch(chunks: chunks, columnCount: isPointwise ? 0 : k * bandRows * wo)
        let columnPointers = columnPointers
        let unfolding = unfolding(height: h, width: w)
        Parallel.forEachChunk(count: n, minimumChunk: 1) { chunk, images in
            for image in images {
                let xi = x + image * inChannels * h * w, yi = y + image * outChannels * plane
                if isPointwise {
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: outChannels, n: plane, k: k,
                        alpha: 1, a: wt, lda: k, b: xi, ldb: plane, beta: 0, c: yi, ldc: plane)
                } else {
                    for top in Swift.stride(from: 0, to: ho, by: bandRows) {
                        let rows = top..<min(ho, top + bandRows), columns = rows.count * wo
                        unfolding.unfold(xi, rows: rows, into: columnPointers[chunk])
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: outChannels, n: columns, k: k,
                            alpha: 1, a: wt, lda: k, b: columnPointers[chunk], ldb: columns,
                            beta: 0, c: yi + top * wo, ldc: plane)
                    }
                }
                if let b {
                    for o in 0..<outChannels {
                        let bo = b[o], row = yi + o * plane
                        for i in 0..<plane { row[i] += bo }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("Conv2d.backward before forward") }
        precondition(gradOutput.shape == output.shape, "Conv2d: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = (output.shape[2], output.shape[3])
        let k = inChannels * kernelSize * kernelSize, plane = ho * wo
        let computesInputGradient = computesInputGradient
        if computesInputGradient {
            gradInput.resize(to: input.shape)
        } else if gradInput.count != 0 {
            gradInput.resize(to: [0])
        }
        let chunks = Parallel.chunkCount(count: n, minimumChunk: 1)
        let unfolding = unfolding(height: h, width: w)
        // With stride 1, ∂X is the convolution of ∂Y (padded by k − 1 − p) with the kernel flipped
        // in space and transposed in channels: an unfold and an sgemm shaped like the forward pass,
        // cheaper than Wᵀ·∂Y (inner dimension only `out`) followed by col2im.
        let direct = computesInputGradient && isDirect && stride == 1
        // The weight gradient on the direct kernel, summed into a packed accumulator at the start
        // of each chunk's scratch (the rest of the scratch is the kernels' workspace).
        let directWeights = isDirect
        let accumulatorCount = directWeights ? Int(ck_conv3x3_packed_count(Int32(inChannels), Int32(outChannels))) : 0
        let byConvolution =
            computesInputGradient && !direct && !isPointwise && stride == 1 && padding <= kernelSize - 1
        let gradientUnfolding = Unfolding(
            channels: outChannels, height: ho, width: wo, kernel: kernelSize, stride: 1,
            padding: kernelSize - 1 - padding)
        // Bands of output rows (weight gradient) and of input rows (input gradient by convolution);
        // the fold path needs the whole unfolded image.
        let outputBand = bandRows(rowLength: k * wo, rows: ho)
        let inputBand = bandRows(rowLength: outChannels * kernelSize * kernelSize * w, rows: h)
        let foldPath = computesInputGradient && !isPointwise && !byConvolution
        prepareScratch(
            chunks: chunks,
            columnCount: accumulatorCount
                + max(
                    directWeights ? directWeightWorkspace(height: h, width: w) : k * outputBand * wo,
                    byConvolution ? outChannels * kernelSize * kernelSize * inputBand * w : 0,
                    foldPath ? k * plane : 0,
                    direct ? Int(ck_conv3x3_workspace_count(Int32(outChannels), Int32(ho), Int32(wo))) : 0))
        if byConvolution { flipWeights() }
        let packed = direct ? packWeights(adjoint: true) : UnsafePointer(packedAdjoint.storage)
        let x = input.storage, gy = gradOutput.storage, gx = gradInput.storage, wt = weight.value.storage
        let flipped = flippedWeight.storage
        let columnPointers = columnPointers, weightPointers = weightPointers, biasPointers = biasPointers
        let hasBias = bias != nil
        let (cin, cout, kk) = (inChannels, outChannels, outChannels * kernelSize * kernelSize)
        Parallel.forEachChunk(count: n, minimumChunk: 1) { chunk, images in
            let accumulator = columnPointers[chunk], col = accumulator + accumulatorCount
            let gw = weightPointers[chunk], gb = biasPointers[chunk]
            gb.update(repeating: 0, count: cout)
            accumulator.update(repeating: 0, count: accumulatorCount)
            for image in images {
                let xi = x + image * cin * h * w, gyi = gy + image * cout * plane
                let gxi = gx + image * cin * h * w
                // ∂W += ∂Y_i ⋆ X_i: on the direct kernel, else as ∂Y_i · cols_iᵀ, band by band.
                if directWeights {
                    directWeightGradient(xi, height: h, width: w, gradient: gyi, into: accumulator, workspace: col)
                } else if isPointwise {
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: cout, n: k, k: plane,
                        alpha: 1, a: gyi, lda: plane, b: xi, ldb: plane,
                        beta: image == images.lowerBound ? 0 : 1, c: gw, ldc: k)
                } else {
                    let band = foldPath ? ho : outputBand
                    for top in Swift.stride(from: 0, to: ho, by: band) {
                        let rows = top..<min(ho, top + band), columns = rows.count * wo
                        unfolding.unfold(xi, rows: rows, into: col)
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: cout, n: k, k: columns,
                            alpha: 1, a: gyi + top * wo, lda: plane, b: col, ldb: columns,
                            beta: image == images.lowerBound && top == 0 ? 0 : 1, c: gw, ldc: k)
                    }
                }
                if hasBias {
                    for o in 0..<cout { gb[o] += Reductions.sum(gyi + o * plane, count: plane) }
                }
                if !computesInputGradient {
                    continue
                } else if direct {
                    // ∂X_i = flip(W)ᵀ ⋆ ∂Y_i on the direct kernel (stride 1 and padding 1 keep the size).
                    ck_conv3x3(
                        gyi, Int32(cout), Int32(ho), Int32(wo), 1, packed, Int32(cin), nil, nil, nil, false, gxi, col)
                } else if byConvolution {
                    // ∂X_i = flip(W)ᵀ ⋆ ∂Y_i, band by band of input rows.
                    for top in Swift.stride(from: 0, to: h, by: inputBand) {
                        let rows = top..<min(h, top + inputBand), columns = rows.count * w
                        gradientUnfolding.unfold(gyi, rows: rows, into: col)
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: cin, n: columns, k: kk,
                            alpha: 1, a: flipped, lda: kk, b: col, ldb: columns, beta: 0, c: gxi + top * w, ldc: h * w)
                    }
                } else if isPointwise {
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: k, n: plane, k: cout,
                        alpha: 1, a: wt, lda: k, b: gyi, ldb: plane, beta: 0, c: gxi, ldc: plane)
                } else {
                    // ∂cols_i = Wᵀ · ∂Y_i, folded back onto the image; `col` (the whole unfolded image
                    // when the weight gradient used it) is overwritten here.
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: k, n: plane, k: cout,
                        alpha: 1, a: wt, lda: k, b: gyi, ldb: plane, beta: 0, c: col, ldc: plane)
                    unfolding.fold(col, into: gxi)
                }
            }
            if directWeights { ck_conv3x3_unpack(accumulator, Int32(cout), Int32(cin), gw) }
        }
        let used = Parallel.chunkCount(count: n, minimumChunk: 1)
        sumPartials(weightPointers, chunks: used, count: weight.gradient.count, into: weight.gradient.storage)
        if let bias { sumPartials(biasPointers, chunks: used, count: outChannels, into: bias.gradient.storage) }
        return gradInput
    }

    /// Fills ``flippedWeight`` with `W'[c, o, ky, kx] = W[o, c, k−1−ky, k−1−kx]`.
    func flipWeights() {
        let k = kernelSize
        flippedWeight.resize(inChannels, outChannels * k * k)
        let wt = weight.value.storage, f = flippedWeight.storage
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                for ky in 0..<k {
                    for kx in 0..<k {
                        f[((c * outChannels + o) * k + ky) * k + kx] =
                            wt[((o * inChannels + c) * k + (k - 1 - ky)) * k + (k - 1 - kx)]
                    }
                }
            }
        }
    }

    func prepareScratch(chunks: Int, columnCount: Int) {
        var changed = false
        while columns.count < chunks {
            columns.append(Tensor(shape: [0]))
            weightPartials.append(Tensor(shape: weight.value.shape))
            biasPartials.append(Tensor(shape: [outChannels]))
            changed = true
        }
        for c in columns where c.count < columnCount {
            c.resize(to: [columnCount])
            changed = true
        }
        if changed {
            columnPointers = columns.map(\.storage)
            weightPointers = weightPartials.map(\.storage)
            biasPointers = biasPartials.map(\.storage)
        }
    }

    func sumPartials(
        _ partials: [UnsafeMutablePointer<Float>], chunks: Int, count: Int, into out: UnsafeMutablePointer<Float>
    ) {
        out.update(from: partials[0], count: count)
        for c in 1..<max(chunks, 1) {
            let p = partials[c]
            for i in 0..<count { out[i] += p[i] }
        }
    }
}
