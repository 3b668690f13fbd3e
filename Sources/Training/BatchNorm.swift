import Foundation

/// Batch normalisation over the channels of N×C×H×W (or N×C) tensors, as PyTorch's `BatchNorm2d`.
///
/// In training, each channel is normalised with the mean and biased variance of the batch, and
/// the running statistics move towards the batch's: `running = (1 − momentum) · running +
/// momentum · batch`, using the unbiased variance (`· m/(m − 1)`, m = N·H·W) for the running one.
/// In evaluation the running statistics are used. Channels are split among the cores; sums are
/// accumulated per plane in Float (SIMD lanes) and across planes in `Double`.
public final class BatchNorm: Layer {
    /// The number of channels C (dimension 1 of the input).
    public let channels: Int
    /// Weight of the batch statistics in the running ones; 0.1 as in PyTorch.
    public let momentum: Double
    /// Added to the variance before the square root; 1e-5 as in PyTorch.
    public let epsilon: Double
    /// The scale γ, initially 1.
    public let scale: Parameter
    /// The shift β, initially 0.
    public let shift: Parameter
    /// The running mean, initially 0.
    public let runningMean: Tensor
    /// The running (unbiased) variance, initially 1.
    public let runningVariance: Tensor

    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var input: Tensor?
    private var wasTraining = false
    /// Whether the last forward pass applied a ReLU to its output (``forward(_:training:relu:)``).
    private(set) var appliedReLU = false
    /// Per channel: the mean and 1/√(var + ε) used by the last forward pass.
    private var usedMean: [Float]
    private var usedInverseStd: [Float]

    /// Creates the layer with PyTorch's defaults: scale 1, shift 0, running mean 0 and variance 1.
    public init(channels: Int, momentum: Double = 0.1, epsilon: Double = 1e-5) {
        precondition(channels > 0, "BatchNorm: channel count must be positive")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Parameter(name: "weight", shape: [channels], repeating: 1)
        shift = Parameter(name: "bias", shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        usedMean = [Float](repeating: 0, count: channels)
        usedInverseStd = [Float](repeating: 1, count: channels)
    }

    public var parameters: [Parameter] { [scale, shift] }

    public var statistics: [Tensor] { [runningMean, runningVariance] }

    /// (N, C, H·W) for an N×C×H×W or N×C input.
    private func geometry(_ shape: [Int]) -> (n: Int, plane: Int) {
        precondition(
            (shape.count == 4 || shape.count == 2) && shape[1] == channels,
            "BatchNorm(\(channels)): input shape \(shape)")
        return (shape[0], shape.count == 4 ? shape[2] * shape[3] : 1)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor { forward(input, training: training, relu: false) }

    /// The forward pass, then with `relu` a ReLU (`max(y, 0)`) in the same pass over the output:
    /// the values of this layer followed by a ``ReLU``, and ``backward(_:)`` then takes the ReLU's
    /// output gradient and gives what the two layers' backward passes would. ``Sequential`` runs a
    /// batch norm and the ReLU after it this way in training.
    func forward(_ input: Tensor, training: Bool, relu: Bool) -> Tensor {
        let (n, plane) = geometry(input.shape)
        let m = n * plane
        precondition(!training || m > 1, "BatchNorm: training needs more than one value per channel")
        self.input = input
        wasTraining = training
        appliedReLU = relu
        output.resize(to: input.shape)
        let x = input.storage, y = output.storage, gamma = scale.value.storage, beta = shift.value.storage
        let rm = runningMean.storage, rv = runningVariance.storage
        let (channels, momentum, epsilon) = (channels, momentum, epsilon)
        usedMean.withUnsafeMutableBufferPointer { meanBuffer in
            usedInverseStd.withUnsafeMutableBufferPointer { invBuffer in
                let means = meanBuffer.baseAddress!, invs = invBuffer.baseAddress!
                Parallel.forEachChunk(count: channels, minimumChunk: 1) { _, range in
                    for c in range {
                        let mean: Double, inv: Double
                        if training {
                            // Per-plane Float sums (SIMD), added up in Double.
                            var sum = 0.0
                            for i in 0..<n {
                                sum += Double(Reductions.sum(x + (i * channels + c) * plane, count: plane))
                            }
                            mean = sum / Double(m)
                            var squares = 0.0
                            for i in 0..<n {
                                squares += Double(
                                    Reductions.sumOfSquaredDeviations(
                                        x + (i * channels + c) * plane, count: plane, mean: Float(mean)))
                            }
                            let variance = squares / Double(m)
                            inv = 1 / (variance + epsilon).squareRoot()
                            rm[c] = Float((1 - momentum) * Double(rm[c]) + momentum * mean)
                            rv[c] = Float(
                                (1 - momentum) * Double(rv[c]) + momentum * variance * Double(m) / Double(m - 1))
                        } else {
                            mean = Double(rm[c])
                            inv = 1 / (Double(rv[c]) + epsilon).squareRoot()
                        }
                        means[c] = Float(mean)
                        invs[c] = Float(inv)
                        let a = gamma[c] * Float(inv), b = beta[c] - Float(mean) * gamma[c] * Float(inv)
                        for i in 0..<n {
                            let p = x + (i * channels + c) * plane, q = y + (i * channels + c) * plane
                            if relu {
                                for j in 0..<plane { q[j] = max(a * p[j] + b, 0) }
                            } else {
                                for j in 0..<plane { q[j] = a * p[j] + b }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Given ∂loss/∂output, sets the gradients of ``scale`` and ``shift`` and returns ∂loss/∂input;
    /// after a forward pass with a ReLU, `gradOutput` is the gradient of the ReLU's output, taken
    /// where that output is positive (as ``ReLU/backward(_:)`` does) in the same passes.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("BatchNorm.backward before forward") }
        precondition(gradOutput.shape == input.shape, "BatchNorm: gradient shape \(gradOutput.shape) ≠ \(input.shape)")
        let (n, plane) = geometry(input.shape)
        let m = n * plane
        gradInput.resize(to: input.shape)
        let x = input.storage, gy = gradOutput.storage, gx = gradInput.storage, y = output.storage
        let relu = appliedReLU
        let gamma = scale.value.storage, gGamma = scale.gradient.storage, gBeta = shift.gradient.storage
        let (channels, training) = (channels, wasTraining)
        usedMean.withUnsafeBufferPointer { meanBuffer in
            usedInverseStd.withUnsafeBufferPointer { invBuffer in
                let means = meanBuffer.baseAddress!, invs = invBuffer.baseAddress!
                Parallel.forEachChunk(count: channels, minimumChunk: 1) { _, range in
                    for c in range {
                        let mean = means[c], inv = invs[c]
                        var sumG = 0.0, sumGX = 0.0
                        for i in 0..<n {
                            let p = x + (i * channels + c) * plane, g = gy + (i * channels + c) * plane
                            let (s, d) = Reductions.sumAndCenteredDot(
                                g, p, mask: relu ? y + (i * channels + c) * plane : nil, count: plane, mean: mean)
                            sumG += Double(s)
                            sumGX += Double(d)
                        }
                        sumGX *= Double(inv)
                        gGamma[c] = Float(sumGX)
                        gBeta[c] = Float(sumG)
                        let a = gamma[c] * inv
                        // Training: ∂x = γ·inv/m · (m·∂y − Σ∂y − x̂·Σ(∂y·x̂)); evaluation: ∂x = γ·inv·∂y.
                        let meanG = training ? Float(sumG / Double(m)) : 0
                        let meanGX = training ? Float(sumGX / Double(m)) : 0
                        for i in 0..<n {
                            let p = x + (i * channels + c) * plane, g = gy + (i * channels + c) * plane
                            let q = gx + (i * channels + c) * plane
                            if relu {
                                let r = y + (i * channels + c) * plane
                                for j in 0..<plane {
                                    let gj = g[j]  // loaded first, so the choice is a select, not a branch
                                    q[j] = a * ((r[j] > 0 ? gj : 0) - meanG - (p[j] - mean) * inv * meanGX)
                                }
                            } else {
                                for j in 0..<plane { q[j] = a * (g[j] - meanG - (p[j] - mean) * inv * meanGX) }
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
