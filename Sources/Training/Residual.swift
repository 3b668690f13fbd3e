/// The sum of a residual branch and a shortcut: `body(x) + shortcut(x)`, He et al. 2016.
///
/// The shortcut is the identity when it holds no layers. Both branches must give the same shape.
public final class Residual: Layer {
    /// The branch that learns the residual.
    public let body: Sequential
    /// The branch added to it; empty for the identity.
    public let shortcut: Sequential
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])

    /// Creates the block; an empty `shortcut` is the identity.
    public init(body: [any Layer], shortcut: [any Layer] = []) {
        self.body = Sequential(body)
        self.shortcut = Sequential(shortcut)
    }

    public var parameters: [Parameter] { body.parameters + shortcut.parameters }

    public var statistics: [Tensor] { body.statistics + shortcut.statistics }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let a = body.forward(input, training: training)
        let b = shortcut.layers.isEmpty ? input : shortcut.forward(input, training: training)
        precondition(a.shape == b.shape, "Residual: body gives \(a.shape), shortcut \(b.shape)")
        output.resize(to: a.shape)
        Kernels.add(a, b, into: output)
        return output
    }

    /// The evaluation pass with the shortcut's addition (and, with `relu`, the ReLU after the
    /// block) folded into the body's last convolution; only when `body.foldsAddition`. The
    /// block's backward pass doesn't apply after it.
    func forwardFolding(_ input: Tensor, relu: Bool) -> Tensor {
        let b = shortcut.layers.isEmpty ? input : shortcut.forward(input, training: false)
        return body.evaluate(input, adding: b, relu: relu)
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let ga = body.backward(gradOutput)
        let gb = shortcut.layers.isEmpty ? gradOutput : shortcut.backward(gradOutput)
        precondition(ga.shape == gb.shape, "Residual: branch gradients \(ga.shape) and \(gb.shape) differ")
        gradInput.resize(to: ga.shape)
        Kernels.add(ga, gb, into: gradInput)
        return gradInput
    }
}

/// Elementwise helpers shared by the layers.
enum Kernels {
    /// `out = a + b`, elementwise; all three have the same count (`out` may alias neither).
    static func add(_ a: Tensor, _ b: Tensor, into out: Tensor) {
        precondition(a.count == b.count && a.count == out.count, "add: counts differ")
        let pa = a.storage, pb = b.storage, po = out.storage
        Parallel.forEachChunk(count: out.count, minimumChunk: 1 << 14) { _, range in
            for i in range { po[i] = pa[i] + pb[i] }
        }
    }
}
