/// A learnable tensor and the gradient of the loss with respect to it.
public final class Parameter {
    /// A name for checkpoints and messages, e.g. `weight`.
    public let name: String
    /// The current value, updated in place by an optimiser.
    public let value: Tensor
    /// ∂loss/∂value from the last backward pass, same shape as ``value``.
    public let gradient: Tensor

    /// Creates a parameter of the given shape, zero-filled, with a zero gradient.
    public init(name: String, shape: [Int], repeating value: Float = 0) {
        self.name = name
        self.value = Tensor(shape: shape, repeating: value)
        self.gradient = Tensor(shape: shape)
    }
}

/// One differentiable step of a network, with its forward and backward passes.
///
/// A layer owns its output and input-gradient buffers and overwrites them at every call, so the
/// tensors it returns stay valid only until its next ``forward(_:training:)`` or ``backward(_:)``.
/// It keeps a reference to its last input for the backward pass; the caller must not change that
/// input in between.
public protocol Layer: AnyObject {
    /// The learnable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// State that is not learned by gradient but must be saved with the weights (batch norm's
    /// running mean and variance), in a fixed order; PyTorch calls these buffers.
    var statistics: [Tensor] { get }
    /// Computes the output for `input` and keeps what the backward pass needs.
    ///
    /// - Parameters:
    ///   - input: the batch, N first; the layer keeps a reference until its next call.
    ///   - training: whether this is a training step (batch norm uses batch statistics and
    ///     updates its running ones).
    func forward(_ input: Tensor, training: Bool) -> Tensor
    /// Given ∂loss/∂output for the last forward pass, sets every parameter's gradient and returns
    /// ∂loss/∂input.
    func backward(_ gradOutput: Tensor) -> Tensor
}

extension Layer {
    /// No parameters, for layers that learn nothing.
    public var parameters: [Parameter] { [] }
    /// No statistics, for layers that keep none.
    public var statistics: [Tensor] { [] }
}

/// Layers applied one after another.
public final class Sequential: Layer {
    /// The layers, first applied first.
    public let layers: [any Layer]

    /// Creates the chain; `layers[0]` gets the input.
    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public var statistics: [Tensor] { layers.flatMap(\.statistics) }

    /// Whether the last forward pass folded layers together (so their backward passes don't apply).
    private var folded = false

    /// Runs the layers in order. At evaluation time a 3×3 convolution on the direct kernels followed
    /// by a batch norm (and a ReLU) runs as one pass, the batch norm folded into the convolution's
    /// output (``Conv2d/forwardFolding(_:batchNorm:adding:relu:)``), and so does a residual block
    /// ending in such a pair with its shortcut addition and the ReLU after it.
    ///
    /// In training, a batch norm followed by a ReLU runs as one layer (the ReLU applied as the batch
    /// norm writes its output, and its gradient taken inside the batch norm's backward pass): the
    /// same values and gradients as the two layers one after the other, with two passes over the
    /// activations fewer.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        folded = false
        if training {
            var x = input
            var i = 0
            while i < layers.count {
                if let batchNorm = layers[i] as? BatchNorm, i + 1 < layers.count, layers[i + 1] is ReLU {
                    x = batchNorm.forward(x, training: true, relu: true)
                    i += 2
                } else {
                    x = layers[i].forward(x, training: true)
                    i += 1
                }
            }
            return x
        }
        return evaluate(input, adding: nil, relu: false)
    }

    /// Whether the chain ends in a convolution and batch norm that ``evaluate(_:adding:relu:)`` can
    /// fold an addition into.
    var foldsAddition: Bool {
        layers.count >= 2 && layers.last is BatchNorm && (layers[layers.count - 2] as? Conv2d)?.foldsBatchNorm == true
    }

    /// The evaluation pass with folding; with `addend` (only when ``foldsAddition``) the last
    /// convolution's output also gets `addend` added, then a ReLU when `relu`.
    func evaluate(_ input: Tensor, adding addend: Tensor?, relu tailReLU: Bool) -> Tensor {
        precondition(addend == nil || foldsAddition, "Sequential: nothing to fold an addition into")
        var x = input
        var i = 0
        while i < layers.count {
            if let conv = layers[i] as? Conv2d, conv.foldsBatchNorm, i + 1 < layers.count,
                let batchNorm = layers[i + 1] as? BatchNorm
            {
                folded = true
                if let addend, i + 2 == layers.count {
                    x = conv.forwardFolding(x, batchNorm: batchNorm, adding: addend, relu: tailReLU)
                    i += 2
                } else {
                    let relu = i + 2 < layers.count && layers[i + 2] is ReLU
                    x = conv.forwardFolding(x, batchNorm: batchNorm, relu: relu)
                    i += relu ? 3 : 2
                }
                continue
            }
            if let residual = layers[i] as? Residual, residual.body.foldsAddition {
                let relu = i + 1 < layers.count && layers[i + 1] is ReLU
                x = residual.forwardFolding(x, relu: relu)
                folded = true
                i += relu ? 2 : 1
                continue
            }
            x = layers[i].forward(x, training: false)
            i += 1
        }
        return x
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(!folded, "Sequential.backward after an evaluation pass that folded batch norms into convolutions")
        var g = gradOutput
        var i = layers.count - 1
        while i >= 0 {
            // A ReLU that ran inside the batch norm before it: that batch norm's backward takes both.
            if i >= 1, layers[i] is ReLU, let batchNorm = layers[i - 1] as? BatchNorm, batchNorm.appliedReLU {
                g = batchNorm.backward(g)
                i -= 2
            } else {
                g = layers[i].backward(g)
                i -= 1
            }
        }
        return g
    }
}
