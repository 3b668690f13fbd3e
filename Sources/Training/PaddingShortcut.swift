/// The parameter-free "option A" shortcut of He et al. 2016's CIFAR ResNets: take every
/// `stride`-th pixel and pad the channels with zeros, half before and half after.
///
/// `x[n, c, y, x]` goes to `out[n, c + (outChannels − inChannels)/2, y/stride, x/stride]`, as the
/// common PyTorch recipe's `F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))` does.
public final class PaddingShortcut: Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output, at least ``inChannels``; the difference is split evenly as zero channels.
    public let outChannels: Int
    /// Every `stride`-th row and column is kept.
    public let stride: Int
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])
    private var inputShape: [Int] = []

    /// Creates the shortcut; `outChannels − inChannels` must be even.
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
        output.resize(n, outChannels, ho, wo)
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
