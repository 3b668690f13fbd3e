import Foundation

/// Updates parameters from their gradients, one step per batch.
///
/// Layers overwrite their parameters' gradients at every backward pass, so there is nothing to
/// zero between steps.
public protocol Optimizer: AnyObject {
    /// The parameters it updates, in a fixed order.
    var parameters: [Parameter] { get }
    /// The learning rate of the next step; schedules set it before each step.
    var learningRate: Double { get set }
    /// Applies one update from the current gradients.
    func step()
}

/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's
/// `torch.optim.SGD` defines them:
///
/// ```
/// g = ∂L/∂p + weightDecay · p
/// b = g on the first step, else momentum · b + (1 − dampening) · g
/// g = g + momentum · b  (Nesterov)  or  g = b
/// p = p − learningRate · g
/// ```
public final class SGD: Optimizer {
    /// The parameters it updates.
    public let parameters: [Parameter]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// Momentum factor μ; also what one-cycle schedules cycle.
    public var momentum: Double
    /// Dampening of the momentum buffer's new term; 0 by default.
    public let dampening: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// L2 penalty added to the gradient (coupled weight decay, as SGD's `weight_decay`).
    public let weightDecay: Double
    /// The momentum buffers, one per parameter (same shapes), empty until the first step. Set it
    /// to resume from a checkpoint.
    public var buffers: [Tensor] = [] {
        didSet {
            precondition(
                buffers.isEmpty || buffers.map(\.shape) == parameters.map(\.value.shape),
                "SGD: momentum buffers must match the parameters' shapes")
        }
    }

    /// Creates the optimiser with PyTorch's defaults: no momentum, dampening or weight decay.
    public init(
        parameters: [Parameter], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0
    ) {
        precondition(
            !nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func step() {
        let first = buffers.isEmpty && momentum != 0
        if first { buffers = parameters.map { Tensor(shape: $0.value.shape) } }
        let (lr, mu, damp, wd) = (Float(learningRate), Float(momentum), Float(1 - dampening), Float(weightDecay))
        let nesterov = nesterov
        for (i, parameter) in parameters.enumerated() {
            let p = parameter.value.storage, g = parameter.gradient.storage
            let b = momentum != 0 ? buffers[i].storage : nil
            Parallel.forEachChunk(count: parameter.value.count, minimumChunk: 1 << 14) { _, range in
                for j in range {
                    var d = g[j] + wd * p[j]
                    if let b {
                        b[j] = first ? d : mu * b[j] + damp * d
                        d = nesterov ? d + mu * b[j] : b[j]
                    }
                    p[j] -= lr * d
                }
            }
        }
    }
}

/// Adam with decoupled weight decay, as PyTorch's `torch.optim.AdamW` defines it
/// (Loshchilov & Hutter, ICLR 2019):
///
/// ```
/// p = p · (1 − learningRate · weightDecay)
/// m = β1 · m + (1 − β1) · g,   v = β2 · v + (1 − β2) · g²
/// p = p − learningRate / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
public final class AdamW: Optimizer {
    /// The parameters it updates.
    public let parameters: [Parameter]
    /// The learning rate of the next step.
    public var learningRate: Double
    /// Decay of the first moment estimate, β1.
    public let beta1: Double
    /// Decay of the second moment estimate, β2.
    public let beta2: Double
    /// Added to the denominator for stability, ε.
    public let epsilon: Double
    /// Decoupled weight decay, applied as `p · (1 − learningRate · weightDecay)`.
    public let weightDecay: Double
    /// Steps taken so far, t; set it (with the moments' values) to resume from a checkpoint.
    public var stepCount = 0
    /// First moment estimates m, one per parameter.
    public let firstMoments: [Tensor]
    /// Second moment estimates v, one per parameter.
    public let secondMoments: [Tensor]

    /// Creates the optimiser with PyTorch's defaults: learning rate 1e-3, betas (0.9, 0.999),
    /// ε 1e-8, weight decay 1e-2.
    public init(
        parameters: [Parameter], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(shape: $0.value.shape) }
        secondMoments = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let decay = Float(1 - learningRate * weightDecay)
        let stepSize = Float(learningRate / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let (b1, b2, eps) = (Float(beta1), Float(beta2), Float(epsilon))
        for (i, parameter) in parameters.enumerated() {
            let p = parameter.value.storage, g = parameter.gradient.storage
            let m = firstMoments[i].storage, v = secondMoments[i].storage
            Parallel.forEachChunk(count: parameter.value.count, minimumChunk: 1 << 14) { _, range in
                for j in range {
                    p[j] *= decay
                    m[j] = b1 * m[j] + (1 - b1) * g[j]
                    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                    p[j] -= stepSize * m[j] / (v[j].squareRoot() / correction2 + eps)
                }
            }
        }
    }
}
