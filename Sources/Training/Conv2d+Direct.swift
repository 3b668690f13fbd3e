internal import CConvKernels

/// The direct 3×3 path of ``Conv2d``: weight packing, the forward pass and the weight gradient on
/// `CConvKernels`, and the evaluation-time folding of batch norm, ReLU and a residual addition
/// into the forward pass.
extension Conv2d {
    /// Packs the weights into ``packedWeight`` (or, with `adjoint`, the flipped transposed weights
    /// into ``packedAdjoint``) for the direct kernels, and returns them.
    func packWeights(adjoint: Bool) -> UnsafePointer<Float> {
        let (ins, outs) = adjoint ? (outChannels, inChannels) : (inChannels, outChannels)
        let packed = adjoint ? packedAdjoint : packedWeight
        packed.resize(Int(ck_conv3x3_packed_count(Int32(ins), Int32(outs))))
        ck_conv3x3_pack(weight.value.storage, Int32(outChannels), Int32(inChannels), adjoint, packed.storage)
        return UnsafePointer(packed.storage)
    }

    /// Whether ``forwardFolding(_:batchNorm:adding:relu:)`` applies: the direct kernels compute this convolution.
    public var foldsBatchNorm: Bool { isDirect }

    /// An evaluation pass of this convolution, `batchNorm` (its running statistics), the addition of
    /// `addend` (a residual block's shortcut, shaped like the output) and, with `relu`, a ReLU, in
    /// one pass over the output: the batch norm becomes a per-channel scale and shift applied as the
    /// direct kernel writes each output. ``Sequential`` uses it at evaluation time; the layers' own
    /// backward passes don't apply after it. Only when ``foldsBatchNorm``.
    public func forwardFolding(_ input: Tensor, batchNorm: BatchNorm, adding addend: Tensor? = nil, relu: Bool)
        -> Tensor
    {
        precondition(isDirect, "Conv2d.forwardFolding needs the direct 3×3 kernels")
        precondition(
            input.shape.count == 4 && input.shape[1] == inChannels && batchNorm.channels == outChannels,
            "Conv2d(\(inChannels)→\(outChannels)) + BatchNorm(\(batchNorm.channels)): input shape \(input.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        self.input = nil
        output.resize(n, outChannels, outputSize(h), outputSize(w))
        if let addend {
            precondition(addend.shape == output.shape, "Conv2d: addend \(addend.shape) ≠ output \(output.shape)")
        }
        foldedScale.resize(outChannels)
        foldedShift.resize(outChannels)
        // y = γ · (conv + b − mean) / √(var + ε) + β = conv · s + (β + (b − mean) · s).
        for o in 0..<outChannels {
            let variance = Double(batchNorm.runningVariance[o]) + batchNorm.epsilon
            let s = Double(batchNorm.scale.value[o]) / variance.squareRoot()
            let b = Double(bias?.value[o] ?? 0)
            foldedScale[o] = Float(s)
            foldedShift[o] = Float(Double(batchNorm.shift.value[o]) + (b - Double(batchNorm.runningMean[o])) * s)
        }
        directForward(input, scale: foldedScale.storage, shift: foldedShift.storage, adding: addend, relu: relu)
        return output
    }

    /// Floats of workspace ``directWeightGradient(_:height:width:gradient:into:workspace:)`` needs.
    func directWeightWorkspace(height: Int, width: Int) -> Int {
        Int(ck_conv3x3_weight_gradient_workspace_count(Int32(inChannels), Int32(height), Int32(width), Int32(stride)))
    }

    /// Adds one image's weight gradient, from its input `x` (`inChannels × height × width`) and
    /// output gradient `gy`, to `accumulator` (the direct kernels' packed layout, see
    /// `ck_conv3x3_unpack`).
    func directWeightGradient(
        _ x: UnsafePointer<Float>, height: Int, width: Int, gradient gy: UnsafePointer<Float>,
        into accumulator: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        ck_conv3x3_weight_gradient(
            x, Int32(inChannels), Int32(height), Int32(width), Int32(stride), gy, Int32(outChannels), accumulator,
            workspace)
    }

    /// `output = conv(input) · scale + shift + addend` (then ReLU) on the direct kernels, images
    /// split among the cores; `output` already has its shape.
    func directForward(
        _ input: Tensor, scale: UnsafeMutablePointer<Float>?, shift: UnsafeMutablePointer<Float>?,
        adding addend: Tensor?, relu: Bool
    ) {
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let packed = packWeights(adjoint: false)
        prepareScratch(
            chunks: Parallel.chunkCount(count: n, minimumChunk: 1),
            columnCount: Int(ck_conv3x3_workspace_count(Int32(inChannels), Int32(h), Int32(w))))
        let x = input.storage, y = output.storage
        let columnPointers = columnPointers, plane = outputSize(h) * outputSize(w)
        let (cin, cout, inPlane) = (Int32(inChannels), Int32(outChannels), inChannels * h * w)
        let extra = addend.map { UnsafePointer($0.storage) }
        Parallel.forEachChunk(count: n, minimumChunk: 1) { chunk, images in
            for image in images {
                ck_conv3x3(
                    x + image * inPlane, cin, Int32(h), Int32(w), Int32(stride), packed, cout, scale, shift,
                    extra.map { $0 + image * outChannels * plane }, relu, y + image * outChannels * plane,
                    columnPointers[chunk])
            }
        }
    }
}
