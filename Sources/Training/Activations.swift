/// The rectified linear unit, `max(x, 0)` elementwise.
public final class ReLU: Layer {
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])

    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(to: input.shape)
        let x = input.storage, y = output.storage
        Parallel.forEachChunk(count: input.count, minimumChunk: 1 << 14) { _, range in
            for i in range { y[i] = max(x[i], 0) }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(
            gradOutput.shape == output.shape, "ReLU: gradient shape \(gradOutput.shape) ≠ output \(output.shape)")
        gradInput.resize(to: output.shape)
        let y = output.storage, gy = gradOutput.storage, gx = gradInput.storage
        Parallel.forEachChunk(count: output.count, minimumChunk: 1 << 14) { _, range in
            for i in range {
                let g = gy[i]  // load first, so the choice compiles to a select, not a branch
                gx[i] = y[i] > 0 ? g : 0
            }
        }
        return gradInput
    }
}

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

    public init(body: [any Layer], shortcut: [any Layer] = []) {
        self.body = Sequential(body)
        self.shortcut = Sequential(shortcut)
    }

    public var parameters: [Parameter] { body.parameters + shortcut.parameters }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let a = body.forward(input, training: training)
        let b = shortcut.layers.isEmpty ? input : shortcut.forward(input, training: training)
        precondition(a.shape == b.shape, "Residual: body gives \(a.shape), shortcut \(b.shape)")
        output.resize(to: a.shape)
        Kernels.add(a, b, into: output)
        return output
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

/// The parameter-free "option A" shortcut of He et al. 2016's CIFAR ResNets: take every
/// `stride`-th pixel and pad the channels with zeros, half before and half after.
///
/// `x[n, c, y, x]` goes to `out[n, c + (outChannels − inChannels)/2, y/stride, x/stride]`, as the
/// common PyTorch recipe's `F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))` does.
public final class PaddingShortcut: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var inputShape: [Int] = []

    public init(inChannels: Int, outChannels: Int, stride: Int) {
        precondition(
            outChannels >= inChannels && (outChannels - inChannels) % 2 == 0 && stride > 0,
            "PaddingShortcut: needs outChannels ≥ inChannels with an even difference")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(
            input.shape.count == 4 && input.shape[1] == inChannels, "PaddingShortcut: input shape \(input.shape)")
        inputShape = input.shape
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = ((h + stride - 1) / stride, (w + stride - 1) / stride)
        output.resize(to: [n, outChannels, ho, wo])
        let x = input.storage, y = output.storage
        let (cin, cout, s, before) = (inChannels, outChannels, stride, (outChannels - inChannels) / 2)
        Parallel.forEachChunk(count: n * cout, minimumChunk: 64) { _, planes in
            for plane in planes {
                let (i, c) = plane.quotientAndRemainder(dividingBy: cout)
                let yp = y + plane * ho * wo
                guard c >= before && c < before + cin else {
                    yp.update(repeating: 0, count: ho * wo)
                    continue
                }
                let xp = x + (i * cin + c - before) * h * w
                for oy in 0..<ho {
                    for ox in 0..<wo { yp[oy * wo + ox] = xp[oy * s * w + ox * s] }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(
            gradOutput.shape == output.shape, "PaddingShortcut: gradient shape \(gradOutput.shape) ≠ \(output.shape)")
        gradInput.resize(to: inputShape)
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let (ho, wo) = (output.shape[2], output.shape[3])
        let gy = gradOutput.storage, gx = gradInput.storage
        let (cin, cout, s, before) = (inChannels, outChannels, stride, (outChannels - inChannels) / 2)
        Parallel.forEachChunk(count: n * cin, minimumChunk: 64) { _, planes in
            for plane in planes {
                let (i, c) = plane.quotientAndRemainder(dividingBy: cin)
                let gp = gx + plane * h * w, gyp = gy + (i * cout + c + before) * ho * wo
                if s != 1 { gp.update(repeating: 0, count: h * w) }
                for oy in 0..<ho {
                    for ox in 0..<wo { gp[oy * s * w + ox * s] = gyp[oy * wo + ox] }
                }
            }
        }
        return gradInput
    }
}
