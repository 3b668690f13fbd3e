/// A fully connected layer, `y = x · Wᵀ + b`, as PyTorch's `Linear`.
///
/// The input is N × anything; everything after the batch dimension is flattened, so a
/// `N × 128 × 4 × 4` activation feeds a 2048-input layer directly. The weight is `out × in`.
/// Batch rows (or, for the weight gradient, output rows) are split among the cores, one sgemm each.
public final class Linear: Layer {
    /// The number of input features (everything after the batch dimension).
    public let inFeatures: Int
    /// The number of outputs per sample.
    public let outFeatures: Int
    /// `outFeatures × inFeatures`.
    public let weight: Parameter
    /// `outFeatures` entries.
    public let bias: Parameter

    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var input: Tensor?

    /// Creates a layer with zero weights; see ``Initialization`` for PyTorch's defaults.
    public init(inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive")
        BLAS.useOneThreadPerCall()
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "weight", shape: [outFeatures, inFeatures])
        bias = Parameter(name: "bias", shape: [outFeatures])
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let n = input.shape.first ?? 0
        precondition(
            n > 0 && input.count == n * inFeatures,
            "Linear(\(inFeatures)→\(outFeatures)): input shape \(input.shape)")
        self.input = input
        output.resize(n, outFeatures)
        let x = input.storage, y = output.storage, w = weight.value.storage, b = bias.value.storage
        let (fin, fout) = (inFeatures, outFeatures)
        Parallel.forEachChunk(count: n, minimumChunk: 8) { _, rows in
            for r in rows { (y + r * fout).update(from: b, count: fout) }
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: rows.count, n: fout, k: fin,
                alpha: 1, a: x + rows.lowerBound * fin, lda: fin, b: w, ldb: fin,
                beta: 1, c: y + rows.lowerBound * fout, ldc: fout)
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("Linear.backward before forward") }
        precondition(gradOutput.shape == output.shape, "Linear: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        let n = output.shape[0]
        gradInput.resize(to: input.shape)
        let x = input.storage, gy = gradOutput.storage, gx = gradInput.storage, w = weight.value.storage
        let gw = weight.gradient.storage, gb = bias.gradient.storage
        let (fin, fout) = (inFeatures, outFeatures)
        // ∂X = ∂Y · W, split by batch rows.
        Parallel.forEachChunk(count: n, minimumChunk: 8) { _, rows in
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows.count, n: fin, k: fout,
                alpha: 1, a: gy + rows.lowerBound * fout, lda: fout, b: w, ldb: fin,
                beta: 0, c: gx + rows.lowerBound * fin, ldc: fin)
        }
        // ∂W = ∂Yᵀ · X and ∂b = Σ ∂Y, split by output rows.
        Parallel.forEachChunk(count: fout, minimumChunk: 8) { _, outs in
            BLAS.sgemm(
                transposeA: true, transposeB: false, m: outs.count, n: fin, k: n,
                alpha: 1, a: gy + outs.lowerBound, lda: fout, b: x, ldb: fin,
                beta: 0, c: gw + outs.lowerBound * fin, ldc: fin)
            for o in outs {
                var sum: Float = 0
                for r in 0..<n { sum += gy[r * fout + o] }
                gb[o] = sum
            }
        }
        return gradInput
    }
}
